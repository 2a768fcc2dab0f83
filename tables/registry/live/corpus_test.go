package live

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/runkeyhunt/runkeyhunt/tables/autoruns"
	"github.com/runkeyhunt/runkeyhunt/tables/registry"
	"github.com/runkeyhunt/runkeyhunt/tables/registry/hivefile"
	"github.com/runkeyhunt/runkeyhunt/tables/registry/regfile"
)

// corpusPath is the team's benign and malicious corpus (internal/fixturegen).
var corpusPath = filepath.Join("..", "..", "..", "testdata", "corpus", "corpus.reg")

func readCorpus(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(corpusPath)
	if err != nil {
		t.Fatalf("corpus: %v", err)
	}
	return string(b)
}

// splitCorpus splits the corpus's sections by hive, as hivetest imports
// them: "HKEY_LOCAL_MACHINE" holds the HKEY_LOCAL_MACHINE\SOFTWARE
// sections, each SID the HKEY_USERS\<SID> sections rewritten to
// HKEY_CURRENT_USER, and each "<SID>_Classes" that user's Software\Classes
// sections, rewritten to HKEY_CURRENT_USER as the root of the user's
// classes hive (UsrClass.dat).
func splitCorpus(text string) map[string]string {
	out := map[string]*strings.Builder{}
	var cur *strings.Builder
	header := "Windows Registry Editor Version 5.00\r\n\r\n"
	for _, line := range strings.SplitAfter(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "[") {
			path := strings.Trim(trimmed, "[]")
			hive, rewritten := "HKEY_LOCAL_MACHINE", path
			if rest, ok := strings.CutPrefix(path, `HKEY_USERS\`); ok {
				sid, tail, _ := strings.Cut(rest, `\`)
				hive, rewritten = sid, `HKEY_CURRENT_USER\`+tail
				if classes, ok := cutClasses(tail); ok {
					hive, rewritten = sid+classesSuffix, `HKEY_CURRENT_USER`+classes
				}
			}
			if out[hive] == nil {
				out[hive] = &strings.Builder{}
				out[hive].WriteString(header)
			}
			cur = out[hive]
			cur.WriteString("[" + rewritten + "]\r\n")
			continue
		}
		if cur != nil {
			cur.WriteString(line)
		}
	}
	texts := map[string]string{}
	for k, b := range out {
		texts[k] = b.String()
	}
	return texts
}

// classesSuffix names a user's classes hive among splitCorpus's hives.
const classesSuffix = "_Classes"

// cutClasses returns what follows Software\Classes in a user's key path
// (with its leading backslash), and whether the key is there.
func cutClasses(rel string) (string, bool) {
	const key = `Software\Classes`
	if len(rel) < len(key) || !strings.EqualFold(rel[:len(key)], key) || len(rel) > len(key) && rel[len(key)] != '\\' {
		return "", false
	}
	return rel[len(key):], true
}

// utf16RegFile is the text as regedit itself saves v5 exports: UTF-16LE
// with a BOM. Wine's regedit reads hex(2)/hex(7) data of an 8-bit file as
// ANSI and widens every byte, so the import must be given UTF-16.
func utf16RegFile(text string) []byte {
	var buf bytes.Buffer
	buf.Write([]byte{0xFF, 0xFE})
	for _, u := range utf16.Encode([]rune(text)) {
		buf.WriteByte(byte(u))
		buf.WriteByte(byte(u >> 8))
	}
	return buf.Bytes()
}

// comparable renders a row for comparison across sources: mtime and
// source_file necessarily differ (a .reg has no times, each source reads
// its own file), and key paths are case-insensitive.
func comparable(r autoruns.Row) string {
	r.Mtime, r.SourceFile = 0, ""
	r.Key, r.Path, r.PayloadPath = strings.ToLower(r.Key), strings.ToLower(r.Path), strings.ToLower(r.PayloadPath)
	s := strings.Join([]string{r.Key, r.Path, r.Name, r.Type, r.Data, r.Location, r.Scope, r.SID, r.Username,
		itoa(r.Enabled), r.Image, r.Arguments, r.PayloadKind, r.PayloadRef, r.PayloadPath, itoa(r.PayloadExists),
		itoa(int(r.PayloadSize)), r.PayloadSHA256, r.PayloadEncoding, r.PayloadPreview, r.Indicators, itoa(r.Score), r.Verdict}, "|")
	return s
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	neg := i < 0
	if neg {
		i = -i
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	if neg {
		b = append([]byte{'-'}, b...)
	}
	return string(b)
}

func sortedRows(rows []autoruns.Row) []string {
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		out = append(out, comparable(r))
	}
	sort.Strings(out)
	return out
}

// regfileRows scans the corpus as the .reg source.
func regfileRows(t testing.TB) []autoruns.Row {
	t.Helper()
	hives, _, err := regfile.Parse(strings.NewReader(readCorpus(t)), corpusPath)
	if err != nil {
		t.Fatal(err)
	}
	var view registry.StaticView
	for _, h := range hives {
		// ProfileList maps SIDs to names in the offline loader, not in
		// regfile itself; the corpus's ProfileList says the same.
		if info := h.Info(); info.Username == "" && corpusUsers[info.SID] != "" {
			info.Username = corpusUsers[info.SID]
			h.SetInfo(info)
		}
		view = append(view, h)
	}
	rows, err := (&autoruns.Scanner{View: view}).Scan(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func diffRows(t *testing.T, what string, got, want []string) {
	t.Helper()
	g, w := map[string]bool{}, map[string]bool{}
	for _, s := range got {
		g[s] = true
	}
	for _, s := range want {
		w[s] = true
	}
	for _, s := range want {
		if !g[s] {
			t.Errorf("%s: missing row\n  %s", what, s)
		}
	}
	for _, s := range got {
		if !w[s] {
			t.Errorf("%s: extra row\n  %s", what, s)
		}
	}
}

// corpusUsers are the corpus's users (its ProfileList).
var corpusUsers = map[string]string{
	"S-1-5-21-1111111111-2222222222-3333333333-1001": "alice",
	"S-1-5-21-1111111111-2222222222-3333333333-1002": "bob",
}

// regfileParse parses .reg text into a view (parse time included, as the
// .reg source pays it per query).
func regfileParse(text string) (registry.StaticView, error) {
	hives, _, err := regfile.Parse(strings.NewReader(text), corpusPath)
	if err != nil {
		return nil, err
	}
	var view registry.StaticView
	for _, h := range hives {
		view = append(view, h)
	}
	return view, nil
}

// loadUserHives opens dir/NTUSER.DAT with dir/UsrClass.dat mounted at its
// Software\Classes, as sid's hive (the files hives_test.go writes).
func loadUserHives(t testing.TB, dir, sid string) registry.Hive {
	t.Helper()
	return loadHiveFiles(t, filepath.Join(dir, "NTUSER.DAT"), filepath.Join(dir, "UsrClass.dat"), sid, corpusUsers[sid])
}

// loadHiveFiles opens the NTUSER.DAT at ntuser with the UsrClass.dat at
// classesPath mounted at its Software\Classes, as the hive of sid and
// username.
func loadHiveFiles(t testing.TB, ntuser, classesPath, sid, username string) registry.Hive {
	t.Helper()
	user, err := hivefile.Open(ntuser)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { user.Close() })
	user.SetUser(sid, username)
	classes, err := hivefile.Open(classesPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { classes.Close() })
	if classes.Kind() != hivefile.KindClasses {
		t.Fatalf("%s: kind %q, want a classes hive", classes.Path(), classes.Kind())
	}
	classes.SetUser(sid, username)
	return registry.UserClasses{User: user, Classes: classes}
}

// classesRows counts the rows of per-user class keys.
func classesRows(rows []autoruns.Row) int {
	n := 0
	for _, r := range rows {
		if r.Scope == registry.ScopeUser && strings.Contains(strings.ToLower(r.Path), `\software\classes\`) {
			n++
		}
	}
	return n
}
