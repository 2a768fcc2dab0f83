package chain

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestLinkIsLinear: link compares an autorun only with the payload writes
// its targets name (it compared every autorun with every payload: 10,000
// rows of a busy host's log took most of the query), and still links each
// to the nearest in time, case-insensitively, on the same computer.
func TestLinkIsLinear(t *testing.T) {
	e := New(time.Minute)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const n = 2000
	for i := range n {
		rel := fmt.Sprintf(`Software\Payload%d`, i)
		at := stamp{t: base.Add(time.Duration(i) * time.Second)}
		e.interests = append(e.interests,
			&interest{row: Row{Role: RoleAutorun, Computer: "pc", RecordID: int64(2*i + 1)}, at: at,
				targets: []Target{{Root: "HKEY_LOCAL_MACHINE", Rel: strings.ToUpper(rel), ValueName: "Blob"}}},
			&interest{row: Row{Role: RolePayload, Computer: "pc", RecordID: int64(2*i + 2)}, at: at,
				written: regTarget{root: "HKEY_LOCAL_MACHINE", keyRel: rel, valueName: "blob"}})
	}
	// Another computer's write to the first key, and a later one of the
	// first key on the same computer: neither is the nearest.
	e.interests = append(e.interests,
		&interest{row: Row{Role: RolePayload, Computer: "other", RecordID: 9001}, at: stamp{t: base},
			written: regTarget{root: "HKEY_LOCAL_MACHINE", keyRel: `Software\Payload0`, valueName: "Blob"}},
		&interest{row: Row{Role: RolePayload, Computer: "pc", RecordID: 9002}, at: stamp{t: base.Add(time.Hour)},
			written: regTarget{root: "HKEY_LOCAL_MACHINE", keyRel: `SOFTWARE\payload0`, valueName: "BLOB"}})
	e.link()
	for i := range n {
		a, p := e.interests[2*i], e.interests[2*i+1]
		if a.row.LinkedRecordID != p.row.RecordID || p.row.LinkedRecordID != a.row.RecordID {
			t.Fatalf("autorun %d linked to %d, payload linked to %d", a.row.RecordID, a.row.LinkedRecordID, p.row.LinkedRecordID)
		}
	}
	if late := e.interests[2*n+1]; late.row.LinkedRecordID != 1 {
		t.Errorf("the later write of the first key links to %d, want the autorun 1", late.row.LinkedRecordID)
	}
	if e.interests[2*n].row.LinkedRecordID != 0 {
		t.Errorf("another computer's write is linked")
	}
	if e.linkWork > n+1 {
		t.Errorf("link compared %d payloads for %d autoruns", e.linkWork, n)
	}
}

func TestLinkKeyFoldsAsEqualFold(t *testing.T) {
	pairs := [][2]string{{"Run", "RUN"}, {"k", "\u212a"}, {"s", "\u017f"}, {"Straße", "STRASSE"}, {"Ǆ", "ǆ"}, {"abc", "abd"}}
	for _, p := range pairs {
		if same, fold := linkKey("c", p[0], "v") == linkKey("c", p[1], "v"), strings.EqualFold(p[0], p[1]); same != fold {
			t.Errorf("%q %q: same key %v, EqualFold %v", p[0], p[1], same, fold)
		}
	}
}
