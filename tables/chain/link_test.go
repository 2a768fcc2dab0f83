package chain

import (
	"fmt"
	"math/rand/v2"
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
			&interest{row: &Row{Role: RoleAutorun, Computer: "pc", RecordID: int64(2*i + 1)}, at: at,
				targets: []Target{{Root: "HKEY_LOCAL_MACHINE", Rel: strings.ToUpper(rel), ValueName: "Blob"}}},
			&interest{row: &Row{Role: RolePayload, Computer: "pc", RecordID: int64(2*i + 2)}, at: at,
				written: &regTarget{root: "HKEY_LOCAL_MACHINE", keyRel: rel, valueName: "blob"}})
	}
	// Another computer's write to the first key, and a later one of the
	// first key on the same computer: neither is the nearest.
	e.interests = append(e.interests,
		&interest{row: &Row{Role: RolePayload, Computer: "other", RecordID: 9001}, at: stamp{t: base},
			written: &regTarget{root: "HKEY_LOCAL_MACHINE", keyRel: `Software\Payload0`, valueName: "Blob"}},
		&interest{row: &Row{Role: RolePayload, Computer: "pc", RecordID: 9002}, at: stamp{t: base.Add(time.Hour)},
			written: &regTarget{root: "HKEY_LOCAL_MACHINE", keyRel: `SOFTWARE\payload0`, valueName: "BLOB"}})
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
	if e.linkWork > 2*n+2 {
		t.Errorf("link made %d link decisions for %d autoruns and %d payloads", e.linkWork, n, n+2)
	}

	// One value written again and again (a busy host): the same cost.
	e = New(time.Minute)
	for i := range n {
		at := stamp{t: base.Add(time.Duration(i) * time.Second)}
		e.interests = append(e.interests,
			&interest{row: &Row{Role: RoleAutorun, Computer: "pc", RecordID: int64(2*i + 1)}, at: at,
				targets: []Target{{Root: `HKEY_USERS\*`, Rel: `Software\Blob`, ValueName: "x"}}},
			&interest{row: &Row{Role: RolePayload, Computer: "pc", RecordID: int64(2*i + 2)}, at: at,
				written: &regTarget{root: `HKEY_USERS\S-1-5-21-1`, keyRel: `Software\Blob`, valueName: "x"}})
	}
	e.link()
	if e.linkWork > 2*n {
		t.Errorf("one value written %d times: %d link decisions", n, e.linkWork)
	}
}

// TestLinkAgreesWithPairs: the indexed link gives every row the link the
// loop over all pairs gives, on random writes with few keys, both root
// forms, two computers and equal times.
func TestLinkAgreesWithPairs(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	roots := []string{"HKEY_LOCAL_MACHINE", `HKEY_USERS\S-1-5-21-1`, `hkey_users\S-1-5-21-2`, `HKEY_USERS\*`}
	build := func() []*interest {
		var out []*interest
		for i := range 300 {
			at := stamp{t: base.Add(time.Duration(rng.IntN(40)) * time.Second)}
			computer := []string{"pc", "PC"}[rng.IntN(2)]
			rel := []string{`Software\A`, `SOFTWARE\a`, `Software\B`}[rng.IntN(3)]
			value := []string{"x", "X", "y"}[rng.IntN(3)]
			root := roots[rng.IntN(len(roots))]
			row := Row{Computer: computer, RecordID: int64(i + 1)}
			if rng.IntN(2) == 0 {
				row.Role = RoleAutorun
				targets := []Target{{Root: root, Rel: rel, ValueName: value}}
				if rng.IntN(3) == 0 {
					targets = append(targets, Target{Root: roots[rng.IntN(len(roots))], Rel: rel, ValueName: "y"})
				}
				out = append(out, &interest{row: &row, at: at, proc: fmt.Sprint(rng.IntN(3)), targets: targets})
			} else {
				if root == `HKEY_USERS\*` {
					root = "HKEY_LOCAL_MACHINE"
				}
				row.Role = RolePayload
				out = append(out, &interest{row: &row, at: at, proc: fmt.Sprint(rng.IntN(3)), written: &regTarget{root: root, keyRel: rel, valueName: value}})
			}
		}
		return out
	}
	for round := range 20 {
		a := build()
		b := make([]*interest, len(a))
		for i, in := range a {
			c, row := *in, *in.row
			c.row = &row
			b[i] = &c
		}
		ea, eb := New(time.Minute), New(time.Minute)
		ea.interests, eb.interests = a, b
		ea.link()
		eb.linkPairs()
		for i := range a {
			if a[i].row.LinkedRecordID != b[i].row.LinkedRecordID || a[i].linkedSame() != b[i].linkedSame() || !a[i].linkedAt().t.Equal(b[i].linkedAt().t) {
				t.Fatalf("round %d: interest %d (%s) links %d, the pairwise loop %d", round, i, a[i].row.Role, a[i].row.LinkedRecordID, b[i].row.LinkedRecordID)
			}
		}
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

// TestNearIsTheWindow: a connection is offered exactly the interests of
// its process within the window of it (add ignores the others), however
// out of time order they came, so counting them costs the window, not
// every write the process made.
func TestNearIsTheWindow(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := &process{}
	for i := range 3000 {
		in := &interest{row: &Row{RecordID: int64(i + 1)}, at: stamp{t: base.Add(time.Duration(rng.IntN(36000)) * time.Second)}}
		p.interest = append(p.interest, in)
		at := sortSearchAfter(p.byTime, in.at.t)
		p.byTime = append(p.byTime[:at], append([]*interest{in}, p.byTime[at:]...)...)
	}
	window := 5 * time.Minute
	for range 200 {
		c := base.Add(time.Duration(rng.IntN(36000)) * time.Second)
		want := map[int64]bool{}
		for _, in := range p.interest {
			if absDur(in.at.t.Sub(c)) <= window {
				want[in.row.RecordID] = true
			}
		}
		got := p.near(c, window)
		if len(got) != len(want) {
			t.Fatalf("%d interests near %v, want %d", len(got), c, len(want))
		}
		for _, in := range got {
			if !want[in.row.RecordID] {
				t.Fatalf("interest %d at %v offered for %v", in.row.RecordID, in.at.t, c)
			}
		}
	}
}

func sortSearchAfter(s []*interest, t time.Time) int {
	for i, in := range s {
		if in.at.t.After(t) {
			return i
		}
	}
	return len(s)
}
