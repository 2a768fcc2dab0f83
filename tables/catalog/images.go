package catalog

import "strings"

// This file holds the data the image indicators compare a command with:
// where Windows' own binaries live, which folders installers never put an
// autorun in, and what the well-known autorun value names run. Paths are
// lower-case, with backslashes, relative to the drive root. Each list names
// its public source.

// SystemBinaries maps the file name of a Windows system binary to the
// folders it ships in. A binary of that name anywhere else is masquerading.
// Sources: SANS DFIR "Hunt Evil" poster (process names and image paths of
// csrss, lsass, services, smss, svchost, wininit, winlogon, taskhostw,
// RuntimeBroker, explorer, lsaiso), MITRE ATT&CK T1036.005 "Match
// Legitimate Name or Location", and the file lists of a Windows 11 23H2
// System32/SysWOW64 install.
var SystemBinaries = func() map[string][]string {
	sys := []string{`\windows\system32\`, `\windows\syswow64\`}
	m := map[string][]string{}
	for _, name := range []string{
		"svchost.exe", "csrss.exe", "lsass.exe", "lsaiso.exe", "services.exe", "winlogon.exe", "wininit.exe",
		"smss.exe", "taskhost.exe", "taskhostw.exe", "rundll32.exe", "dllhost.exe", "conhost.exe", "spoolsv.exe",
		"lsm.exe", "sihost.exe", "runtimebroker.exe", "searchindexer.exe", "searchprotocolhost.exe", "dwm.exe",
		"fontdrvhost.exe", "audiodg.exe", "ctfmon.exe", "userinit.exe", "taskmgr.exe", "regsvr32.exe",
		"cmd.exe", "mshta.exe", "wscript.exe", "cscript.exe", "msiexec.exe", "reg.exe", "regedt32.exe",
		"schtasks.exe", "certutil.exe", "bitsadmin.exe", "wuauclt.exe", "securityhealthsystray.exe",
		"securityhealthservice.exe", "smartscreen.exe", "sppsvc.exe", "werfault.exe", "wermgr.exe",
		"consent.exe", "logonui.exe", "lsaiso.exe", "mobsync.exe", "notepad.exe", "calc.exe",
		"dashost.exe", "backgroundtaskhost.exe", "wlanext.exe", "wsmprovhost.exe", "mmc.exe", "control.exe",
	} {
		m[name] = sys
	}
	m["explorer.exe"] = []string{`\windows\`, `\windows\syswow64\`}
	m["notepad.exe"] = []string{`\windows\`, `\windows\system32\`, `\windows\syswow64\`}
	m["regedit.exe"] = []string{`\windows\`, `\windows\syswow64\`}
	m["hh.exe"] = []string{`\windows\`, `\windows\syswow64\`}
	m["wmiprvse.exe"] = []string{`\windows\system32\wbem\`, `\windows\syswow64\wbem\`}
	m["wmic.exe"] = []string{`\windows\system32\wbem\`, `\windows\syswow64\wbem\`}
	m["powershell.exe"] = []string{`\windows\system32\windowspowershell\v1.0\`, `\windows\syswow64\windowspowershell\v1.0\`}
	m["powershell_ise.exe"] = m["powershell.exe"]
	m["msmpeng.exe"] = []string{`\program files\windows defender\`, `\programdata\microsoft\windows defender\platform\`}
	m["msascuil.exe"] = []string{`\program files\windows defender\`}
	return m
}()

// SystemFolderEquivalents are the other spellings of the Windows folder an
// image path may use; they are rewritten to `\windows\` before comparing.
var SystemFolderEquivalents = []string{`%systemroot%\`, `%windir%\`, `%%systemroot%%\`, `%%windir%%\`, `\systemroot\`}

// EnvFolderEquivalents rewrite the folder variables a command may keep
// unexpanded (a Sysmon event carries the value as written, with no
// environment to expand it) to a canonical path of the same folder, so the
// folder tests see them. Source: the defaults of a Windows 10/11 profile
// (learn.microsoft.com, "Recognized environment variables").
var EnvFolderEquivalents = map[string]string{
	`%appdata%\`:         `c:\users\user\appdata\roaming\`,
	`%localappdata%\`:    `c:\users\user\appdata\local\`,
	`%temp%\`:            `c:\users\user\appdata\local\temp\`,
	`%tmp%\`:             `c:\users\user\appdata\local\temp\`,
	`%userprofile%\`:     `c:\users\user\`,
	`%public%\`:          `c:\users\public\`,
	`%programdata%\`:     `c:\programdata\`,
	`%allusersprofile%\`: `c:\programdata\`,
	`%systemdrive%\`:     `c:\`,
}

// StagingFolder is a folder class no installer uses for an autorun image.
type StagingFolder struct {
	Name string
	// Contains matches anywhere in the path; Root matches only a file
	// directly in the folder (the folder itself is a normal install parent).
	Contains string
	Root     string
}

// StagingFolders are where droppers put the binary they persist: temporary
// folders, world-writable shared folders, the recycle bin, and the roots of
// the per-user and all-users data folders (installers always use a
// <Vendor>\<App> subfolder there). Sources: the Red Canary Threat Detection
// Report ("Suspicious file paths"), api0cradle's UltimateAppLockerByPassList
// "Generic-AppLockerbypasses" list of user-writable folders under
// C:\Windows, and MITRE ATT&CK T1547.001 procedure examples.
var StagingFolders = []StagingFolder{
	{Name: "%TEMP%", Contains: `\appdata\local\temp\`},
	{Name: `\Windows\Temp`, Contains: `\windows\temp\`},
	{Name: `\Users\Public`, Contains: `\users\public\`},
	{Name: `\Users\Default`, Contains: `\users\default\`},
	{Name: `\PerfLogs`, Contains: `\perflogs\`},
	{Name: `$Recycle.Bin`, Contains: `\$recycle.bin\`},
	{Name: `\Recycler`, Contains: `\recycler\`},
	{Name: `\Windows\Tasks`, Contains: `\windows\tasks\`},
	{Name: `\Windows\System32\Tasks`, Contains: `\windows\system32\tasks\`},
	{Name: `\Windows\Tracing`, Contains: `\windows\tracing\`},
	{Name: `\Windows\Debug`, Contains: `\windows\debug\`},
	{Name: `\Windows\Fonts`, Contains: `\windows\fonts\`},
	{Name: `\Windows\Help`, Contains: `\windows\help\`},
	{Name: `\Windows\Registration\CRMLog`, Contains: `\windows\registration\crmlog\`},
	{Name: `\Windows\System32\spool\drivers\color`, Contains: `\windows\system32\spool\drivers\color\`},
	{Name: `\Windows\System32\Microsoft\Crypto\RSA\MachineKeys`, Contains: `\microsoft\crypto\rsa\machinekeys\`},
	{Name: `\Downloads`, Contains: `\downloads\`},
	{Name: `\AppData\LocalLow`, Contains: `\appdata\locallow\`},
	{Name: `\ProgramData (root)`, Root: `\programdata\`},
	{Name: `%APPDATA% (root)`, Root: `\users\*\appdata\roaming\`},
	{Name: `%LOCALAPPDATA% (root)`, Root: `\users\*\appdata\local\`},
	{Name: `\Users\<name> (root)`, Root: `\users\*\`},
	{Name: `drive root`, Root: `\`},
}

// Match reports whether dir (lower-case, drive stripped, ending in a
// backslash) is this staging folder: Contains anywhere, Root exactly, with
// `*` standing for one path component.
func (f StagingFolder) Match(dir string) bool {
	if f.Contains != "" {
		return strings.Contains(dir, f.Contains)
	}
	// Walk both paths component by component, without allocating.
	pat, d := f.Root, dir
	for pat != "" || d != "" {
		pc, prest, _ := strings.Cut(pat, `\`)
		dc, drest, _ := strings.Cut(d, `\`)
		if pc != "*" && pc != dc || pc == "*" && dc == "" {
			return false
		}
		if (prest == "") != (drest == "") {
			return false
		}
		pat, d = prest, drest
	}
	return true
}

// WindowsRootBinaries are the executables Windows itself keeps directly in
// C:\Windows (a file of another name there is a dropper's).
// Source: a Windows 11 23H2 install, `dir C:\Windows\*.exe`.
var WindowsRootBinaries = map[string]bool{
	"explorer.exe": true, "notepad.exe": true, "regedit.exe": true, "hh.exe": true, "splwow64.exe": true,
	"winhlp32.exe": true, "bfsvc.exe": true, "helppane.exe": true, "write.exe": true, "twain_32.dll": true,
}

// UserWritableFolders can be written by an unprivileged user: an image
// there can be replaced without admin rights. Per-user install folders
// (%LOCALAPPDATA%\<Vendor>\<App>) are here too: ordinary, but writable.
var UserWritableFolders = []string{
	`\appdata\`, `\temp\`, `\users\public\`, `\programdata\`, `\windows\temp\`, `\downloads\`, `\desktop\`,
	`\windows\tasks\`, `\$recycle.bin\`, `\recycler\`, `\perflogs\`, `\windows\tracing\`,
	`\windows\system32\spool\drivers\color\`, `\windows\system32\tasks\`, `\windows\registration\crmlog\`,
}

// InUserWritableFolder tells whether a lower-case, backslash-separated path
// lies in one of UserWritableFolders.
func InUserWritableFolder(lowerPath string) bool {
	for _, d := range UserWritableFolders {
		if strings.Contains(lowerPath, d) {
			return true
		}
	}
	return false
}

// RenamedSystemUtilities are Windows' own executables that droppers copy
// and rename (OriginalFilename cmd.exe running as svchost32.exe), or copy
// out of System32 under their own name. Sources: MITRE ATT&CK T1036.003
// "Rename System Utilities" (procedure examples: cmd, powershell,
// rundll32, certutil, wscript), Sigma's proc_creation_win_renamed_binary
// and proc_creation_win_renamed_binary_highly_relevant rules (their
// OriginalFileName lists), and the LOLBAS binaries in Proxies.
var RenamedSystemUtilities = map[string]bool{
	"cmd.exe": true, "powershell.exe": true, "pwsh.exe": true, "rundll32.exe": true, "regsvr32.exe": true,
	"mshta.exe": true, "wscript.exe": true, "cscript.exe": true, "certutil.exe": true, "bitsadmin.exe": true,
	"svchost.exe": true, "explorer.exe": true, "conhost.exe": true, "msbuild.exe": true, "installutil.exe": true,
	"regasm.exe": true, "regsvcs.exe": true, "msiexec.exe": true, "wmic.exe": true, "schtasks.exe": true,
	"reg.exe": true, "net.exe": true, "taskhostw.exe": true, "lsass.exe": true, "winlogon.exe": true,
	"csrss.exe": true, "services.exe": true, "smss.exe": true, "spoolsv.exe": true, "dllhost.exe": true,
	"forfiles.exe": true, "pcalua.exe": true, "ftp.exe": true, "curl.exe": true, "tar.exe": true,
}

// WellKnownAutoruns maps autorun value names Windows and widespread vendor
// software create to the file names they run. Malware reuses these names
// so the entry blends in (MITRE ATT&CK T1036.004/T1547.001 examples:
// "Windows Defender", "SecurityHealth", "OneDrive", "ctfmon"); a command
// that runs something else under such a name is masquerading. Sources: a
// default Windows 10/11 install (SecurityHealth, OneDrive, ctfmon,
// WindowsDefender), and each vendor's installer as it writes its Run value.
var WellKnownAutoruns = map[string][]string{
	"securityhealth":                {"securityhealthsystray.exe"},
	"windowsdefender":               {"msascuil.exe"},
	"windows defender":              {"msascuil.exe", "msascui.exe"},
	"onedrive":                      {"onedrive.exe"},
	"onedrivesetup":                 {"onedrivesetup.exe"},
	"ctfmon":                        {"ctfmon.exe"},
	"com.squirrel.teams.teams":      {"update.exe"},
	"teams":                         {"teams.exe", "update.exe", "ms-teams.exe"},
	"msteams":                       {"ms-teams.exe", "msteams.exe"},
	"vmware user process":           {"vmtoolsd.exe"},
	"vboxtray":                      {"vboxtray.exe"},
	"rthdvcpl":                      {"rtkngui64.exe", "rthdvcpl.exe", "rtkngui.exe", "ravcpl64.exe"},
	"igfxtray":                      {"igfxtray.exe"},
	"hotkeyscmds":                   {"hkcmd.exe"},
	"persistence":                   {"igfxpers.exe"},
	"syntpenh":                      {"syntpenh.exe"},
	"ituneshelper":                  {"ituneshelper.exe"},
	"adobe arm":                     {"adobearm.exe"},
	"sunjavaupdatesched":            {"jusched.exe"},
	"dropbox":                       {"dropbox.exe"},
	"spotify":                       {"spotify.exe"},
	"discord":                       {"update.exe", "discord.exe"},
	"zoom":                          {"zoom.exe"},
	"steam":                         {"steam.exe"},
	"skype":                         {"skype.exe"},
	"googledrivefs":                 {"googledrivefs.exe", "launch.bat"},
	"microsoftedgeupdate":           {"microsoftedgeupdate.exe"},
	"com.squirrel.slack.slack":      {"slack.exe", "update.exe"},
	"google update":                 {"googleupdate.exe", "googleupdatecore.exe"},
	"windows security notification": {"securityhealthsystray.exe"},
}

// KnownAutorunImages lists what a well-known autorun name runs; ok is false
// for names not in the table.
func KnownAutorunImages(valueName string) (images []string, ok bool) {
	images, ok = WellKnownAutoruns[strings.ToLower(strings.TrimSpace(valueName))]
	return images, ok
}

// SystemDLLs are DLLs Windows ships in System32 that rundll32 is handed by
// bare name in ordinary use (control panel applets, printers, shell
// verbs). A bare DLL name not listed here is one the search path finds in
// the current or the application folder: a dropper's.
// Source: a Windows 11 23H2 System32, and the rundll32 entry points
// Microsoft documents (shell32 Control_RunDLL, printui PrintUIEntry,
// keymgr KRShowKeyMgr, inetcpl ClearMyTracksByProcess).
var SystemDLLs = map[string]bool{
	"shell32.dll": true, "shell32": true, "url.dll": true, "url": true, "advpack.dll": true, "ieadvpack.dll": true,
	"zipfldr.dll": true, "pcwutl.dll": true, "setupapi.dll": true, "syssetup.dll": true, "shdocvw.dll": true,
	"ieframe.dll": true, "mshtml.dll": true, "mshtml": true, "user32.dll": true, "user32": true, "kernel32.dll": true,
	"printui.dll": true, "printui": true, "keymgr.dll": true, "inetcpl.cpl": true, "desk.cpl": true, "sysdm.cpl": true,
	"appwiz.cpl": true, "ncpa.cpl": true, "davclnt.dll": true, "dfshim.dll": true, "shimgvw.dll": true,
	"powrprof.dll": true, "cryptext.dll": true, "themecpl.dll": true, "shwebsvc.dll": true, "dsquery.dll": true,
	"sysmain.dll": true, "edgehtml.dll": true, "msi.dll": true, "streamci.dll": true, "cscui.dll": true,
	"photoviewer.dll": true, "shell32.dll,control_rundll": true, "timedate.cpl": true, "mmsys.cpl": true,
	"main.cpl": true, "intl.cpl": true, "firewall.cpl": true, "wscui.cpl": true, "powercfg.cpl": true,
	"iernonce.dll": true, "apphelp.dll": true, "themeui.dll": true, "msrating.dll": true, "wininet.dll": true,
	"devmgr.dll": true, "newdev.dll": true, "netplwiz.dll": true, "van.dll": true, "pnpui.dll": true,
	"oobefldr.dll": true, "inetcpl.dll": true, "mscories.dll": true, "iesetup.dll": true, "syncui.dll": true,
	"tsworkspace.dll": true, "sysclass.dll": true, "shdocvw": true, "rasdlg.dll": true, "hotplug.dll": true,
}

// AutorunOnlyExtensions are executable types installers never register as
// an autorun: screen savers, PIF shortcuts, DOS .com files, control panel
// applets and HTML applications. Source: MITRE ATT&CK T1546.002 (.scr),
// T1218.002 (.cpl), T1218.005 (.hta); Windows' PATHEXT and the file
// associations of a default install.
var AutorunOnlyExtensions = []string{".scr", ".pif", ".com", ".cpl", ".hta"}

// DecoyExtensions are document and media types a double extension
// (invoice.pdf.exe) borrows to pass for a harmless file. Source: MITRE
// ATT&CK T1036.007 "Double File Extension".
var DecoyExtensions = []string{
	".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".txt", ".rtf", ".jpg", ".jpeg", ".png", ".gif",
	".zip", ".rar", ".7z", ".mp3", ".mp4", ".avi", ".htm", ".html", ".csv", ".odt", ".iso",
}

// ExecutableExtensions end a file name Windows runs when it is the image or
// is handed to its file association.
var ExecutableExtensions = []string{".exe", ".scr", ".pif", ".com", ".cpl", ".hta", ".bat", ".cmd", ".vbs", ".vbe", ".js", ".jse", ".wsf", ".lnk", ".msi", ".ps1", ".dll"}
