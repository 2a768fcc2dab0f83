package offline_test

import (
	"archive/zip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/runkeyhunt/runkeyhunt/tables/registry"
	"github.com/runkeyhunt/runkeyhunt/tables/registry/hivefile/hivetest"
)

// classesReg is a user's classes hive as HKEY_USERS\<SID>_Classes shows
// it: a UAC-bypass handler and a per-user COM server (Atomic T1548.002,
// T1546.015).
const classesReg = "Windows Registry Editor Version 5.00\r\n\r\n" +
	"[HKEY_CURRENT_USER\\ms-settings\\shell\\open\\command]\r\n" +
	`@="cmd.exe /c start C:\\Users\\Public\\x.exe"` + "\r\n" +
	`"DelegateExecute"=""` + "\r\n" +
	"[HKEY_CURRENT_USER\\CLSID\\{BCDE0395-E52F-467C-8E3D-C4579291692E}\\InprocServer32]\r\n" +
	`@="C:\\Users\\alice\\AppData\\Roaming\\mmdevapi.dll"` + "\r\n"

const shellCommand = `Software\Classes\ms-settings\shell\open\command`

// classesOf describes what a hive shows at Software\Classes: its root,
// username, the file the ms-settings handler came from and its command.
func classesOf(t *testing.T, h registry.Hive) string {
	t.Helper()
	info := h.Info()
	k, err := h.Key(shellCommand)
	if err != nil {
		return info.Root + "|" + info.Username + "|" + err.Error()
	}
	v, _ := k.Value("")
	if want := info.Root + `\` + shellCommand; k.Path != want {
		t.Errorf("key path %q, want %q", k.Path, want)
	}
	return info.Root + "|" + info.Username + "|" + filepath.Base(k.SourceFile) + "|" + v.String()
}

// TestUsrClassInDriveLayout: in a triage tree laid out like the drive, a
// profile's UsrClass.dat (where Vista and later keep it, or XP) is read as
// its user's Software\Classes, together with the NTUSER.DAT of the same
// profile; one without its NTUSER.DAT is read alone, named from its
// profile folder through ProfileList, with a warning.
func TestUsrClassInDriveLayout(t *testing.T) {
	root := t.TempDir()
	users := filepath.Join(root, "C", "Users")
	hivetest.BuildSoftwareHiveAt(t, filepath.Join(root, "C", "Windows", "System32", "config"), softwareReg)
	hivetest.BuildUserHiveAt(t, filepath.Join(users, "alice"), userReg("alice.exe"))
	hivetest.BuildClassesHiveAt(t, filepath.Join(users, "alice", "AppData", "Local", "Microsoft", "Windows"), classesReg)
	hivetest.BuildUserHiveAt(t, filepath.Join(users, "dave"), userReg("dave.exe"))
	hivetest.BuildClassesHiveAt(t, filepath.Join(users, "Bob", "Local Settings", "Application Data", "Microsoft", "Windows"), classesReg)

	view, warnings, err := load(t, root)
	if err != nil {
		t.Fatal(err)
	}
	hives, _ := view.Hives()
	var got []string
	for _, h := range hives {
		if h.Info().Scope == registry.ScopeUser {
			got = append(got, classesOf(t, h))
		}
	}
	slices.Sort(got)
	want := []string{
		`HKEY_CURRENT_USER|dave|` + registry.ErrNotFound.Error(),
		`HKEY_USERS\` + sidAlice + `|alice|UsrClass.dat|cmd.exe /c start C:\Users\Public\x.exe`,
		`HKEY_USERS\` + sidBob + `|Bob|UsrClass.dat|cmd.exe /c start C:\Users\Public\x.exe`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("user hives:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0].Error(), filepath.Join("Bob", "Local Settings")) || !strings.Contains(warnings[0].Error(), "without its NTUSER.DAT") {
		t.Errorf("warnings %v, want one naming Bob's lone UsrClass.dat", warnings)
	}
	// alice's own keys are still hers, and Software lists Classes.
	for _, h := range hives {
		if h.Info().SID != sidAlice {
			continue
		}
		if k, err := h.Key(`Software\Microsoft\Windows\CurrentVersion\Run`); err != nil || len(k.Values) != 1 || !strings.HasSuffix(k.SourceFile+h.Info().SourceFile, "NTUSER.DAT") {
			t.Errorf("alice's Run key: %+v, %v", k, err)
		}
		if k, err := h.Key(`Software`); err != nil || !slices.Contains(k.Subkeys, "Classes") {
			t.Errorf("alice's Software key: %+v, %v", k, err)
		}
		sr := h.(registry.SubkeyReader)
		parent, subs, err := sr.Subkeys(t.Context(), `Software\Classes\CLSID`)
		if err != nil || parent == nil || len(subs) != 1 || subs[0].Path != `HKEY_USERS\`+sidAlice+`\Software\Classes\CLSID\{BCDE0395-E52F-467C-8E3D-C4579291692E}` {
			t.Errorf("Subkeys(CLSID) = %+v, %+v, %v", parent, subs, err)
		}
	}
}

// TestUsrClassBesideNTUser: outside a drive layout, a UsrClass.dat in the
// folder of an NTUSER.DAT is that user's, in a folder and in a zip alike.
func TestUsrClassBesideNTUser(t *testing.T) {
	dir := t.TempDir()
	hivetest.BuildUserHiveAt(t, filepath.Join(dir, "alice"), userReg("alice.exe"))
	hivetest.BuildClassesHiveAt(t, filepath.Join(dir, "alice"), classesReg)
	want := `HKEY_CURRENT_USER|alice|UsrClass.dat|cmd.exe /c start C:\Users\Public\x.exe`
	check := func(t *testing.T, spec string) {
		view, warnings, err := load(t, spec)
		if err != nil || len(warnings) > 0 {
			t.Fatal(err, warnings)
		}
		hives, _ := view.Hives()
		if len(hives) != 1 {
			t.Fatalf("%d hives, want alice's one", len(hives))
		}
		// A folder at the top of a zip is named triage.zip!alice (as for
		// an NTUSER.DAT alone).
		if got := strings.ReplaceAll(classesOf(t, hives[0]), "triage.zip!", ""); got != want {
			t.Errorf("got %s\nwant %s", got, want)
		}
	}
	t.Run("folder", func(t *testing.T) { check(t, dir) })
	t.Run("zip", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "triage.zip")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		zw := zip.NewWriter(f)
		for _, name := range []string{"NTUSER.DAT", "UsrClass.dat"} {
			data, err := os.ReadFile(filepath.Join(dir, "alice", name))
			if err != nil {
				t.Fatal(err)
			}
			w, _ := zw.Create("alice/" + name)
			w.Write(data)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		f.Close()
		check(t, path)
	})
}

// TestSecondUsrClassOfAProfile: a profile folder holding two classes
// hives (one beside the NTUSER.DAT, one where Windows keeps it) mounts
// one in the user's hive and reads the other on its own, with a warning
// naming it: neither is dropped.
func TestSecondUsrClassOfAProfile(t *testing.T) {
	root := t.TempDir()
	profile := filepath.Join(root, "C", "Users", "alice")
	hivetest.BuildSoftwareHiveAt(t, filepath.Join(root, "C", "Windows", "System32", "config"), softwareReg)
	hivetest.BuildUserHiveAt(t, profile, userReg("alice.exe"))
	hivetest.BuildClassesHiveAt(t, profile, classesReg)
	hivetest.BuildClassesHiveAt(t, filepath.Join(profile, "AppData", "Local", "Microsoft", "Windows"), classesReg)
	view, warnings, err := load(t, root)
	if err != nil {
		t.Fatal(err)
	}
	hives, _ := view.Hives()
	var got []string
	for _, h := range hives {
		if h.Info().Scope == registry.ScopeUser {
			got = append(got, classesOf(t, h))
		}
	}
	one := `HKEY_USERS\` + sidAlice + `|alice|UsrClass.dat|cmd.exe /c start C:\Users\Public\x.exe`
	if len(got) != 2 || got[0] != one || got[1] != one {
		t.Errorf("user hives:\n%s\nwant twice:\n%s", strings.Join(got, "\n"), one)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0].Error(), "second classes hive") {
		t.Errorf("warnings %v, want one about the second classes hive", warnings)
	}
}
