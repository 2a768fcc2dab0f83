package payload

import (
	"strings"
	"testing"
)

func TestParsePowerShell(t *testing.T) {
	cases := []struct {
		line                           string
		isPS, noCmd, noProf, fileNoArg bool
		script                         string
	}{
		{`C:\WINDOWS\system32\WindowsPowerShell\v1.0\powershell.exe -NonInteractive -WindowStyle Hidden`, true, true, false, false, ""},
		{`powershell -nop -w hidden`, true, true, true, false, ""},
		{`powershell.exe -w hidden -File`, true, false, false, true, ""},
		{`powershell.exe -ep bypass -f "C:\Program Files\A\a.ps1"`, true, false, false, false, `C:\Program Files\A\a.ps1`},
		{`pwsh.exe C:\Scripts\x.ps1`, true, false, false, false, `C:\Scripts\x.ps1`},
		{`powershell -c "Write-Host hi"`, true, false, false, false, ""},
		{`powershell -enc SQBFAFgA`, true, false, false, false, ""},
		{`p^owe^rshell "-w" "hidden"`, true, true, false, false, ""},
		{`"C:\Program Files\App\app.exe" -File`, false, false, false, false, ""},
	}
	for _, c := range cases {
		got := ParsePowerShell(c.line, nil)
		if got.IsPowerShell != c.isPS || got.NoCommand != c.noCmd || got.NoProfile != c.noProf || got.FileWithoutPath != c.fileNoArg || got.Script != c.script {
			t.Errorf("%s: %+v", c.line, got)
		}
	}
}

func TestAdminScriptFolder(t *testing.T) {
	cases := map[string]bool{
		`C:\Program Files\Agent\a.ps1`:                      true,
		`C:\Program Files (x86)\ManageEngine\bin\a.ps1`:     true,
		`C:\Windows\System32\GroupPolicy\Machine\Scripts\a`: true,
		`\\corp.example.com\NETLOGON\logon.ps1`:             true,
		`\\corp.example.com\sysvol\corp\scripts\drives.ps1`: true,
		`\\corp.example.com\share\logon.ps1`:                false,
		`\\corp.example.com\NETLOGON\..\..\evil\x.ps1`:      false,
		`C:\Windows\Temp\a.ps1`:                             false,
		`C:\Windows\Tasks\a.ps1`:                            false,
		`C:\Users\Public\a.ps1`:                             false,
		`C:\Users\alice\AppData\Local\Temp\a.ps1`:           false,
		`C:\Program Files\..\Users\Public\a.ps1`:            false,
		`C:\ProgramData\a.ps1`:                              false,
		`a.ps1`:                                             false,
	}
	for p, want := range cases {
		if got := AdminScriptFolder(p); got != want {
			t.Errorf("AdminScriptFolder(%q) = %v, want %v", p, got, want)
		}
	}
}

func FuzzParsePowerShell(f *testing.F) {
	f.Add(`powershell -w hidden`)
	f.Add(`powershell -File`)
	f.Add(`pwsh -nop -ep bypass -f "C:\a b\c.ps1" x`)
	f.Add(`p^owe^rshell "-w" "hidden" "-enc" "SQBFAFgA"`)
	f.Fuzz(func(t *testing.T, line string) {
		got := ParsePowerShell(line, nil)
		if !got.IsPowerShell && (got.NoCommand || got.FileWithoutPath || got.Script != "") {
			t.Fatalf("not PowerShell but %+v", got)
		}
		if got.FileWithoutPath && (got.NoCommand || got.Script != "") {
			t.Fatalf("contradiction: %+v", got)
		}
		// A script of white space only (a form feed between arguments) has
		// no first letter to look for.
		if script := strings.TrimSpace(got.Script); script != "" && !strings.Contains(line, script[:1]) {
			t.Fatalf("script %q not from the line", got.Script)
		}
		AdminScriptFolder(got.Script)
	})
}
