package report

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/runkeyhunt/runkeyhunt/fleet/resultlog"
)

// osquery's default event format logs a differential query's first run
// (counter 0) as one "added" line per row, all with the run's unixTime.
// Every line belongs to the complete result: the second line must not clear
// what the first one added (it did, and --fail-on malicious exited 0).
func TestEventFormatFirstRunKeepsEveryRow(t *testing.T) {
	const head = `{"name":"pack/runkeyhunt/runkeyhunt_autorun_findings","hostIdentifier":"h1","calendarTime":"Mon Mar  3 00:00:00 2025 UTC","unixTime":1740960000,"epoch":0,"counter":0,"numerics":false,"decorations":{"host_uuid":"h1","hostname":"ws1"},`
	log := head + `"columns":{"path":"HKEY_USERS\\S-1\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\Updater","data":"powershell -enc AAAA","verdict":"malicious","score":"95"},"action":"added"}` + "\n" +
		head + `"columns":{"path":"HKEY_USERS\\S-1\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\OneDrive","data":"onedrive.exe /background","verdict":"benign","score":"0"},"action":"added"}` + "\n"
	path := filepath.Join(t.TempDir(), "osqueryd.results.log")
	if err := os.WriteFile(path, []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	e := New()
	if err := resultlog.ReadAll(t.Context(), []string{path}, nil, e.Handler(nil)); err != nil {
		t.Fatal(err)
	}
	r := e.Report()
	if r.Summary.IncidentsOpen != 1 || r.Summary.IncidentsMalicious != 1 || r.Summary.IncidentsRemoved != 0 || r.Worst() != 2 {
		t.Errorf("first run's malicious row lost: %+v", r.Summary)
	}
	if r.Summary.DistinctPatterns != 2 {
		t.Errorf("state holds %d autoruns, want both rows of the first run", r.Summary.DistinctPatterns)
	}
}
