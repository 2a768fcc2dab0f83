package cmdline

import (
	"runtime"
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

// TestHugeLines feeds lines built to make keyword-driven parsers rescan
// the input. Each shape runs at 256 KiB and at 1 MiB; 4x the input may
// cost at most 11x the time (a quadratic scan costs 16x). The fastest of
// three runs is taken, as CPU time of the thread that ran it (Linux), so
// waiting for a core on a loaded machine does not count; no absolute time
// is asserted. Below 10 ms noise outweighs the signal, so the smaller run
// counts as 10 ms at least.
func TestHugeLines(t *testing.T) {
	if testing.Short() {
		t.Skip("1 MB inputs")
	}
	rep := func(unit string, size int) string { return strings.Repeat(unit, size/len(unit)+1)[:size] }
	shapes := map[string]func(size int) string{
		"gp chain":          func(n int) string { return rep("gp HKCU:\\x y ", n) },
		"unclosed gp":       func(n int) string { return "gp '" + rep("gp ", n) },
		"mixed quotes":      func(n int) string { return rep(`gp " gp ' `, n) },
		"gp in parens":      func(n int) string { return rep("(gp HKCU:\\x).y;", n) },
		"powershell":        func(n int) string { return rep("powershell -enc ", n) },
		"cmd start":         func(n int) string { return rep("cmd /c start ", n) },
		"regread":           func(n int) string { return rep(`RegRead("HKCU\\x\\`, n) },
		"registry static":   func(n int) string { return rep("[Microsoft.Win32.Registry]::CurrentUser.OpenSubKey('a')", n) },
		"drive colons":      func(n int) string { return rep(`"C:\`, n) },
		"stream colons":     func(n int) string { return rep(`C:\a:b:c:`, n) },
		"redirects":         func(n int) string { return rep("more < ", n) },
		"eventlog":          func(n int) string { return rep("Get-EventLog | ? -eq ", n) },
		"frombase64":        func(n int) string { return rep("FromBase64String('", n) },
		"percent":           func(n int) string { return rep("%a%%", n) },
		"backslash quotes":  func(n int) string { return rep(`\"\\"`, n) },
		"doubled quotes":    func(n int) string { return rep("''x ", n) },
		"assignments":       func(n int) string { return rep("$r=gp HKCU:\\x;", n) },
		"no spaces":         func(n int) string { return rep("a", n) },
		"unquoted spaces":   func(n int) string { return "C:\\a " + rep("b ", n) },
		"hashtable":         func(n int) string { return rep("Get-WinEvent -FilterHashtable @{", n) },
		"pipeline selects":  func(n int) string { return rep("gp HKCU:\\x | select -exp ", n) },
		"variable getvalue": func(n int) string { return rep("$k=gi HKCU:\\x;$k.GetValue(", n) },
		"nested cmd quotes": func(n int) string { return rep(`cmd /c "`, n) },
		"unclosed enc":      func(n int) string { return "powershell -enc \"" + rep("A", n) },
		"vbscript regread":  func(n int) string { return rep(`RegRead(""x`, n) },
		"js regread":        func(n int) string { return rep(`RegRead('\\`, n) },
	}
	fastest := func(line string) time.Duration {
		best := time.Duration(-1)
		for range 3 {
			runtime.GC() // a collection of the other size's garbage is not this run's cost
			d := measureCPU(func() {
				ExtractRefs(line, testEnv)
				_ = Split(line, testEnv)
				_ = Expand(line, testEnv)
			})
			if best < 0 || d < best {
				best = d
			}
		}
		return best
	}
	for name, shape := range shapes {
		small, large := fastest(shape(1<<18)), fastest(shape(1<<20))
		ratio := float64(large) / float64(max(small, 10*time.Millisecond))
		t.Logf("%s: 256 KiB %v, 1 MiB %v (%.1fx)", name, small, large, ratio)
		if ratio > 11 {
			t.Errorf("%s: 4x the input took %.1fx the time (%v vs %v): worse than linear", name, ratio, large, small)
		}
	}
}

// measureWall is the time fn takes.
func measureWall(fn func()) time.Duration {
	start := time.Now()
	fn()
	return time.Since(start)
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
		// The lowered form reuses copies: it must be Normalize's result and
		// that result's ASCIILower copy.
		if l := NormalizeLowered(Lower(line)); l.Text != got || l.Lower != ASCIILower(got) {
			t.Fatalf("NormalizeLowered(%q) = %q, %q; want %q and its lowered copy", line, l.Text, l.Lower, got)
		}
	})
}
