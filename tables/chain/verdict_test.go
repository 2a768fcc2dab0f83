package chain

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runkeyhunt/runkeyhunt/tables/autoruns"
	"github.com/runkeyhunt/runkeyhunt/tables/catalog"
	"github.com/runkeyhunt/runkeyhunt/tables/cmdline"
	"github.com/runkeyhunt/runkeyhunt/tables/indicators"
	"github.com/runkeyhunt/runkeyhunt/tables/input"
	"github.com/runkeyhunt/runkeyhunt/tables/payload"
	"github.com/runkeyhunt/runkeyhunt/tables/registry"
	"github.com/runkeyhunt/runkeyhunt/tables/registry/offline"
)

// chainOnly are the indicators only the chain table can see.
var chainOnly = map[string]bool{
	indicators.NetworkBeforeWrite: true, indicators.NetworkAfterWrite: true, indicators.TwoStageWrite: true,
}

// registryOnly are the indicators only run_key_payloads can see: it reads
// the machine's classes a per-user COM server shadows.
var registryOnly = map[string]bool{indicators.ShadowedMachineCLSID: true}

// TestOneVerdictTwoTables holds sysmon_reg_net_chain to run_key_payloads'
// verdict (issue 9 item 7): every corpus autorun value, written by a
// Sysmon SetValue event, gets the indicators its run_key_payloads rows
// have, network and two-stage indicators aside. Values whose payload
// resolves in the corpus are left out: their rows add what the payload
// says, which the chain shows in the payload write's own row.
func TestOneVerdictTwoTables(t *testing.T) {
	files, err := input.Expand(filepath.Join("..", "..", "testdata", "corpus", "corpus.reg"))
	if err != nil {
		t.Fatal(err)
	}
	view, _, err := offline.Load(context.Background(), files)
	if err != nil {
		t.Fatal(err)
	}
	s := autoruns.Scanner{View: view}
	rows, err := s.Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	type value struct {
		row      autoruns.Row
		set      indicators.Set
		resolved bool
	}
	values := map[string]*value{}
	var order []string
	for _, r := range rows {
		v := values[r.Path]
		if v == nil {
			v = &value{row: r, set: indicators.Set{}}
			values[r.Path] = v
			order = append(order, r.Path)
		}
		for _, id := range strings.Split(r.Indicators, ",") {
			if !registryOnly[id] {
				v.set.Add(id)
			}
		}
		if r.PayloadExists == 1 && r.PayloadKind != "inline" {
			v.resolved = true
		}
	}
	checked := 0
	for i, path := range order {
		v := values[path]
		if v.resolved || v.set.Has(indicators.EnvIndirection) || v.row.Scope == registry.ScopeUser && v.row.SID == "" {
			continue
		}
		target := strings.Replace(v.row.Path, `HKEY_LOCAL_MACHINE\`, `HKLM\`, 1)
		if strings.ContainsRune(v.row.Name, 0) || strings.Contains(v.row.Name, `\0`) {
			target = v.row.Key + `\`
		}
		e := setValue(int64(100+i), t0, psGUID, target, v.row.Data)
		e.SetField("User", `WIN-DEMO01\`+v.row.Username)
		got := run(DefaultWindow, e)
		if len(got) != 1 {
			t.Errorf("%s: %d chain rows", path, len(got))
			continue
		}
		chainSet := indicators.Set{}
		for _, id := range strings.Split(got[0].Indicators, ",") {
			if !chainOnly[id] {
				chainSet.Add(id)
			}
		}
		if chainSet.String() != v.set.String() {
			t.Errorf("%s = %q:\n chain            %s\n run_key_payloads %s", path, v.row.Data, chainSet, v.set)
		}
		checked++
	}
	if checked < 100 {
		t.Errorf("only %d corpus values compared", checked)
	}
	t.Logf("%d corpus values hold the same verdict in both tables", checked)
}

// TestHiddenValueNameWrite: Sysmon logs a NUL-led value name as a target
// ending in the key's backslash (SharpHide); that write is an autorun row.
func TestHiddenValueNameWrite(t *testing.T) {
	rows := run(DefaultWindow, setValue(1, t0, psGUID, `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\`, `C:\Windows\Temp\svchost.exe`))
	if len(rows) != 1 {
		t.Fatalf("rows: %+v", rows)
	}
	r := rows[0]
	if r.Role != RoleAutorun || r.Location != "run" || !strings.Contains(r.Indicators, indicators.HiddenValueName) || r.Verdict == "benign" ||
		r.Path != `HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\\0` {
		t.Errorf("row: %+v", r)
	}
}

// BenchmarkAutorunScoring compares the shared engine with the text-only
// scoring the chain used before, over the corpus's autorun commands: the
// ratio is the cost of one verdict for both tables.
func BenchmarkAutorunScoring(b *testing.B) {
	files, err := input.Expand(filepath.Join("..", "..", "testdata", "corpus", "corpus.reg"))
	if err != nil {
		b.Fatal(err)
	}
	view, _, err := offline.Load(context.Background(), files)
	if err != nil {
		b.Fatal(err)
	}
	s := autoruns.Scanner{View: view}
	rows, err := s.Scan(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	locations := map[string]catalog.Location{}
	for _, l := range catalog.All {
		locations[l.Scope+"|"+l.ID] = l
	}
	b.Run("text_only", func(b *testing.B) {
		for b.Loop() {
			for _, r := range rows {
				set := indicators.Set{}
				set.Add(payload.TextIndicators(r.Data)...)
				for _, ref := range cmdline.ExtractRefs(r.Data, nil) {
					set.Add(string(ref.Kind))
				}
			}
		}
	})
	b.Run("value_indicators", func(b *testing.B) {
		for b.Loop() {
			for _, r := range rows {
				autoruns.ValueIndicators(locations[r.Scope+"|"+r.Location], registry.HiveInfo{Scope: r.Scope, Username: r.Username}, r.Name, r.Data, "")
			}
		}
	})
}
