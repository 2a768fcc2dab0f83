package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --state: each run reads only the new lines and flags the incidents no
// earlier run reported; a run whose report could not be written leaves
// the state alone, so its lines are read again.
func TestReportStateReadsOnlyNewLines(t *testing.T) {
	dir := t.TempDir()
	live := filepath.Join(dir, "osqueryd.results.log")
	db := filepath.Join(t.TempDir(), "state.db")
	line := func(host, verdict string, n int) string {
		return fmt.Sprintf(`{"name":"pack/runkeyhunt/runkeyhunt_autorun_findings","hostIdentifier":%q,"unixTime":%d,"epoch":0,"counter":1,"columns":{"path":"HKEY_USERS\\S-1\\Run\\e%d","data":"tool%d.exe","verdict":%q,"score":"90"},"action":"added"}`+"\n", host, 1740787200+n, n, n, verdict)
	}
	appendLog := func(s string) {
		f, err := os.OpenFile(live, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString(s)
		f.Close()
	}
	type result struct {
		Summary struct {
			Lines     int `json:"lines"`
			Incidents int `json:"incidents"`
			New       int `json:"incidents_new_since_last_run"`
		} `json:"summary"`
		Incidents []struct {
			Host string `json:"host"`
			New  bool   `json:"new_since_last_run"`
		} `json:"incidents"`
	}
	report := func(extra ...string) (result, int) {
		t.Helper()
		code, out, errOut := run(t, environment{}, append([]string{"report", "--state", db, "--format", "json"}, append(extra, dir)...)...)
		var r result
		if code == exitOK && json.Unmarshal([]byte(out), &r) != nil {
			t.Fatalf("json: %s\n%s", out, errOut)
		}
		return r, code
	}
	newHosts := func(r result) string {
		var h []string
		for _, in := range r.Incidents {
			if in.New {
				h = append(h, in.Host)
			}
		}
		return strings.Join(h, ",")
	}
	appendLog(line("h1", "malicious", 1) + line("h2", "suspicious", 2)[:40]) // h2's line half written
	r, _ := report()
	if r.Summary.Lines != 1 || r.Summary.Incidents != 1 || newHosts(r) != "h1" {
		t.Fatalf("first run: %+v", r)
	}
	appendLog(line("h2", "suspicious", 2)[40:])
	r, _ = report()
	if r.Summary.Lines != 2 || r.Summary.Incidents != 2 || r.Summary.New != 1 || newHosts(r) != "h2" {
		t.Fatalf("second run: %+v", r)
	}
	if r, _ = report(); r.Summary.Lines != 2 || r.Summary.New != 0 {
		t.Fatalf("nothing new: %+v", r)
	}
	appendLog(line("h3", "malicious", 3))
	if _, code := report("--output", filepath.Join(dir, "missing", "r.json")); code != exitError {
		t.Fatalf("unwritable output: exit %d", code)
	}
	if r, _ = report(); r.Summary.Lines != 3 || newHosts(r) != "h3" {
		t.Fatalf("after a failed run: %+v", r)
	}
	// The page has the section and the filter.
	code, page, _ := run(t, environment{}, "report", "--state", db, "--format", "html", dir)
	if code != exitOK || !strings.Contains(page, `<section id="new">`) || !strings.Contains(page, `id="f-new"`) || !strings.Contains(page, "Nothing new since the last run.") {
		t.Errorf("html with state: exit %d", code)
	}
	if _, plain, _ := run(t, environment{}, "report", "--format", "html", dir); strings.Contains(plain, `<section id="new">`) {
		t.Error("without --state the page has a new-since section")
	}
}

// A --state file that is no database is an error naming it, and is left
// as it was.
func TestReportStateNotADatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(path, []byte("not a database, keep me\n"), 0o644)
	code, _, errOut := run(t, environment{}, "report", "--state", path, "../report/testdata/logs")
	if b, _ := os.ReadFile(path); code != exitError || !strings.Contains(errOut, path) || string(b) != "not a database, keep me\n" {
		t.Errorf("exit %d, stderr %q, file now %q", code, errOut, b)
	}
}
