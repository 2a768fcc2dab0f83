package payload

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// looksUTF16LEByUnit is looksUTF16LE as it was, two passes one unit at a
// a time; FuzzLooksUTF16LE checks the one-pass version against it. It reports whether b is UTF-16LE text: a BOM or a NUL high byte
// in most code units (scripts are mostly ASCII), and almost all units
// printable.
func looksUTF16LEByUnit(b []byte) bool {
	bom := bytes.HasPrefix(b, bomUTF16LE)
	if bom {
		b = b[2:]
	}
	b = trimUTF16Nulls(b)
	if len(b) < 2 {
		return false
	}
	sample := b[:min(len(b), sampleSize)&^1]
	units := len(sample) / 2
	if !bom {
		// Cheap test first: without a BOM only NUL high bytes tell UTF-16LE
		// from 8-bit text.
		asciiLike := 0
		for i := 0; i+1 < len(sample); i += 2 {
			if sample[i+1] == 0 && sample[i] != 0 {
				asciiLike++
			}
		}
		if asciiLike*100 < units*60 {
			return false
		}
	}
	good := 0
	for i := 0; i+1 < len(sample); i += 2 {
		u := rune(uint16(sample[i]) | uint16(sample[i+1])<<8)
		switch {
		case u < 0x80:
			if u >= 0x20 && u < 0x7f || u == '\t' || u == '\r' || u == '\n' {
				good++
			}
		case utf16.IsSurrogate(u):
			good++ // pairing is checked on conversion; lone ones become U+FFFD
		case unicode.IsPrint(u):
			good++
		}
	}
	return good*100 >= units*90
}

// FuzzLooksUTF16LE: the one-pass looksUTF16LE answers as the two-pass one
// did, on the bytes and on their UTF-16LE encoding.
func FuzzLooksUTF16LE(f *testing.F) {
	for _, s := range []string{"IEX $x", "\xff\xfeI\x00E\x00", "h\x00\xe9\x00l\x00l\x00o\x00\x00\x00", "plain 8-bit text", "a\x00\x7f\x00b\x00c\x00\x1f\x00"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, in := range [][]byte{b, encodeUTF16LE(string(b)), append([]byte{0xFF, 0xFE}, b...)} {
			if got, want := looksUTF16LE(in), looksUTF16LEByUnit(in); got != want {
				t.Fatalf("looksUTF16LE(%q) = %v, two-pass %v", in, got, want)
			}
		}
	})
}

func TestIsPrintableASCIIUnits(t *testing.T) {
	for u := 0; u < 0x10000; u++ {
		for lane := 0; lane < 4; lane++ {
			v := uint64(0x0041_0041_0041_0041)&^(0xffff<<(16*lane)) | uint64(u)<<(16*lane)
			want := u >= 0x20 && u <= 0x7e
			if got := isPrintableASCIIUnits(v); got != want {
				t.Fatalf("unit %#04x in lane %d: %v, want %v", u, lane, got, want)
			}
		}
	}
}

// FuzzCompactBase64: slicing a body classifyBase64 calls plain gives what
// the general path (trim, then drop white space and padding) gives.
func FuzzCompactBase64(f *testing.F) {
	f.Add([]byte("SQBFAFgAIAAkAHgA"), 8)
	f.Add([]byte("SQBF AFgA\r\nIAAk AHgA=="), 12)
	f.Add([]byte("ab-_cd-_ef-_gh-_"), 100)
	f.Add([]byte("SQBFAFgAIAAkAHgAIQ=="), 100)
	f.Fuzz(func(t *testing.T, b []byte, n int) {
		if n < 0 {
			return
		}
		_, _, plain, ok := classifyBase64(b)
		if !ok || !plain {
			return
		}
		if got, want := compactBase64(b, n, true), compactBase64(b, n, false); !bytes.Equal(got, want) {
			t.Fatalf("compactBase64(%q, %d): plain %q, general %q", b, n, got, want)
		}
	})
}

// FuzzByteCounts: the four-table count equals one count per byte.
func FuzzByteCounts(f *testing.F) {
	f.Add([]byte("I\x00E\x00X\x00"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		var want [256]int
		for _, c := range b {
			want[c]++
		}
		if got := byteCounts(b); got != want {
			t.Fatalf("byteCounts(%q) differs from one count per byte", b)
		}
	})
}

// looksTextByByte is looksText as it was, one byte or rune at a time;
// FuzzLooksText checks the word-at-a-time version against it.
func looksTextByByte(b []byte) bool {
	b = bytes.TrimRight(b, "\x00")
	if len(b) == 0 {
		return false
	}
	sample := b[:min(len(b), sampleSize)]
	bad, total := 0, 0
	for i := 0; i < len(sample); {
		r, size := utf8.DecodeRune(sample[i:])
		total++
		switch {
		case r == utf8.RuneError && size <= 1:
			if i+size < len(sample) || len(sample) == len(b) {
				bad++
			}
		case r < 0x20 && !isSpace(byte(r)), r == 0x7f:
			bad++
		}
		i += size
	}
	return bad*100 <= total*maxBadTextPercent
}

// FuzzLooksText: looksText answers as the byte-by-byte version, on the
// bytes, on them past a sample's end, and after a run of plain text.
func FuzzLooksText(f *testing.F) {
	for _, s := range []string{"IEX $x;\r\n\tWrite-Host 'caf\u00e9'", "\x7f\x01\x02abcdefgh\x00\x00", "\xe9t\xe9 \xff\xfe", strings.Repeat("A\x1b", 9)} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		long := append(bytes.Repeat([]byte("x"), sampleSize-3), b...)
		for _, in := range [][]byte{b, append([]byte("plain text, then "), b...), long} {
			if got, want := looksText(in), looksTextByByte(in); got != want {
				t.Fatalf("looksText(%q) = %v, byte by byte %v", in, got, want)
			}
		}
	})
}

func TestIsPrintableASCII8(t *testing.T) {
	for c := 0; c < 256; c++ {
		for lane := 0; lane < 8; lane++ {
			v := uint64(0x4141_4141_4141_4141)&^(0xff<<(8*lane)) | uint64(c)<<(8*lane)
			if got, want := isPrintableASCII8(v), c >= 0x20 && c <= 0x7e; got != want {
				t.Fatalf("byte %#02x in lane %d: %v, want %v", c, lane, got, want)
			}
		}
	}
}

// FuzzASCIILikeUnits: the word-at-a-time count answers as countUnits'
// unit-by-unit one, for every threshold.
func FuzzASCIILikeUnits(f *testing.F) {
	f.Add([]byte("I\x00E\x00X\x00 \x00\x00\x00\x00A"), 3)
	f.Add([]byte("plain 8-bit text"), 1)
	f.Fuzz(func(t *testing.T, b []byte, need int) {
		b = b[:len(b)&^1]
		if got, want := enoughASCIILikeUnits(b, need), countUnits(b, need, false); got != want {
			t.Fatalf("enoughASCIILikeUnits(%q, %d) = %v, countUnits %v", b, need, got, want)
		}
	})
}

// classifyBase64ByByte is classifyBase64 as it was, one switch a byte;
// FuzzClassifyBase64 checks the version with a first fast run against it.
func classifyBase64ByByte(b []byte) (enc *base64.Encoding, chars int, plain, ok bool) {
	std, url, pad, spaces := false, false, 0, false
	for _, c := range b {
		class := base64Class[c]
		switch {
		case class == b64Alnum && pad == 0:
		case class == b64Space:
			spaces = true
			continue
		case class == b64Pad:
			pad++
			continue
		case pad > 0 || class == b64Other:
			return nil, 0, false, false
		case class == b64Std:
			std = true
		case class == b64URL:
			url = true
		}
		chars++
	}
	if pad > 2 || (std && url) || chars < minBase64Chars {
		return nil, 0, false, false
	}
	if url {
		return base64.RawURLEncoding, chars, !spaces, true
	}
	return base64.RawStdEncoding, chars, !spaces, true
}

func FuzzClassifyBase64(f *testing.F) {
	for _, s := range []string{"SQBFAFgAIAAkAHgAIQ==", "ab-_cd-_ef-_gh-_ij", "ab+/cd-_ef+/gh-_ij", "SQBF AFgA\r\nIAAk AHgA==", "SQBFAFgAIAAkAHgA=x", "#SQBFAFgAIAAkAHgA"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		enc, chars, plain, ok := classifyBase64(b)
		wenc, wchars, wplain, wok := classifyBase64ByByte(b)
		if enc != wenc || chars != wchars || plain != wplain || ok != wok {
			t.Fatalf("classifyBase64(%q) = %p %d %v %v, byte by byte %p %d %v %v", b, enc, chars, plain, ok, wenc, wchars, wplain, wok)
		}
	})
}

func TestStdBase64Word(t *testing.T) {
	for c := 0; c < 256; c++ {
		isChar := c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/'
		for lane := 0; lane < 8; lane++ {
			for _, fill := range []uint64{0x4141_4141_4141_4141, 0x2f2f_2f2f_2f2f_2f2f} {
				v := fill&^(0xff<<(8*lane)) | uint64(c)<<(8*lane)
				ok, std := stdBase64Word(v)
				wantStd := isChar && (fill == 0x2f2f_2f2f_2f2f_2f2f || c == '+' || c == '/')
				if ok != isChar || ok && std != wantStd {
					t.Fatalf("byte %#02x in lane %d of %#x: %v %v, want %v %v", c, lane, fill, ok, std, isChar, wantStd)
				}
			}
		}
	}
}
