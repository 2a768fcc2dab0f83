package evidence

import (
	"archive/zip"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"github.com/runkeyhunt/runkeyhunt/tables/input"
)

// collection lays out a drive folder with the fixtures under the names an
// autorun would use, and a .reg file so input sees a collection.
func collection(t *testing.T, fx fixtures) (*input.Collection, string) {
	t.Helper()
	root := TempDir(t)
	drive := filepath.Join(root, "C")
	place := map[string]string{
		`Users/bob/AppData/Roaming/Updater/svchost32.exe`:         fx.unsigned,
		`Program Files/Good/good.exe`:                             fx.signed,
		`Program Files/Good/tampered.exe`:                         fx.tampered,
		`Users/bob/AppData/Local/Microsoft/OneDrive/OneDrive.exe`: fx.signed,
		`Users/bob/AppData/Roaming/Updater/cmd.exe`:               fx.signed,
		`Windows/System32/cmd.exe`:                                fx.signed,
	}
	for rel, src := range place {
		copyFile(t, src, filepath.Join(drive, filepath.FromSlash(rel)))
	}
	script := filepath.Join(drive, "Users", "Public", "run.vbs")
	if err := os.MkdirAll(filepath.Dir(script), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(script, []byte("WScript.Echo 1\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	reg := filepath.Join(drive, "Users", "bob", "run.reg")
	if err := os.WriteFile(reg, []byte("Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n\"x\"=\"y.exe\"\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	files, err := input.Expand(root)
	if err != nil {
		t.Fatal(err)
	}
	colls := input.Collections(files)
	if len(colls) != 1 {
		t.Fatalf("%d collections in %s", len(colls), root)
	}
	return colls[0], drive
}

func TestOfflineInspect(t *testing.T) {
	fx := peFixtures(t)
	coll, _ := collection(t, fx)
	off := &Offline{Sources: []Source{coll}, Cache: NewCache()}
	// Every fixture's version resource says cmd.exe: under any other name
	// it is a renamed cmd.exe.
	tests := []struct {
		command    string
		exists     Existence
		signature  string
		signer     string
		indicators []string
	}{
		{`%APPDATA%\Updater\svchost32.exe /q`, ExistsYes, Unsigned, "", []string{OriginalNameMismatch, UnsignedImage}},
		{`"C:\Program Files\Good\good.exe"`, ExistsYes, Signed, testSigner, []string{OriginalNameMismatch}},
		{`"C:\Program Files\Good\tampered.exe" -x`, ExistsYes, Invalid, testSigner, []string{OriginalNameMismatch}},
		{`"%LOCALAPPDATA%\Microsoft\OneDrive\OneDrive.exe" /background`, ExistsYes, Signed, testSigner, []string{OriginalNameMismatch, SignerMismatch}},
		{`%APPDATA%\Updater\cmd.exe /c x`, ExistsYes, Signed, testSigner, []string{OriginalNameMismatch}},
		{`cmd.exe /c start "" "%APPDATA%\Updater\svchost32.exe"`, ExistsYes, Unsigned, "", []string{OriginalNameMismatch, UnsignedImage}},
		{`rundll32.exe "C:\Program Files\Good\good.exe",Run`, ExistsYes, Signed, testSigner, []string{OriginalNameMismatch}},
		{`C:\Windows\System32\cmd.exe /c echo`, ExistsYes, Signed, testSigner, nil},
		{`wscript.exe //B C:\Users\Public\run.vbs`, ExistsYes, "", "", nil},
		// The collection holds Updater\ but not this file: it is gone.
		{`%APPDATA%\Updater\gone.exe`, ExistsNo, "", "", []string{ImageMissing}},
		// The collection never copied D:, nor C:\Tools: unknown.
		{`D:\x.exe`, ExistsUnknown, "", "", nil},
		{`C:\Tools\x.exe`, ExistsUnknown, "", "", nil},
	}
	env := map[string]string{"APPDATA": `C:\Users\bob\AppData\Roaming`, "LOCALAPPDATA": `C:\Users\bob\AppData\Local`, "SystemRoot": `C:\Windows`}
	for pass := 0; pass < 2; pass++ { // cold, then from the cache
		for _, tt := range tests {
			target := ImageTarget(tt.command, env)
			ev, err := off.Inspect(context.Background(), target)
			if err != nil {
				t.Fatalf("%s: %v", tt.command, err)
			}
			if ev.Exists != tt.exists || ev.Signature != tt.signature || ev.Signer != tt.signer {
				t.Errorf("pass %d %s -> %s: exists %v, %q by %q; want %v, %q by %q", pass, tt.command, target.Path, ev.Exists, ev.Signature, ev.Signer, tt.exists, tt.signature, tt.signer)
			}
			if ev.Exists == ExistsYes && (ev.SHA256 == "" || ev.Size == 0) {
				t.Errorf("%s: no hash or size: %+v", tt.command, ev)
			}
			var ids []string
			for _, h := range Indicators(ev) {
				ids = append(ids, h.ID)
			}
			sort.Strings(ids)
			if !reflect.DeepEqual(ids, tt.indicators) {
				t.Errorf("%s: indicators %v, want %v", tt.command, ids, tt.indicators)
			}
		}
	}
	if len(off.Cache.m) == 0 {
		t.Error("nothing cached")
	}
}

func TestOfflineCacheSeesRewrite(t *testing.T) {
	fx := peFixtures(t)
	coll, drive := collection(t, fx)
	off := &Offline{Sources: []Source{coll}, Cache: NewCache()}
	target := Target{Path: `C:\Program Files\Good\good.exe`}
	ev, err := off.Inspect(context.Background(), target)
	if err != nil || ev.Signature != Signed {
		t.Fatalf("%+v, %v", ev, err)
	}
	copyFile(t, fx.unsigned, filepath.Join(drive, "Program Files", "Good", "good.exe"))
	ev, err = off.Inspect(context.Background(), target)
	if err != nil || ev.Signature != Unsigned {
		t.Errorf("after rewrite: %q, %v; want unsigned (size changed, cache entry stale)", ev.Signature, err)
	}
}

// TestOfflineZipCollection: the same rules inside a zip's drive layout
// (members are read from the archive; HasFolder looks at member names).
func TestOfflineZipCollection(t *testing.T) {
	fx := peFixtures(t)
	zpath := filepath.Join(TempDir(t), "triage.zip")
	f, err := os.Create(zpath)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	add := func(name string, data []byte) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	signed, err := os.ReadFile(fx.signed)
	if err != nil {
		t.Fatal(err)
	}
	add("uploads/C%3A/Program Files/Good/good.exe", signed)
	add("uploads/C%3A/Users/bob/run.reg", []byte("Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n\"x\"=\"y.exe\"\r\n"))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	files, err := input.Expand(zpath)
	if err != nil {
		t.Fatal(err)
	}
	off := NewOffline(input.Collections(files))
	for _, tt := range []struct {
		path      string
		exists    Existence
		signature string
	}{
		{`C:\Program Files\Good\good.exe`, ExistsYes, Signed},
		{`C:\Program Files\Good\other.exe`, ExistsNo, ""},
		{`C:\Program Files\Bad\other.exe`, ExistsUnknown, ""},
	} {
		ev, err := off.Inspect(context.Background(), Target{Path: tt.path})
		if err != nil || ev.Exists != tt.exists || ev.Signature != tt.signature {
			t.Errorf("%s: %v %q, %v; want %v %q", tt.path, ev.Exists, ev.Signature, err, tt.exists, tt.signature)
		}
	}
}
