package catalog

import "strings"

// This file holds the data that says who wrote a registry value, from the
// writing process's image as Sysmon logs it (event 13 Image). It matters
// where the event does not carry the data: Sysmon logs a REG_MULTI_SZ
// write (the LSA package lists, BootExecute, SetupExecute) as "Binary
// Data", so the writer is the only evidence of what changed.

// What kind of process wrote a value (ClassifyWriter).
const (
	// WriterServicing: Windows' own servicing, setup and installer
	// processes, in the folder Windows keeps them in.
	WriterServicing = "servicing"
	// WriterTool: a registry editor or script host an operator drives
	// (reg.exe, PowerShell, ...), wherever it runs from.
	WriterTool = "tool"
	// WriterUserWritable: a binary in a folder an unprivileged user can
	// write to (a dropped binary in %APPDATA%, \Users\Public, ...).
	WriterUserWritable = "user_writable"
	// WriterOther: anything else, including an unknown or empty image.
	WriterOther = "other"
)

// ServicingWriters are the images (lower case, drive stripped, `*` for one
// or more path characters) through which Windows itself changes the boot
// and LSA lists: component servicing (the Windows Modules Installer
// service TrustedInstaller.exe, its worker TiWorker.exe in the servicing
// stack's WinSxS folder, poqexec.exe that replays the primitive-operations
// queue at boot), Windows Installer (msiexec.exe: password-filter and
// security products register LSA packages from their MSI), the service
// control manager (services.exe), DISM and wusa for offline and
// standalone updates, and setup (sysprep, windeploy, setupcl, a feature
// update's SetupHost.exe in C:\$WINDOWS.~BT). svchost.exe is not here:
// the Remote Registry service runs in it, so `reg add \\host\...` and
// Impacket's reg.py write as svchost.exe on the target (T1112, T1021).
// Sources: learn.microsoft.com "Windows Modules Installer" / "Servicing
// stack updates" and "DISM overview"; Elastic's prebuilt rule
// "Installation of Security Support Provider" (e86da94d, Security
// Packages writes except by System32/SysWOW64 msiexec.exe); Sigma's
// registry_set rules, whose filters exclude TiWorker.exe and
// TrustedInstaller.exe under C:\Windows\WinSxS and C:\Windows\servicing.
var ServicingWriters = []string{
	`\windows\servicing\trustedinstaller.exe`,
	`\windows\winsxs\*\tiworker.exe`,
	`\windows\system32\poqexec.exe`,
	`\windows\winsxs\*\poqexec.exe`,
	`\windows\system32\msiexec.exe`,
	`\windows\syswow64\msiexec.exe`,
	`\windows\system32\services.exe`,
	`\windows\system32\dism.exe`,
	`\windows\system32\wusa.exe`,
	`\windows\system32\sysprep\sysprep.exe`,
	`\windows\system32\oobe\windeploy.exe`,
	`\windows\system32\oobe\setup.exe`,
	`\windows\system32\setupcl.exe`,
	`\$windows.~bt\sources\setuphost.exe`,
}

// RegistryTools are the registry editors and script hosts an operator
// drives to change a value by hand (file names, lower case). No Windows
// component or installer changes the LSA or boot lists through them.
// Sources: MITRE ATT&CK T1112 "Modify Registry" (reg.exe, PowerShell,
// WMI, regini), the LOLBAS entries Reg, Regedit and Regini, and the
// Atomic Red Team tests of T1547.002, T1547.005 and T1556.002 (reg add
// and Set-ItemProperty on the Lsa key, Mimikatz's mimilib as a Security
// Package).
var RegistryTools = []string{
	"reg.exe", "regedit.exe", "regedt32.exe", "regini.exe",
	"powershell.exe", "pwsh.exe", "powershell_ise.exe",
	"cmd.exe", "wscript.exe", "cscript.exe", "mshta.exe",
	"rundll32.exe", "regsvr32.exe", "wmic.exe",
}

// ClassifyWriter says what kind of process an image path (as Sysmon logs
// it: `C:\Windows\System32\reg.exe`) is. A servicing binary counts only
// in its own folder: svchost.exe anywhere else is not Windows'.
func ClassifyWriter(image string) string {
	p := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(image), "/", `\`))
	p = strings.TrimPrefix(p, `\\?\`)
	if len(p) >= 2 && p[1] == ':' {
		p = p[2:]
	}
	if p == "" {
		return WriterOther
	}
	for _, w := range ServicingWriters {
		if globFold(w, p) {
			return WriterServicing
		}
	}
	name := p[strings.LastIndexByte(p, '\\')+1:]
	for _, t := range RegistryTools {
		if name == t {
			return WriterTool
		}
	}
	for _, d := range UserWritableFolders {
		if strings.Contains(p, d) {
			return WriterUserWritable
		}
	}
	return WriterOther
}
