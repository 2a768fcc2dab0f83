package runkeypayloads

import (
	"context"
	"path/filepath"
	"testing"
)

// TestFloodLocationsOnlyWhenAsked: Windows' own services give no row
// unless the query asks for their location; a service in a world-writable
// folder always does.
func TestFloodLocationsOnlyWhenAsked(t *testing.T) {
	source := filepath.Join("..", "..", "testdata", "corpus", "asep_system.reg")
	tbl := New(Options{})
	count := func(rows []map[string]string) (spooler, bad int) {
		for _, r := range rows {
			switch r["path"] {
			case `HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\Spooler\ImagePath`:
				spooler++
			case `HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\WinSvcUpdate\ImagePath`:
				bad++
			}
		}
		return spooler, bad
	}
	rows, err := tbl.Rows(context.Background(), map[string]string{"source": source})
	if err != nil {
		t.Fatal(err)
	}
	if spooler, bad := count(rows); spooler != 0 || bad != 1 {
		t.Errorf("unconstrained: %d Spooler rows, %d WinSvcUpdate rows; want 0 and 1", spooler, bad)
	}
	rows, err = tbl.Rows(context.Background(), map[string]string{"source": source, "location": "service_image_path"})
	if err != nil {
		t.Fatal(err)
	}
	if spooler, bad := count(rows); spooler != 1 || bad != 1 {
		t.Errorf("location = service_image_path: %d Spooler rows, %d WinSvcUpdate rows; want 1 and 1", spooler, bad)
	}
	for _, r := range rows {
		if r["path"] == `HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\Spooler\ImagePath` && (r["verdict"] != "benign" || r["image"] != `C:\Windows\System32\spoolsv.exe`) {
			t.Errorf("Spooler row: %v", r)
		}
	}
}
