//go:build !windows

package live

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runkeyhunt/runkeyhunt/tables/autoruns"
	"github.com/runkeyhunt/runkeyhunt/tables/registry"
	"github.com/runkeyhunt/runkeyhunt/tables/registry/hivefile"
	"github.com/runkeyhunt/runkeyhunt/tables/registry/hivefile/hivetest"
)

// TestCorpusHivesMatchRegfile builds the corpus into regf hives with
// independent tools (reged, hivexsh) and checks that the hive source gives
// the .reg source's rows. Each user's Software\Classes is a classes hive
// of its own (UsrClass.dat), mounted in the user's hive as Windows links
// it. With RKH_CORPUS_HIVES set it leaves the hives there (SOFTWARE,
// <SID>/NTUSER.DAT, <SID>/UsrClass.dat) for the Windows test under Wine,
// which compares them with the live registry too.
func TestCorpusHivesMatchRegfile(t *testing.T) {
	hivetest.RequireTools(t)
	dir := os.Getenv("RKH_CORPUS_HIVES")
	if dir == "" {
		dir = t.TempDir()
	}
	open := func(path string) *hivefile.Hive {
		h, err := hivefile.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { h.Close() })
		return h
	}
	var view registry.StaticView
	var users []string
	classes := 0
	for hive, text := range splitCorpus(readCorpus(t)) {
		switch {
		case hive == "HKEY_LOCAL_MACHINE":
			view = append(view, open(hivetest.BuildSoftwareHiveAt(t, dir, text)))
		case strings.HasSuffix(hive, classesSuffix):
			hivetest.BuildClassesHiveAt(t, filepath.Join(dir, strings.TrimSuffix(hive, classesSuffix)), text)
			classes++
		default:
			hivetest.BuildUserHiveAt(t, filepath.Join(dir, hive), text)
			users = append(users, hive)
		}
	}
	if classes != len(corpusUsers) || len(users) != len(corpusUsers) {
		t.Fatalf("%d users with classes and %d with other keys in the corpus, want all %d", classes, len(users), len(corpusUsers))
	}
	for _, sid := range users {
		view = append(view, loadUserHives(t, filepath.Join(dir, sid), sid))
	}
	// alice's two files again, laid out as a profile folder, for the
	// Windows test of a profile whose hive is not loaded.
	const alice = "S-1-5-21-1111111111-2222222222-3333333333-1001"
	profile := filepath.Join(dir, "profile")
	for _, f := range []struct{ from, to string }{
		{filepath.Join(dir, alice, "NTUSER.DAT"), filepath.Join(profile, "NTUSER.DAT")},
		{filepath.Join(dir, alice, "UsrClass.dat"), filepath.Join(profile, "AppData", "Local", "Microsoft", "Windows", "UsrClass.dat")},
	} {
		data, err := os.ReadFile(f.from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(f.to), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f.to, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := (&autoruns.Scanner{View: view}).Scan(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := sortedRows(regfileRows(t))
	if len(want) < 50 {
		t.Fatalf("corpus gives only %d rows", len(want))
	}
	diffRows(t, "hive vs .reg", sortedRows(rows), want)
	if n := classesRows(rows); n < 5 {
		t.Errorf("only %d rows from the classes hives", n)
	}
}
