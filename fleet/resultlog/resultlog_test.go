package resultlog

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestParseLineFormats(t *testing.T) {
	event := `{"name":"pack/runkeyhunt/q","hostIdentifier":"h1","calendarTime":"Mon Jan  1 00:00:00 2024 UTC","unixTime":1704067200,"epoch":0,"counter":3,"numerics":false,"decorations":{"host_uuid":"u1","hostname":"ws1"},"columns":{"path":"HKEY_USERS\\S-1\\Run\\x","score":"80"},"action":"removed"}`
	recs, err := ParseLine([]byte(event), "f", 7)
	if err != nil || len(recs) != 1 {
		t.Fatalf("event: %v %v", recs, err)
	}
	r := recs[0]
	if r.Kind != Removed || r.Host != "h1" || r.HostName != "ws1" || r.Time != 1704067200 || r.Counter != 3 || r.Line != 7 || r.Rows[0].Get("path") != `HKEY_USERS\S-1\Run\x` {
		t.Errorf("event record: %+v", r)
	}
	batch := `{"name":"pack/Global/q","hostIdentifier":"","unixTime":"1704067200","decorations":{"host_uuid":"u2"},"numerics":true,"diffResults":{"added":[{"score":80,"ok":true,"n":null}],"removed":[{"score":10}]}}`
	recs, err = ParseLine([]byte(batch), "f", 1)
	if err != nil || len(recs) != 2 || recs[0].Kind != Removed || recs[1].Kind != Added || recs[0].Host != "u2" {
		t.Fatalf("batch: %+v %v", recs, err)
	}
	if got := recs[1].Rows[0]; got.Get("score") != "80" || got.Get("ok") != "true" || got.Get("n") != "" || !got.Has("n") {
		t.Errorf("numerics row: %+v", got)
	}
	snap := `{"name":"q","hostIdentifier":"h","calendarTime":"Tue Mar  4 05:06:07 2025 UTC","snapshot":[{"a":"1"},{"a":"2"}],"action":"snapshot"}`
	recs, err = ParseLine([]byte(snap), "f", 1)
	if err != nil || len(recs) != 1 || recs[0].Kind != Snapshot || len(recs[0].Rows) != 2 || recs[0].Time != 1741064767 {
		t.Fatalf("snapshot: %+v %v", recs, err)
	}
	// --logger_snapshot_event_type: one row per line, action "snapshot".
	rowSnap := `{"name":"q","hostIdentifier":"h","unixTime":5,"epoch":"7","counter":2,"columns":{"a":"1"},"action":"snapshot"}`
	recs, err = ParseLine([]byte(rowSnap), "f", 1)
	if err != nil || len(recs) != 1 || recs[0].Kind != Snapshot || !recs[0].PartOfRun || len(recs[0].Rows) != 1 || recs[0].Epoch != 7 || recs[0].Counter != 2 {
		t.Fatalf("snapshot event: %+v %v", recs, err)
	}
	// A counter-0 "added" line is one part of a first run.
	recs, _ = ParseLine([]byte(strings.Replace(event, `"counter":3`, `"counter":0`, 1)), "f", 1)
	if len(recs) != 1 || recs[0].PartOfRun || recs[0].Kind != Removed {
		t.Fatalf("removed at counter 0: %+v", recs)
	}
	recs, _ = ParseLine([]byte(strings.NewReplacer(`"counter":3`, `"counter":0`, `"removed"`, `"added"`).Replace(event)), "f", 1)
	if len(recs) != 1 || !recs[0].PartOfRun || recs[0].Kind != Added {
		t.Fatalf("added at counter 0: %+v", recs)
	}
	unicode := `{"name":"q","hostIdentifier":"h","unixTime":1,"columns":{"v":"caf\u00e9 \ud83d\ude00 \"q\" \\ \/"},"action":"added"}`
	recs, err = ParseLine([]byte(unicode), "f", 1)
	if err != nil || recs[0].Rows[0].Get("v") != "café 😀 \"q\" \\ /" {
		t.Fatalf("escapes: %+v %v", recs, err)
	}
}

func TestParseLineErrors(t *testing.T) {
	for _, c := range []struct{ line, want string }{
		{`garbage`, "not a JSON object"},
		{`{"name":"q","hostIdentifier":"h","columns":{"a":"1"`, "truncated"},
		{`{"name":"q","hostIdentifier":"h","unixTime":"soon","columns":{},"action":"added"}`, "unixTime"},
		{`{"name":"q","hostIdentifier":"h","action":"added"}`, "without columns"},
		{`{"name":"q","hostIdentifier":"h","columns":{"a":"\x"},"action":"added"}`, "bad escape"},
		{`{"name":"q","hostIdentifier":"h"} trailing`, "after the JSON object"},
	} {
		if _, err := ParseLine([]byte(c.line), "f", 1); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want %q", c.line, err, c.want)
		}
	}
	if _, err := ParseLine([]byte(`{"level":"info","msg":"osquery started"}`), "f", 1); err != ErrNotResult {
		t.Errorf("status line: %v", err)
	}
}

func TestSortRotated(t *testing.T) {
	got := []string{"d/osqueryd.results.log", "d/osqueryd.results.log.1", "d/osqueryd.results.log.10.gz", "d/osqueryd.results.log.2.gz",
		"d/fleet-2025-03-02T00-00-00.000.log.gz", "d/fleet.log", "d/fleet-2025-03-01T00-00-00.000.log"}
	SortRotated(got)
	want := []string{"d/fleet-2025-03-01T00-00-00.000.log", "d/fleet-2025-03-02T00-00-00.000.log.gz", "d/fleet.log",
		"d/osqueryd.results.log.10.gz", "d/osqueryd.results.log.2.gz", "d/osqueryd.results.log.1", "d/osqueryd.results.log"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("order:\n got %v\nwant %v", got, want)
	}
}

func TestReadAllGzipStdinAndLineNumbers(t *testing.T) {
	dir := t.TempDir()
	line := `{"name":"q","hostIdentifier":"h","unixTime":1,"columns":{"a":"1"},"action":"added"}`
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(line + "\n\n" + line + "\n"))
	zw.Close()
	path := filepath.Join(dir, "x.log.gz")
	if err := os.WriteFile(path, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var got []string
	var bad []int
	h := Handler{
		Record:  func(r Record) { got = append(got, r.File+":"+strconv.Itoa(r.Line)) },
		BadLine: func(file string, line int, err error) { bad = append(bad, line) },
	}
	stdin := strings.NewReader("nonsense\n" + line)
	if err := ReadAll(t.Context(), []string{path, Stdin}, stdin, h); err != nil {
		t.Fatal(err)
	}
	want := []string{path + ":1", path + ":3", "<stdin>:2"}
	if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(bad, []int{1}) {
		t.Errorf("records %v (want %v), bad lines %v", got, want, bad)
	}
}

func TestReadAllOversizeLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.log")
	big := strings.Repeat("x", MaxLineBytes+10)
	ok := `{"name":"q","hostIdentifier":"h","unixTime":1,"columns":{"a":"1"},"action":"added"}`
	if err := os.WriteFile(path, []byte(big+"\n"+ok+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	records, bad := 0, 0
	err := ReadAll(t.Context(), []string{path}, nil, Handler{Record: func(Record) { records++ }, BadLine: func(string, int, error) { bad++ }})
	if err != nil || records != 1 || bad != 1 {
		t.Errorf("records %d bad %d err %v", records, bad, err)
	}
}

// FuzzParseLine: no input may panic, and whatever parses must keep its
// rows' values decodable.
func FuzzParseLine(f *testing.F) {
	for _, s := range []string{
		`{"name":"pack/runkeyhunt/q","hostIdentifier":"h","unixTime":1,"columns":{"path":"a\\b","score":"1"},"action":"added"}`,
		`{"name":"q","hostIdentifier":"h","diffResults":{"added":[{"a":1}],"removed":[{"b":"\u00e9"}]}}`,
		`{"name":"q","hostIdentifier":"h","snapshot":[{"a":"1"}],"action":"snapshot","decorations":{"hostname":"x"}}`,
		`{"name":"q","hostIdentifier":"h","columns":{"a":"1"`,
		`{"a":[[[[{"b":{}}]]]],"name":"q","hostIdentifier":"h","action":"added","columns":{}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		recs, err := ParseLine(b, "fuzz", 1)
		if err != nil {
			return
		}
		for _, r := range recs {
			for _, row := range r.Rows {
				for _, field := range row {
					_ = field.Value()
				}
			}
		}
	})
}

// A truncated or corrupt file is a warning naming it: the lines before
// the damage and every other file are still read.
func TestReadAllBadFileIsAWarning(t *testing.T) {
	dir := t.TempDir()
	line := func(n int) string {
		return `{"name":"q","hostIdentifier":"h","unixTime":` + strconv.Itoa(n) + `,"columns":{"a":"` + strconv.Itoa(n) + `"},"action":"added"}` + "\n"
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	for n := range 2000 {
		zw.Write([]byte(line(n)))
	}
	zw.Close()
	cut := gz.Bytes()[:gz.Len()*2/3]
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	truncated := write("a.log.2.gz", cut)
	notGzip := write("a.log.1.gz", []byte{0x1f, 0x8b, 'x', 'y', 'z'})
	good := write("a.log", []byte(line(9999)))
	missing := filepath.Join(dir, "gone.log")
	var files []string
	var errs []error
	last, records := 0, 0
	h := Handler{
		Record: func(r Record) {
			records++
			if r.File == good {
				last = int(r.Time)
			}
		},
		BadLine: func(string, int, error) {},
		BadFile: func(file string, err error) { files, errs = append(files, file), append(errs, err) },
	}
	if err := ReadAll(t.Context(), []string{truncated, notGzip, missing, good}, nil, h); err != nil {
		t.Fatalf("ReadAll: %v", err)
	}
	// Expand keeps a missing argument for ReadAll to report.
	if got := Expand([]string{missing, good}); !reflect.DeepEqual(got, []string{missing, good}) {
		t.Errorf("Expand with a missing path: %v", got)
	}
	if !reflect.DeepEqual(files, []string{truncated, notGzip, missing}) {
		t.Fatalf("bad files %v (%v)", files, errs)
	}
	for i, err := range errs {
		if !strings.Contains(err.Error(), files[i]) {
			t.Errorf("error does not name the file: %v", err)
		}
	}
	if !strings.Contains(errs[0].Error(), "unexpected EOF") || !strings.Contains(errs[0].Error(), "line ") {
		t.Errorf("truncated gzip: %v", errs[0])
	}
	if last != 9999 || records < 500 {
		t.Errorf("records %d, last of the good file %d: the rest must be read", records, last)
	}
	// Without a BadFile handler the first such error is returned, after
	// everything else was read.
	records = 0
	h.BadFile = nil
	if err := ReadAll(t.Context(), []string{truncated, good}, nil, h); err == nil || !strings.Contains(err.Error(), truncated) || records < 500 {
		t.Errorf("no BadFile handler: err %v, records %d", err, records)
	}
}
