package registry

import (
	"bytes"
	"encoding/binary"
	"testing"
	"unicode/utf16"
)

func TestEncodeUTF16MatchesStdlib(t *testing.T) {
	for _, s := range []string{"", "abc", "Grüße 日本語 😀", "\xff\xfe bad", "\xed\xa0\x80 surrogate", "a\x00b"} {
		u := utf16.Encode([]rune(s))
		want := make([]byte, 2*len(u)+2)
		for i, c := range u {
			binary.LittleEndian.PutUint16(want[2*i:], c)
		}
		if got := EncodeUTF16(s); !bytes.Equal(got, want) {
			t.Errorf("EncodeUTF16(%q) = %x, want %x", s, got, want)
		}
	}
}

// FuzzValueBytes: a string value's payload bytes are its DecodeUTF16 text,
// whatever follows its first NUL.
func FuzzValueBytes(f *testing.F) {
	for _, s := range []string{"powershell -enc SQBFAFgA", "caf\u00e9\x00\u00e9t\u00e9", "ab\x00\x00cd", "\x00"} {
		f.Add(append(EncodeUTF16(s), 'x'))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v := Value{Type: RegSZ, Data: data}
		if got, want := string(v.Bytes()), DecodeUTF16(data); got != want {
			t.Fatalf("Bytes(%x) = %q, DecodeUTF16 %q", data, got, want)
		}
	})
}
