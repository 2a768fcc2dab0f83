//go:build !windows

package live

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/runkeyhunt/runkeyhunt/tables/autoruns"
	"github.com/runkeyhunt/runkeyhunt/tables/registry"
	"github.com/runkeyhunt/runkeyhunt/tables/registry/hivefile"
	"github.com/runkeyhunt/runkeyhunt/tables/registry/hivefile/hivetest"
)

// TestCorpusHivesMatchRegfile builds the corpus into regf hives with
// independent tools (reged, hivexsh) and checks that the hive source gives
// the .reg source's rows. With RKH_CORPUS_HIVES set it leaves the hives
// there (SOFTWARE, <SID>/NTUSER.DAT) for the Windows test under Wine,
// which compares them with the live registry too.
func TestCorpusHivesMatchRegfile(t *testing.T) {
	hivetest.RequireTools(t)
	dir := os.Getenv("RKH_CORPUS_HIVES")
	if dir == "" {
		dir = t.TempDir()
	}
	var view registry.StaticView
	for hive, text := range splitCorpus(readCorpus(t)) {
		if hive == "HKEY_LOCAL_MACHINE" {
			path := hivetest.BuildSoftwareHiveAt(t, dir, text)
			h, err := hivefile.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { h.Close() })
			view = append(view, h)
			continue
		}
		path := hivetest.BuildUserHiveAt(t, filepath.Join(dir, hive), text)
		h, err := hivefile.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { h.Close() })
		h.SetUser(hive, corpusUsers[hive])
		view = append(view, h)
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
}
