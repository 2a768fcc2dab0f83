package cmdline

import (
	"strings"
	"testing"
	"time"

	"github.com/runkeyhunt/runkeyhunt/tables/registry"
)

func FuzzSplit(f *testing.F) {
	for _, tc := range maliciousCases {
		f.Add(tc.line)
	}
	for _, l := range benignLines {
		f.Add(l)
	}
	f.Add(`x.exe a\\\"b "c\\" d\e "a""b" ""`)
	f.Add(`%%SystemRoot%%\x.exe,y`)
	f.Fuzz(func(t *testing.T, line string) {
		c := Split(line, nil)
		if !strings.Contains(line, c.Image) {
			t.Errorf("Image %q is not in the line", c.Image)
		}
		if !strings.Contains(line, c.Arguments) {
			t.Errorf("Arguments %q is not in the line", c.Arguments)
		}
		if len(c.Args) > len(c.Arguments)/2+1 {
			t.Errorf("%d args from %d bytes of arguments", len(c.Args), len(c.Arguments))
		}
		_ = Split(line, testEnv)
		_ = Expand(line, testEnv)
	})
}

func FuzzExtractRefs(f *testing.F) {
	for _, tc := range maliciousCases {
		f.Add(tc.line)
	}
	for _, l := range benignLines {
		f.Add(l)
	}
	f.Fuzz(func(t *testing.T, line string) {
		checkRefs(t, line, ExtractRefs(line, testEnv))
	})
}

// checkRefs asserts what holds for every result: each Text is a non-empty
// substring of the line or of its normalised form, registry keys parse,
// each kind carries its fields, and no location repeats.
func checkRefs(t *testing.T, line string, refs []Ref) {
	t.Helper()
	seen := map[string]bool{}
	norm := Normalize(line)
	for _, r := range refs {
		if r.Text == "" || !strings.Contains(line, r.Text) && !strings.Contains(norm, r.Text) {
			t.Errorf("Text %q is not a substring of the line", r.Text)
		}
		switch r.Kind {
		case KindRegistry:
			if _, ok := registry.ParsePath(r.Key); !ok {
				t.Errorf("registry key %q does not parse", r.Key)
			}
		case KindADS:
			if c := strings.LastIndexByte(r.Path, ':'); c <= 0 || c == len(r.Path)-1 {
				t.Errorf("ads path %q names no stream", r.Path)
			}
		case KindFile:
			if r.Path == "" {
				t.Error("file ref without a path")
			}
		case KindEventLog:
			if r.Log == "" || r.EventID < 0 {
				t.Errorf("eventlog ref %+v", r)
			}
		case KindInline:
			if !isBase64(r.Data) {
				t.Errorf("inline data %q is not base64", r.Data)
			}
		default:
			t.Errorf("unknown kind %q", r.Kind)
		}
		id := identity(r)
		if seen[id] {
			t.Errorf("duplicate reference %+v", r)
		}
		seen[id] = true
	}
}

// TestHugeLines feeds 1 MB lines built to make keyword-driven parsers
// rescan the input; every one must finish in linear time.
func TestHugeLines(t *testing.T) {
	if testing.Short() {
		t.Skip("1 MB inputs")
	}
	const size = 1 << 20
	rep := func(unit string) string { return strings.Repeat(unit, size/len(unit)+1)[:size] }
	lines := map[string]string{
		"gp chain":          rep("gp HKCU:\\x y "),
		"unclosed gp":       "gp '" + rep("gp "),
		"mixed quotes":      rep(`gp " gp ' `),
		"gp in parens":      rep("(gp HKCU:\\x).y;"),
		"powershell":        rep("powershell -enc "),
		"cmd start":         rep("cmd /c start "),
		"regread":           rep(`RegRead("HKCU\\x\\`),
		"registry static":   rep("[Microsoft.Win32.Registry]::CurrentUser.OpenSubKey('a')"),
		"drive colons":      rep(`"C:\`),
		"stream colons":     rep(`C:\a:b:c:`),
		"redirects":         rep("more < "),
		"eventlog":          rep("Get-EventLog | ? -eq "),
		"frombase64":        rep("FromBase64String('"),
		"percent":           rep("%a%%"),
		"backslash quotes":  rep(`\"\\"`),
		"doubled quotes":    rep("''x "),
		"assignments":       rep("$r=gp HKCU:\\x;"),
		"no spaces":         rep("a"),
		"unquoted spaces":   "C:\\a " + rep("b "),
		"hashtable":         rep("Get-WinEvent -FilterHashtable @{"),
		"pipeline selects":  rep("gp HKCU:\\x | select -exp "),
		"variable getvalue": rep("$k=gi HKCU:\\x;$k.GetValue("),
		"nested cmd quotes": rep(`cmd /c "`),
		"unclosed enc":      "powershell -enc \"" + rep("A"),
		"vbscript regread":  rep(`RegRead(""x`),
		"js regread":        rep(`RegRead('\\`),
	}
	for name, line := range lines {
		start := time.Now()
		refs := ExtractRefs(line, testEnv)
		_ = Split(line, testEnv)
		_ = Expand(line, testEnv)
		elapsed := time.Since(start)
		t.Logf("%s: %v, %d refs", name, elapsed, len(refs))
		if elapsed > 3*time.Second {
			t.Errorf("%s: took %v", name, elapsed)
		}
	}
}

var benchLines = func() []string {
	var lines []string
	for i := 0; len(lines) < 20; i++ {
		lines = append(lines, maliciousCases[i*len(maliciousCases)/20].line)
	}
	for i := 0; len(lines) < 40; i++ {
		lines = append(lines, benignLines[i%len(benignLines)])
	}
	return lines
}()

func BenchmarkExtractRefs(b *testing.B) {
	total := 0
	for _, l := range benchLines {
		total += len(l)
	}
	b.SetBytes(int64(total))
	b.ReportAllocs()
	for b.Loop() {
		for _, l := range benchLines {
			ExtractRefs(l, testEnv)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(benchLines)), "ns/line")
}

// FuzzNormalize: the normaliser never panics, leaves lines without any
// obfuscation character alone, and grows a line by a bounded amount.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		`p^owe^rshell -e^nc AAAA`, `powershell "-w" "hidden" "-enc" "SQBFAFgA"`, "g`p HKCU:\\x v",
		`&(('ie')+'x') $c`, `&([char]105+[char]0x65+[char]120)`, `$a='HKCU:\x'; gp $a v; $a`,
		`cmd /c "set a=power&& set b=shell&& call %a%%b% -enc AAAA"`, `'it''s'+"x"`, `(('a'`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		got := Normalize(line)
		if !strings.ContainsAny(line, "^\"`'[(%$!") && got != line {
			t.Fatalf("Normalize changed a plain line: %q -> %q", line, got)
		}
		if len(got) > 2*len(line)+2*maxGrowth*maxVars {
			t.Fatalf("Normalize grew %d bytes to %d", len(line), len(got))
		}
	})
}
