package offline_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/runkeyhunt/runkeyhunt/tables/input"
	"github.com/runkeyhunt/runkeyhunt/tables/registry"
	"github.com/runkeyhunt/runkeyhunt/tables/registry/hivefile/hivetest"
	"github.com/runkeyhunt/runkeyhunt/tables/registry/offline"
)

const (
	sidAlice = "S-1-5-21-1111111111-2222222222-3333333333-1001"
	sidBob   = "S-1-5-21-1111111111-2222222222-3333333333-1002"
	sidCarol = "S-1-5-21-1111111111-2222222222-3333333333-1003"
)

const softwareReg = "Windows Registry Editor Version 5.00\r\n\r\n" +
	"[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n" +
	`"SecurityHealth"="C:\\Windows\\System32\\SecurityHealthSystray.exe"` + "\r\n" +
	"[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList\\" + sidAlice + "]\r\n" +
	// %SystemDrive%\Users\alice as REG_EXPAND_SZ, as Windows writes it.
	`"ProfileImagePath"=hex(2):25,00,53,00,79,00,73,00,74,00,65,00,6d,00,44,00,72,00,69,00,76,00,65,00,25,00,5c,00,55,00,73,00,65,00,72,00,73,00,5c,00,61,00,6c,00,69,00,63,00,65,00,00,00` + "\r\n" +
	"[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList\\" + sidBob + "]\r\n" +
	`"ProfileImagePath"="C:\\Users\\Bob"` + "\r\n" +
	"[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList\\" + sidCarol + "]\r\n" +
	`"ProfileImagePath"="C:\\Users\\carol"` + "\r\n" +
	"[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList\\S-1-5-18]\r\n" +
	`"ProfileImagePath"=hex(2):25,00,73,00,79,00,73,00,74,00,65,00,6d,00,72,00,6f,00,6f,00,74,00,25,00,00,00` + "\r\n"

func userReg(command string) string {
	return "Windows Registry Editor Version 5.00\r\n\r\n" +
		"[HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n" +
		`"Updater"="` + command + `"` + "\r\n"
}

// triage builds C/Windows/System32/config/SOFTWARE, C/Users/{alice,bob,dave}/NTUSER.DAT,
// a transaction log, a .reg of HKEY_USERS\<carol's SID>, and a non-registry file.
func triage(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	hivetest.BuildSoftwareHiveAt(t, filepath.Join(root, "C", "Windows", "System32", "config"), softwareReg)
	alice := hivetest.BuildUserHiveAt(t, filepath.Join(root, "C", "Users", "alice"), userReg("alice.exe"))
	hivetest.BuildUserHiveAt(t, filepath.Join(root, "C", "Users", "bob"), userReg("bob.exe"))
	hivetest.BuildUserHiveAt(t, filepath.Join(root, "C", "Users", "dave"), userReg("dave.exe"))

	// A transaction log: a regf file of type 6.
	log, err := os.ReadFile(alice)
	if err != nil {
		t.Fatal(err)
	}
	binary.LittleEndian.PutUint32(log[0x1c:], 6)
	write(t, filepath.Join(root, "C", "Users", "alice", "ntuser.dat.LOG1"), log[:0x2000])

	write(t, filepath.Join(root, "export.reg"), []byte("Windows Registry Editor Version 5.00\r\n\r\n"+
		"[HKEY_USERS\\"+sidCarol+"\\Software\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n\"Updater\"=\"carol.exe\"\r\n"))
	write(t, filepath.Join(root, "sysmon.json"), []byte(`{"EventID":1}`+"\n"))
	return root
}

func write(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func load(t *testing.T, spec string) (registry.View, []error, error) {
	t.Helper()
	files, err := input.Expand(spec)
	if err != nil {
		t.Fatal(err)
	}
	view, warnings, err := offline.Load(context.Background(), files)
	if c, ok := view.(*offline.View); ok {
		t.Cleanup(func() { c.Close() })
	}
	return view, warnings, err
}

// describe lists each hive as root|username|source file base|Updater data.
func describe(t *testing.T, view registry.View) []string {
	t.Helper()
	hives, err := view.Hives()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, h := range hives {
		info := h.Info()
		run := `Software\Microsoft\Windows\CurrentVersion\Run`
		if info.Scope == registry.ScopeMachine {
			run = `SOFTWARE\Microsoft\Windows\CurrentVersion\Run`
		}
		var data string
		if k, err := h.Key(run); err == nil {
			for _, v := range k.Values {
				data += v.Name + "=" + v.String() + ";"
			}
		}
		out = append(out, strings.Join([]string{info.Root, info.Username, filepath.Base(info.SourceFile), data}, "|"))
	}
	sort.Strings(out)
	return out
}

func TestTriageTree(t *testing.T) {
	root := triage(t)
	view, warnings, err := load(t, root)
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 0 {
		t.Errorf("warnings: %v", warnings)
	}
	want := []string{
		`HKEY_CURRENT_USER|dave|NTUSER.DAT|Updater=dave.exe;`,
		`HKEY_LOCAL_MACHINE||SOFTWARE|SecurityHealth=C:\Windows\System32\SecurityHealthSystray.exe;`,
		`HKEY_USERS\` + sidAlice + `|alice|NTUSER.DAT|Updater=alice.exe;`,
		`HKEY_USERS\` + sidBob + `|Bob|NTUSER.DAT|Updater=bob.exe;`,
		`HKEY_USERS\` + sidCarol + `|carol|export.reg|Updater=carol.exe;`,
	}
	if got := describe(t, view); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("hives:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestBadFileAmongGood(t *testing.T) {
	root := triage(t)
	bad := filepath.Join(root, "C", "Users", "eve", "NTUSER.DAT")
	write(t, bad, append([]byte("regf"), make([]byte, 0x1100)...))
	badReg := filepath.Join(root, "broken.reg")
	write(t, badReg, []byte("REGEDIT4\n[HKCU\\A]\n\"x\"=hex:zz\n"))
	view, warnings, err := load(t, root)
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 2 {
		t.Fatalf("warnings = %v, want 2", warnings)
	}
	joined := warnings[0].Error() + "\n" + warnings[1].Error()
	if !strings.Contains(joined, bad) || !strings.Contains(joined, badReg+" line 3") {
		t.Errorf("warnings do not name the bad files: %s", joined)
	}
	// The bad .reg's good lines still make its HKEY_CURRENT_USER hive.
	if got := describe(t, view); len(got) != 6 {
		t.Errorf("good hives not all returned: %v", got)
	}
}

func TestSingleBadFileIsError(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "NTUSER.DAT")
	write(t, bad, append([]byte("regf"), make([]byte, 0x1100)...))
	if _, _, err := load(t, bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("err = %v, want one naming %s", err, bad)
	}
}

func TestRegOnlyProfileList(t *testing.T) {
	dir := t.TempDir()
	reg := filepath.Join(dir, "all.reg")
	write(t, reg, []byte("Windows Registry Editor Version 5.00\r\n\r\n"+
		"[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList\\"+sidAlice+"]\r\n"+
		`"ProfileImagePath"="C:\\Users\\alice"`+"\r\n"+
		"[HKEY_USERS\\"+sidAlice+"\\Software\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n\"a\"=\"b\"\r\n"+
		"[HKEY_USERS\\S-1-5-21-9\\Software]\r\n"+
		"[HKEY_CURRENT_USER\\Software]\r\n"))
	// Non-registry inputs are ignored.
	sysmon := filepath.Join(dir, "events.json")
	write(t, sysmon, []byte(`{"EventID":13}`+"\n"))
	view, warnings, err := load(t, reg+","+sysmon)
	if err != nil || len(warnings) != 0 {
		t.Fatalf("err %v warnings %v", err, warnings)
	}
	want := []string{
		`HKEY_CURRENT_USER||all.reg|`,
		`HKEY_LOCAL_MACHINE||all.reg|`,
		`HKEY_USERS\` + sidAlice + `|alice|all.reg|a=b;`,
		`HKEY_USERS\S-1-5-21-9||all.reg|`,
	}
	if got := describe(t, view); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("hives:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// In a drive layout the DEFAULT hive is LocalSystem's (it was taken for a
// user named "config"), a service profile is matched by its whole
// ProfileImagePath, and a zip of the tree names the same users.
func TestDriveLayoutUsers(t *testing.T) {
	root := triage(t)
	const sidLocalService = "S-1-5-19"
	config := filepath.Join(root, "C", "Windows", "System32", "config")
	def := hivetest.BuildUserHiveAt(t, t.TempDir(), userReg("default.exe"))
	data, err := os.ReadFile(def)
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(config, "DEFAULT"), data)
	hivetest.BuildUserHiveAt(t, filepath.Join(root, "C", "Windows", "ServiceProfiles", "LocalService"), userReg("svc.exe"))
	// SOFTWARE again, with LocalService's ProfileList entry.
	os.Remove(filepath.Join(config, "SOFTWARE"))
	hivetest.BuildSoftwareHiveAt(t, config, softwareReg+
		"[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList\\"+sidLocalService+"]\r\n"+
		`"ProfileImagePath"=hex(2):25,00,73,00,79,00,73,00,74,00,65,00,6d,00,72,00,6f,00,6f,00,74,00,25,00,5c,00,53,00,65,00,72,00,76,00,69,00,63,00,65,00,50,00,72,00,6f,00,66,00,69,00,6c,00,65,00,73,00,5c,00,4c,00,6f,00,63,00,61,00,6c,00,53,00,65,00,72,00,76,00,69,00,63,00,65,00,00,00`+"\r\n")
	view, warnings, err := load(t, root)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`HKEY_CURRENT_USER|dave|NTUSER.DAT|Updater=dave.exe;`,
		`HKEY_LOCAL_MACHINE||SOFTWARE|SecurityHealth=C:\Windows\System32\SecurityHealthSystray.exe;`,
		`HKEY_USERS\S-1-5-18|SYSTEM|DEFAULT|Updater=default.exe;`,
		`HKEY_USERS\` + sidLocalService + `|LocalService|NTUSER.DAT|Updater=svc.exe;`,
		`HKEY_USERS\` + sidAlice + `|alice|NTUSER.DAT|Updater=alice.exe;`,
		`HKEY_USERS\` + sidBob + `|Bob|NTUSER.DAT|Updater=bob.exe;`,
		`HKEY_USERS\` + sidCarol + `|carol|export.reg|Updater=carol.exe;`,
	}
	sort.Strings(want)
	got := describe(t, view)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("hives:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(warnings) != 0 {
		t.Errorf("warnings: %v", warnings)
	}
	zipPath := filepath.Join(t.TempDir(), "triage.zip")
	zipDir(t, root, zipPath)
	zview, _, err := load(t, zipPath)
	if err != nil {
		t.Fatal(err)
	}
	// Members at the top of the zip are named triage.zip!name.
	zgot := strings.ReplaceAll(strings.Join(describe(t, zview), "\n"), "triage.zip!", "")
	if zgot != strings.Join(got, "\n") {
		t.Errorf("zip hives:\n%s\nwant:\n%s", zgot, strings.Join(got, "\n"))
	}
}

func zipDir(t *testing.T, root, dst string) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		w, err := zw.Create(filepath.ToSlash(rel))
		if err == nil {
			_, err = w.Write(data)
		}
		return err
	})
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	write(t, dst, buf.Bytes())
}
