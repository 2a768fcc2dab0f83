package regfile_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/runkeyhunt/runkeyhunt/tables/registry"
	"github.com/runkeyhunt/runkeyhunt/tables/registry/hivefile/hivetest"
	"github.com/runkeyhunt/runkeyhunt/tables/registry/regfile"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func dumpAll(t *testing.T, hives []*registry.MemHive) string {
	t.Helper()
	var sb strings.Builder
	for _, h := range hives {
		s, err := hivetest.Dump(h, "")
		if err != nil {
			t.Fatal(err)
		}
		sb.WriteString(s)
	}
	return sb.String()
}

func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.reg")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			hives, warnings, err := regfile.Parse(f, path)
			if err != nil || len(warnings) > 0 {
				t.Fatal(err, warnings)
			}
			got := dumpAll(t, hives)
			golden := strings.TrimSuffix(path, ".reg") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create)", err)
			}
			if got != string(want) {
				t.Errorf("dump differs from %s:\n--- got\n%s\n--- want\n%s", golden, got, want)
			}
		})
	}
}

func parseString(t *testing.T, text string) []*registry.MemHive {
	t.Helper()
	hives, warnings, err := regfile.Parse(strings.NewReader(text), "test.reg")
	if err != nil || len(warnings) > 0 {
		t.Fatal(err, warnings)
	}
	return hives
}

// TestValues checks decoded values directly, independent of the golden dumps.
func TestValues(t *testing.T) {
	hives := parseString(t, "Windows Registry Editor Version 5.00\r\n\r\n"+
		"[HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n"+
		`"Updater"="\"C:\\Windows\\powershell.exe\" -enc AAAA"`+"\r\n"+
		`"Exp"=hex(2):25,00,41,00,25,00,00,00`+"\r\n"+
		`"Multi"=hex(7):61,00,00,00,62,00,00,00,00,00`+"\r\n"+
		`"D"=dword:0000002A`+"\r\n"+
		`"Cont"=hex:01,02,\`+"\r\n"+
		"    03,04\r\n"+
		`@="def"`+"\r\n")
	if len(hives) != 1 {
		t.Fatalf("got %d hives, want 1", len(hives))
	}
	info := hives[0].Info()
	if info.Root != "HKEY_CURRENT_USER" || info.Scope != registry.ScopeUser || info.SID != "" || info.SourceFile != "test.reg" {
		t.Errorf("info = %+v", info)
	}
	k, err := hives[0].Key(`software\microsoft\windows\currentversion\run`)
	if err != nil {
		t.Fatal(err)
	}
	if k.Path != `HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Run` || !k.ModTime.IsZero() {
		t.Errorf("key = %q mtime %v", k.Path, k.ModTime)
	}
	tests := []struct {
		name, str string
		typ       uint32
		data      []byte
	}{
		{"Updater", `"C:\Windows\powershell.exe" -enc AAAA`, registry.RegSZ, registry.EncodeUTF16(`"C:\Windows\powershell.exe" -enc AAAA`)},
		{"Exp", "%A%", registry.RegExpandSZ, registry.EncodeUTF16("%A%")},
		{"Multi", "a\nb", registry.RegMultiSZ, []byte{'a', 0, 0, 0, 'b', 0, 0, 0, 0, 0}},
		{"D", "42", registry.RegDWORD, []byte{42, 0, 0, 0}},
		{"Cont", "01020304", registry.RegBinary, []byte{1, 2, 3, 4}},
		{"", "def", registry.RegSZ, registry.EncodeUTF16("def")},
	}
	for _, tt := range tests {
		v, ok := k.Value(tt.name)
		if !ok {
			t.Errorf("value %q missing", tt.name)
			continue
		}
		if v.Type != tt.typ || !bytes.Equal(v.Data, tt.data) || v.String() != tt.str {
			t.Errorf("value %q = type %d data %x (%q), want type %d data %x (%q)", tt.name, v.Type, v.Data, v.String(), tt.typ, tt.data, tt.str)
		}
	}
}

func TestRouting(t *testing.T) {
	hives := parseString(t, "REGEDIT4\n"+
		"[HKEY_USERS\\S-1-5-21-1-2-3-1001\\Software\\Run]\n\"a\"=\"1\"\n"+
		"[HKU\\S-1-5-21-1-2-3-1000\\Software]\n"+
		"[HKLM\\SOFTWARE\\X]\n"+
		"[HKCU\\Software\\Y]\n"+
		"[HKEY_CURRENT_CONFIG\\Z]\n\"z\"=\"skipped\"\n")
	var roots []string
	for _, h := range hives {
		info := h.Info()
		roots = append(roots, info.Root+"|"+info.Scope+"|"+info.SID)
	}
	want := []string{
		"HKEY_LOCAL_MACHINE|machine|",
		"HKEY_CURRENT_USER|user|",
		`HKEY_USERS\S-1-5-21-1-2-3-1000|user|S-1-5-21-1-2-3-1000`,
		`HKEY_USERS\S-1-5-21-1-2-3-1001|user|S-1-5-21-1-2-3-1001`,
	}
	if strings.Join(roots, "\n") != strings.Join(want, "\n") {
		t.Errorf("hives:\n%s\nwant:\n%s", strings.Join(roots, "\n"), strings.Join(want, "\n"))
	}
	k, err := hives[3].Key(`Software\Run`)
	if err != nil {
		t.Fatal(err)
	}
	if k.Path != `HKEY_USERS\S-1-5-21-1-2-3-1001\Software\Run` {
		t.Errorf("path = %q", k.Path)
	}
}

// TestClassesViews: HKEY_CLASSES_ROOT keys are the machine's
// SOFTWARE\Classes, and a user's classes hive (HKEY_USERS\<SID>_Classes)
// is that user's Software\Classes, merged with the keys spelled that way.
func TestClassesViews(t *testing.T) {
	hives := parseString(t, "Windows Registry Editor Version 5.00\n"+
		"[HKEY_CLASSES_ROOT\\CLSID\\{1}\\InprocServer32]\n@=\"a.dll\"\n"+
		"[HKEY_LOCAL_MACHINE\\SOFTWARE\\Classes\\CLSID\\{2}]\n"+
		"[HKEY_USERS\\S-1-5-21-1-2-3-1001_Classes\\ms-settings\\shell\\open\\command]\n@=\"cmd.exe\"\n"+
		"[HKEY_USERS\\S-1-5-21-1-2-3-1001\\Software\\Classes\\mscfile]\n")
	if len(hives) != 2 {
		t.Fatalf("%d hives, want the machine and one user", len(hives))
	}
	k, err := hives[0].Key(`SOFTWARE\Classes\CLSID\{1}\InprocServer32`)
	if err != nil {
		t.Fatal(err)
	}
	if k.Path != `HKEY_LOCAL_MACHINE\SOFTWARE\Classes\CLSID\{1}\InprocServer32` || len(k.Values) != 1 {
		t.Errorf("HKCR key = %+v", k)
	}
	if clsid, err := hives[0].Key(`SOFTWARE\Classes\CLSID`); err != nil || len(clsid.Subkeys) != 2 {
		t.Errorf("SOFTWARE\\Classes\\CLSID = %+v, %v; want both spellings' subkeys", clsid, err)
	}
	if info := hives[1].Info(); info.Root != `HKEY_USERS\S-1-5-21-1-2-3-1001` || info.SID != "S-1-5-21-1-2-3-1001" {
		t.Errorf("user hive = %+v", info)
	}
	k, err = hives[1].Key(`Software\Classes\ms-settings\shell\open\command`)
	if err != nil {
		t.Fatal(err)
	}
	if k.Path != `HKEY_USERS\S-1-5-21-1-2-3-1001\Software\Classes\ms-settings\shell\open\command` || len(k.Values) != 1 {
		t.Errorf("classes hive key = %+v", k)
	}
	if classes, err := hives[1].Key(`Software\Classes`); err != nil || len(classes.Subkeys) != 2 {
		t.Errorf("Software\\Classes = %+v, %v; want both spellings' subkeys", classes, err)
	}
}

// TestErrors: input that is no .reg export is an error naming the file.
func TestErrors(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"no header", "[HKCU\\A]\n", "header"},
		{"wrong header", "hello\n", "line 1"},
		{"empty", "", "header"},
		{"header line too long", strings.Repeat(" ", regfile.MaxLineBytes+10) + "x\n", "line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := regfile.Parse(strings.NewReader(tt.text), "bad.reg")
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), "bad.reg") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not name the file and %q", err, tt.want)
			}
		})
	}
}

// TestBadLines: a bad line is a warning naming the file and line, and the
// values before and after it are still read (one bad line used to lose
// the whole file).
func TestBadLines(t *testing.T) {
	const v5 = "Windows Registry Editor Version 5.00\r\n"
	huge := "\"big\"=\"" + strings.Repeat("x", registry.MaxValueBytes/2) + "\"\r\n"
	tests := []struct {
		name, lines, want string
	}{
		{"value before key", "\"a\"=\"b\"\r\n", "line 2"},
		{"unknown root", "[HKEY_NOWHERE\\A]\r\n\"lost\"=\"x\"\r\n", "line 2"},
		{"garbage line", "not a value\r\n", "line 2"},
		{"unterminated name", "\"abc=1\r\n", "line 2"},
		{"unterminated string", "\"a\"=\"abc\r\n", "line 2"},
		{"missing equals", "\"a\" \"b\"\r\n", "line 2"},
		{"junk after string", "\"a\"=\"b\" c\r\n", "line 2"},
		{"bad dword", "\"a\"=dword:xyz\r\n", "line 2"},
		{"long dword", "\"a\"=dword:123456789\r\n", "line 2"},
		{"bad hex byte", "\"a\"=hex:01,zz\r\n", "line 2"},
		{"hex byte too wide", "\"a\"=hex:123\r\n", "line 2"},
		{"bad hex type", "\"a\"=hex(q):01\r\n", "line 2"},
		{"bad hex on continued line", "\"a\"=hex:01,\\\r\n  02,g1,\\\r\n  03\r\n", "line 3"},
		{"bad hex before continued lines", "\"a\"=hex:zz,\\\r\n  02,\\\r\n  03\r\n", "line 2"},
		{"unsupported data", "\"a\"=str:x\r\n", "line 2"},
		{"key without bracket", "[HKCU\\B\r\n\"lost\"=\"x\"\r\n", "line 2"},
		{"value too big", huge, "larger than"},
		{"line too long", "\"long\"=\"" + strings.Repeat("y", regfile.MaxLineBytes) + "\"\r\n", "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The bad lines come after [HKCU\A] "good1" (lines 1-3 of the
			// body, so the header is line 1 and tt.lines start at line 4
			// of the file) and before [HKCU\C] "good2".
			text := v5 + "[HKCU\\A]\r\n\"good1\"=\"1\"\r\n" + tt.lines + "[HKCU\\C]\r\n\"good2\"=\"2\"\r\n"
			if strings.HasPrefix(tt.name, "value before key") {
				text = v5 + tt.lines + "[HKCU\\A]\r\n\"good1\"=\"1\"\r\n[HKCU\\C]\r\n\"good2\"=\"2\"\r\n"
			}
			hives, warnings, err := regfile.Parse(strings.NewReader(text), "bad.reg")
			if err != nil {
				t.Fatal(err)
			}
			if len(warnings) != 1 {
				t.Fatalf("%d warnings, want 1: %v", len(warnings), warnings)
			}
			want := tt.want
			if strings.HasPrefix(want, "line ") && tt.name != "value before key" {
				var n int
				fmt.Sscanf(want, "line %d", &n)
				want = fmt.Sprintf("line %d", n+2)
			}
			if w := warnings[0].Error(); !strings.Contains(w, "bad.reg") || !strings.Contains(w, want) {
				t.Errorf("warning %q does not name the file and %q", w, want)
			}
			for _, kv := range [][2]string{{"A", "good1"}, {"C", "good2"}} {
				k, err := hives[0].Key(kv[0])
				if err != nil {
					t.Fatalf("key %s: %v", kv[0], err)
				}
				if v, ok := k.Value(kv[1]); !ok || v.String() != kv[1][4:] {
					t.Errorf("%s\\%s = %q, %v", kv[0], kv[1], v.String(), ok)
				}
				if _, ok := k.Value("lost"); ok {
					t.Errorf("value of a bad key line kept")
				}
			}
		})
	}
}

func TestContinuationAtEOF(t *testing.T) {
	text := "Windows Registry Editor Version 5.00\r\n[HKCU\\A]\r\n\"good\"=\"1\"\r\n\"a\"=hex:01,\\\r\n"
	hives, warnings, err := regfile.Parse(strings.NewReader(text), "bad.reg")
	if err != nil || len(warnings) != 1 || !strings.Contains(warnings[0].Error(), "ends inside") {
		t.Fatalf("err %v warnings %v", err, warnings)
	}
	k, err := hives[0].Key("A")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := k.Value("good"); !ok {
		t.Error("good value lost")
	}
}

// TestEncodingsAgree parses the same content written as UTF-16LE, UTF-8
// with BOM, UTF-8 without BOM and LF endings: the hives must be identical.
func TestEncodingsAgree(t *testing.T) {
	text := "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\Software\\Ünïcode]\r\n\"Grüße\"=\"日本語 ✓ 😀\"\r\n\"h\"=hex:01,\\\r\n  02\r\n"
	var u16 bytes.Buffer
	u16.Write([]byte{0xFF, 0xFE})
	for _, r := range text {
		if r > 0xFFFF {
			r -= 0x10000
			hi, lo := 0xD800+(r>>10), 0xDC00+(r&0x3FF)
			u16.Write([]byte{byte(hi), byte(hi >> 8), byte(lo), byte(lo >> 8)})
			continue
		}
		u16.Write([]byte{byte(r), byte(r >> 8)})
	}
	variants := map[string][]byte{
		"utf16le": u16.Bytes(),
		"utf8bom": append([]byte{0xEF, 0xBB, 0xBF}, text...),
		"utf8":    []byte(text),
		"utf8lf":  []byte(strings.ReplaceAll(text, "\r\n", "\n")),
	}
	var first string
	for _, name := range []string{"utf16le", "utf8bom", "utf8", "utf8lf"} {
		hives, warnings, err := regfile.Parse(bytes.NewReader(variants[name]), "x.reg")
		if err != nil || len(warnings) > 0 {
			t.Fatalf("%s: %v %v", name, err, warnings)
		}
		got := dumpAll(t, hives)
		if !strings.Contains(got, "Ünïcode") {
			t.Fatalf("%s: key name mangled:\n%s", name, got)
		}
		if first == "" {
			first = got
		} else if got != first {
			t.Errorf("%s differs:\n%s\nwant\n%s", name, got, first)
		}
	}
}

func TestRegedit4IsANSI(t *testing.T) {
	hives := parseString(t, "REGEDIT4\r\n[HKCU\\A]\r\n\"s\"=\"caf\xe9 \x80\"\r\n\"e\"=hex(2):25,41,e9,00\r\n")
	k, err := hives[0].Key("A")
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := k.Value("s"); v.String() != "café €" {
		t.Errorf("s = %q", v.String())
	}
	if v, _ := k.Value("e"); !bytes.Equal(v.Data, registry.EncodeUTF16("%Aé")) {
		t.Errorf("e = %x, want UTF-16LE of %%Aé", v.Data)
	}
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.reg")
	for _, path := range files {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("REGEDIT4\n[HKCU\\A]\n\"a\"=hex(7):00,\\\n 01\n"))
	f.Add([]byte("Windows Registry Editor Version 5.00\n[-HKU\\S-1]\n[HKU\\S-1\\x]\n@=dword:1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		hives, warnings, err := regfile.Parse(bytes.NewReader(data), "fuzz.reg")
		for _, w := range warnings {
			if !strings.Contains(w.Error(), "fuzz.reg") {
				t.Fatalf("warning does not name the file: %v", w)
			}
		}
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.reg") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		for _, h := range hives {
			if _, err := hivetest.Dump(h, ""); err != nil && !strings.Contains(err.Error(), "deeper than") {
				t.Fatalf("dump: %v", err)
			}
		}
	})
}

func BenchmarkParseReg(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("Windows Registry Editor Version 5.00\r\n\r\n")
	for i := 0; sb.Len() < 5<<20; i++ {
		sb.WriteString("[HKEY_USERS\\S-1-5-21-1-2-3-1001\\Software\\Vendor\\App")
		sb.WriteString(strconv.Itoa(i))
		sb.WriteString("\\Key]\r\n\"Command\"=\"\\\"C:\\\\Program Files\\\\App\\\\app.exe\\\" /run\"\r\n")
		sb.WriteString("\"Flags\"=dword:00000001\r\n\"Blob\"=hex:00,01,02,03,04,05,06,07,08,09,0a,0b,0c,0d,0e,0f,\\\r\n  10,11,12,13\r\n\r\n")
	}
	data := []byte(sb.String())
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := regfile.Parse(bytes.NewReader(data), "bench.reg"); err != nil {
			b.Fatal(err)
		}
	}
}
