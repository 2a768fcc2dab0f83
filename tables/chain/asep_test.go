package chain

import (
	"strings"
	"testing"

	"github.com/runkeyhunt/runkeyhunt/tables/indicators"
)

// TestASEPWrites: a Sysmon write to each kind of new autostart point is an
// autorun row at its catalog location, scored by the location's meaning:
// wildcard subkeys (IFEO, services, user classes), SYSTEM keys through
// CurrentControlSet, and a REG_MULTI_SZ list logged as "Binary Data".
func TestASEPWrites(t *testing.T) {
	tests := []struct {
		target, details, location, indicator string
		suspicious                           bool
	}{
		{`HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Image File Execution Options\sethc.exe\Debugger`, `C:\Windows\System32\cmd.exe`, "ifeo_debugger", indicators.StrongLocation, true},
		{`HKLM\System\CurrentControlSet\Control\Session Manager\BootExecute`, "Binary Data", "boot_execute", indicators.DefaultChanged, true},
		{`HKLM\System\CurrentControlSet\Control\Lsa\Security Packages`, "Binary Data", "lsa_security_packages", indicators.DefaultChanged, true},
		{`HKU\S-1-5-21-1-2-3-1001\Software\Classes\ms-settings\shell\open\command\DelegateExecute`, "(Empty)", "user_shell_command", indicators.StrongLocation, true},
		// The user's classes hive as Sysmon names it (fodhelper, UACME).
		{`HKU\S-1-5-21-1-2-3-1001_Classes\ms-settings\shell\open\command\(Default)`, `C:\Windows\System32\cmd.exe /c start C:\Users\Public\x.exe`, "user_shell_command", indicators.StrongLocation, true},
		{`HKLM\System\CurrentControlSet\Services\WinSvcUpdate\ImagePath`, `C:\Users\Public\svcupd.exe`, "service_image_path", indicators.StagingFolderImage, true},
		{`HKLM\System\CurrentControlSet\Services\IKEEXT\Parameters\ServiceDll`, `C:\Users\Public\wlbsctrl.dll`, "service_dll", indicators.StagingFolderImage, true},
		{`HKU\S-1-5-21-1-2-3-1001\Environment\UserInitMprLogonScript`, `C:\Users\alice\AppData\Local\Temp\logon.bat`, "logon_script", indicators.StagingFolderImage, true},
		// A vendor's Active Setup StubPath in Program Files is not a signal.
		{`HKLM\SOFTWARE\Microsoft\Active Setup\Installed Components\{8A69D345-D564-463c-AFF1-A69D9E530F96}\StubPath`,
			`"C:\Program Files\Google\Chrome\Application\120.0.6099.130\Installer\chrmstp.exe" --configure-user-settings --verbose-logging --system-level`, "active_setup", "", false},
	}
	for i, tt := range tests {
		rows := run(DefaultWindow, setValue(int64(i+1), t0, psGUID, tt.target, tt.details))
		if len(rows) != 1 {
			t.Errorf("%s: %d rows", tt.target, len(rows))
			continue
		}
		r := rows[0]
		if strings.Contains(tt.target, "_Classes") && r.Path != `HKEY_USERS\S-1-5-21-1-2-3-1001\Software\Classes\ms-settings\shell\open\command\(Default)` {
			t.Errorf("classes hive path %s", r.Path)
		}
		if r.Role != RoleAutorun || r.Location != tt.location || tt.indicator != "" && !strings.Contains(","+r.Indicators+",", ","+tt.indicator+",") ||
			(r.Verdict != "benign") != tt.suspicious {
			t.Errorf("%s: role %s location %s indicators %q verdict %s", tt.target, r.Role, r.Location, r.Indicators, r.Verdict)
		}
	}
}
