package live

import (
	"bytes"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestKeyAccessIsReadOnly(t *testing.T) {
	if !ReadOnly(KeyAccess) {
		t.Fatalf("KeyAccess 0x%x is not read-only", KeyAccess)
	}
	if KeyAccess != 0x20119 {
		t.Errorf("KeyAccess = 0x%x, want KEY_READ|KEY_WOW64_64KEY = 0x20119", KeyAccess)
	}
	// winnt.h: KEY_WRITE, KEY_ALL_ACCESS, KEY_SET_VALUE, KEY_CREATE_SUB_KEY,
	// DELETE, WRITE_DAC, MAXIMUM_ALLOWED, GENERIC_WRITE, GENERIC_ALL.
	for _, m := range []uint32{0x20006, 0xF003F, 0x0002, 0x0004, 0x10000, 0x40000, 0x02000000, 0x40000000, 0x10000000, KeyAccess | 0x0002} {
		if ReadOnly(m) {
			t.Errorf("ReadOnly(0x%x) = true", m)
		}
	}
}

// TestOnlyOneOpenCallSite reads the package's own sources: the registry
// is opened in exactly one place (openKey, which checks the mask), and no
// API that creates, writes or deletes keys or values is referenced.
func TestOnlyOneOpenCallSite(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	forbidden := []string{"RegCreateKey", "RegSetValue", "RegSetKeyValue", "RegDeleteKey", "RegDeleteValue",
		"RegDeleteTree", "RegSetKeySecurity", "RegSaveKey", "RegRestoreKey", "RegLoadKey", "RegUnLoadKey",
		"CreateKey", "SetStringValue", "SetDWordValue", "SetBinaryValue", "DeleteKey", "DeleteValue",
		"KEY_WRITE", "KEY_ALL_ACCESS", "KEY_SET_VALUE", "KEY_CREATE_SUB_KEY", "GENERIC_WRITE", "WriteFile", "OpenKey"}
	opens := 0
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		file, err := parser.ParseFile(fset, f, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		var fn string
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncDecl:
				fn = n.Name.Name
			case *ast.SelectorExpr:
				for _, bad := range forbidden {
					if n.Sel.Name == bad {
						t.Errorf("%s: %s references %s", f, fn, bad)
					}
				}
			case *ast.CallExpr:
				if id, ok := n.Fun.(*ast.Ident); ok && id.Name == "regOpenKeyEx" {
					opens++
					if fn != "openKey" {
						t.Errorf("%s: %s calls regOpenKeyEx; only openKey may", f, fn)
					}
				}
			}
			return true
		})
		if bytes.Contains(src, []byte("\"RegCreate")) || bytes.Contains(src, []byte("\"RegSet")) || bytes.Contains(src, []byte("\"RegDelete")) {
			t.Errorf("%s loads a registry write procedure by name", f)
		}
	}
	if opens != 1 {
		t.Errorf("regOpenKeyEx called %d times in the package, want exactly 1 (in openKey)", opens)
	}
}

func TestUserHiveNames(t *testing.T) {
	for name, want := range map[string]bool{
		"S-1-5-21-1-2-3-1001":         true,
		"S-1-5-18":                    true,
		"S-1-5-21-1-2-3-1001_Classes": false,
		"S-1-5-21-1-2-3-1001_CLASSES": false,
		".DEFAULT":                    false,
		".default":                    false,
	} {
		if got := isUserHive(name); got != want {
			t.Errorf("isUserHive(%q) = %v, want %v", name, got, want)
		}
	}
	for name, want := range map[string]bool{
		"S-1-5-21-1-2-3-1001":     true,
		"S-1-5-18":                true,
		"S-1-5-21-1-2-3-1001.bak": false,
		"Default":                 false,
		"S-1-5-21-1-2-3-x":        false,
	} {
		if got := isProfileSID(name); got != want {
			t.Errorf("isProfileSID(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestUnloadedProfiles(t *testing.T) {
	profiles := []profile{
		{SID: "S-1-5-21-1-2-3-1001", Path: `C:\Users\alice`},
		{SID: "S-1-5-21-1-2-3-1002", Path: `C:\Users\bob`},
		{SID: "S-1-5-21-1-2-3-1003", Path: ""},
	}
	got := unloadedProfiles(profiles, map[string]bool{"S-1-5-21-1-2-3-1001": true})
	if len(got) != 1 || got[0].SID != "S-1-5-21-1-2-3-1002" {
		t.Errorf("unloaded = %+v, want only bob's", got)
	}
	for in, want := range map[string]string{`C:\Users\alice`: "alice", `C:\Users\bob\`: "bob", `C:\`: "", `D:\Profiles\x.DOM`: "x.DOM"} {
		if got := profileUserName(in); got != want {
			t.Errorf("profileUserName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParsePayloadPath(t *testing.T) {
	ok := map[string]payloadPath{
		`C:\ProgramData\x.txt`:             {Drive: "C:", File: `C:\ProgramData\x.txt`},
		`c:\Users\a\AppData\hidden:stream`: {Drive: "C:", File: `c:\Users\a\AppData\hidden`, Stream: "stream"},
		`C:\x\y:s:$DATA`:                   {Drive: "C:", File: `C:\x\y`, Stream: "s"},
		`\\?\C:\x\y.ps1`:                   {Drive: "C:", File: `C:\x\y.ps1`},
		`C:/x/y.vbs`:                       {Drive: "C:", File: `C:\x\y.vbs`},
	}
	for in, want := range ok {
		got, err := parsePayloadPath(in)
		if err != nil || got != want {
			t.Errorf("parsePayloadPath(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	if got, _ := parsePayloadPath(`C:\x\y:s`); got.OpenName() != `C:\x\y:s` {
		t.Errorf("OpenName = %q", got.OpenName())
	}
	for _, in := range []string{`\\attacker\share\x.ps1`, `\\.\PhysicalDrive0`, `x.ps1`, `C:relative`, `C:\x\y:s:$INDEX_ALLOCATION`, `C:\x\y:`, `C:\dir\`, "C:\\x\x00y"} {
		if _, err := parsePayloadPath(in); !errors.Is(err, errPathRefused) {
			t.Errorf("parsePayloadPath(%q) = %v, want refused", in, err)
		}
	}
}

func TestRecordData(t *testing.T) {
	// Application event 4242 as Write-EventLog -RawData renders it: the
	// payload hex in EventData/Binary.
	withBinary := []byte(`<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='WSH'/><EventID Qualifiers='0'>4242</EventID><Level>4</Level><Task>1</Task><Keywords>0x80000000000000</Keywords><TimeCreated SystemTime='2024-03-01T10:00:00.000000000Z'/><EventRecordID>77</EventRecordID><Channel>Application</Channel><Computer>host</Computer><Security/></System><EventData><Data>msg</Data><Binary>534142414741</Binary></EventData></Event>`)
	got, ok, err := RecordData(withBinary, 1<<20)
	if err != nil || !ok || string(got) != "SABAGA" {
		t.Fatalf("RecordData = %q, %v, %v; want SABAGA", got, ok, err)
	}
	if got, _, _ := RecordData(withBinary, 3); string(got) != "SAB" {
		t.Errorf("limit 3: %q", got)
	}
	noBinary := []byte(`<Event><System><EventID>4242</EventID></System><EventData><Data>line one</Data><Data>line two</Data></EventData></Event>`)
	if got, ok, _ := RecordData(noBinary, 1<<20); !ok || string(got) != "line one\nline two" {
		t.Errorf("no binary: %q %v", got, ok)
	}
	if _, ok, err := RecordData([]byte(`<Event><System><EventID>1</EventID></System></Event>`), 10); ok || err != nil {
		t.Errorf("empty record: ok=%v err=%v", ok, err)
	}
	if _, _, err := RecordData([]byte(`<Event><EventData><Binary>zz</Binary></EventData></Event>`), 10); err == nil {
		t.Error("bad hex accepted")
	}
}

func TestProfileClassesPath(t *testing.T) {
	for in, want := range map[string]string{
		`C:\Users\alice`:  `C:\Users\alice\AppData\Local\Microsoft\Windows\UsrClass.dat`,
		`C:\Users\alice\`: `C:\Users\alice\AppData\Local\Microsoft\Windows\UsrClass.dat`,
	} {
		if got := profileClassesPath(in); got != want {
			t.Errorf("profileClassesPath(%q) = %q, want %q", in, got, want)
		}
	}
}
