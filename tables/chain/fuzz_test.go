package chain

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/runkeyhunt/runkeyhunt/tables/input"
)

// corpusEntry reads a committed seed of a []byte fuzz target.
func corpusEntry(tb testing.TB, path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	lines := strings.SplitN(string(b), "\n", 3)
	if len(lines) < 2 || lines[0] != "go test fuzz v1" {
		tb.Fatalf("%s: not a fuzz corpus entry", path)
	}
	s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")"))
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return []byte(s)
}

// FuzzCorrelate reads whole files, as each event format, through
// Correlate: no panic, no internal error, and rows bounded by the input
// (every row is an event, and no format writes one in under 24 bytes).
func FuzzCorrelate(f *testing.F) {
	for _, name := range []string{"scenario.wevtutil.xml", "scenario.nxlog.jsonl", "scenario.ecs.jsonl"} {
		b, err := os.ReadFile(filepath.Join("..", "sysmon", "testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(corpusEntry(f, filepath.Join("..", "sysmon", "testdata", "fuzz", "FuzzReadEVTX", "scenario")))
	dir := f.TempDir()
	formats := []input.Format{input.EVTX, input.EventXML, input.JSONLines}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "in")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		for _, format := range formats {
			rows, err := Correlate(context.Background(), []input.File{{Path: path, Format: format}}, DefaultWindow, nil, func(err error) {
				if strings.Contains(err.Error(), "internal error") {
					t.Fatalf("%s: %v", format, err)
				}
			})
			if err != nil {
				if strings.Contains(err.Error(), "internal error") {
					t.Fatalf("%s: %v", format, err)
				}
				if !strings.Contains(err.Error(), path) {
					t.Fatalf("%s: error %v does not name the file", format, err)
				}
				continue
			}
			if len(rows) > len(data)/24 {
				t.Fatalf("%s: %d rows from %d bytes", format, len(rows), len(data))
			}
			for i, r := range rows {
				if r.Score < 0 || r.Score > 100 || r.SourceFile != path {
					t.Fatalf("%s: row %+v", format, r)
				}
				if i > 0 && r.Computer == rows[i-1].Computer && r.Time.Before(rows[i-1].Time) {
					t.Fatalf("%s: rows out of order", format)
				}
			}
			RegistryState(rows)
		}
	})
}
