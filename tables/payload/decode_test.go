package payload

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"encoding/binary"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestDecode(t *testing.T) {
	stager := empireStager(defaultStager)
	script := `Write-Host "hello from the payload"; Start-Sleep -Seconds 5`
	random := make([]byte, 600)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	// Five base64 layers over the script: only four may be peeled.
	five := []byte(script)
	for range 5 {
		five = b64(five)
	}
	four := []byte(script)
	for range 4 {
		four = b64(four)
	}
	urlText := "~~~~ >>>> ???? powershell -nop -c exit ~~~ >>>"
	urlB64 := base64.RawURLEncoding.EncodeToString([]byte(urlText))
	if !strings.ContainsAny(urlB64, "-_") {
		t.Fatalf("precondition: %q has no URL-alphabet characters", urlB64)
	}
	mime := base64.StdEncoding.EncodeToString(encodeUTF16LE(stager))
	var wrapped strings.Builder
	for i := 0; i < len(mime); i += 76 {
		wrapped.WriteString(mime[i:min(i+76, len(mime))])
		wrapped.WriteString("\r\n")
	}
	loneSurrogate := append(encodeUTF16LE("IEX abc"), 0x00, 0xD8)
	loneSurrogate = append(loneSurrogate, encodeUTF16LE(" def ghi jkl mno")...)
	// A stored block of text long enough that the compressed blocks after
	// it stay under looksText's share of bad bytes.
	lead := strings.Repeat("# "+script+"\n", 80)
	badCRC := gzipBytes(t, []byte(script))
	badCRC[len(badCRC)-8] ^= 0xff

	tests := []struct {
		name       string
		raw        []byte
		layers     []string
		text       string
		compressed bool
	}{
		{"plain command", []byte(script), []string{"utf8"}, script, false},
		{"empty", nil, nil, "", false},
		{"short base64-alphabet word stays text", []byte("Updater"), []string{"utf8"}, "Updater", false},
		{"hex digest is not base64 text", []byte("0123456789abcdef0123456789abcdef"), []string{"utf8"}, "0123456789abcdef0123456789abcdef", false},
		{"utf8 bom dropped", append([]byte{0xEF, 0xBB, 0xBF}, script...), []string{"utf8"}, script, false},
		{"base64 of ascii", b64([]byte(script)), []string{"base64", "utf8"}, script, false},
		{"empire stager base64/utf16le", []byte(empireEncode(stager)), []string{"base64", "utf16le"}, stager, false},
		{"powersploit unicode payload", []byte(empireEncode(script)), []string{"base64", "utf16le"}, script, false},
		{"utf16le with bom inside base64", b64(append([]byte{0xFF, 0xFE}, encodeUTF16LE(script)...)), []string{"base64", "utf16le"}, script, false},
		{"empire ads echo with trailing space and crlf", []byte(empireEncode(stager) + " \r\n"), []string{"base64", "utf16le"}, stager, false},
		{"quoted base64", []byte(`"` + empireEncode(script) + `"`), []string{"base64", "utf16le"}, script, false},
		{"base64 wrapped at 76 columns", []byte(wrapped.String()), []string{"base64", "utf16le"}, stager, false},
		{"base64 missing padding", []byte(strings.TrimRight(empireEncode(script+"x"), "=")), []string{"base64", "utf16le"}, script + "x", false},
		{"url-safe base64", []byte(urlB64), []string{"base64", "utf8"}, urlText, false},
		{"base64/deflate/utf8", b64(deflateRaw(t, []byte(stager))), []string{"base64", "deflate", "utf8"}, stager, true},
		{"base64/zlib/utf8", b64(zlibBytes(t, []byte(stager))), []string{"base64", "zlib", "utf8"}, stager, true},
		{"base64/gzip/utf16le", b64(gzipBytes(t, encodeUTF16LE(stager))), []string{"base64", "gzip", "utf16le"}, stager, true},
		{"gzip/utf8", gzipBytes(t, []byte(script)), []string{"gzip", "utf8"}, script, true},
		{"raw deflate/utf8", deflateRaw(t, []byte(stager)), []string{"deflate", "utf8"}, stager, true},
		{"raw deflate led by a stored text block", storedThenDeflate(t, lead, stager), []string{"deflate", "utf8"}, lead + stager, true},
		{"base64 of raw deflate led by a stored block", b64(storedThenDeflate(t, lead, stager)), []string{"base64", "deflate", "utf8"}, lead + stager, true},
		{"raw deflate all stored", deflateStored(t, []byte(stager)), []string{"deflate", "utf8"}, stager, true},
		{"gzip with bad crc still peeled", badCRC, []string{"gzip", "utf8"}, script, true},
		{"double base64", b64(b64([]byte(script))), []string{"base64", "base64", "utf8"}, script, false},
		{"five layers stop at four", five, []string{"base64", "base64", "base64", "base64", "utf8"}, string(b64([]byte(script))), false},
		{"four layers fully peeled", four, []string{"base64", "base64", "base64", "base64", "utf8"}, script, false},
		{"random binary", random, nil, "", false},
		{"base64 of random binary is left as text", b64(random), []string{"utf8"}, string(b64(random)), false},
		{"mixed base64 alphabets are not base64", []byte("abcd+efgh-ijkl/mnop_qrst"), []string{"utf8"}, "abcd+efgh-ijkl/mnop_qrst", false},
		{"raw utf16le with bom", append([]byte{0xFF, 0xFE}, encodeUTF16LE(script)...), []string{"utf16le"}, script, false},
		{"raw utf16le with nul terminator", append(encodeUTF16LE(script), 0, 0), []string{"utf16le"}, script, false},
		{"utf16le lone surrogate replaced", loneSurrogate, []string{"utf16le"}, "IEX abc\uFFFD def ghi jkl mno", false},
		{"utf16le odd length dangling byte", append(encodeUTF16LE(script), 'x'), []string{"utf16le"}, script + "\uFFFD", false},
		{"utf16le odd length dangling nul", append(encodeUTF16LE(script), 0), []string{"utf16le"}, script, false},
		{"latin-1 text keeps its letters", []byte("Caf\xe9 r\xe9sum\xe9 -- a long enough ANSI line of text"), []string{"utf8"}, "Caf\uFFFD r\uFFFDsum\uFFFD -- a long enough ANSI line of text", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Decode(tt.raw)
			if !slices.Equal(got.Layers, tt.layers) {
				t.Errorf("Layers = %q, want %q", got.Layers, tt.layers)
			}
			if got.Text != tt.text {
				t.Errorf("Text = %.120q, want %.120q", got.Text, tt.text)
			}
			if got.Compressed != tt.compressed {
				t.Errorf("Compressed = %v, want %v", got.Compressed, tt.compressed)
			}
			if got.Truncated {
				t.Errorf("Truncated = true, want false")
			}
			if !utf8.ValidString(got.Text) {
				t.Errorf("Text is not valid UTF-8")
			}
			if got.Encoding() != strings.Join(tt.layers, "/") {
				t.Errorf("Encoding() = %q", got.Encoding())
			}
		})
	}
}

func TestResultEncoding(t *testing.T) {
	tests := []struct {
		layers []string
		want   string
	}{
		{nil, ""},
		{[]string{"utf8"}, "utf8"},
		{[]string{"base64", "utf16le"}, "base64/utf16le"},
		{[]string{"base64", "deflate", "utf8"}, "base64/deflate/utf8"},
	}
	for _, tt := range tests {
		if got := (Result{Layers: tt.layers}).Encoding(); got != tt.want {
			t.Errorf("Encoding(%q) = %q, want %q", tt.layers, got, tt.want)
		}
	}
}

// zeroBombDeflate builds a raw deflate stream of total zero bytes by
// repeating one byte-aligned, flushed 1 MiB block, so the test never has to
// compress a gigabyte. total must be a multiple of 1 MiB.
func zeroBombDeflate(t testing.TB, total int) []byte {
	t.Helper()
	const chunk = 1 << 20
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		t.Fatalf("flate writer: %v", err)
	}
	if _, err := w.Write(make([]byte, chunk)); err != nil {
		t.Fatalf("flate write: %v", err)
	}
	if err := w.Flush(); err != nil {
		t.Fatalf("flate flush: %v", err)
	}
	block := buf.Bytes()
	// A block of zeros refers back only to zeros, so it is valid after any
	// number of its copies. 0x03 0x00 is an empty final fixed-Huffman block.
	stream := bytes.Repeat(block, total/chunk)
	return append(stream, 0x03, 0x00)
}

// zeroBombZlib wraps zeroBombDeflate in a zlib header and a correct Adler-32.
func zeroBombZlib(t testing.TB, total int) []byte {
	t.Helper()
	out := append([]byte{0x78, 0xDA}, zeroBombDeflate(t, total)...)
	// Adler-32 of zeros: a stays 1, b gains 1 per byte.
	return binary.BigEndian.AppendUint32(out, uint32(total%65521)<<16|1)
}

// measureAlloc runs f once and returns the bytes it allocated.
func measureAlloc(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

const allocBudget = 64 << 20

func TestDecodeBombs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds multi-megabyte inputs")
	}
	const gib = 1 << 30
	deflateBomb := zeroBombDeflate(t, gib)
	nested := gzipBytes(t, zeroBombZlib(t, gib))

	textFlood := gzipBytes(t, bytes.Repeat([]byte("hello, world! "), (32<<20)/14))
	lyingSmall := bytes.Clone(textFlood)
	binary.LittleEndian.PutUint32(lyingSmall[len(lyingSmall)-4:], 100)

	tests := []struct {
		name      string
		raw       []byte
		maxRaw    int
		layers    []string
		textLen   int
		truncated bool
	}{
		{"nested gzip of zlib, 1 GiB of zeros", nested, 16 << 10, []string{"gzip", "zlib"}, 0, true},
		{"raw deflate, 1 GiB of zeros", deflateBomb, 4 << 20, []string{"deflate"}, 0, true},
		{"base64 of nested bomb", b64(nested), 32 << 10, []string{"base64", "gzip", "zlib"}, 0, true},
		{"gzip of 32 MiB text, ISIZE claims 100", lyingSmall, 1 << 20, []string{"gzip", "utf8"}, MaxExpanded, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.raw) > tt.maxRaw {
				t.Fatalf("precondition: input is %d bytes, want at most %d", len(tt.raw), tt.maxRaw)
			}
			var got Result
			alloc := measureAlloc(func() { got = Decode(tt.raw) })
			t.Logf("input %d bytes, allocated %d MiB", len(tt.raw), alloc>>20)
			if !slices.Equal(got.Layers, tt.layers) {
				t.Errorf("Layers = %q, want %q", got.Layers, tt.layers)
			}
			if got.Truncated != tt.truncated || !got.Compressed {
				t.Errorf("Truncated = %v, Compressed = %v; want %v, true", got.Truncated, got.Compressed, tt.truncated)
			}
			if len(got.Text) != tt.textLen {
				t.Errorf("len(Text) = %d, want %d", len(got.Text), tt.textLen)
			}
			if alloc > allocBudget {
				t.Errorf("allocated %d MiB, budget %d MiB", alloc>>20, allocBudget>>20)
			}
		})
	}
}

func TestDecodeLyingISIZELarge(t *testing.T) {
	script := empireStager(defaultStager)
	raw := gzipBytes(t, []byte(script))
	binary.LittleEndian.PutUint32(raw[len(raw)-4:], 0xFFFFFFFF)
	var got Result
	alloc := measureAlloc(func() { got = Decode(raw) })
	if got.Text != script || got.Truncated || got.Encoding() != "gzip/utf8" {
		t.Errorf("Decode = %q, truncated %v, text %d bytes; want gzip/utf8 with the script", got.Encoding(), got.Truncated, len(got.Text))
	}
	if alloc > 4<<20 {
		t.Errorf("allocated %d KiB for a %d-byte stream claiming 4 GiB", alloc>>10, len(raw))
	}
}

func TestDecodeLargeBase64(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 10 MB input")
	}
	script := empireStager(defaultStager) + "\n"
	text := strings.Repeat(script, (10<<20)*3/4/2/len(script))
	raw := []byte(empireEncode(text))
	if len(raw) < 9<<20 {
		t.Fatalf("precondition: input is %d bytes", len(raw))
	}
	var got Result
	alloc := measureAlloc(func() { got = Decode(raw) })
	t.Logf("input %d bytes, allocated %d MiB", len(raw), alloc>>20)
	if got.Encoding() != "base64/utf16le" || got.Text != text || got.Truncated {
		t.Errorf("Decode = %q, truncated %v, text %d bytes; want base64/utf16le, %d bytes", got.Encoding(), got.Truncated, len(got.Text), len(text))
	}
	if alloc > allocBudget {
		t.Errorf("allocated %d MiB, budget %d MiB", alloc>>20, allocBudget>>20)
	}
}

func TestDecodeOversizedInputsAreCut(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 20+ MB inputs")
	}
	line := []byte("hello, world! ")
	plain := bytes.Repeat(line, (20<<20)/len(line))
	b64Big := b64(plain)
	// 3 UTF-8 bytes per unit; without NUL high bytes only the BOM tells it.
	utf16Big := append([]byte{0xFF, 0xFE}, encodeUTF16LE(strings.Repeat("\u20ac", MaxExpanded/3+10))...)

	tests := []struct {
		name   string
		raw    []byte
		layers []string
	}{
		{"plain text over the cap", plain, []string{"utf8"}},
		{"base64 decoding past the cap", b64Big, []string{"base64", "utf8"}},
		{"utf16le expanding past the cap", utf16Big, []string{"utf16le"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got Result
			alloc := measureAlloc(func() { got = Decode(tt.raw) })
			if !slices.Equal(got.Layers, tt.layers) || !got.Truncated {
				t.Errorf("Layers = %q, Truncated = %v; want %q, true", got.Layers, got.Truncated, tt.layers)
			}
			if len(got.Text) > MaxExpanded || len(got.Text) < MaxExpanded-4 {
				t.Errorf("len(Text) = %d, want just under %d", len(got.Text), MaxExpanded)
			}
			if !utf8.ValidString(got.Text) {
				t.Errorf("Text is not valid UTF-8")
			}
			if alloc > allocBudget {
				t.Errorf("allocated %d MiB, budget %d MiB", alloc>>20, allocBudget>>20)
			}
		})
	}
}

func BenchmarkDecode(b *testing.B) {
	raw := []byte(empireEncode(empireStager(stagerOptions{host: "c2.example.invalid", userAgent: defaultStager.userAgent, padTo: 2600})))
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if r := Decode(raw); r.Encoding() != "base64/utf16le" {
			b.Fatalf("Encoding = %q", r.Encoding())
		}
	}
}
