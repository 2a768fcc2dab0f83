package autoruns_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/runkeyhunt/runkeyhunt/tables/autoruns"
	"github.com/runkeyhunt/runkeyhunt/tables/registry"
	"github.com/runkeyhunt/runkeyhunt/tables/registry/hivefile"
	"github.com/runkeyhunt/runkeyhunt/tables/registry/hivefile/hivetest"
)

const userHiveName = `\??\C:\Users\joe\ntuser.dat`

// runOnceExHive lays out a user hive whose RunOnceEx has n subkeys, each
// with one command; repeat lists the first subkey that many more times in
// the index, as a crafted hive may.
func runOnceExHive(n, repeat int) []byte {
	ex := &hivetest.Node{Name: "RunOnceEx", RepeatFirst: repeat}
	for i := range n {
		ex.Subkeys = append(ex.Subkeys, &hivetest.Node{Name: fmt.Sprintf("%06d", i), Values: []hivetest.Val{
			{Name: "1", Type: registry.RegSZ, Data: registry.EncodeUTF16(fmt.Sprintf(`C:\Program Files\Vendor%d\setup.exe /q`, i))},
		}})
	}
	cv := &hivetest.Node{Name: "CurrentVersion", Subkeys: []*hivetest.Node{ex}}
	tree := &hivetest.Node{Name: "ROOT", Subkeys: []*hivetest.Node{{Name: "Software", Subkeys: []*hivetest.Node{
		{Name: "Microsoft", Subkeys: []*hivetest.Node{{Name: "Windows", Subkeys: []*hivetest.Node{cv}}}},
	}}}}
	return hivetest.Build(tree, userHiveName)
}

func openHive(t testing.TB, data []byte) *hivefile.Hive {
	t.Helper()
	path := filepath.Join(t.TempDir(), "NTUSER.DAT")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	h, err := hivefile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// countingHive counts Key lookups; Subkeys (a walk of one index) passes through.
type countingHive struct {
	*hivefile.Hive
	keys int
}

func (c *countingHive) Key(rel string) (*registry.Key, error) {
	c.keys++
	return c.Hive.Key(rel)
}

// TestHiveRunOnceExEnumeratedOnce: the subkeys of RunOnceEx are read in
// one walk of the index, not looked up again from the parent by name.
func TestHiveRunOnceExEnumeratedOnce(t *testing.T) {
	const n = 2000
	h := &countingHive{Hive: openHive(t, runOnceExHive(n, 0))}
	s := autoruns.Scanner{View: registry.StaticView{h}, Warn: func(err error) { t.Errorf("warning: %v", err) }}
	rows, err := s.Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != n {
		t.Fatalf("%d rows, want %d", len(rows), n)
	}
	if rows[0].Path != `HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\RunOnceEx\000000\1` || rows[n-1].Data != `C:\Program Files\Vendor1999\setup.exe /q` {
		t.Errorf("first row %q, last data %q", rows[0].Path, rows[n-1].Data)
	}
	// One lookup per location and StartupApproved key; none per subkey.
	if h.keys > 100 {
		t.Errorf("%d key lookups for %d subkeys", h.keys, n)
	}
}

// TestHiveRunOnceExRepeatedNode: an index that lists one subkey 100,000
// times yields its row once.
func TestHiveRunOnceExRepeatedNode(t *testing.T) {
	h := openHive(t, runOnceExHive(2, 100000))
	s := autoruns.Scanner{View: registry.StaticView{h}, Warn: func(err error) { t.Errorf("warning: %v", err) }}
	rows, err := s.Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 2", len(rows))
	}
	if rows[0].Key == rows[1].Key {
		t.Errorf("one key twice: %q", rows[0].Key)
	}
}

// TestHiveScanCancelled: a cancelled scan stops with the context's error.
func TestHiveScanCancelled(t *testing.T) {
	h := openHive(t, runOnceExHive(2000, 0))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := autoruns.Scanner{View: registry.StaticView{h}}
	if _, err := s.Scan(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	_, subs, err := h.Subkeys(ctx, `Software\Microsoft\Windows\CurrentVersion\RunOnceEx`)
	if !errors.Is(err, context.Canceled) || len(subs) >= 2000 {
		t.Fatalf("Subkeys: %d keys, err = %v; want context.Canceled early", len(subs), err)
	}
}

// BenchmarkHiveRunOnceEx scans hives whose RunOnceEx has 200 and 20,000
// subkeys: the time per subkey must stay flat (it grew with the count
// when each subkey was looked up again from the parent).
func BenchmarkHiveRunOnceEx(b *testing.B) {
	for _, n := range []int{200, 20000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			h := openHive(b, runOnceExHive(n, 0))
			s := autoruns.Scanner{View: registry.StaticView{h}}
			b.ResetTimer()
			for b.Loop() {
				rows, err := s.Scan(context.Background())
				if err != nil || len(rows) != n {
					b.Fatalf("%d rows, err %v", len(rows), err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/subkey")
		})
	}
}
