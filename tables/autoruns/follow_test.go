package autoruns

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/runkeyhunt/runkeyhunt/tables/catalog"
	"github.com/runkeyhunt/runkeyhunt/tables/registry"
)

func dword(name string, n uint32) registry.Value {
	return registry.Value{Name: name, Type: registry.RegDWORD, Data: binary.LittleEndian.AppendUint32(nil, n)}
}

func rowsByPath(rows []Row) map[string]Row {
	out := map[string]Row{}
	for _, r := range rows {
		out[r.Path] = r
	}
	return out
}

const (
	ntcvKey = `SOFTWARE\Microsoft\Windows NT\CurrentVersion`
	hklm    = `HKEY_LOCAL_MACHINE\`
)

// TestGlobalFlagArmsSilentProcessExit: an IFEO GlobalFlag is a DWORD; with
// the 0x200 bit it gives a row scored on the SilentProcessExit monitor it
// arms (strong), without the bit (page heap) none, and DWORDs elsewhere
// stay skipped.
func TestGlobalFlagArmsSilentProcessExit(t *testing.T) {
	m := machineHive()
	m.SetValue(ntcvKey+`\Image File Execution Options\notepad.exe`, dword("GlobalFlag", 0x200))
	m.SetValue(ntcvKey+`\SilentProcessExit\notepad.exe`, dword("ReportingMode", 1))
	m.SetValue(ntcvKey+`\SilentProcessExit\notepad.exe`, sz("MonitorProcess", `C:\Users\Public\m.exe`))
	m.SetValue(ntcvKey+`\Image File Execution Options\calc.exe`, sz("GlobalFlag", "0x200")) // no monitor
	m.SetValue(ntcvKey+`\Image File Execution Options\app.exe`, dword("GlobalFlag", 0x02000000))
	m.SetValue(ntcvKey+`\Image File Execution Options\app.exe`, dword("Debugger", 1))
	got := rowsByPath(scan(t, m))
	ifeo := hklm + ntcvKey + `\Image File Execution Options\`
	armed, ok := got[ifeo+`notepad.exe\GlobalFlag`]
	if !ok || armed.Location != "ifeo_global_flag" || armed.Type != "REG_DWORD" || armed.Data != "512" || armed.Image != `C:\Users\Public\m.exe` ||
		!strings.Contains(armed.Indicators, "strong_location") || armed.Verdict == "benign" {
		t.Errorf("armed GlobalFlag: %+v", armed)
	}
	if r, ok := got[ifeo+`calc.exe\GlobalFlag`]; !ok || r.Image != "" || r.Verdict != "benign" {
		t.Errorf("GlobalFlag without a monitor: %+v (found %v)", r, ok)
	}
	for _, p := range []string{ifeo + `app.exe\GlobalFlag`, ifeo + `app.exe\Debugger`} {
		if r, ok := got[p]; ok {
			t.Errorf("want no row for %s: %+v", p, r)
		}
	}
	if len(got) != 3 { // the two GlobalFlags and the monitor itself
		t.Errorf("rows: %v", got)
	}
}

// TestCLSIDLocationsFollowTheServer: a ShellServiceObjectDelayLoad value,
// an overlay identifier and a per-user TreatAs name a class; the row is
// scored on the class's InprocServer32 (the user's own classes first).
func TestCLSIDLocationsFollowTheServer(t *testing.T) {
	const (
		evil     = "{0A0B0C0D-1111-2222-3333-444455556666}"
		webcheck = "{E6FB5E20-DE35-11CF-9C87-00AA005127ED}"
		onedrive = "{BBACC218-34EA-4666-9D7A-C78F2274A524}"
		mmdev    = "{BCDE0395-E52F-467C-8E3D-C4579291692E}"
	)
	m := machineHive()
	cls := `SOFTWARE\Classes\CLSID\`
	m.SetValue(`SOFTWARE\Microsoft\Windows\CurrentVersion\ShellServiceObjectDelayLoad`, sz("WebCheck", webcheck))
	m.SetValue(cls+webcheck+`\InprocServer32`, sz("", `%SystemRoot%\System32\webcheck.dll`))
	m.SetValue(`SOFTWARE\Microsoft\Windows\CurrentVersion\ShellServiceObjectDelayLoad`, sz("Updater", evil))
	m.SetValue(cls+evil+`\InprocServer32`, sz("", `C:\ProgramData\upd.dll`))
	m.SetValue(cls+mmdev+`\InprocServer32`, sz("", `%SystemRoot%\System32\MMDevApi.dll`))
	u := userHive("S-1-5-21-1-1001", "alice")
	u.SetValue(cvKey+`\Explorer\ShellIconOverlayIdentifiers\ OneDrive1`, sz("", onedrive))
	u.SetValue(`Software\Classes\CLSID\`+onedrive+`\InprocServer32`, sz("", `C:\Users\alice\AppData\Local\Microsoft\OneDrive\23.246.1127.0002\amd64\FileSyncShell64.dll`))
	u.SetValue(`Software\Classes\CLSID\`+mmdev+`\TreatAs`, sz("", evil))
	u.SetValue(`Software\Classes\CLSID\`+evil+`\InprocServer32`, sz("", `C:\Users\alice\AppData\Local\Temp\t.dll`))
	got := rowsByPath(scan(t, m, u))
	ssodl := hklm + `SOFTWARE\Microsoft\Windows\CurrentVersion\ShellServiceObjectDelayLoad\`
	if r := got[ssodl+"WebCheck"]; r.Location != "shell_service_object_delay_load" || !strings.EqualFold(r.Image, `C:\Windows\System32\webcheck.dll`) || r.Verdict != "benign" {
		t.Errorf("WebCheck: %+v", r)
	}
	if r := got[ssodl+"Updater"]; r.Data != evil || r.Image != `C:\ProgramData\upd.dll` || !strings.Contains(r.Indicators, "default_changed") || r.Verdict == "benign" {
		t.Errorf("Updater: %+v", r)
	}
	user := `HKEY_USERS\S-1-5-21-1-1001\`
	if r := got[user+cvKey+`\Explorer\ShellIconOverlayIdentifiers\ OneDrive1\(Default)`]; r.Location != "shell_icon_overlay" || !strings.HasSuffix(r.Image, "FileSyncShell64.dll") || r.Verdict != "benign" {
		t.Errorf("OneDrive overlay: %+v", r)
	}
	r := got[user+`Software\Classes\CLSID\`+mmdev+`\TreatAs\(Default)`]
	if r.Location != "user_com_treatas" || r.Image != `C:\Users\alice\AppData\Local\Temp\t.dll` || !strings.Contains(r.Indicators, "shadowed_machine_clsid") || r.Verdict == "benign" {
		t.Errorf("TreatAs: %+v", r)
	}
}

// TestRunOnceExDependAndMachineHandlers: RunOnceEx\*\Depend DLLs, and a
// machine shell handler compared with Windows' own for its class.
func TestRunOnceExDependAndMachineHandlers(t *testing.T) {
	m := machineHive()
	m.SetValue(`SOFTWARE\Microsoft\Windows\CurrentVersion\RunOnceEx\0001\Depend`, sz("1", `C:\Users\Public\evil.dll`))
	m.SetValue(`SOFTWARE\Classes\exefile\shell\open\command`, sz("", `"%1" %*`))
	m.SetValue(`SOFTWARE\Classes\batfile\shell\open\command`, sz("", `"%1" %* & C:\ProgramData\b.exe`))
	m.SetValue(`SOFTWARE\Classes\txtfile\shell\open\command`, sz("", `%SystemRoot%\system32\NOTEPAD.EXE %1`))
	m.SetValue(`SOFTWARE\Classes\vlc\shell\open\command`, sz("", `"C:\Program Files\VideoLAN\VLC\vlc.exe" --started-from-file "%1"`))
	got := rowsByPath(scan(t, m))
	if r := got[hklm+`SOFTWARE\Microsoft\Windows\CurrentVersion\RunOnceEx\0001\Depend\1`]; r.Location != "run_once_ex_depend" || r.Verdict == "benign" {
		t.Errorf("Depend: %+v", r)
	}
	if r := got[hklm+`SOFTWARE\Classes\batfile\shell\open\command\(Default)`]; r.Location != "machine_shell_command" || !strings.Contains(r.Indicators, "default_changed") {
		t.Errorf("changed batfile: %+v", r)
	}
	if len(got) != 2 { // Windows' own and an application's handler are flood-controlled
		t.Errorf("rows: %v", got)
	}
}

// TestDLLPathWithBlanks: a dll location's data is one path, in both
// tables: `C:\Program Files\...` is not the image `C:\Program` (the root of
// the drive, a staging folder).
func TestDLLPathWithBlanks(t *testing.T) {
	const dll = `C:\Program Files\Common Files\Vendor\vendorsvc.dll`
	m := machineHive()
	m.SetValue(`SYSTEM\CurrentControlSet\Services\VendorSvc\Parameters`, sz("ServiceDll", dll))
	s := Scanner{View: registry.StaticView{m}, KeepFlood: true}
	rows, err := s.Scan(t.Context())
	if err != nil || len(rows) != 1 {
		t.Fatalf("rows %+v, %v", rows, err)
	}
	if rows[0].Image != dll || rows[0].Verdict != "benign" {
		t.Errorf("row: image %q, %s (%s)", rows[0].Image, rows[0].Verdict, rows[0].Indicators)
	}
	loc := catalog.Location{}
	for _, l := range catalog.All {
		if l.ID == "service_dll" {
			loc = l
		}
	}
	if set := ValueIndicators(loc, m.Info(), "ServiceDll", dll, ""); set.String() != rows[0].Indicators {
		t.Errorf("ValueIndicators %q, run_key_payloads %q", set, rows[0].Indicators)
	}
}

// TestWindowsHandlerScoresNothing: Windows' own htafile handler runs
// mshta, which elsewhere is a proxy; as the item's default it scores
// nothing in either table, and a changed one does.
func TestWindowsHandlerScoresNothing(t *testing.T) {
	const (
		key  = `SOFTWARE\Classes\htafile\shell\open\command`
		hta  = `C:\Windows\SysWOW64\mshta.exe "%1" {1E460BD7-F1C3-4B2E-88BF-4E770A288AF5}%U{1E460BD7-F1C3-4B2E-88BF-4E770A288AF5} %*`
		evil = `C:\Windows\SysWOW64\mshta.exe "%1" & C:\ProgramData\x.exe`
	)
	loc, ok := catalog.Match(registry.ScopeMachine, key, "")
	if !ok {
		t.Fatal("no location")
	}
	m := machineHive()
	if set := ValueIndicators(loc, m.Info(), "", hta, ""); len(set) != 0 {
		t.Errorf("Windows' htafile handler: %s", set)
	}
	if set := ValueIndicators(loc, m.Info(), "", evil, ""); !set.Has("default_changed") {
		t.Errorf("changed htafile handler: %s", set)
	}
	m.SetValue(key, sz("", hta))
	s := Scanner{View: registry.StaticView{m}, KeepFlood: true}
	rows, err := s.Scan(t.Context())
	if err != nil || len(rows) != 1 || rows[0].Indicators != "" || rows[0].Image != `C:\Windows\SysWOW64\mshta.exe` {
		t.Errorf("rows %+v, %v", rows, err)
	}
}
