//go:build windows

package live

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/windows"
	winreg "golang.org/x/sys/windows/registry"

	"github.com/runkeyhunt/runkeyhunt/tables/autoruns"
	"github.com/runkeyhunt/runkeyhunt/tables/registry"
	"github.com/runkeyhunt/runkeyhunt/tables/registry/hivefile"
	"github.com/runkeyhunt/runkeyhunt/tables/sysmon/eventlog"
)

var (
	importOnce sync.Once
	importErr  error
)

// importCorpus loads the corpus into this machine's registry with
// regedit /S, once per test binary. Meant for a throwaway Wine prefix.
func importCorpus(t testing.TB) {
	t.Helper()
	if os.Getenv("RKH_WINE") == "" {
		t.Skip("imports into the registry: only in a throwaway Wine prefix (RKH_WINE=1, scripts/wine/test.sh)")
	}
	importOnce.Do(func() {
		path := filepath.Join(os.TempDir(), "rkh-corpus-utf16.reg")
		if importErr = os.WriteFile(path, utf16RegFile(readCorpus(t)), 0o600); importErr != nil {
			return
		}
		out, err := exec.Command("regedit", "/S", path).CombinedOutput()
		if err != nil {
			importErr = errors.New("regedit /S: " + err.Error() + ": " + string(out))
		}
	})
	if importErr != nil {
		t.Fatal(importErr)
	}
}

// fixtureRows keeps the live rows that belong to the fixture: the
// fixture's users and machine values whose path the fixture has (a Wine
// prefix has autoruns of its own: RunServices\winemenubuilder,
// Winlogon\Userinit, and WOW6432Node\...\Policies mirrors the 64-bit key).
func fixtureRows(rows []autoruns.Row, want []autoruns.Row) []autoruns.Row {
	paths := map[string]bool{}
	for _, r := range want {
		paths[strings.ToLower(r.Path)] = true
	}
	var out []autoruns.Row
	for _, r := range rows {
		if r.Scope == registry.ScopeUser && corpusUsers[r.SID] == "" {
			continue
		}
		if r.Scope == registry.ScopeMachine && !paths[strings.ToLower(r.Path)] {
			continue
		}
		out = append(out, r)
	}
	return out
}

func scanLive(t testing.TB, warn func(error)) []autoruns.Row {
	t.Helper()
	rows, err := (&autoruns.Scanner{View: New(warn), Warn: warn}).Scan(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestLiveMatchesRegfileAndHives: the corpus imported with regedit, read
// back through the registry API, gives the .reg source's rows and those
// of hives built from the same text (RKH_CORPUS_HIVES, written by the
// Linux test). mtime and source_file are not compared; live mtimes must
// be recent write times.
func TestLiveMatchesRegfileAndHives(t *testing.T) {
	importCorpus(t)
	want := regfileRows(t)
	var warnings []error
	rows := fixtureRows(scanLive(t, func(err error) { warnings = append(warnings, err) }), want)
	diffRows(t, "live vs .reg", sortedRows(rows), sortedRows(want))
	for _, r := range rows {
		if r.Mtime < time.Now().Add(-time.Hour).Unix() || r.Mtime > time.Now().Add(time.Minute).Unix() {
			t.Errorf("%s: mtime %d is not the import time", r.Path, r.Mtime)
		}
	}
	if len(rows) < 50 {
		t.Errorf("only %d fixture rows read live", len(rows))
	}
	t.Logf("%d rows identical to the .reg source; warnings: %v", len(rows), warnings)

	dir := os.Getenv("RKH_CORPUS_HIVES")
	if dir == "" {
		t.Log("RKH_CORPUS_HIVES not set: hive comparison left to the Linux test")
		return
	}
	machine, err := hivefile.Open(filepath.Join(dir, "SOFTWARE"))
	if err != nil {
		t.Fatal(err)
	}
	defer machine.Close()
	view := registry.StaticView{machine}
	for _, p := range globNTUser(t, dir) {
		// NTUSER.DAT with the user's UsrClass.dat at its Software\Classes.
		view = append(view, loadUserHives(t, filepath.Dir(p), filepath.Base(filepath.Dir(p))))
	}
	hiveRows, err := (&autoruns.Scanner{View: view}).Scan(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	diffRows(t, "live vs hive", sortedRows(rows), sortedRows(hiveRows))
	if n := classesRows(rows); n < 5 {
		t.Errorf("only %d rows of the users' Software\\Classes read live", n)
	}
}

// unloadedSID is a profile of ProfileList whose hive is not loaded.
const unloadedSID = "S-1-5-21-1111111111-2222222222-3333333333-1099"

// TestUnloadedProfileReadsUsrClass: a profile whose hive is not loaded
// (ProfileList names it, HKEY_USERS does not) is read from its NTUSER.DAT
// with the UsrClass.dat of its AppData\Local\Microsoft\Windows at its
// Software\Classes, as Windows loads them: its rows are those of the same
// two hive files read offline. The profile is alice's corpus hives, laid
// out by the Linux test (RKH_CORPUS_HIVES/profile).
func TestUnloadedProfileReadsUsrClass(t *testing.T) {
	importCorpus(t)
	dir := os.Getenv("RKH_CORPUS_HIVES")
	if dir == "" {
		t.Skip("RKH_CORPUS_HIVES not set: the profile's hives are built by the Linux test")
	}
	profileDir, err := filepath.Abs(filepath.Join(dir, "profile"))
	if err != nil {
		t.Fatal(err)
	}
	key, _, err := winreg.CreateKey(winreg.LOCAL_MACHINE, profileListKey+`\`+unloadedSID, winreg.SET_VALUE)
	if err != nil {
		t.Fatal(err)
	}
	err = key.SetExpandStringValue("ProfileImagePath", profileDir)
	key.Close()
	if err != nil {
		t.Fatal(err)
	}
	defer winreg.DeleteKey(winreg.LOCAL_MACHINE, profileListKey+`\`+unloadedSID)

	var live []autoruns.Row
	for _, r := range scanLive(t, nil) {
		if r.SID == unloadedSID {
			live = append(live, r)
		}
	}
	machine, err := hivefile.Open(filepath.Join(dir, "SOFTWARE"))
	if err != nil {
		t.Fatal(err)
	}
	defer machine.Close()
	user := loadHiveFiles(t, filepath.Join(profileDir, "NTUSER.DAT"),
		filepath.Join(profileDir, "AppData", "Local", "Microsoft", "Windows", "UsrClass.dat"), unloadedSID, "profile")
	offline, err := (&autoruns.Scanner{View: registry.StaticView{machine, user}}).Scan(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var want []autoruns.Row
	for _, r := range offline {
		if r.SID == unloadedSID {
			want = append(want, r)
		}
	}
	diffRows(t, "unloaded profile vs its hive files", sortedRows(live), sortedRows(want))
	if n := classesRows(live); n < 3 {
		t.Errorf("only %d rows of the unloaded profile's UsrClass.dat", n)
	}
	t.Logf("%d rows of the unloaded profile, %d from its UsrClass.dat", len(live), classesRows(live))
}

func globNTUser(t *testing.T, dir string) []string {
	all, err := filepath.Glob(filepath.Join(dir, "*", "NTUSER.DAT"))
	var m []string // the corpus users' hives, not the unloaded profile's
	for _, p := range all {
		if corpusUsers[filepath.Base(filepath.Dir(p))] != "" {
			m = append(m, p)
		}
	}
	if err != nil || len(m) != len(corpusUsers) {
		t.Fatalf("user hives in %s: %v %v", dir, m, err)
	}
	return m
}

// TestEveryOpenIsReadOnly records the access mask of every key the live
// source opens during a full scan.
func TestEveryOpenIsReadOnly(t *testing.T) {
	importCorpus(t)
	var masks []uint32
	real := regOpenKeyEx
	regOpenKeyEx = func(key windows.Handle, subkey *uint16, options, access uint32, result *windows.Handle) error {
		masks = append(masks, access)
		return real(key, subkey, options, access, result)
	}
	defer func() { regOpenKeyEx = real }()
	scanLive(t, nil)
	if len(masks) < 50 { // 2 user hives and HKLM, each location at least once
		t.Fatalf("only %d opens recorded", len(masks))
	}
	for _, m := range masks {
		if m != KeyAccess || !ReadOnly(m) {
			t.Fatalf("opened a key with mask 0x%x", m)
		}
	}
	if _, err := openKey(windows.HKEY_LOCAL_MACHINE, "SOFTWARE", windows.KEY_SET_VALUE); !errors.Is(err, errWriteAccess) {
		t.Errorf("openKey with KEY_SET_VALUE: %v", err)
	}
	t.Logf("%d opens, all with 0x%x", len(masks), KeyAccess)
}

// TestUnopenableKeyIsSkipped denies read access on one RunOnceEx entry
// (a location whose subkeys are read one by one): the scan warns about it
// and returns every other row. Wine's registry does not enforce key
// DACLs, so when the denial does not take, the open is refused the way
// Windows refuses it (ERROR_ACCESS_DENIED from RegOpenKeyEx).
func TestUnopenableKeyIsSkipped(t *testing.T) {
	importCorpus(t)
	const rel = `SOFTWARE\Microsoft\Windows\CurrentVersion\RunOnceEx\0001`
	before := scanLive(t, nil)
	var denied windows.Handle
	p, _ := windows.UTF16PtrFromString(rel)
	if err := windows.RegOpenKeyEx(windows.HKEY_LOCAL_MACHINE, p, 0, windows.WRITE_DAC|windows.KEY_WOW64_64KEY, &denied); err != nil {
		t.Fatal(err)
	}
	sd, err := windows.SecurityDescriptorFromString("D:P") // protected, empty DACL: nobody may open it
	if err != nil {
		t.Fatal(err)
	}
	procSetSec := windows.NewLazySystemDLL("advapi32.dll").NewProc("RegSetKeySecurity")
	procSetSec.Call(uintptr(denied), uintptr(windows.DACL_SECURITY_INFORMATION), uintptr(unsafePointer(sd)))
	windows.RegCloseKey(denied)
	if h, err := openKey(windows.HKEY_LOCAL_MACHINE, rel, KeyAccess); err == nil {
		windows.RegCloseKey(h)
		t.Log("Wine does not enforce the key's DACL: refusing the open in the API wrapper instead")
		real := regOpenKeyEx
		regOpenKeyEx = func(key windows.Handle, subkey *uint16, options, access uint32, result *windows.Handle) error {
			if strings.EqualFold(windows.UTF16PtrToString(subkey), rel) {
				return windows.ERROR_ACCESS_DENIED
			}
			return real(key, subkey, options, access, result)
		}
		defer func() { regOpenKeyEx = real }()
	}
	var warnings []string
	after := scanLive(t, func(err error) { warnings = append(warnings, err.Error()) })
	if len(after) != len(before)-1 {
		t.Errorf("%d rows after denying %s, want %d", len(after), rel, len(before)-1)
	}
	found := false
	for _, w := range warnings {
		if strings.Contains(w, `RunOnceEx`) && strings.Contains(w, "0001") && strings.Contains(strings.ToLower(w), "access") {
			found = true
		}
	}
	if !found {
		t.Errorf("no warning about the denied key: %q", warnings)
	}
}

func TestResolverReadsFilesWithinLimits(t *testing.T) {
	// Not t.TempDir: Go's RemoveAll uses a delete call Wine 8 lacks
	// ("Invalid function"), which would fail the test for Wine's sake.
	dir, err := os.MkdirTemp("", "rkh-resolver")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "payload.txt")
	if err := os.WriteFile(path, []byte("SQBFAFgAIAAoACkA"), 0o600); err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Resolver{}.ReadFile(abs, 4)
	if err != nil || string(got) != "SQBF" {
		t.Fatalf("ReadFile(%s, 4) = %q, %v", abs, got, err)
	}
	if _, err := (Resolver{}).ReadFile(abs+".missing", 10); !errors.Is(err, autoruns.ErrPayloadNotFound) {
		t.Errorf("missing file: %v", err)
	}
	if _, err := (Resolver{}).ReadFile(`\\127.0.0.1\c$\x.txt`, 10); !errors.Is(err, errPathRefused) {
		t.Errorf("UNC path: %v", err)
	}
	if _, err := (Resolver{}).ReadFile(dir, 10); err == nil {
		t.Error("directory read as a file")
	}
	// Alternate data streams need NTFS. Wine maps C: to a Unix directory
	// and creates "payload.txt:stream" as a file of its own, so there this
	// checks the name handling only, not a real stream.
	if err := os.WriteFile(abs+":stream", []byte("ads"), 0o600); err != nil {
		t.Logf("cannot create an alternate data stream here (%v): ADS reads not exercised", err)
	} else if got, err := (Resolver{}).ReadFile(abs+":stream", 10); err != nil || string(got) != "ads" {
		t.Errorf("ADS read: %q %v", got, err)
	}
}

// TestResolverEventLog: on Windows the Application log is queried; Wine's
// wevtapi is a stub, which must surface as an error (the scanner warns),
// never as a payload.
func TestResolverEventLog(t *testing.T) {
	data, err := Resolver{}.ReadEventLog("Application", 4242, 1<<20)
	switch {
	case errors.Is(err, eventlog.ErrAPIUnavailable):
		t.Logf("Event Log API unavailable (Wine stub): %v", err)
	case errors.Is(err, autoruns.ErrPayloadNotFound):
	case err != nil:
		t.Errorf("ReadEventLog: %v", err)
	default:
		t.Logf("event 4242 data: %d bytes", len(data))
	}
	if _, err := (Resolver{}).ReadEventLog(`..\x`, 1, 10); err == nil {
		t.Error("log name with a backslash accepted")
	}
}

// BenchmarkRunKeyPayloads compares the live registry with the corpus
// imported against the .reg source on the same content (scripts/wine/test.sh
// reports the ratio).
func BenchmarkRunKeyPayloads(b *testing.B) {
	importCorpus(b)
	text := readCorpus(b)
	b.Run("live", func(b *testing.B) {
		for b.Loop() {
			if _, err := (&autoruns.Scanner{View: New(nil)}).Scan(b.Context()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("regfile", func(b *testing.B) {
		for b.Loop() {
			hives, err := regfileParse(text)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := (&autoruns.Scanner{View: hives}).Scan(b.Context()); err != nil {
				b.Fatal(err)
			}
		}
	})
}
