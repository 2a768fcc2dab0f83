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

// Issue 11 item 6: each command's --help is its usage and flags with
// defaults, on stdout, exit 0.
func TestCommandHelpOnStdout(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want []string
	}{
		{[]string{"--help"}, []string{"runkeyhunt query", "--socket", "-allow_source PATH", "-generate_timeout int", "(default 600)"}},
		{[]string{"help"}, []string{"runkeyhunt query", "--socket"}},
		{[]string{"query", "--help"}, []string{"Usage: runkeyhunt query", "-source PATHS", "-format string", `(default "table")`, "-width N", "-no-progress"}},
		{[]string{"query", "-h"}, []string{"Usage: runkeyhunt query"}},
		{[]string{"help", "query"}, []string{"Usage: runkeyhunt query"}},
		{[]string{"query", "SELECT 1", "--help"}, []string{"Usage: runkeyhunt query"}},
		{[]string{"schema", "--help"}, []string{"Usage: runkeyhunt schema", "-format string", `(default "markdown")`}},
		{[]string{"fleet", "--help"}, []string{"runkeyhunt fleet"}},
		{[]string{"fleet", "report", "--help"}, []string{"report"}},
	} {
		out, errOut, code := runBinary(t, tt.args...)
		if code != 0 || errOut != "" {
			t.Errorf("%v: exit %d, stderr %q", tt.args, code, errOut)
		}
		for _, w := range tt.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: stdout lacks %q:\n%s", tt.args, w, out)
			}
		}
	}
}

func TestUnknownCommandIsOneLine(t *testing.T) {
	for _, args := range [][]string{{"qeury", "SELECT 1"}, {"help", "nope"}} {
		out, errOut, code := runBinary(t, args...)
		if code != 2 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "unknown command") {
			t.Errorf("%v: exit %d stdout %q stderr %q", args, code, out, errOut)
		}
	}
}

func TestVersionSubcommand(t *testing.T) {
	sub, _, code := runBinary(t, "version")
	flagOut, _, code2 := runBinary(t, "--version")
	if code != 0 || code2 != 0 || sub != flagOut || !strings.HasPrefix(sub, "runkeyhunt ") {
		t.Errorf("version %q (exit %d), --version %q (exit %d)", sub, code, flagOut, code2)
	}
}

// Flags may follow the SQL, formats are case-insensitive, and --source
// repeats (its values add up).
func TestQueryFlagsAnywhereAndRepeatedSource(t *testing.T) {
	dir := t.TempDir()
	a := regWithRunValues(t, dir, "a.reg", "Alpha")
	b := regWithRunValues(t, dir, "b.reg", "Bravo")
	out, errOut, code := runBinary(t, "query", "SELECT name FROM run_key_payloads ORDER BY name", "--format", "JSON", "--source", a, "--source", b)
	if code != 0 || out != "[\n  {\"name\":\"Alpha\"},\n  {\"name\":\"Bravo\"}\n]\n" {
		t.Errorf("exit %d stdout %q stderr %q", code, out, errOut)
	}
	out, _, code = runBinary(t, "query", "--format", "Csv", "--source", a, "--", "SELECT name FROM run_key_payloads")
	if code != 0 || out != "name\nAlpha\n" {
		t.Errorf("csv after --: exit %d %q", code, out)
	}
	out, errOut, code = runBinary(t, "query", "SELECT 1", "SELECT 2")
	if code != 2 || !strings.Contains(errOut, "exactly one SQL statement") || out != "" {
		t.Errorf("two statements: exit %d %q %q", code, out, errOut)
	}
}

// osqueryi prints "[\n\n]\n" for zero rows in --json mode, and nothing in
// pretty or line mode.
func TestQueryZeroRowsAsOsqueryi(t *testing.T) {
	src := writeE2EReg(t)
	for format, want := range map[string]string{"json": "[\n\n]\n", "table": "", "line": ""} {
		out, errOut, code := runBinary(t, "query", "--source", src, "--format", format, "SELECT name FROM run_key_payloads WHERE name = 'none'")
		if code != 0 || out != want {
			t.Errorf("%s: exit %d stdout %q stderr %q, want %q", format, code, out, errOut, want)
		}
	}
	out, _, code := runBinary(t, "query", "--source", src, "--format", "line", "SELECT name, verdict FROM run_key_payloads ORDER BY name")
	want := "   name = OneDrive\nverdict = benign\n\n   name = Updater\nverdict = malicious\n"
	if code != 0 || out != want {
		t.Errorf("line: exit %d\n%q\nwant\n%q", code, out, want)
	}
}

// Issue 11 item 11: a registry value that starts like a formula comes out
// of --format csv neutralised.
func TestQueryCSVNeutralisesAttackerText(t *testing.T) {
	dir := t.TempDir()
	reg := "Windows Registry Editor Version 5.00\r\n\r\n" +
		"[HKEY_USERS\\S-1-5-21-1-2-3-1001\\Software\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n" +
		"\"=HYPERLINK(\\\"http://x.invalid\\\")\"=\"C:\\\\a.exe\"\r\n"
	path := filepath.Join(dir, "f.reg")
	os.WriteFile(path, []byte(reg), 0o600)
	out, errOut, code := runBinary(t, "query", "--source", path, "--format", "csv", "SELECT name FROM run_key_payloads")
	if code != 0 || out != "name\n\"'=HYPERLINK(\"\"http://x.invalid\"\")\"\n" {
		t.Errorf("exit %d stdout %q stderr %q", code, out, errOut)
	}
}

// Issue 11 item 3 through the binary: keys sorted, a repeated name keeps
// its last value, NULL is "", HTML characters raw, REALs as SQLite prints
// them (osqueryi shows SQLite's text), all values strings.
func TestQueryJSONBytesAsOsqueryi(t *testing.T) {
	out, errOut, code := runBinary(t, "query", "--format", "json", "SELECT 0.0 AS z, 2.5 AS r, 1 AS a, 2 AS a, '<a&b>' AS x, NULL AS n")
	want := "[\n  {\"a\":\"2\",\"n\":\"\",\"r\":\"2.5\",\"x\":\"<a&b>\",\"z\":\"0.0\"}\n]\n"
	if code != 0 || out != want {
		t.Errorf("exit %d stderr %q\n got %q\nwant %q", code, errOut, out, want)
	}
}

// Issue 12 item 14: a path that contains a comma, given on its own
// --source next to another one.
func TestQueryRepeatedSourceWithCommaInPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "case 7, host a")
	os.Mkdir(dir, 0o700)
	a := regWithRunValues(t, dir, "a,1.reg", "Alpha")
	b := regWithRunValues(t, t.TempDir(), "b.reg", "Bravo")
	for _, args := range [][]string{
		{"--source", a, "--source", b},
		{"--source", b, "--source", dir},
		{"--source", a}, // one existing path, commas and all
	} {
		rows := queryJSON(t, append(args, "SELECT name FROM run_key_payloads")...)
		want := "Alpha,Bravo"
		if len(args) == 2 {
			want = "Alpha"
		}
		if got := names(rows); got != want {
			t.Errorf("%v: got %s, want %s", args, got, want)
		}
	}
}
