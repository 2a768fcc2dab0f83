package main

import (
	"encoding/csv"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// csvHeader runs a query with --format csv and returns its header row,
// which `runkeyhunt query` prints even for zero rows.
func csvHeader(t *testing.T, args ...string) []string {
	t.Helper()
	out, errOut, code := runBinary(t, append([]string{"query", "--format", "csv"}, args...)...)
	if code != 0 {
		t.Fatalf("query %v: exit %d: %s", args, code, errOut)
	}
	records, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(records) == 0 {
		t.Fatalf("query %v: not CSV with a header: %v\n%s", args, err, out)
	}
	return records[0]
}

// source and window are hidden columns (SPEC §8): SELECT * leaves them out,
// as osqueryd does, yet WHERE and an explicit select list still reach them.
func TestSelectStarLeavesOutHiddenColumns(t *testing.T) {
	src := writeE2EReg(t)
	for _, tc := range []struct {
		table  string
		hidden []string
	}{
		{"run_key_payloads", []string{"source"}},
		{"sysmon_reg_net_chain", []string{"window", "source"}},
	} {
		header := csvHeader(t, "--source", src, "SELECT * FROM "+tc.table)
		for _, h := range tc.hidden {
			if slices.Contains(header, h) {
				t.Errorf("SELECT * FROM %s has the hidden column %s: %v", tc.table, h, header)
			}
		}
		if !slices.Contains(header, "path") || !slices.Contains(header, "source_file") {
			t.Errorf("SELECT * FROM %s lacks ordinary columns: %v", tc.table, header)
		}
		named := csvHeader(t, "--source", src, "SELECT path, "+strings.Join(tc.hidden, ", ")+" FROM "+tc.table)
		if want := append([]string{"path"}, tc.hidden...); !reflect.DeepEqual(named, want) {
			t.Errorf("named hidden columns of %s: header %v, want %v", tc.table, named, want)
		}
	}
	rows := queryJSON(t, "SELECT * FROM run_key_payloads WHERE source = '"+src+"'")
	if len(rows) != 2 {
		t.Fatalf("WHERE source = ... with SELECT *: %v", rows)
	}
	for _, r := range rows {
		if _, ok := r["source"]; ok {
			t.Errorf("SELECT * row has source: %v", r)
		}
		if r["source_file"] != src {
			t.Errorf("row not read from the constrained source: %v", r)
		}
	}
}

// `runkeyhunt schema --format json` prints osquery's table-spec shape as
// osquery-go generates it: lowercase keys and types, descriptions, and the
// column options osqueryd receives.
func TestSchemaJSONIsOsquerySpec(t *testing.T) {
	out, errOut, code := runBinary(t, "schema", "--format", "JSON") // case-insensitive, as query's --format
	if code != 0 {
		t.Fatalf("schema --format json: exit %d: %s", code, errOut)
	}
	var specs []map[string]any
	if err := json.Unmarshal([]byte(out), &specs); err != nil {
		t.Fatalf("not a JSON array of objects: %v\n%s", err, out)
	}
	if len(specs) != 2 || specs[0]["name"] != "run_key_payloads" || specs[1]["name"] != "sysmon_reg_net_chain" {
		t.Fatalf("tables: %v", out)
	}
	for _, spec := range specs {
		if d, _ := spec["description"].(string); d == "" {
			t.Errorf("%s: no description", spec["name"])
		}
		if !reflect.DeepEqual(spec["platforms"], []any{"windows", "linux"}) {
			t.Errorf("%s: platforms %v", spec["name"], spec["platforms"])
		}
		cols, _ := spec["columns"].([]any)
		if len(cols) == 0 {
			t.Fatalf("%s: no columns", spec["name"])
		}
		for _, c := range cols {
			col := c.(map[string]any)
			for _, key := range []string{"name", "type", "description", "index", "required", "additional", "optimized", "hidden"} {
				if _, ok := col[key]; !ok {
					t.Errorf("%s.%v: no %q key (osquery-go's spec shape): %v", spec["name"], col["name"], key, col)
				}
			}
			if typ, _ := col["type"].(string); typ != strings.ToLower(typ) {
				t.Errorf("%s.%v: type %q is not osquery's lowercase spec type", spec["name"], col["name"], typ)
			}
			if d, _ := col["description"].(string); d == "" {
				t.Errorf("%s.%v: no description", spec["name"], col["name"])
			}
			name := col["name"]
			wantHidden := name == "source" || name == "window"
			if col["hidden"] != wantHidden || col["index"] != (name == "path") {
				t.Errorf("%s.%v: hidden %v index %v", spec["name"], name, col["hidden"], col["index"])
			}
		}
	}
	if strings.Contains(out, `"Name"`) || strings.Contains(out, `\u003c`) {
		t.Errorf("Go field names or HTML escapes in the spec:\n%s", out)
	}
}
