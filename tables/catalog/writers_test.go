package catalog

import "testing"

func TestClassifyWriter(t *testing.T) {
	tests := []struct {
		image, want string
	}{
		// Windows Update / component servicing writing BootExecute and the LSA lists.
		{`C:\Windows\servicing\TrustedInstaller.exe`, WriterServicing},
		{`C:\Windows\WinSxS\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.19041.3989_none_7e2b3e4c6f2c9d0f\TiWorker.exe`, WriterServicing},
		{`C:\Windows\System32\poqexec.exe`, WriterServicing},
		{`C:\Windows\System32\msiexec.exe`, WriterServicing},
		{`c:\windows\syswow64\MsiExec.exe`, WriterServicing},
		{`C:\Windows\system32\services.exe`, WriterServicing},
		{`D:\Windows\System32\Sysprep\sysprep.exe`, WriterServicing},
		{`C:\$WINDOWS.~BT\Sources\SetupHost.exe`, WriterServicing},
		{`\\?\C:\Windows\System32\dism.exe`, WriterServicing},
		// Operators: Atomic T1547.005 (reg add ... Security Packages), T1547.002, T1556.002.
		{`C:\Windows\System32\reg.exe`, WriterTool},
		{`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, WriterTool},
		{`C:\Program Files\PowerShell\7\pwsh.exe`, WriterTool},
		{`C:\Windows\System32\wbem\WMIC.exe`, WriterTool},
		{`C:\Windows\regedit.exe`, WriterTool},
		// A dropped binary, and Windows names out of place.
		{`C:\Users\alice\AppData\Roaming\Microsoft\ssp_install.exe`, WriterUserWritable},
		{`C:\Users\Public\mimikatz.exe`, WriterUserWritable},
		{`C:\ProgramData\svchost.exe`, WriterUserWritable},
		{`C:\Windows\Temp\TiWorker.exe`, WriterUserWritable},
		{`C:\Windows\svchost.exe`, WriterOther},
		// The Remote Registry service: a remote `reg add` lands as svchost.exe.
		{`C:\Windows\System32\svchost.exe`, WriterOther},
		{`C:\Program Files\Vendor\PasswordFilter\pfconfig.exe`, WriterOther},
		{`C:\Windows\System32\lsass.exe`, WriterOther},
		{``, WriterOther},
	}
	for _, tt := range tests {
		if got := ClassifyWriter(tt.image); got != tt.want {
			t.Errorf("ClassifyWriter(%q) = %s, want %s", tt.image, got, tt.want)
		}
	}
}
