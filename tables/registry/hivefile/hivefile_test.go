package hivefile_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/runkeyhunt/runkeyhunt/tables/registry"
	"github.com/runkeyhunt/runkeyhunt/tables/registry/hivefile"
	"github.com/runkeyhunt/runkeyhunt/tables/registry/hivefile/hivetest"
	"github.com/runkeyhunt/runkeyhunt/tables/registry/regfile"
)

const userReg = "Windows Registry Editor Version 5.00\r\n\r\n" +
	"[HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n" +
	`"Updater"="\"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe\" -c \"$x=$((gp HKCU:Software\\Microsoft\\Windows\\CurrentVersion Debug).Debug);powershell -Win Hidden -enc $x\""` + "\r\n" +
	`"Exp"=hex(2):25,00,41,00,50,00,50,00,44,00,41,00,54,00,41,00,25,00,5c,00,78,00,2e,00,65,00,78,00,65,00,00,00` + "\r\n" +
	`"Multi"=hex(7):61,00,00,00,62,00,00,00,00,00` + "\r\n" +
	`"D"=dword:0000002a` + "\r\n" +
	`"Q"=hex(b):01,02,03,04,05,06,07,08` + "\r\n" +
	`"B"=hex:de,ad,be,ef,00,01` + "\r\n" +
	`"Tiny"=hex:64,62` + "\r\n" +
	`@="default"` + "\r\n" +
	"\r\n[HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion]\r\n" +
	`"Debug"="SQBFAFgAIAAoACIAaABpACIAKQA="` + "\r\n" +
	"\r\n[HKEY_CURRENT_USER\\Environment]\r\n" +
	`"TEMP"=hex(2):25,00,55,00,53,00,45,00,52,00,50,00,52,00,4f,00,46,00,49,00,4c,00,45,00,25,00,00,00` + "\r\n"

// dumpBody drops Dump's first line (its source file differs by design).
func dumpBody(t *testing.T, h registry.Hive, rel string) string {
	t.Helper()
	s, err := hivetest.Dump(h, rel)
	if err != nil {
		t.Fatal(err)
	}
	_, body, _ := strings.Cut(s, "\n")
	// Tools stamp no times on keys they create and keep the base hive's on
	// its root, so times are compared elsewhere (TestRealHive, TestMiniHive).
	return mtimes.ReplaceAllString(body, "mtime=*")
}

var mtimes = regexp.MustCompile(`mtime=\d+`)

func parseReg(t *testing.T, text string) []*registry.MemHive {
	t.Helper()
	hives, warnings, err := regfile.Parse(strings.NewReader(text), "fixture.reg")
	if err != nil || len(warnings) > 0 {
		t.Fatal(err, warnings)
	}
	return hives
}

func TestUserHiveMatchesReg(t *testing.T) {
	path := hivetest.BuildUserHive(t, userReg)
	h, err := hivefile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if h.Kind() != hivefile.KindUser {
		t.Errorf("kind = %q, want user", h.Kind())
	}
	info := h.Info()
	if info.Root != "HKEY_CURRENT_USER" || info.Scope != registry.ScopeUser || info.SourceFile != path {
		t.Errorf("info = %+v", info)
	}
	want := dumpBody(t, parseReg(t, userReg)[0], "")
	if got := dumpBody(t, h, ""); got != want {
		t.Errorf("hive differs from .reg:\n--- hive\n%s--- reg\n%s", got, want)
	}
	k, err := h.Key(`SOFTWARE\microsoft\windows\currentversion\run`)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := k.Value("Updater"); !ok || !strings.HasPrefix(v.String(), `"C:\Windows\System32\WindowsPowerShell`) {
		t.Errorf("Updater = %q, %v", v.String(), ok)
	}
	h.SetUser("S-1-5-21-1-2-3-1001", "alice")
	k, err = h.Key(`Software\Microsoft\Windows\CurrentVersion\Run`)
	if err != nil {
		t.Fatal(err)
	}
	if k.Path != `HKEY_USERS\S-1-5-21-1-2-3-1001\Software\Microsoft\Windows\CurrentVersion\Run` || h.Info().Username != "alice" {
		t.Errorf("after SetUser: path %q info %+v", k.Path, h.Info())
	}
	if _, err := h.Key(`Software\Nope`); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("missing key: err = %v", err)
	}
}

func TestSoftwareHive(t *testing.T) {
	reg := "Windows Registry Editor Version 5.00\r\n\r\n" +
		"[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n" +
		`"SecurityHealth"=hex(2):25,00,77,00,69,00,6e,00,64,00,69,00,72,00,25,00,00,00` + "\r\n" +
		"[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList\\S-1-5-21-1-2-3-1001]\r\n" +
		`"ProfileImagePath"="C:\\Users\\alice"` + "\r\n"
	path := hivetest.BuildSoftwareHive(t, reg)
	h, err := hivefile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if h.Kind() != hivefile.KindSoftware || !strings.HasSuffix(h.EmbeddedName(), `Config\SOFTWARE`) {
		t.Errorf("kind %q embedded %q", h.Kind(), h.EmbeddedName())
	}
	if info := h.Info(); info.Root != "HKEY_LOCAL_MACHINE" || info.Scope != registry.ScopeMachine {
		t.Errorf("info = %+v", info)
	}
	h.SetUser("S-1", "x") // no effect on a machine hive
	if h.Info().SID != "" {
		t.Errorf("SetUser changed a machine hive: %+v", h.Info())
	}
	want := dumpBody(t, parseReg(t, reg)[0], "")
	if got := dumpBody(t, h, ""); got != want {
		t.Errorf("hive differs from .reg:\n--- hive\n%s--- reg\n%s", got, want)
	}
	k, err := h.Key(`Software\Microsoft\Windows\CurrentVersion\Run`)
	if err != nil {
		t.Fatal(err)
	}
	if k.Path != `HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Run` {
		t.Errorf("path = %q", k.Path)
	}
	for _, rel := range []string{`SYSTEM\ControlSet001`, `Microsoft\Windows`, `SOFTWAREX`} {
		if _, err := h.Key(rel); !errors.Is(err, registry.ErrNotFound) {
			t.Errorf("Key(%q) err = %v, want ErrNotFound", rel, err)
		}
	}
}

// TestRealHive reads regparser's own NTUSER.DAT, written by Windows XP.
func TestRealHive(t *testing.T) {
	path, err := hivetest.BaseHive()
	if err != nil {
		t.Skipf("regparser test hive unavailable: %v", err)
	}
	h, err := hivefile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if h.Kind() != hivefile.KindUser || !strings.HasSuffix(h.EmbeddedName(), `joe\ntuser.dat`) || h.Dirty() {
		t.Errorf("kind %q embedded %q dirty %v", h.Kind(), h.EmbeddedName(), h.Dirty())
	}
	k, err := h.Key(`Software\Microsoft\Windows\CurrentVersion\Run`)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2009, 8, 4, 15, 13, 12, 0, time.UTC); k.ModTime.Truncate(time.Second) != want {
		t.Errorf("mtime = %v, want %v", k.ModTime, want)
	}
	v, ok := k.Value("ctfmon.exe")
	if !ok || v.Type != registry.RegSZ || !bytes.Equal(v.Data, registry.EncodeUTF16(`C:\WINDOWS\system32\ctfmon.exe`)) {
		t.Errorf("ctfmon.exe = %+v", v)
	}
	root, err := h.Key("")
	if err != nil {
		t.Fatal(err)
	}
	if len(root.Subkeys) != 10 || root.Path != "HKEY_CURRENT_USER" {
		t.Errorf("root = %q %v", root.Path, root.Subkeys)
	}
}

// TestBigValue stores values around the 16344-byte big-data boundary.
func TestBigValue(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\Software\\Big]\r\n")
	for _, n := range []int{16343, 16344, 16345, 40000} {
		sb.WriteString(`"v` + strings.Repeat("0", 1) + string(rune('a'+n%26)) + `"=hex:`)
		for i := 0; i < n; i++ {
			if i > 0 {
				sb.WriteString(",")
				if i%25 == 0 {
					sb.WriteString("\\\r\n  ")
				}
			}
			sb.WriteString([]string{"00", "41", "ff", "7e"}[(i*7+n)%4])
		}
		sb.WriteString("\r\n")
	}
	reg := sb.String()
	path := hivetest.BuildUserHive(t, reg)
	h, err := hivefile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	want := dumpBody(t, parseReg(t, reg)[0], `Software\Big`)
	if got := dumpBody(t, h, `Software\Big`); got != want {
		gotLines, wantLines := strings.Split(got, "\n"), strings.Split(want, "\n")
		for i := range min(len(gotLines), len(wantLines)) {
			if gotLines[i] != wantLines[i] {
				d := 0
				for d < min(len(gotLines[i]), len(wantLines[i])) && gotLines[i][d] == wantLines[i][d] {
					d++
				}
				t.Errorf("line %d differs at character %d:\n%.200s\nwant\n%.200s", i, d, gotLines[i][d:], wantLines[i][d:])
			}
		}
	}
}

func TestTransactionLogRejected(t *testing.T) {
	b := miniHive(miniOptions{})
	binary.LittleEndian.PutUint32(b[0x1c:], 6) // new-format log
	path := writeTemp(t, b)
	if _, err := hivefile.Open(path); !errors.Is(err, hivefile.ErrTransactionLog) {
		t.Errorf("err = %v, want ErrTransactionLog", err)
	}
}

func writeTemp(t testing.TB, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hive")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestMiniHive(t *testing.T) {
	h, err := hivefile.Open(writeTemp(t, miniHive(miniOptions{})))
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	k, err := h.Key("software")
	if err != nil {
		t.Fatal(err)
	}
	want := "[HKEY_CURRENT_USER\\Software] mtime=*\n" +
		"  \"Dw\" REG_DWORD len=4 2a000000\n" +
		"  \"Run\" REG_SZ len=10 6100620063006400" + "0000\n"
	if got := dumpBody(t, h, "Software"); got != want {
		t.Errorf("dump:\n%s\nwant:\n%s", got, want)
	}
	if k.ModTime.Unix() != 1249398792 || len(k.Values) != 2 || h.Kind() != hivefile.KindUser {
		t.Errorf("mtime %v values %v kind %q", k.ModTime, k.Values, h.Kind())
	}
}

// TestHostile: damaged hives give an error or a bounded result, never a
// panic or a hang.
func TestHostile(t *testing.T) {
	good := miniHive(miniOptions{})
	random := append([]byte(nil), good[:0x1000]...)
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 0x4000; i++ {
		random = append(random, byte(rng.Intn(256)))
	}
	tests := []struct {
		name    string
		data    []byte
		openErr bool
	}{
		{"empty", nil, true},
		{"header only", good[:0x1000], true},
		{"truncated in first cell", good[:0x1030], false},
		{"truncated in value list", good[:0x1310], false},
		{"not a hive", bytes.Repeat([]byte("x"), 0x2000), true},
		{"random after header", random, true},
		{"subkey points at root", miniHive(miniOptions{childIsRoot: true}), false},
		{"ri points at itself", miniHive(miniOptions{selfIndex: true}), false},
		{"huge counts and lengths", miniHive(miniOptions{hugeCounts: true}), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan struct{})
			go func() {
				defer close(done)
				h, err := hivefile.Open(writeTemp(t, tt.data))
				if (err != nil) != tt.openErr {
					t.Errorf("open err = %v, want error %v", err, tt.openErr)
				}
				if err != nil {
					if !strings.Contains(err.Error(), "hive") {
						t.Errorf("error does not name the hive: %v", err)
					}
					return
				}
				defer h.Close()
				walk(h)
				deep := strings.TrimSuffix(strings.Repeat(`ROOT\`, 600), `\`)
				if _, err := h.Key(deep); err == nil {
					t.Errorf("600-deep lookup succeeded")
				}
			}()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				t.Fatal("hang")
			}
		})
	}
}

// walk visits keys breadth-first, a bounded number of them, as a table would.
func walk(h registry.Hive) {
	queue := []string{""}
	for n := 0; n < 200 && len(queue) > 0; n++ {
		rel := queue[0]
		queue = queue[1:]
		k, err := h.Key(rel)
		if err != nil {
			continue
		}
		for _, v := range k.Values {
			_ = v.String()
		}
		for _, s := range k.Subkeys {
			if rel != "" {
				s = rel + `\` + s
			}
			queue = append(queue, s)
		}
	}
}

// fuzzInput is a hive as the fuzz targets take it: the root's hbin
// offset, then the cells of its one hbin (hivetest.Wrap adds the rest), so
// inputs are a few hundred bytes and every mutation lands in a cell.
func fuzzInput(rootOff uint32, cells []byte) []byte {
	return append(binary.LittleEndian.AppendUint32(nil, rootOff), cells...)
}

func fuzzHive(data []byte) []byte {
	if len(data) < 4 {
		return nil
	}
	return hivetest.Wrap(binary.LittleEndian.Uint32(data), data[4:], `\??\C:\Users\joe\ntuser.dat`)
}

// FuzzOpenHive reads hives from memory (no file per input) and walks a
// bounded part of them, checking what must hold of any hive: errors name
// it, paths start at its root, a key names each subkey once.
func FuzzOpenHive(f *testing.F) {
	for _, o := range []miniOptions{{}, {childIsRoot: true}, {selfIndex: true}, {hugeCounts: true}} {
		f.Add(fuzzInput(0x20, miniHive(o)[0x1020:0x1520]))
	}
	f.Add(fuzzInput(hivetest.Cells(hivetest.Build(&hivetest.Node{Name: "ROOT", Subkeys: []*hivetest.Node{{Name: "Software", RepeatFirst: 3, Subkeys: []*hivetest.Node{
		{Name: "A", Values: []hivetest.Val{{Name: "v", Type: registry.RegSZ, Data: registry.EncodeUTF16("some data")}}},
		{Name: "B", Values: []hivetest.Val{{Name: "d", Type: registry.RegDWORD, Data: []byte{1, 0, 0, 0}}}},
	}}}}, ""))))
	f.Add(fuzzInput(hivetest.Cells(hivetest.Build(classesNode(), ""))))
	f.Fuzz(func(t *testing.T, data []byte) {
		hive := fuzzHive(data)
		if hive == nil {
			return
		}
		h, err := hivefile.OpenReader(bytes.NewReader(hive), int64(len(hive)), "fuzz.hive")
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.hive") {
				t.Fatalf("error does not name the hive: %v", err)
			}
			return
		}
		root := h.Info().Root
		queue := []string{""}
		for n := 0; n < 48 && len(queue) > 0; n++ {
			rel := queue[0]
			queue = queue[1:]
			k, err := h.Key(rel)
			if err != nil {
				continue
			}
			if !strings.HasPrefix(k.Path, root) {
				t.Fatalf("key %q: path %q outside root %q", rel, k.Path, root)
			}
			seen := map[string]bool{}
			for _, s := range k.Subkeys {
				if seen[strings.ToLower(s)] {
					t.Fatalf("key %q names subkey %q twice", k.Path, s)
				}
				seen[strings.ToLower(s)] = true
				if strings.Count(rel, `\`) < 6 {
					queue = append(queue, strings.TrimPrefix(rel+`\`+s, `\`))
				}
			}
			for _, v := range k.Values {
				_ = v.String()
			}
		}
		_, subs, _ := h.Subkeys(context.Background(), "Software")
		paths := map[string]bool{}
		for _, s := range subs {
			if paths[strings.ToLower(s.Path)] {
				t.Fatalf("Subkeys returned %q twice", s.Path)
			}
			paths[strings.ToLower(s.Path)] = true
		}
	})
}

func BenchmarkHiveKeyLookup(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("Windows Registry Editor Version 5.00\r\n\r\n")
	for _, k := range []string{"Run", "RunOnce", "Policies\\Explorer\\Run"} {
		sb.WriteString("[HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\" + k + "]\r\n")
		for i := 0; i < 20; i++ {
			sb.WriteString(`"entry` + string(rune('a'+i)) + `"="C:\\Program Files\\Vendor\\app.exe /background"` + "\r\n")
		}
	}
	for i := 0; i < 200; i++ {
		sb.WriteString("[HKEY_CURRENT_USER\\Software\\Vendor" + string(rune('A'+i%26)) + string(rune('a'+i/26)) + "\\Settings]\r\n\"x\"=dword:00000001\r\n")
	}
	path := hivetest.BuildUserHive(b, sb.String())
	h, err := hivefile.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	keys := []string{
		`Software\Microsoft\Windows\CurrentVersion\Run`,
		`Software\Microsoft\Windows\CurrentVersion\RunOnce`,
		`Software\Microsoft\Windows\CurrentVersion\Policies\Explorer\Run`,
		`Software\Microsoft\Windows\CurrentVersion\RunOnceEx`, // missing
	}
	b.ResetTimer()
	for b.Loop() {
		for _, k := range keys {
			if _, err := h.Key(k); err != nil && !errors.Is(err, registry.ErrNotFound) {
				b.Fatal(err)
			}
		}
	}
}

// TestRepeatedIndexEntries: an index listing one node many times, and a
// value list naming one value cell many times, list them once.
func TestRepeatedIndexEntries(t *testing.T) {
	val := hivetest.Val{Name: "v", Type: registry.RegSZ, Data: registry.EncodeUTF16("data")}
	tree := &hivetest.Node{Name: "ROOT", Subkeys: []*hivetest.Node{{Name: "Software", RepeatFirst: 5000, Subkeys: []*hivetest.Node{
		{Name: "A", Values: []hivetest.Val{val}}, {Name: "B"},
	}}}}
	h, err := hivefile.Open(writeTemp(t, hivetest.Build(tree, `\??\C:\Users\joe\ntuser.dat`)))
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	k, err := h.Key("Software")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(k.Subkeys, ",") != "A,B" {
		t.Errorf("subkeys = %v, want [A B]", k.Subkeys)
	}
	parent, subs, err := h.Subkeys(context.Background(), "software")
	if err != nil || parent == nil || len(subs) != 2 {
		t.Fatalf("Subkeys: parent %v, %d keys, err %v", parent, len(subs), err)
	}
	if subs[0].Path != `HKEY_CURRENT_USER\Software\A` || len(subs[0].Values) != 1 || subs[1].Path != `HKEY_CURRENT_USER\Software\B` {
		t.Errorf("subkeys read: %+v %+v", subs[0], subs[1])
	}
}

// TestRepeatedSublists: an ri index listing one lf list 2,100 times (over
// a million entries) is walked once per list: the lookup succeeds instead
// of exhausting the entry budget, and each subkey is named once.
func TestRepeatedSublists(t *testing.T) {
	sw := &hivetest.Node{Name: "Software", RepeatList: 2100}
	for i := range 501 {
		sw.Subkeys = append(sw.Subkeys, &hivetest.Node{Name: fmt.Sprintf("K%04d", i)})
	}
	data := hivetest.Build(&hivetest.Node{Name: "ROOT", Subkeys: []*hivetest.Node{sw}}, "")
	h, err := hivefile.OpenReader(bytes.NewReader(data), int64(len(data)), "crafted.hive")
	if err != nil {
		t.Fatal(err)
	}
	k, err := h.Key(`Software`)
	if err != nil {
		t.Fatal(err)
	}
	if len(k.Subkeys) != 501 {
		t.Errorf("%d subkeys, want 501", len(k.Subkeys))
	}
	if _, err := h.Key(`Software\K0500`); err != nil {
		t.Errorf("lookup past the repeated list: %v", err)
	}
}

// classesNode is a user's classes hive (UsrClass.dat) as Windows names its
// root, with a per-user COM server.
func classesNode() *hivetest.Node {
	return &hivetest.Node{Name: "S-1-5-21-1-2-3-1001_Classes", Subkeys: []*hivetest.Node{
		{Name: "CLSID", Subkeys: []*hivetest.Node{{Name: "{BCDE0395-E52F-467C-8E3D-C4579291692E}", Subkeys: []*hivetest.Node{
			{Name: "InprocServer32", Values: []hivetest.Val{{Name: "", Type: registry.RegSZ, Data: registry.EncodeUTF16(`C:\Users\alice\x.dll`)}}},
		}}}},
		{Name: "Local Settings"},
	}}
}

// TestClassesHive: a UsrClass.dat is told by its root (CLSID, Local
// Settings) or its embedded name, and answers at Software\Classes, where
// Windows links it into its user's hive; the keys above hold only the path
// to it, and every key names the file it came from.
func TestClassesHive(t *testing.T) {
	const clsid = `Software\Classes\CLSID\{BCDE0395-E52F-467C-8E3D-C4579291692E}\InprocServer32`
	data := hivetest.Build(classesNode(), `\??\C:\Users\alice\AppData\Local\Microsoft\Windows\UsrClass.dat`)
	h, err := hivefile.OpenReader(bytes.NewReader(data), int64(len(data)), "UsrClass.dat")
	if err != nil {
		t.Fatal(err)
	}
	if h.Kind() != hivefile.KindClasses || h.Info().Scope != registry.ScopeUser {
		t.Fatalf("kind %q scope %q, want classes, user", h.Kind(), h.Info().Scope)
	}
	h.SetUser("S-1-5-21-1-2-3-1001", "alice")
	k, err := h.Key(clsid)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := k.Value(""); k.Path != `HKEY_USERS\S-1-5-21-1-2-3-1001\`+clsid || v.String() != `C:\Users\alice\x.dll` || k.SourceFile != "UsrClass.dat" {
		t.Errorf("key %+v", k)
	}
	for rel, sub := range map[string]string{"": "Software", `software`: "Classes"} {
		k, err := h.Key(rel)
		if err != nil || len(k.Subkeys) != 1 || k.Subkeys[0] != sub {
			t.Errorf("Key(%q) = %+v, %v; want the one subkey %s", rel, k, err, sub)
		}
		parent, subs, err := h.Subkeys(t.Context(), rel)
		if err != nil || parent == nil || len(subs) != 1 || !strings.HasSuffix(subs[0].Path, `\`+sub) {
			t.Errorf("Subkeys(%q) = %+v, %+v, %v", rel, parent, subs, err)
		}
	}
	for _, rel := range []string{`CLSID`, `Software\Microsoft`, `Classes\CLSID`} {
		if _, err := h.Key(rel); !errors.Is(err, registry.ErrNotFound) {
			t.Errorf("Key(%q): %v, want not found", rel, err)
		}
	}
	// A root without CLSID or Local Settings is told by the embedded name.
	bare := hivetest.Build(&hivetest.Node{Name: "ROOT", Subkeys: []*hivetest.Node{{Name: "ms-settings"}}}, `\??\C:\Users\alice\AppData\Local\Microsoft\Windows\UsrClass.dat`)
	if h, err := hivefile.OpenReader(bytes.NewReader(bare), int64(len(bare)), "x"); err != nil || h.Kind() != hivefile.KindClasses {
		t.Errorf("hive named UsrClass.dat: %v, %v", h, err)
	}
}
