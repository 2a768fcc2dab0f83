package catalog

import "github.com/runkeyhunt/runkeyhunt/tables/registry"

// The autostart points beyond the Run family (issue 10). Each entry names
// its public source: MITRE ATT&CK technique pages (T1546.*, T1547.*),
// Atomic Red Team tests of the same ids, and Sysinternals Autoruns (the
// tabs that list the location). Defaults are what a Windows 10/11 or
// Server 2016+ install writes there.

// MachineCLSIDKey holds the machine's COM classes: a per-user class of the
// same CLSID overrides it for that user (T1546.015).
const MachineCLSIDKey = `SOFTWARE\Classes\CLSID`

const (
	ccs     = `SYSTEM\CurrentControlSet`
	ifeo    = ntcv + `\Image File Execution Options`
	winlogo = ntcv + `\Winlogon`
)

// accessibilityBinaries start from the logon screen as SYSTEM: a debugger
// or monitor on them is the sticky-keys backdoor (T1546.008).
var accessibilityBinaries = []string{"sethc.exe", "utilman.exe", "osk.exe", "magnify.exe", "narrator.exe", "displayswitch.exe", "atbroker.exe"}

// hijackedClasses are the handlers UAC-bypass tools register per user
// (fodhelper/computerdefaults: ms-settings; eventvwr: mscfile; sdclt:
// Folder, exefile): Windows has them only in HKLM (T1548.002, T1546.001).
var hijackedClasses = []string{"ms-settings", "mscfile", "exefile", "folder", "launcher.systemsettings", "lnkfile", "batfile", "cmdfile", "comfile", "scrfile", "htafile", "vbsfile", "jsfile", "piffile"}

var (
	// BootExecute: Session Manager's default (T1547.001 "BootExecute"; Autoruns Boot Execute tab).
	bootExecuteDefaults = []string{"autocheck autochk *"}
	// Lsa: msv1_0 is the only authentication package; scecli (and rassfm on
	// servers) the notification packages; the security packages Windows
	// ships (T1547.002, T1547.005, T1556.002; Autoruns LSA Providers tab).
	lsaAuthDefaults     = []string{"msv1_0"}
	lsaNotifyDefaults   = []string{"scecli", "rassfm"}
	lsaSecurityDefaults = []string{`""`, "kerberos", "msv1_0", "schannel", "wdigest", "tspkg", "pku2u", "cloudap", "negoextender", "livessp"}
	// Print Monitors Windows ships (T1547.010; Autoruns Print Monitors tab).
	printMonitorDefaults = []string{"localspl.dll", "tcpmon.dll", "usbmon.dll", "wsdmon.dll", "apmon.dll", "appmon.dll", "fxsmon.dll", "mfpmonitor.dll", "pjlmon.dll", "bidispl.dll"}
	// Time providers Windows ships (T1547.003).
	timeProviderDefaults = []string{`%systemroot%\system32\w32time.dll`, `c:\windows\system32\w32time.dll`, `%systemroot%\system32\vmictimeprovider.dll`, `c:\windows\system32\vmictimeprovider.dll`}
	// netsh helpers Windows registers (T1546.007; Atomic T1546.007).
	netshDefaults = []string{"ifmon.dll", "rasmontr.dll", "authfwcfg.dll", "dhcpcmonitor.dll", "dot3cfg.dll", "fwcfg.dll", "hnetmon.dll", "netiohlp.dll",
		"nettrace.dll", "nshhttp.dll", "nshipsec.dll", "nshwfp.dll", "p2pnetsh.dll", "rpcnsh.dll", "wcnnetsh.dll", "whhelper.dll", "wlancfg.dll",
		"wshelper.dll", "wwancfg.dll", "peerdistsh.dll", "napmontr.dll", "dhcpmonitor.dll"}
	// The Startup shell folders (T1547.001 "Startup folder" redirection).
	userStartupDefaults   = []string{`%USERPROFILE%\AppData\Roaming\Microsoft\Windows\Start Menu\Programs\Startup`, `*\AppData\Roaming\Microsoft\Windows\Start Menu\Programs\Startup`}
	commonStartupDefaults = []string{`%ProgramData%\Microsoft\Windows\Start Menu\Programs\Startup`, `*:\ProgramData\Microsoft\Windows\Start Menu\Programs\Startup`}
	// Screen savers Windows ships, in System32 (T1546.002).
	screensaverDefaults = []string{`*\system32\*.scr`, `*\syswow64\*.scr`}
	// Winlogon's GP client-side extensions are Windows DLLs (T1484; Autoruns Winlogon tab).
	systemDLLDefaults = []string{`*\system32\*.dll`, `*.dll`}
)

// flgMonitorSilentProcessExit is the IFEO GlobalFlag bit that makes
// Windows start the image's SilentProcessExit MonitorProcess when the
// process exits (T1546.012; Atomic T1546.012 test 2 sets GlobalFlag 512).
const flgMonitorSilentProcessExit = 0x200

// clsidServer is where Windows finds the DLL of a class a KindCLSID value
// names: the user's own classes first (HKCU\Software\Classes overrides the
// machine's in HKCR), then the machine's.
var clsidServer = []Follow{
	{Scope: registry.ScopeUser, Key: `Software\Classes\CLSID\{data}\InprocServer32`},
	{Scope: registry.ScopeMachine, Key: `SOFTWARE\Classes\CLSID\{data}\InprocServer32`},
}

var (
	// ShellServiceObjectDelayLoad: the objects Windows itself registered
	// there (XP to 7; the key is empty on Windows 10/11): WebCheck, SysTray,
	// PostBootReminder, CDBurn, Network.ConnectionTray, UPnPMonitor,
	// WPDShServiceObj (HijackThis's O21 safe list; Autoruns Explorer tab).
	ssodlDefaults = []string{"{E6FB5E20-DE35-11CF-9C87-00AA005127ED}", "{35CEC8A3-2BE6-11D2-8773-92E220524153}", "{7849596a-48ea-486e-8937-a2a3009f31a9}",
		"{fbeb8a05-beee-4442-804e-409d6c4515e9}", "{7007ACCF-3202-11D1-AAD2-00805FC1270E}", "{e57ce738-33e8-4c51-8354-bb4de9d215d1}", "{AAA288BA-9A4C-45B0-95D7-94D524869DB5}"}
	// The machine's shell open commands as Windows 10/11 writes them
	// (T1546.001 Change Default File Association; Atomic T1546.001): the
	// executables run themselves (`"%1" %*`), the script and document
	// types their Windows host; ms-settings and Folder delegate to a COM
	// class. Older spellings (System32 mshta, C:\Windows\ paths) included.
	runItself         = []string{`"%1" %*`}
	wscriptDefault    = []string{`"%SystemRoot%\System32\WScript.exe" "%1" %*`, `%SystemRoot%\System32\WScript.exe "%1" %*`, `C:\Windows\System32\WScript.exe "%1" %*`}
	shellOpenDefaults = map[string][]string{
		"exefile": runItself, "batfile": runItself, "cmdfile": runItself, "comfile": runItself, "piffile": runItself,
		"scrfile": {`"%1" /S`},
		"htafile": {`C:\Windows\SysWOW64\mshta.exe "%1" {1E460BD7-F1C3-4B2E-88BF-4E770A288AF5}%U{1E460BD7-F1C3-4B2E-88BF-4E770A288AF5} %*`,
			`C:\Windows\System32\mshta.exe "%1" {1E460BD7-F1C3-4B2E-88BF-4E770A288AF5}%U{1E460BD7-F1C3-4B2E-88BF-4E770A288AF5} %*`, `C:\Windows\System32\mshta.exe "%1" %*`},
		"regfile":     {`regedit.exe "%1"`, `"%SystemRoot%\regedit.exe" "%1"`, `%SystemRoot%\regedit.exe "%1"`},
		"mscfile":     {`%SystemRoot%\system32\mmc.exe "%1" %*`, `"%SystemRoot%\system32\mmc.exe" "%1" %*`},
		"vbsfile":     wscriptDefault,
		"vbefile":     wscriptDefault,
		"jsfile":      wscriptDefault,
		"jsefile":     wscriptDefault,
		"wsffile":     wscriptDefault,
		"txtfile":     {`%SystemRoot%\system32\NOTEPAD.EXE %1`},
		"folder":      {`%SystemRoot%\Explorer.exe`, "{11dbb47c-a525-400b-9e80-a54615a090c0}"},
		"ms-settings": {"{4ed3a719-cea8-4bd9-910d-e252f997afc2}"},
	}
)

func both(d []string) map[string][]string {
	return map[string][]string{registry.ScopeMachine: d, registry.ScopeUser: d}
}

func machine(d []string) map[string][]string { return map[string][]string{registry.ScopeMachine: d} }

func user(d []string) map[string][]string { return map[string][]string{registry.ScopeUser: d} }

var asepBases = []base{
	// T1546.012 IFEO injection; Atomic T1546.012; Autoruns Image Hijacks.
	{id: "ifeo_debugger", key: ifeo, subkeys: true, values: []string{"Debugger"}, machine: true, wow64: true, strong: accessibilityBinaries},
	// T1546.012 IFEO GlobalFlag: a REG_DWORD whose 0x200 bit arms the
	// image's SilentProcessExit monitor (Atomic T1546.012 test 2); the row
	// scores that monitor's command, and its existence is the strong signal.
	{id: "ifeo_global_flag", key: ifeo, subkeys: true, values: []string{"GlobalFlag"}, kind: KindFlags, mask: flgMonitorSilentProcessExit, machine: true, wow64: true,
		follow: []Follow{{Scope: registry.ScopeMachine, Key: `SOFTWARE\` + ntcv + `\SilentProcessExit\{item}`, Value: "MonitorProcess", Strong: true}}},
	// T1546.012 SilentProcessExit monitor; Atomic T1546.012 test 2-3.
	{id: "silent_process_exit", key: ntcv + `\SilentProcessExit`, subkeys: true, values: []string{"MonitorProcess"}, machine: true, strong: []string{"*"}}, // only debuggers use it
	// T1546.010 AppInit DLLs; Atomic T1546.010; Autoruns AppInit tab. Empty by default.
	{id: "appinit_dlls", key: ntcv + `\Windows`, values: []string{"AppInit_DLLs"}, kind: KindDLLList, machine: true, wow64: true, defaults: machine(nil)},
	// T1546.009 AppCert DLLs; Atomic T1546.009. The key does not exist by default.
	{id: "appcert_dlls", key: ccs + `\Control\Session Manager\AppCertDlls`, abs: true, kind: KindDLL, machine: true, defaults: machine(nil)},
	// T1547.004 Winlogon Helper DLL: Taskman, AppSetup (absent by default); Autoruns Winlogon tab.
	{id: "winlogon_taskman", key: winlogo, values: []string{"Taskman", "AppSetup"}, machine: true, user: true, defaults: both(nil)},
	// T1547.004 Winlogon Notify packages (a DLL per subkey).
	{id: "winlogon_notify", key: winlogo + `\Notify`, subkeys: true, values: []string{"DllName"}, kind: KindDLL, machine: true, wow64: true},
	// T1484.001 / Autoruns Winlogon tab: Group Policy client-side extensions.
	{id: "winlogon_gpextensions", key: winlogo + `\GPExtensions`, subkeys: true, values: []string{"DllName"}, kind: KindDLL, machine: true, flood: true},
	// T1547.014 Active Setup; Atomic T1547.014; Autoruns Logon tab.
	{id: "active_setup", key: `Microsoft\Active Setup\Installed Components`, subkeys: true, values: []string{"StubPath"}, machine: true, wow64: true},
	// T1546 Command Processor AutoRun (cmd.exe /d skips it); Autoruns Logon tab.
	{id: "cmd_autorun", key: `Microsoft\Command Processor`, values: []string{"AutoRun"}, machine: true, user: true, wow64: true},
	// T1547.001 BootExecute, SetupExecute, Execute; Autoruns Boot Execute tab.
	{id: "boot_execute", key: ccs + `\Control\Session Manager`, abs: true, values: []string{"BootExecute", "BootExecuteNoPnpSync"}, kind: KindList, machine: true, defaults: machine(bootExecuteDefaults)},
	{id: "setup_execute", key: ccs + `\Control\Session Manager`, abs: true, values: []string{"SetupExecute", "Execute", "S0InitialCommand"}, kind: KindList, machine: true, defaults: machine(nil)},
	// T1547.002 Authentication Package; Atomic T1547.002.
	{id: "lsa_authentication_packages", key: ccs + `\Control\Lsa`, abs: true, values: []string{"Authentication Packages"}, kind: KindList, machine: true, defaults: machine(lsaAuthDefaults)},
	// T1556.002 Password Filter DLL; Atomic T1556.002.
	{id: "lsa_notification_packages", key: ccs + `\Control\Lsa`, abs: true, values: []string{"Notification Packages"}, kind: KindList, machine: true, defaults: machine(lsaNotifyDefaults)},
	// T1547.005 Security Support Provider; Atomic T1547.005 (both keys).
	{id: "lsa_security_packages", key: ccs + `\Control\Lsa`, abs: true, values: []string{"Security Packages"}, kind: KindList, machine: true, defaults: machine(lsaSecurityDefaults)},
	{id: "lsa_osconfig_security_packages", key: ccs + `\Control\Lsa\OSConfig`, abs: true, values: []string{"Security Packages"}, kind: KindList, machine: true, defaults: machine(lsaSecurityDefaults)},
	// T1547.010 Port Monitors; Atomic T1547.010.
	{id: "print_monitors", key: ccs + `\Control\Print\Monitors`, abs: true, subkeys: true, values: []string{"Driver"}, kind: KindDLL, machine: true, defaults: machine(printMonitorDefaults)},
	// T1547.012 Print Processors; Atomic T1547.012 (winprint.dll is Windows').
	{id: "print_processors", key: ccs + `\Control\Print\Environments\Windows x64\Print Processors`, abs: true, subkeys: true, values: []string{"Driver"}, kind: KindDLL, machine: true, defaults: machine([]string{"winprint.dll"})},
	// T1547.003 Time Providers; Atomic T1547.003.
	{id: "time_providers", key: ccs + `\Services\W32Time\TimeProviders`, abs: true, subkeys: true, values: []string{"DllName"}, kind: KindDLL, machine: true, defaults: machine(timeProviderDefaults)},
	// T1546.007 Netsh Helper DLL; Atomic T1546.007.
	{id: "netsh_helpers", key: `Microsoft\NetSh`, kind: KindDLL, machine: true, wow64: true, defaults: machine(netshDefaults)},
	// T1543.003 Windows Service; Atomic T1543.003; Autoruns Services tab.
	{id: "service_image_path", key: ccs + `\Services`, abs: true, subkeys: true, values: []string{"ImagePath", "FailureCommand"}, machine: true, flood: true},
	// T1543.003 svchost ServiceDll; Autoruns Services tab.
	{id: "service_dll", key: ccs + `\Services`, abs: true, subkeys: true, suffix: "Parameters", values: []string{"ServiceDll"}, kind: KindDLL, machine: true, flood: true},
	// T1547.001 shell folder redirection: the Startup folder moved.
	{id: "startup_folder", key: cv + `\Explorer\User Shell Folders`, values: []string{"Startup"}, kind: KindFolder, user: true, defaults: user(userStartupDefaults)},
	{id: "startup_folder_shell", key: cv + `\Explorer\Shell Folders`, values: []string{"Startup"}, kind: KindFolder, user: true, defaults: user(userStartupDefaults)},
	{id: "common_startup_folder", key: cv + `\Explorer\User Shell Folders`, values: []string{"Common Startup"}, kind: KindFolder, machine: true, defaults: machine(commonStartupDefaults)},
	{id: "common_startup_folder_shell", key: cv + `\Explorer\Shell Folders`, values: []string{"Common Startup"}, kind: KindFolder, machine: true, defaults: machine(commonStartupDefaults)},
	// T1037.001 Logon Script (Windows); Atomic T1037.001.
	{id: "logon_script", key: `Environment`, abs: true, values: []string{"UserInitMprLogonScript"}, user: true},
	// T1546.002 Screensaver; Atomic T1546.002.
	{id: "screensaver", key: `Control Panel\Desktop`, abs: true, values: []string{"SCRNSAVE.EXE"}, user: true, defaults: user(screensaverDefaults)},
	// Terminal Services InitialProgram (Autoruns Logon tab; T1547).
	{id: "terminal_server_initial_program", key: ccs + `\Control\Terminal Server\WinStations`, abs: true, subkeys: true, values: []string{"InitialProgram"}, machine: true, defaults: machine(nil)},
	// T1137.002 Office Test; Atomic T1137.002: no software uses it.
	{id: "office_test", key: `Microsoft\Office test\Special`, subkeys: true, values: []string{""}, kind: KindDLL, machine: true, user: true, wow64: true, strong: []string{"*"}},
	// T1546.001 / T1548.002 shell open command hijack in the user's classes.
	{id: "user_shell_command", key: `Classes`, subkeys: true, suffix: `shell\open\command`, values: []string{"", "DelegateExecute"}, user: true, strong: hijackedClasses},
	// T1546.015 COM hijacking; Atomic T1546.015; Autoruns Explorer tab.
	{id: "user_com_inproc", key: `Classes\CLSID`, subkeys: true, suffix: `InprocServer32`, values: []string{""}, kind: KindDLL, user: true, flood: true, shadows: MachineCLSIDKey},
	{id: "user_com_localserver", key: `Classes\CLSID`, subkeys: true, suffix: `LocalServer32`, values: []string{""}, user: true, flood: true, shadows: MachineCLSIDKey},
	{id: "user_com_scriptlet", key: `Classes\CLSID`, subkeys: true, suffix: `ScriptletURL`, values: []string{""}, user: true, strong: []string{"*"}},
	// T1546.015 (bohops, "Abusing the COM Registry Structure Part 2"):
	// TreatAs makes another class stand in for a machine one; followed to
	// that class's server.
	{id: "user_com_treatas", key: `Classes\CLSID`, subkeys: true, suffix: `TreatAs`, values: []string{""}, kind: KindCLSID, user: true, shadows: MachineCLSIDKey, follow: clsidServer},
	// Autoruns Explorer tab; T1546.015 (a COM class Explorer loads at
	// logon; HijackThis O21): value -> CLSID -> InprocServer32.
	{id: "shell_service_object_delay_load", key: cv + `\ShellServiceObjectDelayLoad`, kind: KindCLSID, machine: true, user: true, wow64: true,
		defaults: both(ssodlDefaults), follow: clsidServer},
	// Autoruns Explorer tab; T1546.015: Explorer loads every overlay
	// handler (OneDrive, Dropbox, TortoiseSVN/Git register them).
	{id: "shell_icon_overlay", key: cv + `\Explorer\ShellIconOverlayIdentifiers`, subkeys: true, values: []string{""}, kind: KindCLSID, machine: true, user: true, wow64: true,
		follow: clsidServer},
	// T1546.001 Change Default File Association; Atomic T1546.001: the
	// machine's handlers, compared with Windows' own per class. Every
	// application registers some, hence flood control.
	{id: "machine_shell_command", key: `Classes`, subkeys: true, suffix: `shell\open\command`, values: []string{"", "DelegateExecute"}, machine: true, flood: true,
		itemDefaults: shellOpenDefaults},
	// T1546.011 Application Shimming; Atomic T1546.011.
	// Installing a custom database is rare outside attacks (FIN7, Carbanak).
	{id: "shim_database", key: ntcv + `\AppCompatFlags\InstalledSDB`, subkeys: true, values: []string{"DatabasePath"}, kind: KindDLL, machine: true, wow64: true, strong: []string{"*"}},
	// Autoruns Explorer tab (T1546): App Paths default values.
	{id: "app_paths", key: cv + `\App Paths`, subkeys: true, values: []string{""}, machine: true, user: true, wow64: true, flood: true},
}
