package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// runBinary runs the built runkeyhunt and returns stdout, stderr and the
// exit code.
func runBinary(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

func queryJSON(t *testing.T, args ...string) []map[string]string {
	t.Helper()
	out, errOut, code := runBinary(t, append([]string{"query", "--format", "json"}, args...)...)
	if code != 0 {
		t.Fatalf("query %v: exit %d: %s", args, code, errOut)
	}
	var rows []map[string]string
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("query output is not an array of string objects: %v\n%s", err, out)
	}
	return rows
}

func TestQueryJSONAndSourceParameter(t *testing.T) {
	src := writeE2EReg(t)
	rows := queryJSON(t, "--source", src, "SELECT name, verdict, score, payload_exists FROM run_key_payloads ORDER BY name")
	if len(rows) != 2 || rows[0]["name"] != "OneDrive" || rows[1]["name"] != "Updater" {
		t.Fatalf("rows: %v", rows)
	}
	if rows[0]["verdict"] != "benign" || rows[1]["verdict"] != "malicious" || rows[1]["payload_exists"] != "1" {
		t.Errorf("verdicts: %v", rows)
	}
	// The source constraint reads that input without --source, and the rows
	// survive SQLite re-applying the WHERE clause.
	rows = queryJSON(t, "SELECT name, source FROM run_key_payloads WHERE source = '"+src+"' AND verdict = 'malicious'")
	if len(rows) != 1 || rows[0]["source"] != src {
		t.Errorf("source constraint: %v", rows)
	}
	// Numeric columns compare as numbers.
	rows = queryJSON(t, "--source", src, "SELECT name FROM run_key_payloads WHERE score >= 70 AND payload_size > 100")
	if len(rows) != 1 || rows[0]["name"] != "Updater" {
		t.Errorf("numeric comparison: %v", rows)
	}
}

func TestQueryJoinsItself(t *testing.T) {
	src := writeE2EReg(t)
	rows := queryJSON(t, "--source", src, `SELECT a.name, b.payload_path FROM run_key_payloads a JOIN run_key_payloads b USING (path) WHERE a.payload_kind = 'registry'`)
	if len(rows) != 1 || !strings.HasSuffix(rows[0]["payload_path"], `CurrentVersion\Debug`) {
		t.Errorf("join: %v", rows)
	}
}

func TestQueryFormats(t *testing.T) {
	src := writeE2EReg(t)
	out, _, code := runBinary(t, "query", "--source", src, "--format", "csv", "SELECT name, verdict FROM run_key_payloads ORDER BY name")
	if code != 0 || out != "name,verdict\nOneDrive,benign\nUpdater,malicious\n" {
		t.Errorf("csv (exit %d):\n%s", code, out)
	}
	out, _, code = runBinary(t, "query", "--source", src, "SELECT name, verdict FROM run_key_payloads ORDER BY name")
	want := "+----------+-----------+\n| name     | verdict   |\n+----------+-----------+\n| OneDrive | benign    |\n| Updater  | malicious |\n+----------+-----------+\n"
	if code != 0 || out != want {
		t.Errorf("table (exit %d):\n%s", code, out)
	}
}

func TestQueryErrorsAreOneLine(t *testing.T) {
	src := writeE2EReg(t)
	bad := filepath.Join(t.TempDir(), "bad.reg")
	// A bad line is only a warning (issue 12); a bad header is an error.
	os.WriteFile(bad, []byte("Windows Registry Editor Versionless\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\x]\r\n\"a\"=hex(2):zz,00\r\n"), 0o600)
	tests := []struct {
		name string
		args []string
		want string
		code int
	}{
		{"sql syntax", []string{"query", "--source", src, "SELEC nonsense"}, "syntax error", 1},
		{"no such table", []string{"query", "SELECT * FROM nope"}, "no such table", 1},
		{"missing input", []string{"query", "--source", "/nonexistent/x.reg", "SELECT * FROM run_key_payloads"}, "/nonexistent/x.reg", 1},
		{"bad reg file", []string{"query", "--source", bad, "SELECT * FROM run_key_payloads"}, bad, 1},
		{"bad format", []string{"query", "--format", "xml", "SELECT 1"}, "unknown format", 2},
		{"no sql", []string{"query"}, "exactly one SQL statement", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := runBinary(t, tt.args...)
			if code != tt.code || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d stderr %q, want exit %d mentioning %q", code, errOut, tt.code, tt.want)
			}
			if strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
				t.Errorf("error is not one line: %q", errOut)
			}
			if out != "" {
				t.Errorf("stdout on error: %q", out)
			}
			// An input error names the input, not SQLite's wrapping.
			if strings.Contains(errOut, "SQL logic error") {
				t.Errorf("input error dressed as an SQL error: %q", errOut)
			}
		})
	}
}

func TestHelpAndVersion(t *testing.T) {
	out, _, code := runBinary(t, "--help")
	if code != 0 || !strings.Contains(out, "runkeyhunt query") || !strings.Contains(out, "--socket") {
		t.Errorf("help: %d %s", code, out)
	}
	out, _, code = runBinary(t, "--version")
	if code != 0 || !strings.HasPrefix(out, "runkeyhunt ") {
		t.Errorf("version: %d %s", code, out)
	}
	_, errOut, code := runBinary(t)
	if code != 2 || !strings.Contains(errOut, "Usage") {
		t.Errorf("no args: %d %s", code, errOut)
	}
}

// The README's JOIN on events-only input: run_key_payloads reads the
// registry state the Sysmon events wrote, so the join finds the autorun
// command and the payload it reads, decoded.
func TestQueryChainJoinOnEventsOnly(t *testing.T) {
	for _, file := range []string{"scenario.xml", "scenario.ecs.jsonl", "scenario.nxlog.jsonl"} {
		src := filepath.Join("..", "testdata", "sysmon", file)
		rows := queryJSON(t, "--source", src, `SELECT c.datetime, c.image, c.net_before, c.net_after, r.payload_preview FROM sysmon_reg_net_chain c JOIN run_key_payloads r USING (path) WHERE c.role = 'autorun' AND r.payload_kind = 'registry'`)
		if len(rows) != 2 {
			t.Fatalf("%s: want the Empire and Metasploit-style autoruns, got %v", file, rows)
		}
		for _, r := range rows {
			if !strings.Contains(r["payload_preview"], "runkeyhunt test fixture") || r["net_before"] != "2" {
				t.Errorf("%s: %v", file, r)
			}
		}
	}
}

func TestDemoQueriesBothTables(t *testing.T) {
	rows := queryJSON(t, "--source", filepath.Join("..", "examples", "demo"),
		`SELECT r.name, r.verdict, c.net_before, c.net_after, c.linked_record_id FROM run_key_payloads r JOIN sysmon_reg_net_chain c USING (path) WHERE r.verdict = 'malicious'`)
	if len(rows) != 1 || rows[0]["name"] != "Updater" || rows[0]["net_before"] != "2" || rows[0]["linked_record_id"] == "0" {
		t.Errorf("demo join: %v", rows)
	}
}
