package evidence

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestExportFixtures copies the PE fixtures to $RKH_EVIDENCE_EXPORT for
// the Windows tests under Wine (which has no osslsigncode to build them).
func TestExportFixtures(t *testing.T) {
	out := os.Getenv("RKH_EVIDENCE_EXPORT")
	if out == "" {
		t.Skip("RKH_EVIDENCE_EXPORT not set: nothing to export (scripts/wine/test.sh sets it)")
	}
	fx := peFixtures(t)
	for name, src := range map[string]string{"unsigned.exe": fx.unsigned, "signed.exe": fx.signed, "tampered.exe": fx.tampered, "OneDrive.exe": fx.signed} {
		copyFile(t, src, filepath.Join(out, name))
	}
	// 800 names for the live benchmark: hard links, one path per image.
	bench := filepath.Join(out, "bench")
	if err := os.MkdirAll(bench, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < benchImages; i++ {
		p := filepath.Join(bench, fmt.Sprintf("app%03d.exe", i))
		os.Remove(p)
		if err := os.Link(filepath.Join(out, "signed.exe"), p); err != nil {
			t.Fatal(err)
		}
	}
}

// benchImages is the 20 users x 40 autoruns of the benchmarks.
const benchImages = 800
