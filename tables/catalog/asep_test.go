package catalog

import (
	"testing"

	"github.com/runkeyhunt/runkeyhunt/tables/indicators"
	"github.com/runkeyhunt/runkeyhunt/tables/registry"
)

func TestMatchASEP(t *testing.T) {
	tests := []struct {
		scope, key, value string
		want, item        string
		strong            bool
	}{
		{registry.ScopeMachine, `SOFTWARE\Microsoft\Windows NT\CurrentVersion\Image File Execution Options\sethc.exe`, "Debugger", "ifeo_debugger", "sethc.exe", true},
		{registry.ScopeMachine, `SOFTWARE\Microsoft\Windows NT\CurrentVersion\Image File Execution Options\notepad.exe`, "Debugger", "ifeo_debugger", "notepad.exe", false},
		{registry.ScopeMachine, `SOFTWARE\WOW6432Node\Microsoft\Windows NT\CurrentVersion\Image File Execution Options\osk.exe`, "debugger", "ifeo_debugger_wow64", "osk.exe", true},
		{registry.ScopeMachine, `SYSTEM\CurrentControlSet\Control\Session Manager`, "BootExecute", "boot_execute", "", false},
		{registry.ScopeMachine, `SYSTEM\ControlSet001\Control\Lsa`, "Security Packages", "lsa_security_packages", "", false},
		{registry.ScopeMachine, `System\CurrentControlSet\Services\evil\Parameters`, "ServiceDll", "service_dll", "evil", false},
		{registry.ScopeMachine, `SYSTEM\CurrentControlSet\Services\evil`, "ImagePath", "service_image_path", "evil", false},
		{registry.ScopeUser, `Software\Classes\ms-settings\shell\open\command`, "DelegateExecute", "user_shell_command", "ms-settings", true},
		{registry.ScopeUser, `Software\Classes\zoommtg\shell\open\command`, "", "user_shell_command", "zoommtg", false},
		{registry.ScopeUser, `Software\Classes\CLSID\{B5F8350B-0548-48B1-A6EE-88BD00B4A5E7}\InprocServer32`, "", "user_com_inproc", "{B5F8350B-0548-48B1-A6EE-88BD00B4A5E7}", false},
		{registry.ScopeUser, `Software\Microsoft\Office test\Special\Perf`, "", "office_test", "Perf", true},
		{registry.ScopeUser, `Environment`, "UserInitMprLogonScript", "logon_script", "", false},
		{registry.ScopeUser, `Control Panel\Desktop`, "SCRNSAVE.EXE", "screensaver", "", false},
		{registry.ScopeMachine, `SOFTWARE\Microsoft\Windows NT\CurrentVersion\Image File Execution Options\notepad.exe`, "GlobalFlag", "ifeo_global_flag", "notepad.exe", false},
		{registry.ScopeMachine, `SOFTWARE\Microsoft\Windows\CurrentVersion\RunOnceEx\0001\Depend`, "1", "run_once_ex_depend", "0001", false},
		{registry.ScopeMachine, `SOFTWARE\Microsoft\Windows\CurrentVersion\RunOnceEx\0001`, "1", "run_once_ex", "0001", false},
		{registry.ScopeUser, `Software\Microsoft\Windows\CurrentVersion\ShellServiceObjectDelayLoad`, "x", "shell_service_object_delay_load", "", false},
		{registry.ScopeMachine, `SOFTWARE\Microsoft\Windows\CurrentVersion\Explorer\ShellIconOverlayIdentifiers\   OneDrive1`, "", "shell_icon_overlay", "   OneDrive1", false},
		{registry.ScopeUser, `Software\Classes\CLSID\{B5F8350B-0548-48B1-A6EE-88BD00B4A5E7}\TreatAs`, "", "user_com_treatas", "{B5F8350B-0548-48B1-A6EE-88BD00B4A5E7}", false},
		{registry.ScopeMachine, `SOFTWARE\Classes\exefile\shell\open\command`, "", "machine_shell_command", "exefile", false},
		{registry.ScopeMachine, `SYSTEM\CurrentControlSet\Control\Print\Monitors\Standard TCP/IP Port`, "Driver", "print_monitors", "Standard TCP/IP Port", false},
		// Not autostart values.
		{registry.ScopeMachine, `SYSTEM\CurrentControlSet\Services\evil\Parameters`, "ImagePath", "", "", false},
		{registry.ScopeMachine, `SYSTEM\CurrentControlSet\Services\evil`, "Start", "", "", false},
		{registry.ScopeUser, `Software\Classes\ms-settings\shell\open`, "", "", "", false},
		{registry.ScopeUser, `Environment`, "Path", "", "", false},
		{registry.ScopeMachine, `SOFTWARE\Microsoft\Windows NT\CurrentVersion\Image File Execution Options\sethc.exe`, "MitigationOptions", "", "", false},
	}
	for _, tt := range tests {
		loc, ok := Match(tt.scope, tt.key, tt.value)
		if !ok && tt.want != "" || ok && (loc.ID != tt.want || loc.Item != tt.item || loc.IsStrong() != tt.strong) {
			t.Errorf("Match(%s, %s, %s) = %q item %q strong %v (%v), want %q %q %v", tt.scope, tt.key, tt.value, loc.ID, loc.Item, loc.IsStrong(), ok, tt.want, tt.item, tt.strong)
		}
	}
}

func TestListDefaultsItemByItem(t *testing.T) {
	session := `SYSTEM\CurrentControlSet\Control\Session Manager`
	boot, _ := Match(registry.ScopeMachine, session, "BootExecute")
	sec, _ := Match(registry.ScopeMachine, `SYSTEM\CurrentControlSet\Control\Lsa`, "Security Packages")
	appinit, _ := Match(registry.ScopeMachine, `SOFTWARE\Microsoft\Windows NT\CurrentVersion\Windows`, "AppInit_DLLs")
	startup, _ := Match(registry.ScopeUser, `Software\Microsoft\Windows\CurrentVersion\Explorer\Shell Folders`, "Startup")
	tests := []struct {
		loc  Location
		data string
		want bool
	}{
		{boot, "autocheck autochk *", true},
		{boot, "AUTOCHECK AUTOCHK *\n", true},
		{boot, "autocheck autochk *\nC:\\Windows\\evil.exe", false},
		{sec, "kerberos\nmsv1_0\nschannel\nwdigest\ntspkg\npku2u", true},
		{sec, `""`, true},
		{sec, "kerberos\nmsv1_0\nmimilib", false},
		{appinit, "", true},
		{appinit, `C:\Users\Public\a.dll, b.dll`, false},
		{startup, `C:\Users\joe\AppData\Roaming\Microsoft\Windows\Start Menu\Programs\Startup`, true},
		{startup, `C:\Users\Public\s`, false},
	}
	for _, tt := range tests {
		if got := tt.loc.IsDefault(tt.data); got != tt.want {
			t.Errorf("%s.IsDefault(%q) = %v, want %v", tt.loc.ID, tt.data, got, tt.want)
		}
	}
	if boot.Changed != indicators.DefaultChanged || boot.Kind != KindList {
		t.Errorf("boot_execute: changed %q kind %q", boot.Changed, boot.Kind)
	}
	if shell, _ := Match(registry.ScopeMachine, `SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon`, "Shell"); shell.Changed != indicators.WinlogonModified {
		t.Errorf("winlogon_shell changed = %q", shell.Changed)
	}
}

func TestControlSetKeys(t *testing.T) {
	if got := CurrentControlSet(`SYSTEM\ControlSet002\Services\x`); got != `SYSTEM\CurrentControlSet\Services\x` {
		t.Errorf("CurrentControlSet = %q", got)
	}
	if got := CurrentControlSet(`SYSTEM\ControlSet0010`); got != `SYSTEM\ControlSet0010` {
		t.Errorf("CurrentControlSet = %q", got)
	}
	if got := ControlSetKeys(`SYSTEM\CurrentControlSet\Control\Lsa`); len(got) != 2 || got[1] != `SYSTEM\ControlSet001\Control\Lsa` {
		t.Errorf("ControlSetKeys = %q", got)
	}
}

func TestEveryLocationIsDeclaredOnce(t *testing.T) {
	seen := map[string]bool{}
	for _, l := range All {
		if l.Kind == "" || l.Changed == "" || l.Suffix != "" && !l.Subkeys {
			t.Errorf("%s: kind %q changed %q suffix %q subkeys %v", l.ID, l.Kind, l.Changed, l.Suffix, l.Subkeys)
		}
		k := l.Scope + "|" + l.Key + "|" + l.Suffix + "|" + l.ID
		if seen[k] {
			t.Errorf("duplicate %s", k)
		}
		seen[k] = true
	}
}

// TestItemDefaultsAreLiteral: Windows' handler defaults hold `%*`, which
// the location defaults' glob would take for "anything": per-item
// defaults compare literally.
func TestItemDefaultsAreLiteral(t *testing.T) {
	tests := []struct {
		key, data string
		want      bool
	}{
		{`SOFTWARE\Classes\exefile\shell\open\command`, `"%1" %*`, true},
		{`SOFTWARE\Classes\ExeFile\shell\open\command`, ` "%1" %* `, true},
		{`SOFTWARE\Classes\exefile\shell\open\command`, `"%1" %* & C:\ProgramData\x.exe`, false},
		{`SOFTWARE\Classes\exefile\shell\open\command`, `C:\ProgramData\x.exe "%1" %*`, false},
		{`SOFTWARE\Classes\mscfile\shell\open\command`, `%SystemRoot%\system32\mmc.exe "%1" %*`, true},
		{`SOFTWARE\Classes\Folder\shell\open\command`, `{11dbb47c-a525-400b-9e80-a54615a090c0}`, true},
		{`SOFTWARE\Classes\exefile\shell\open\command`, ``, true},
		{`SOFTWARE\Classes\vlc\shell\open\command`, `"C:\Program Files\VideoLAN\VLC\vlc.exe" "%1"`, true}, // no defaults for the class
	}
	for _, tt := range tests {
		loc, ok := Match(registry.ScopeMachine, tt.key, "")
		if !ok {
			t.Fatalf("no location for %s", tt.key)
		}
		if got := loc.IsDefault(tt.data); got != tt.want {
			t.Errorf("%s: IsDefault(%q) = %v, want %v", tt.key, tt.data, got, tt.want)
		}
	}
}
