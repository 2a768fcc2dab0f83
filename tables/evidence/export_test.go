package evidence

import (
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
}
