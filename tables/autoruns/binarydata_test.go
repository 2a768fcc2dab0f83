package autoruns

import (
	"testing"

	"github.com/runkeyhunt/runkeyhunt/tables/catalog"
	"github.com/runkeyhunt/runkeyhunt/tables/indicators"
	"github.com/runkeyhunt/runkeyhunt/tables/registry"
)

// TestBinaryDataWriter: Sysmon logs a REG_MULTI_SZ write as "Binary Data",
// so a write to a list location is scored from its writer. Malicious
// cases are the public installs of LSA packages and boot programs (Atomic
// T1547.002/.005, T1556.002: reg add or Set-ItemProperty on the Lsa key,
// Mimikatz's mimilib; a dropper doing the same); benign cases are Windows
// servicing and MSI installs writing the same values on every update.
func TestBinaryDataWriter(t *testing.T) {
	const (
		lsa     = `SYSTEM\CurrentControlSet\Control\Lsa`
		session = `SYSTEM\CurrentControlSet\Control\Session Manager`
	)
	tiworker := `C:\Windows\WinSxS\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.22621.2567_none_5ff1f2b1c2b3d4e5\TiWorker.exe`
	tests := []struct {
		key, value, writer string
		verdict            string
		unusual            bool
	}{
		// Operators and droppers.
		{lsa, "Security Packages", `C:\Windows\System32\reg.exe`, "suspicious", true},
		{lsa, "Authentication Packages", `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, "suspicious", true},
		{lsa, "Notification Packages", `C:\Windows\System32\reg.exe`, "suspicious", true},
		{lsa + `\OSConfig`, "Security Packages", `C:\Users\alice\AppData\Local\Temp\ssp.exe`, "suspicious", true},
		{session, "BootExecute", `C:\Windows\System32\cmd.exe`, "suspicious", true},
		{session, "SetupExecute", `C:\Users\Public\boot.exe`, "suspicious", true},
		{session, "BootExecute", `C:\ProgramData\svchost.exe`, "suspicious", true},
		// An unknown binary (a vendor tool, or LSASS itself): a change all the same.
		{lsa, "Security Packages", `C:\Program Files\Contoso\Agent\agent.exe`, "suspicious", false},
		{session, "BootExecute", `C:\Windows\svchost.exe`, "suspicious", false},
		{session, "BootExecute", ``, "suspicious", false},
		// A remote `reg add \\host\HKLM\...` (Impacket reg.py) writes through the
		// Remote Registry service, in svchost.exe.
		{lsa, "Security Packages", `C:\Windows\System32\svchost.exe`, "suspicious", false},
		// Windows servicing writes the same values.
		{session, "BootExecute", `C:\Windows\servicing\TrustedInstaller.exe`, "benign", false},
		{session, "BootExecute", tiworker, "benign", false},
		{session, "SetupExecute", `C:\Windows\System32\poqexec.exe`, "benign", false},
		{lsa, "Security Packages", tiworker, "benign", false},
		{lsa, "Notification Packages", `C:\Windows\System32\msiexec.exe`, "benign", false},
		{lsa, "Authentication Packages", `C:\Windows\SysWOW64\msiexec.exe`, "benign", false},
		{lsa + `\OSConfig`, "Security Packages", `C:\Windows\system32\services.exe`, "benign", false},
	}
	for _, tt := range tests {
		loc, ok := catalog.Match(registry.ScopeMachine, tt.key, tt.value)
		if !ok || loc.Kind != catalog.KindList {
			t.Fatalf("%s\\%s: location %q kind %q", tt.key, tt.value, loc.ID, loc.Kind)
		}
		set := ValueIndicators(loc, registry.HiveInfo{Scope: registry.ScopeMachine}, tt.value, "Binary Data", tt.writer)
		verdict := indicators.Verdict(set.Score())
		if verdict != tt.verdict || set.Has(indicators.UnusualWriter) != tt.unusual || set.Has(indicators.DefaultChanged) != (tt.verdict != "benign") {
			t.Errorf("%s by %q: %s (%s), want %s unusual_writer %v", loc.ID, tt.writer, verdict, set, tt.verdict, tt.unusual)
		}
	}
}

// TestBinaryDataOnlyForLists: the writer decides only where the event
// hides the data. A command written by TrustedInstaller is scored from the
// command, and "Binary Data" outside a list location is not a list change.
func TestBinaryDataOnlyForLists(t *testing.T) {
	ifeo, _ := catalog.Match(registry.ScopeMachine, `SOFTWARE\Microsoft\Windows NT\CurrentVersion\Image File Execution Options\sethc.exe`, "Debugger")
	set := ValueIndicators(ifeo, registry.HiveInfo{Scope: registry.ScopeMachine}, "Debugger", `C:\Windows\System32\cmd.exe`, `C:\Windows\servicing\TrustedInstaller.exe`)
	if !set.Has(indicators.StrongLocation) || set.Has(indicators.UnusualWriter) {
		t.Errorf("IFEO Debugger by TrustedInstaller: %s", set)
	}
	run, _ := catalog.Match(registry.ScopeMachine, `SOFTWARE\Microsoft\Windows\CurrentVersion\Run`, "x")
	if set := ValueIndicators(run, registry.HiveInfo{Scope: registry.ScopeMachine}, "x", "Binary Data", `C:\Windows\System32\reg.exe`); len(set) != 0 {
		t.Errorf("Run value of Binary Data by reg.exe: %s", set)
	}
}
