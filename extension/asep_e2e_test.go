package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// TestQueryASEPScenario runs issue 10's Sysmon scenario through
// `runkeyhunt query` in each of its four formats: every write is an
// autorun row at its catalog location (or the payload row it links to),
// with the network counts, link and verdict of asep_expected.json, and the
// four formats give the same rows.
func TestQueryASEPScenario(t *testing.T) {
	dir := filepath.Join("..", "testdata", "sysmon")
	raw, err := os.ReadFile(filepath.Join(dir, "asep_expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var exp struct {
		Files []string `json:"files"`
		Rows  []struct {
			RecordID  int64  `json:"record_id"`
			Role      string `json:"role"`
			Location  string `json:"location"`
			Path      string `json:"path"`
			Linked    int64  `json:"linked_record_id"`
			NetBefore int    `json:"net_before"`
			NetAfter  int    `json:"net_after"`
			Verdict   string `json:"verdict"`
		} `json:"rows"`
	}
	if err := json.Unmarshal(raw, &exp); err != nil {
		t.Fatal(err)
	}
	if len(exp.Files) != 4 || len(exp.Rows) < 40 {
		t.Fatalf("asep_expected.json: %d files, %d rows", len(exp.Files), len(exp.Rows))
	}
	var first []map[string]string
	for i, file := range exp.Files {
		rows := queryJSON(t, "--source", filepath.Join(dir, file),
			`SELECT record_id, role, location, path, linked_record_id, net_before, net_after, verdict FROM sysmon_reg_net_chain ORDER BY record_id`)
		if len(rows) != len(exp.Rows) {
			t.Errorf("%s: %d rows, want %d", file, len(rows), len(exp.Rows))
			continue
		}
		for j, e := range exp.Rows {
			want := map[string]string{"record_id": strconv.FormatInt(e.RecordID, 10), "role": e.Role, "location": e.Location, "path": e.Path,
				"linked_record_id": strconv.FormatInt(e.Linked, 10), "net_before": strconv.Itoa(e.NetBefore), "net_after": strconv.Itoa(e.NetAfter), "verdict": e.Verdict}
			for col, v := range want {
				if rows[j][col] != v {
					t.Errorf("%s record %d: %s = %q, want %q", file, e.RecordID, col, rows[j][col], v)
				}
			}
		}
		if i == 0 {
			first = rows
			continue
		}
		for j := range rows {
			for col, v := range rows[j] {
				if first[j][col] != v {
					t.Errorf("%s row %d %s = %q, %s has %q", file, j, col, v, exp.Files[0], first[j][col])
				}
			}
		}
	}
}
