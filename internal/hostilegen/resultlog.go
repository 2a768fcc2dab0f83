package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Hosts per result-log file of the fleet report case.
const resultHosts = 200

// resultLog is osquery's event-format log of one snapshot per host of the
// autorun inventory query; the hosts are prefix-000, prefix-001, ...
func resultLog(prefix string, day int) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for h := 0; h < resultHosts; h++ {
		host := fmt.Sprintf("%s-%03d", prefix, h)
		sid := fmt.Sprintf("S-1-5-21-1004336348-1177238915-682003330-%d", 1001+h)
		run := `HKEY_USERS\` + sid + `\Software\Microsoft\Windows\CurrentVersion\Run`
		row := func(name, data, verdict, score, indicators string) map[string]string {
			return map[string]string{
				"key": run, "path": run + `\` + name, "name": name, "data": data, "location": "run",
				"scope": "user", "sid": sid, "username": fmt.Sprintf("user%d", h), "enabled": "1",
				"payload_kind": "", "payload_path": "", "payload_preview": "", "indicators": indicators,
				"score": score, "verdict": verdict,
			}
		}
		rows := []map[string]string{
			row("OneDrive", fmt.Sprintf(`"C:\Users\user%d\AppData\Local\Microsoft\OneDrive\OneDrive.exe" /background`, h), "benign", "0", ""),
			row(fmt.Sprintf("Agent%d", h%7), fmt.Sprintf(`"C:\Program Files\Agent%d\agent.exe"`, h%7), "benign", "0", ""),
		}
		if h%50 == 0 {
			rows = append(rows, row("Updater", `powershell.exe -w hidden -enc JABYAD0A`, "malicious", "100", "encoded_command,hidden_window"))
		}
		enc.Encode(map[string]any{
			"name": "pack/runkeyhunt/runkeyhunt_autorun_inventory", "hostIdentifier": host,
			"calendarTime": "", "unixTime": 1740787200 + 86400*day, "epoch": 0, "counter": 1, "numerics": false,
			"decorations": map[string]string{"host_uuid": host, "hostname": host},
			"snapshot":    rows, "action": "snapshot",
		})
	}
	return buf.Bytes()
}

func gzipBytes(b []byte) []byte { return gzipOf(bytes.NewReader(b)) }

// writeResultLogs writes results-good/ (a current log and a rotated .gz of
// other hosts) and results-mixed/ (the same plus a rotated .gz cut in the
// middle of its stream).
func writeResultLogs(dir string) error {
	files := map[string][]byte{
		"osqueryd.results.log":      resultLog("good", 1),
		"osqueryd.results.log.1.gz": gzipBytes(resultLog("rotated", 0)),
	}
	truncated := gzipBytes(resultLog("truncated", 0))
	for _, sub := range []string{"results-good", "results-mixed"} {
		d := filepath.Join(dir, sub)
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
		for name, data := range files {
			if err := os.WriteFile(filepath.Join(d, name), data, 0o644); err != nil {
				return err
			}
		}
	}
	return os.WriteFile(filepath.Join(dir, "results-mixed", "osqueryd.results.log.2.gz"), truncated[:len(truncated)/2], 0o644)
}
