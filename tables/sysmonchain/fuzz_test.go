package sysmonchain

import (
	"archive/zip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/osquery/osquery-go/plugin/table"

	"github.com/runkeyhunt/runkeyhunt/tables/input"
	"github.com/runkeyhunt/runkeyhunt/tables/runkeypayloads"
)

// fuzzSources builds small offline inputs in dir and returns the source
// values a fuzzed query picks from: files, a directory, a zip, lists,
// quoting mistakes, missing paths. Fuzzed text never becomes a path of its
// own, so the fuzzer cannot walk the host.
func fuzzSources(f *testing.F, dir string) []string {
	events, err := os.ReadFile(filepath.Join(scenarioDir, "scenario.xml"))
	if err != nil {
		f.Fatal(err)
	}
	xml := filepath.Join(dir, "in", "events.xml")
	reg := filepath.Join(dir, "in", "run.reg")
	for path, data := range map[string][]byte{
		xml: events[:min(len(events), 12000)],
		reg: []byte("Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n\"a\"=\"powershell -enc SQBFAFgA\"\r\n"),
	} {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			f.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			f.Fatal(err)
		}
	}
	zipPath := filepath.Join(dir, "c.zip")
	out, err := os.Create(zipPath)
	if err != nil {
		f.Fatal(err)
	}
	zw := zip.NewWriter(out)
	for name, src := range map[string]string{"C/Windows/System32/winevt/Logs/s.xml": xml, "C/Users/a/r.reg": reg} {
		data, _ := os.ReadFile(src)
		w, _ := zw.Create(name)
		w.Write(data)
	}
	zw.Close()
	out.Close()
	return []string{
		"live", xml, reg, filepath.Join(dir, "in"), zipPath,
		input.JoinSpec([]string{xml, reg}), `"` + xml, filepath.Join(dir, "missing.reg"), "", ",",
	}
}

var fuzzColumns = []string{"source", "window", "path", "verdict", "score", "time", "record_id"}

var fuzzOperators = []table.Operator{
	table.OperatorEquals, table.OperatorGreaterThan, table.OperatorLessThanOrEquals,
	table.OperatorLike, table.OperatorGlob, table.OperatorUnique,
}

// FuzzGenerateConstraints drives both tables with fuzzed constraint maps:
// no panic, and an error is a message, not an empty string.
func FuzzGenerateConstraints(f *testing.F) {
	sources := fuzzSources(f, f.TempDir())
	f.Add([]byte{0, 0, 1}, "60")
	f.Add([]byte{0, 0, 4, 1, 0, 0}, "-5")
	f.Add([]byte{0, 0, 5, 0, 0, 7, 1, 1, 0}, "99999999999999999999")
	f.Add([]byte{2, 3, 0, 0, 0, 3}, "%run%")
	chainTable := New(Options{})
	regTable := runkeypayloads.New(runkeypayloads.Options{})
	f.Fuzz(func(t *testing.T, ops []byte, text string) {
		qc := table.QueryContext{Constraints: map[string]table.ConstraintList{}}
		for i := 0; i+2 < len(ops) && i < 24; i += 3 {
			col := fuzzColumns[int(ops[i])%len(fuzzColumns)]
			op := fuzzOperators[int(ops[i+1])%len(fuzzOperators)]
			expr := text
			if col == "source" {
				expr = sources[int(ops[i+2])%len(sources)]
			} else if ops[i+2]%2 == 0 {
				expr = strings.Repeat(text, 1+int(ops[i+2])%3)
			}
			list := qc.Constraints[col]
			list.Affinity = table.ColumnTypeText
			list.Constraints = append(list.Constraints, table.Constraint{Operator: op, Expression: expr})
			qc.Constraints[col] = list
		}
		for name, tbl := range map[string]func(context.Context, table.QueryContext) ([]map[string]string, error){
			"chain": chainTable.GenerateMaps, "run_key_payloads": regTable.GenerateMaps,
		} {
			rows, err := tbl(context.Background(), qc)
			if err != nil {
				if err.Error() == "" {
					t.Fatalf("%s: empty error", name)
				}
				continue
			}
			for _, r := range rows {
				if _, ok := r["source"]; !ok {
					t.Fatalf("%s: row without source: %v", name, r)
				}
			}
		}
	})
}
