package safeout

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
)

// OWASP "CSV Injection": cells starting with = + - @ tab CR are prefixed
// with a single quote; nothing else changes.
func TestCSVCell(t *testing.T) {
	for in, want := range map[string]string{
		"":                           "",
		"=HYPERLINK(\"http://x\")":   "'=HYPERLINK(\"http://x\")",
		"+1+cmd|' /C calc'!A0":       "'+1+cmd|' /C calc'!A0",
		"-2+3":                       "'-2+3",
		"@SUM(1+1)*cmd|' /C calc'!A": "'@SUM(1+1)*cmd|' /C calc'!A",
		"\t=1":                       "'\t=1",
		"\r=1":                       "'\r=1",
		"powershell -enc AAA":        "powershell -enc AAA",
		"C:\\Windows\\x.exe":         "C:\\Windows\\x.exe",
		" =1":                        " =1",
		"'already":                   "'already",
		"a=b":                        "a=b",
	} {
		if got := CSVCell(in); got != want {
			t.Errorf("CSVCell(%q) = %q, want %q", in, got, want)
		}
	}
	row := CSVRow([]string{"=1", "ok"})
	if row[0] != "'=1" || row[1] != "ok" {
		t.Errorf("CSVRow: %q", row)
	}
}

func TestMarkdownCell(t *testing.T) {
	for in, want := range map[string]string{
		"plain text":                         "plain text",
		"<img src=x onerror=alert(1)>":       "&lt;img src=x onerror=alert(1)&gt;",
		"a|b":                                `a\|b`,
		`a\|b`:                               `a\\\|b`,
		"line1\nline2\r\n":                   "line1 line2  ",
		"[click](javascript:alert(1))":       `\[click\](javascript:alert(1))`,
		"![x](http://evil/p.png)":            `!\[x\](http://evil/p.png)`,
		"`code` *b* _i_ ~s~":                 "\\`code\\` \\*b\\* \\_i\\_ \\~s\\~",
		`HKEY_USERS\S-1\Run\Updater`:         `HKEY\_USERS\\S-1\\Run\\Updater`,
		`"quoted" & 'single'`:                `"quoted" &amp; 'single'`,
		"<!-- comment --><script>x</script>": "&lt;!-- comment --&gt;&lt;script&gt;x&lt;/script&gt;",
	} {
		if got := MarkdownCell(in); got != want {
			t.Errorf("MarkdownCell(%q) = %q, want %q", in, got, want)
		}
	}
}

// The invariants hold for any input: no raw HTML metacharacter, no line
// break, every pipe escaped; CSV cells never start with a formula prefix
// and survive a CSV round trip unchanged.
func FuzzCells(f *testing.F) {
	for _, s := range []string{"=1", "a|b", "<b>x</b>", "\\|", "-", "\r\n", "é|\\"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		md := MarkdownCell(s)
		if strings.ContainsAny(md, "<>\r\n") {
			t.Fatalf("MarkdownCell(%q) = %q keeps a raw metacharacter", s, md)
		}
		for i := 0; i < len(md); i++ {
			if md[i] == '\\' {
				i++ // an escape and the byte it escapes
				continue
			}
			if md[i] == '|' {
				t.Fatalf("MarkdownCell(%q) = %q has an unescaped pipe at %d", s, md, i)
			}
		}
		c := CSVCell(s)
		if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			t.Fatalf("CSVCell(%q) = %q starts with a formula prefix", s, c)
		}
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		_ = w.Write([]string{c})
		w.Flush()
		rec, err := csv.NewReader(&buf).Read()
		if err == nil && (len(rec) != 1 || (rec[0] != c && !strings.Contains(c, "\r"))) {
			t.Fatalf("CSV round trip of %q: %q", c, rec)
		}
	})
}
