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
