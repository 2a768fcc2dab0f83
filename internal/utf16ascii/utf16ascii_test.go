package utf16ascii

import (
	"bytes"
	"testing"
	"unicode/utf16"
)

func encode(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}

func TestNarrow(t *testing.T) {
	for _, tt := range []struct {
		in   []byte
		want string
		ok   bool
	}{
		{encode(""), "", true},
		{encode("a"), "a", true},
		{encode("powershell -enc AAAA"), "powershell -enc AAAA", true},
		{encode("exactly8"), "exactly8", true},
		{encode("caf\u00e9 latte"), "", false},
		{encode("abcdefg\u0100"), "", false},
		{encode("\x7f\x00tab\t"), "\x7f\x00tab\t", true},
		{[]byte{'a', 0, 'b'}, "", false},
		{[]byte{0x80, 0}, "", false},
	} {
		got, ok := Narrow(tt.in)
		if ok != tt.ok || ok && !bytes.Equal(got, []byte(tt.want)) {
			t.Errorf("Narrow(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func FuzzNarrow(f *testing.F) {
	f.Add(encode("gp HKCU:Software x"))
	f.Add([]byte{0xff, 0xfe, 0x41})
	f.Fuzz(func(t *testing.T, b []byte) {
		out, ok := Narrow(b)
		ascii := len(b)%2 == 0
		for i := 0; i+1 < len(b); i += 2 {
			ascii = ascii && b[i] < 0x80 && b[i+1] == 0
		}
		if ok != ascii {
			t.Fatalf("Narrow(%x): ok %v, want %v", b, ok, ascii)
		}
		if !ok {
			return
		}
		// Narrow must agree with a full UTF-16 decode.
		u := make([]uint16, len(b)/2)
		for i := range u {
			u[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
		}
		if string(utf16.Decode(u)) != string(out) {
			t.Fatalf("Narrow(%x) = %q", b, out)
		}
	})
}
