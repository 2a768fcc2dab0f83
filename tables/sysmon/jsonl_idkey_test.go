package sysmon

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// keyedEventIDByKey is the key-by-key search keyedEventID replaced: the
// oracle its one walk over the quotes must agree with.
func keyedEventIDByKey(line []byte) ([]byte, bool) {
	for _, key := range idKeys {
		for rest := line; ; {
			i := bytes.Index(rest, key)
			if i < 0 {
				break
			}
			rest = rest[i+len(key):]
			if v, ok := idDigits(rest); ok {
				return v, true
			}
		}
	}
	return nil, false
}

// fixtureLines are the repository's Sysmon JSON lines in both layouts.
func fixtureLines(t testing.TB) [][]byte {
	t.Helper()
	paths, err := filepath.Glob(benchLinesGlob())
	if err != nil || len(paths) == 0 {
		t.Fatalf("no JSON-lines fixtures under testdata/sysmon (%v)", err)
	}
	var lines [][]byte
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			lines = append(lines, bytes.Clone(sc.Bytes()))
		}
		f.Close()
	}
	return lines
}

func TestKeyedEventID(t *testing.T) {
	cases := []struct {
		line, want string
		ok         bool
	}{
		{`{"EventID":13,"Channel":"x"}`, "13", true},
		{`{"winlog":{"event_id":"13"},"event":{"code":"13"}}`, "13", true},
		{`{"event":{"code":"3"},"winlog":{"event_id":13}}`, "13", true}, // event_id outranks code wherever it is
		{`{"code":"3","EventID":"12"}`, "12", true},                     // EventID outranks both
		{`{"EventID":"x","EventID":7}`, "7", true},                      // the first occurrence digits follow
		{`{"xEventID":5}`, "5", true},                                   // a key's text, as the search matched it
		{`{"EventID" : "22"}`, "22", true},
		{`{"EventID":null,"code":"1"}`, "1", true},
		{`{"Message":"EventID"}`, "", false},
		{`"`, "", false},
		{`EventID"`, "", false},
		{`EventID"1`, "1", true},
		{``, "", false},
	}
	for _, c := range cases {
		v, ok := keyedEventID([]byte(c.line))
		if ok != c.ok || string(v) != c.want {
			t.Errorf("keyedEventID(%s) = %q, %v; want %q, %v", c.line, v, ok, c.want, c.ok)
		}
		ov, ook := keyedEventIDByKey([]byte(c.line))
		if ok != ook || !bytes.Equal(v, ov) {
			t.Errorf("keyedEventID(%s) = %q, %v; the key-by-key search gives %q, %v", c.line, v, ok, ov, ook)
		}
	}
	for i, line := range fixtureLines(t) {
		v, ok := keyedEventID(line)
		ov, ook := keyedEventIDByKey(line)
		if !ok || ok != ook || !bytes.Equal(v, ov) {
			t.Errorf("fixture line %d: %q, %v; key by key %q, %v", i+1, v, ok, ov, ook)
		}
	}
}

func FuzzKeyedEventID(f *testing.F) {
	for _, s := range []string{`{"EventID":13}`, `{"winlog":{"event_id":1},"event":{"code":"3"}}`, `code"code"1`, `"EventID"event_id"9`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		v, ok := keyedEventID(line)
		ov, ook := keyedEventIDByKey(line)
		if ok != ook || !bytes.Equal(v, ov) {
			t.Fatalf("keyedEventID(%q) = %q, %v; key by key %q, %v", line, v, ok, ov, ook)
		}
	})
}

// BenchmarkKeyedEventID tells the event id of real lines of both layouts,
// the tail search against the key-by-key one (RUNKEYHUNT_BENCH_LINES: real exports).
func BenchmarkKeyedEventID(b *testing.B) {
	lines := fixtureLines(b)
	for _, bc := range []struct {
		name string
		fn   func([]byte) ([]byte, bool)
	}{{"tails", keyedEventID}, {"by-key", keyedEventIDByKey}} {
		for _, layout := range []string{"nxlog", "ecs"} {
			var set [][]byte
			var n int64
			for _, l := range lines {
				if bytes.Contains(l, []byte(`"winlog"`)) == (layout == "ecs") {
					set = append(set, l)
					n += int64(len(l))
				}
			}
			b.Run(bc.name+"/"+layout, func(b *testing.B) {
				b.SetBytes(n)
				for b.Loop() {
					for _, l := range set {
						bc.fn(l)
					}
				}
			})
		}
	}
}

// benchLinesGlob is the fixtures, or RUNKEYHUNT_BENCH_LINES (a glob of real
// exports) when set.
func benchLinesGlob() string {
	if g := os.Getenv("RUNKEYHUNT_BENCH_LINES"); g != "" {
		return g
	}
	return "../../testdata/sysmon/*.jsonl"
}
