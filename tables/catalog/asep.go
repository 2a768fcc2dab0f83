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

func both(d []string) map[string][]string {
	return map[string][]string{registry.ScopeMachine: d, registry.ScopeUser: d}
}

func machine(d []string) map[string][]string { return map[string][]string{registry.ScopeMachine: d} }

func user(d []string) map[string][]string { return map[string][]string{registry.ScopeUser: d} }

var asepBases = []base{
	// T1546.012 IFEO injection; Atomic T1546.012; Autoruns Image Hijacks.
	{id: "ifeo_debugger", key: ifeo, subkeys: true, values: []string{"Debugger"}, machine: true, wow64: true, strong: accessibilityBinaries},
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
	// T1546.011 Application Shimming; Atomic T1546.011.
	// Installing a custom database is rare outside attacks (FIN7, Carbanak).
	{id: "shim_database", key: ntcv + `\AppCompatFlags\InstalledSDB`, subkeys: true, values: []string{"DatabasePath"}, kind: KindDLL, machine: true, wow64: true, strong: []string{"*"}},
	// Autoruns Explorer tab (T1546): App Paths default values.
	{id: "app_paths", key: cv + `\App Paths`, subkeys: true, values: []string{""}, machine: true, user: true, wow64: true, flood: true},
}
