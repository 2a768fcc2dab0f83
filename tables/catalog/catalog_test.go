package catalog

import (
	"testing"

	"github.com/runkeyhunt/runkeyhunt/tables/registry"
)

func TestMatch(t *testing.T) {
	tests := []struct {
		scope, key, value string
		want              string
	}{
		{registry.ScopeUser, `Software\Microsoft\Windows\CurrentVersion\Run`, "Updater", "run"},
		{registry.ScopeUser, `SOFTWARE\MICROSOFT\WINDOWS\CURRENTVERSION\RUN\`, "x", "run"},
		{registry.ScopeMachine, `SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Run`, "x", "run_wow64"},
		{registry.ScopeMachine, `SOFTWARE\Microsoft\Windows\CurrentVersion\RunOnce`, "x", "run_once"},
		{registry.ScopeMachine, `SOFTWARE\Microsoft\Windows\CurrentVersion\RunOnceEx\0001`, "1", "run_once_ex"},
		{registry.ScopeMachine, `SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\Explorer\Run`, "x", "policies_run"},
		{registry.ScopeMachine, `SOFTWARE\Microsoft\Windows\CurrentVersion\RunServices`, "x", "run_services"},
		{registry.ScopeMachine, `SOFTWARE\Microsoft\Windows NT\CurrentVersion\Terminal Server\Install\Software\Microsoft\Windows\CurrentVersion\Run`, "x", "terminal_server_run"},
		{registry.ScopeMachine, `SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon`, "Userinit", "winlogon_userinit"},
		{registry.ScopeMachine, `SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon`, "shell", "winlogon_shell"},
		{registry.ScopeUser, `Software\Microsoft\Windows NT\CurrentVersion\Winlogon`, "Shell", "winlogon_shell"},
		// Not autoruns.
		{registry.ScopeMachine, `SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon`, "AutoAdminLogon", ""},
		{registry.ScopeUser, `Software\Microsoft\Windows\CurrentVersion`, "Debug", ""},
		{registry.ScopeUser, `Software\Microsoft\Windows\CurrentVersion\RunX`, "x", ""},
		{registry.ScopeUser, `Software\Microsoft\Windows NT\CurrentVersion\Terminal Server\Install\Software\Microsoft\Windows\CurrentVersion\Run`, "x", ""},
	}
	for _, tt := range tests {
		loc, ok := Match(tt.scope, tt.key, tt.value)
		if got := loc.ID; !ok && tt.want != "" || ok && got != tt.want {
			t.Errorf("Match(%s, %s, %s) = %q %v, want %q", tt.scope, tt.key, tt.value, got, ok, tt.want)
		}
	}
}

func TestIDsAreUniquePerScopeAndKey(t *testing.T) {
	seen := map[string]bool{}
	for _, l := range All {
		k := l.Scope + "|" + l.ID
		if seen[k] {
			t.Errorf("duplicate location %s", k)
		}
		seen[k] = true
	}
	for _, id := range []string{"run", "run_once", "run_once_ex", "policies_run", "run_services", "winlogon_shell", "winlogon_userinit"} {
		if !seen["machine|"+id] {
			t.Errorf("SPEC location %s missing", id)
		}
	}
}

func TestWinlogonDefaults(t *testing.T) {
	userinit, _ := Match(registry.ScopeMachine, `SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon`, "Userinit")
	if !userinit.IsDefault(`C:\Windows\system32\userinit.exe,`) || !userinit.IsDefault(`c:\windows\system32\USERINIT.EXE,`) {
		t.Error("default Userinit flagged")
	}
	if userinit.IsDefault(`C:\Windows\system32\userinit.exe,C:\Users\Public\u.exe`) {
		t.Error("modified Userinit not flagged")
	}
	shell, _ := Match(registry.ScopeMachine, `SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon`, "Shell")
	if !shell.IsDefault("explorer.exe") || shell.IsDefault("explorer.exe, evil.exe") {
		t.Error("Shell default")
	}
	run, _ := Match(registry.ScopeMachine, `SOFTWARE\Microsoft\Windows\CurrentVersion\Run`, "x")
	if !run.IsDefault("anything") {
		t.Error("Run has no defaults to differ from")
	}
}

func TestEnabled(t *testing.T) {
	for _, tt := range []struct {
		data []byte
		want bool
	}{
		{nil, true}, {[]byte{2, 0, 0, 0}, true}, {[]byte{6}, true}, {[]byte{3, 0}, false}, {[]byte{7}, false}, {[]byte{1}, false},
	} {
		if got := Enabled(tt.data); got != tt.want {
			t.Errorf("Enabled(%x) = %v", tt.data, got)
		}
	}
}
