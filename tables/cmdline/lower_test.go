package cmdline

import "testing"

// asciiLowerByCopy is asciiLower as it was: a byte slice copy lowered,\n// then copied into a string. FuzzASCIILower checks asciiLower against it.
func asciiLowerByCopy(s string) string {
	i := 0
	for i < len(s) && !('A' <= s[i] && s[i] <= 'Z') {
		i++
	}
	if i == len(s) {
		return s
	}
	b := []byte(s)
	for ; i < len(b); i++ {
		if 'A' <= b[i] && b[i] <= 'Z' {
			b[i] += 'a' - 'A'
		}
	}
	return string(b)
}

func FuzzASCIILower(f *testing.F) {
	for _, s := range []string{"", "abc", "Get-ItemProperty HKCU:\\X", "\xc3\x89T\xc3\xa9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, in := range []string{s, s + string(make([]byte, 700)) + s} {
			if got, want := ASCIILower(in), asciiLowerByCopy(in); got != want {
				t.Fatalf("ASCIILower(%q) = %q, want %q", in, got, want)
			}
		}
	})
}

func TestLowerASCII8(t *testing.T) {
	for c := 0; c < 256; c++ {
		want := byte(c)
		if 'A' <= c && c <= 'Z' {
			want += 'a' - 'A'
		}
		for lane := 0; lane < 8; lane++ {
			for _, fill := range []uint64{0x4141_4141_4141_4141, 0xdada_dada_dada_dada, 0x5b5b_5b5b_5b5b_5b5b} {
				v := fill&^(0xff<<(8*lane)) | uint64(c)<<(8*lane)
				got := lowerASCII8(v)
				if b := byte(got >> (8 * lane)); b != want {
					t.Fatalf("byte %#02x in lane %d of %#x: %#02x, want %#02x", c, lane, fill, b, want)
				}
			}
		}
	}
}
