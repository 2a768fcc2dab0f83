package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// regWithRunValues writes a .reg export whose HKCU Run key has the given
// value names, each a plain command.
func regWithRunValues(t *testing.T, dir, file string, names ...string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("Windows Registry Editor Version 5.00\r\n\r\n")
	b.WriteString("[HKEY_USERS\\S-1-5-21-1-2-3-1001\\Software\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n")
	for _, n := range names {
		fmt.Fprintf(&b, "\"%s\"=\"C:\\\\Program Files\\\\%s\\\\%s.exe\"\r\n", n, n, n)
	}
	path := filepath.Join(dir, file)
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func names(rows []map[string]string) string {
	var out []string
	for _, r := range rows {
		out = append(out, r["name"])
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

// Issue 11 item 2: SQLite merges the scans of an OR (and of some IN and
// JOIN plans) by rowid; rowids restarting at 0 on every scan made it drop
// the second source's rows as already seen.
func TestQueryOrINAndSelfJoinKeepEverySource(t *testing.T) {
	dir := t.TempDir()
	a := regWithRunValues(t, dir, "a.reg", "Alpha", "Bravo")
	b := regWithRunValues(t, dir, "b.reg", "Charlie", "Delta", "Echo")
	want := "Alpha,Bravo,Charlie,Delta,Echo"
	for _, tt := range []struct{ name, sql string }{
		{"OR", "SELECT name FROM run_key_payloads WHERE source = '" + a + "' OR source = '" + b + "'"},
		{"IN", "SELECT name FROM run_key_payloads WHERE source IN ('" + a + "', '" + b + "')"},
		{"OR with an overlapping term", "SELECT name FROM run_key_payloads WHERE source = '" + a + "' OR source = '" + b + "' OR (source = '" + a + "' AND name = 'Alpha')"},
		{"self join scanning twice", "SELECT x.name FROM run_key_payloads x JOIN run_key_payloads y ON x.path = y.path AND x.source = y.source WHERE x.source IN ('" + a + "', '" + b + "') AND y.source IN ('" + a + "', '" + b + "')"},
		{"union of two scans", "SELECT name FROM run_key_payloads WHERE source = '" + a + "' UNION ALL SELECT name FROM run_key_payloads WHERE source = '" + b + "'"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := names(queryJSON(t, tt.sql)); got != want {
				t.Errorf("got %s, want %s", got, want)
			}
		})
	}
}

// The chain table over two event files: OR returns what IN returns.
func TestQueryChainOrEqualsIN(t *testing.T) {
	x := filepath.Join("..", "testdata", "sysmon", "scenario.xml")
	j := filepath.Join("..", "testdata", "sysmon", "scenario.ecs.jsonl")
	in := queryJSON(t, "SELECT source, record_id FROM sysmon_reg_net_chain WHERE source IN ('"+x+"', '"+j+"')")
	or := queryJSON(t, "SELECT source, record_id FROM sysmon_reg_net_chain WHERE source = '"+x+"' OR source = '"+j+"'")
	one := queryJSON(t, "SELECT record_id FROM sysmon_reg_net_chain WHERE source = '"+x+"'")
	if len(one) == 0 || len(in) != 2*len(one) || len(or) != len(in) {
		t.Errorf("one source %d rows, IN %d, OR %d: want IN = OR = twice one", len(one), len(in), len(or))
	}
}
