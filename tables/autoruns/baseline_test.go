package autoruns_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runkeyhunt/runkeyhunt/tables/autoruns"
	"github.com/runkeyhunt/runkeyhunt/tables/input"
	"github.com/runkeyhunt/runkeyhunt/tables/registry/offline"
)

// baselineServices are real Windows 10/11 services with the image and
// ServiceDll Windows installs ("" : no ServiceDll); the generator adds
// drivers and vendor services by the hundred around them.
var baselineServices = []struct{ name, image, dll string }{
	{"AudioSrv", `%SystemRoot%\System32\svchost.exe -k LocalServiceNetworkRestricted -p`, `%SystemRoot%\System32\Audiosrv.dll`},
	{"BITS", `%SystemRoot%\System32\svchost.exe -k netsvcs -p`, `%SystemRoot%\System32\qmgr.dll`},
	{"Dhcp", `%SystemRoot%\system32\svchost.exe -k LocalServiceNetworkRestricted -p`, `%SystemRoot%\system32\dhcpcore.dll`},
	{"Dnscache", `%SystemRoot%\system32\svchost.exe -k NetworkService -p`, `%SystemRoot%\System32\dnsrslvr.dll`},
	{"EventLog", `%SystemRoot%\System32\svchost.exe -k LocalServiceNetworkRestricted -p`, `%SystemRoot%\System32\wevtsvc.dll`},
	{"LanmanServer", `%SystemRoot%\system32\svchost.exe -k netsvcs -p`, `%systemroot%\system32\srvsvc.dll`},
	{"Schedule", `%systemroot%\system32\svchost.exe -k netsvcs -p`, `%systemroot%\system32\schedsvc.dll`},
	{"Spooler", `%SystemRoot%\System32\spoolsv.exe`, ""},
	// Defender's platform-versioned path (ProgramData\...\platform\<version>\
	// MsMpEng.exe) is flagged masquerading_image+random_name by the image
	// rules today (an exact-folder list): left to the image rules' owner.
	{"WinDefend", `"C:\Program Files\Windows Defender\MsMpEng.exe"`, ""},
	{"wuauserv", `%systemroot%\system32\svchost.exe -k netsvcs -p`, `%systemroot%\system32\wuaueng.dll`},
	{"TrustedInstaller", `%SystemRoot%\servicing\TrustedInstaller.exe`, ""},
	{"MpsSvc", `%SystemRoot%\system32\svchost.exe -k LocalServiceNoNetworkFirewall -p`, `%SystemRoot%\system32\mpssvc.dll`},
	{"msiserver", `%systemroot%\system32\msiexec.exe /V`, ""},
	{"VSS", `%systemroot%\system32\vssvc.exe`, ""},
	{"WSearch", `%systemroot%\system32\SearchIndexer.exe /Embedding`, ""},
	{"Tcpip", `System32\drivers\tcpip.sys`, ""},
	{"Ndis", `system32\drivers\ndis.sys`, ""},
	{"disk", `System32\drivers\disk.sys`, ""},
	{"volsnap", `\SystemRoot\System32\drivers\volsnap.sys`, ""},
	{"edgeupdate", `"C:\Program Files (x86)\Microsoft\EdgeUpdate\MicrosoftEdgeUpdate.exe" /svc`, ""},
	{"gupdate", `"C:\Program Files (x86)\Google\Update\GoogleUpdate.exe" /svc`, ""},
	{"MozillaMaintenance", `"C:\Program Files (x86)\Mozilla Maintenance Service\maintenanceservice.exe"`, ""},
	{"OneSyncSvc_1a2b3", `C:\Windows\system32\svchost.exe -k UnistackSvcGroup`, ""},
	{"vmms", `%SystemRoot%\system32\vmms.exe`, ""},
	{"W32Time", `%SystemRoot%\system32\svchost.exe -k LocalService`, `%systemroot%\system32\w32time.dll`},
}

// writeBaselineReg writes a .reg export shaped like a default Windows
// install with common software: services (Windows', drivers by the
// hundred, vendor services), thousands of machine CLSIDs, per-user COM
// servers and URL handlers in AppData, App Paths, GP extensions, Active
// Setup and Windows' defaults of the single-value locations. Unique names
// everywhere (no repeated record flatters the reader).
func writeBaselineReg(tb testing.TB, path string, services, clsids int) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	q := func(s string) string {
		return `"` + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `"`, `\"`) + `"`
	}
	key := func(k string) { fmt.Fprintf(w, "\r\n[%s]\r\n", k) }
	val := func(name, data string) {
		n := "@"
		if name != "" {
			n = q(name)
		}
		fmt.Fprintf(w, "%s=%s\r\n", n, q(data))
	}
	multi := func(name string, items ...string) {
		var b []string
		for _, r := range strings.Join(items, "\x00") + "\x00\x00" {
			b = append(b, fmt.Sprintf("%02x,00", r))
		}
		fmt.Fprintf(w, "%s=hex(7):%s\r\n", q(name), strings.Join(b, ","))
	}
	fmt.Fprint(w, "Windows Registry Editor Version 5.00\r\n")
	const (
		ccs  = `HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet`
		sw   = `HKEY_LOCAL_MACHINE\SOFTWARE`
		user = `HKEY_USERS\S-1-5-21-1111111111-2222222222-3333333333-1001`
	)
	key(ccs + `\Control\Session Manager`)
	multi("BootExecute", "autocheck autochk *")
	multi("SetupExecute")
	key(ccs + `\Control\Lsa`)
	multi("Authentication Packages", "msv1_0")
	multi("Notification Packages", "scecli")
	multi("Security Packages", `""`)
	key(ccs + `\Control\Lsa\OSConfig`)
	multi("Security Packages", "kerberos", "msv1_0", "schannel", "wdigest", "tspkg", "pku2u", "cloudap")
	for _, m := range [][2]string{{"Local Port", "localspl.dll"}, {"USB Monitor", "usbmon.dll"}, {"WSD Port", "WSDMon.dll"}, {"Appmon", "AppMon.dll"}} {
		key(ccs + `\Control\Print\Monitors\` + m[0])
		val("Driver", m[1])
	}
	key(ccs + `\Control\Print\Environments\Windows x64\Print Processors\winprint`)
	val("Driver", "winprint.dll")
	key(ccs + `\Control\Terminal Server\WinStations\RDP-Tcp`)
	val("InitialProgram", "")
	for _, s := range baselineServices {
		key(ccs + `\Services\` + s.name)
		val("ImagePath", s.image)
		fmt.Fprintf(w, "\"Start\"=dword:00000002\r\n\"Type\"=dword:00000020\r\n")
		if s.dll != "" {
			key(ccs + `\Services\` + s.name + `\Parameters`)
			val("ServiceDll", s.dll)
		}
	}
	key(ccs + `\Services\W32Time\TimeProviders\NtpClient`)
	val("DllName", `%systemroot%\system32\w32time.dll`)
	key(ccs + `\Services\W32Time\TimeProviders\VMICTimeProvider`)
	val("DllName", `%SystemRoot%\System32\vmictimeprovider.dll`)
	for i := 0; i < services; i++ {
		switch i % 4 {
		case 0, 1: // kernel drivers, as Windows writes them
			key(fmt.Sprintf(`%s\Services\drv%04d`, ccs, i))
			val("ImagePath", fmt.Sprintf(`\SystemRoot\System32\drivers\drv%04d.sys`, i))
		case 2: // svchost-hosted Windows services
			key(fmt.Sprintf(`%s\Services\Svc%04d`, ccs, i))
			val("ImagePath", `%SystemRoot%\system32\svchost.exe -k netsvcs -p`)
			key(fmt.Sprintf(`%s\Services\Svc%04d\Parameters`, ccs, i))
			val("ServiceDll", fmt.Sprintf(`%%SystemRoot%%\System32\svc%04d.dll`, i))
		default: // vendor services in Program Files
			key(fmt.Sprintf(`%s\Services\Vendor%04dSvc`, ccs, i))
			val("ImagePath", fmt.Sprintf(`"C:\Program Files\Vendor%04d\Agent\agentsvc.exe" /service`, i))
			val("FailureCommand", "")
		}
	}
	key(sw + `\Microsoft\Windows NT\CurrentVersion\Windows`)
	val("AppInit_DLLs", "")
	key(sw + `\Microsoft\Windows NT\CurrentVersion\Winlogon`)
	val("Shell", "explorer.exe")
	val("Userinit", `C:\Windows\system32\userinit.exe,`)
	for _, h := range []string{"ifmon", "rasmontr", "authfwcfg", "dhcpcmonitor", "dot3cfg", "fwcfg", "hnetmon", "netiohlp", "nettrace", "nshhttp", "nshipsec", "nshwfp", "p2pnetsh", "rpcnsh", "WcnNetsh", "whhelper", "wlancfg", "wshelper", "wwancfg", "peerdistsh"} {
		key(sw + `\Microsoft\NetSh`)
		val(h, h+".dll")
	}
	for i, stub := range []string{`%SystemRoot%\system32\unregmp2.exe /FirstLogon`, `C:\Windows\System32\ie4uinit.exe -UserConfig`,
		`"%ProgramFiles%\Windows Mail\WinMail.exe" OCInstallUserConfigOE`, `C:\Windows\System32\ie4uinit.exe -EnableTLS`,
		`"C:\Program Files\Google\Chrome\Application\120.0.6099.130\Installer\chrmstp.exe" --configure-user-settings --verbose-logging --system-level`,
		`"C:\Program Files (x86)\Microsoft\Edge\Application\120.0.2210.91\Installer\setup.exe" --configure-user-settings --verbose-logging --system-level --msedge --channel=stable`} {
		key(fmt.Sprintf(`%s\Microsoft\Active Setup\Installed Components\{%08X-0000-0000-0000-000000000000}`, sw, i))
		val("StubPath", stub)
	}
	for i, dll := range []string{`%SystemRoot%\System32\dskquota.dll`, `gptext.dll`, `%SystemRoot%\system32\fdeploy.dll`, `scecli.dll`, `%SystemRoot%\System32\TsUsbRedirectionGroupPolicyExtension.dll`} {
		key(fmt.Sprintf(`%s\Microsoft\Windows NT\CurrentVersion\Winlogon\GPExtensions\{%08X-1111-1111-1111-111111111111}`, sw, i))
		val("DllName", dll)
	}
	for i := 0; i < 120; i++ {
		key(fmt.Sprintf(`%s\Microsoft\Windows\CurrentVersion\App Paths\app%03d.exe`, sw, i))
		val("", fmt.Sprintf(`C:\Program Files\Vendor%03d\app%03d.exe`, i, i))
		val("Path", fmt.Sprintf(`C:\Program Files\Vendor%03d`, i))
	}
	for i := 0; i < clsids; i++ {
		key(fmt.Sprintf(`%s\Classes\CLSID\{%08X-2222-3333-4444-%012X}\InprocServer32`, sw, i, i))
		if i%3 == 0 {
			val("", fmt.Sprintf(`C:\Program Files\Vendor%04d\shellext.dll`, i))
		} else {
			val("", fmt.Sprintf(`%%SystemRoot%%\System32\comp%05d.dll`, i))
		}
		val("ThreadingModel", "Both")
	}
	// The machine's shell handlers: Windows' own, then an application's
	// ProgID and extension per eighth CLSID (thousands on a real machine).
	for _, h := range [][2]string{{"exefile", `"%1" %*`}, {"batfile", `"%1" %*`}, {"cmdfile", `"%1" %*`}, {"comfile", `"%1" %*`}, {"piffile", `"%1" %*`},
		{"scrfile", `"%1" /S`}, {"regfile", `regedit.exe "%1"`}, {"mscfile", `%SystemRoot%\system32\mmc.exe "%1" %*`}, {"txtfile", `%SystemRoot%\system32\NOTEPAD.EXE %1`},
		{"htafile", `C:\Windows\SysWOW64\mshta.exe "%1" {1E460BD7-F1C3-4B2E-88BF-4E770A288AF5}%U{1E460BD7-F1C3-4B2E-88BF-4E770A288AF5} %*`},
		{"VBSFile", `"%SystemRoot%\System32\WScript.exe" "%1" %*`}, {"JSFile", `%SystemRoot%\System32\WScript.exe "%1" %*`}} {
		key(sw + `\Classes\` + h[0] + `\shell\open\command`)
		val("", h[1])
	}
	key(sw + `\Classes\Folder\shell\open\command`)
	val("", `%SystemRoot%\Explorer.exe`)
	val("DelegateExecute", "{11dbb47c-a525-400b-9e80-a54615a090c0}")
	key(sw + `\Classes\ms-settings\shell\open\command`)
	val("DelegateExecute", "{4ed3a719-cea8-4bd9-910d-e252f997afc2}")
	for i := 0; i < clsids/8; i++ {
		key(fmt.Sprintf(`%s\Classes\.ext%04d`, sw, i))
		val("", fmt.Sprintf("Vendor%04d.Document", i))
		key(fmt.Sprintf(`%s\Classes\Vendor%04d.Document\shell\open\command`, sw, i))
		val("", fmt.Sprintf(`"C:\Program Files\Vendor%04d\app.exe" "%%1"`, i))
	}
	// Overlay identifiers: OneDrive's seven, their classes in Program Files.
	for i := 1; i <= 7; i++ {
		key(fmt.Sprintf(`%s\Microsoft\Windows\CurrentVersion\Explorer\ShellIconOverlayIdentifiers\   OneDrive%d`, sw, i))
		val("", fmt.Sprintf("{%08X-9999-4666-9D7A-C78F2274A524}", i))
		key(fmt.Sprintf(`%s\Classes\CLSID\{%08X-9999-4666-9D7A-C78F2274A524}\InprocServer32`, sw, i))
		val("", `C:\Program Files\Microsoft OneDrive\23.246.1127.0002\FileSyncShell64.dll`)
	}
	// IFEO: Windows' mitigation DWORDs and a developer's page heap flag.
	for i, exe := range []string{"MsMpEng.exe", "dllhost.exe", "svchost.exe", "devapp.exe"} {
		key(sw + `\Microsoft\Windows NT\CurrentVersion\Image File Execution Options\` + exe)
		if i == 3 {
			fmt.Fprintf(w, "\"GlobalFlag\"=dword:02000000\r\n")
		} else {
			fmt.Fprintf(w, "\"MitigationOptions\"=hex(b):00,00,00,00,00,01,00,00\r\n\"MaxLoaderThreads\"=dword:00000001\r\n")
		}
	}
	for i := 0; i < 60; i++ { // per-user COM servers of OneDrive, Teams, ...
		key(fmt.Sprintf(`%s\Software\Classes\CLSID\{%08X-5555-6666-7777-%012X}\InprocServer32`, user, i, i))
		val("", fmt.Sprintf(`C:\Users\alice\AppData\Local\Microsoft\OneDrive\23.246.1127.%04d\amd64\FileSyncShell64.dll`, i))
		key(fmt.Sprintf(`%s\Software\Classes\CLSID\{%08X-5555-6666-8888-%012X}\LocalServer32`, user, i, i))
		val("", fmt.Sprintf(`"C:\Users\alice\AppData\Local\Microsoft\Teams\current\Teams%d.exe"`, i))
	}
	for _, p := range []string{"zoommtg", "slack", "msteams", "spotify"} {
		key(user + `\Software\Classes\` + p + `\shell\open\command`)
		val("", `"C:\Users\alice\AppData\Roaming\`+p+`\bin\`+p+`.exe" "--url=%1"`)
	}
	key(user + `\Software\Microsoft\Windows\CurrentVersion\Explorer\User Shell Folders`)
	val("Startup", `%USERPROFILE%\AppData\Roaming\Microsoft\Windows\Start Menu\Programs\Startup`)
	key(user + `\Control Panel\Desktop`)
	val("SCRNSAVE.EXE", `C:\Windows\system32\Mystify.scr`)
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

func scanBaseline(tb testing.TB, path string, keepFlood bool) []autoruns.Row {
	tb.Helper()
	files, err := input.Expand(path)
	if err != nil {
		tb.Fatal(err)
	}
	view, warnings, err := offline.Load(context.Background(), files)
	if err != nil {
		tb.Fatal(err)
	}
	for _, w := range warnings {
		tb.Errorf("warning: %v", w)
	}
	rows, err := (&autoruns.Scanner{View: view, KeepFlood: keepFlood}).Scan(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return rows
}

// TestBenignBaseline: a machine-sized default install gives no row that is
// not benign, and the flood-controlled locations give no rows at all
// unless kept.
func TestBenignBaseline(t *testing.T) {
	path := filepath.Join(t.TempDir(), "baseline.reg")
	writeBaselineReg(t, path, 400, 4000)
	rows := scanBaseline(t, path, false)
	for _, r := range rows {
		if r.Verdict != "benign" {
			t.Errorf("%s = %q: %s (%s)", r.Path, r.Data, r.Verdict, r.Indicators)
		}
		if r.Location == "service_image_path" || r.Location == "service_dll" || r.Location == "user_com_inproc" || r.Location == "app_paths" || r.Location == "machine_shell_command" {
			t.Errorf("flood location row %s", r.Path)
		}
	}
	all := scanBaseline(t, path, true)
	flood := 0
	for _, r := range all {
		if r.Flood {
			flood++
			if r.Verdict != "benign" {
				t.Errorf("flood row %s is %s", r.Path, r.Verdict)
			}
		}
	}
	if flood < 400 || len(all) != len(rows)+flood {
		t.Errorf("%d rows, %d with flood rows (%d flood): want the services, COM servers and App Paths kept", len(rows), len(all), flood)
	}
	t.Logf("%d rows shown, %d flood rows held back", len(rows), flood)
}

// BenchmarkScanBaseline measures run_key_payloads over the baseline, the
// .reg read included, against the same export without the new locations'
// items (services, CLSIDs): the ratio is their cost.
func BenchmarkScanBaseline(b *testing.B) {
	dir := b.TempDir()
	full, small := filepath.Join(dir, "full.reg"), filepath.Join(dir, "small.reg")
	writeBaselineReg(b, full, 400, 4000)
	writeBaselineReg(b, small, 0, 0)
	for _, c := range []struct{ name, path string }{{"baseline", full}, {"without_services_clsids", small}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu, cpuOK := autoruns.ProcessCPU()
			for b.Loop() {
				scanBaseline(b, c.path, false)
			}
			autoruns.ReportCPU(b, cpu, cpuOK)
		})
	}
}
