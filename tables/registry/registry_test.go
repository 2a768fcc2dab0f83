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
