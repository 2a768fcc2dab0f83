package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runkeyhunt/runkeyhunt/fleet/resultlog"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fixtureReport reads testdata/logs: three hosts in event, batch and
// snapshot formats, a finding added then removed, a snapshot that replaces
// state, a rotated .gz, a garbage line and a truncated last line.
func fixtureReport(t *testing.T) *Report {
	t.Helper()
	paths := resultlog.Expand([]string{"testdata/logs"})
	e := New()
	if err := resultlog.ReadAll(t.Context(), paths, nil, e.Handler(nil)); err != nil {
		t.Fatal(err)
	}
	return e.Report()
}

func TestFixtureSemantics(t *testing.T) {
	r := fixtureReport(t)
	s := r.Summary
	// Host A's loader was removed on day 3: its incident is closed, so
	// only host B counts as malicious now.
	if s.HostsReporting != 3 || s.HostsMalicious != 1 || s.HostsSuspicious != 0 || s.HostsClean != 2 {
		t.Errorf("hosts: %+v", s)
	}
	if s.BadLines != 2 || len(r.BadLines) != 2 {
		t.Fatalf("bad lines: %d %v", s.BadLines, r.BadLines)
	}
	garbage, truncated := r.BadLines[0], r.BadLines[1]
	if !strings.HasSuffix(garbage.File, "fleet.results.log") || garbage.Line != 5 {
		t.Errorf("garbage line reported as %+v", garbage)
	}
	if !strings.HasSuffix(truncated.File, filepath.Join("rotated", "osqueryd.results.log")) || truncated.Line != 2 || !strings.Contains(truncated.Error, "truncated") {
		t.Errorf("truncated line reported as %+v", truncated)
	}
	find := func(host, kind, suffix string) *Finding {
		for i := range r.Findings {
			f := &r.Findings[i]
			if f.Host == host && f.Kind == kind && strings.HasSuffix(f.Path, suffix) {
				return f
			}
		}
		t.Fatalf("no %s finding %s on %s in %+v", kind, suffix, host, r.Findings)
		return nil
	}
	// Host A: added on day 1, removed on day 3.
	a := find("uuid-A", KindAutorun, `\Run\Updater`)
	if a.Active || a.FirstSeen != 1740787200+86400 || a.RemovedAt != 1740787200+3*86400 || a.Verdict != Malicious || a.User != "alice" {
		t.Errorf("host A finding: %+v", a)
	}
	if !strings.Contains(a.Payload, "seeded-empire-stager") || a.PayloadPath == "" {
		t.Errorf("host A payload excerpt: %+v", a)
	}
	// Host B: batch-format add, still active, seen in both queries.
	b := find("uuid-B", KindAutorun, `\Run\Updater`)
	if !b.Active || b.HostName != "ws-b" || b.Observations != 2 {
		t.Errorf("host B finding: %+v", b)
	}
	// Host C: the newer snapshot (live file, read after the .gz) drops it.
	c := find("uuid-C", KindAutorun, `\Run\upd`)
	if c.Active || c.Verdict != Suspicious || c.RemovedAt != 1740787200+4*86400 {
		t.Errorf("host C finding: %+v", c)
	}
	// The Sysmon write on host A is a finding too, and chain statistics count it.
	w := find("uuid-A", KindSysmonWrite, `\Run\Updater`)
	if !w.Active || w.Verdict != Malicious {
		t.Errorf("sysmon finding: %+v", w)
	}
	// Incidents: host A's finding and its Sysmon write are one incident,
	// with one status and one user spelling (WS01\alice is alice).
	if s.Incidents != 3 || len(r.Incidents) != 3 {
		t.Fatalf("want 3 incidents (A, B, C), got %d: %+v", s.Incidents, r.Incidents)
	}
	var ia *Incident
	for i := range r.Incidents {
		if r.Incidents[i].Host == "uuid-A" {
			ia = &r.Incidents[i]
		}
	}
	if ia == nil || ia.Status != StatusRemoved || ia.User != "alice" || ia.Write == nil || ia.Write.NetBefore != 2 || ia.Write.Remote != "203.0.113.7:80" ||
		strings.Join(ia.Sources, ",") != SourceAutoruns+","+SourceSysmon || !strings.Contains(ia.Command, "-enc $x") || !strings.Contains(ia.Payload, "seeded-empire-stager") {
		t.Errorf("host A incident: %+v", ia)
	}
	if ia != nil && (len(ia.Indicators) == 0 || ia.Indicators[0].ID != "registry_payload" || ia.Indicators[0].Weight != 40) {
		t.Errorf("indicators by weight: %+v", ia.Indicators)
	}
	if s.AutorunWrites != 3 || s.WritesWithNetwork != 2 {
		t.Errorf("chain summary: %+v", s)
	}
	var ps *ChainImage
	for i := range r.ChainImages {
		if strings.HasSuffix(r.ChainImages[i].Image, "powershell.exe") {
			ps = &r.ChainImages[i]
		}
	}
	if ps == nil || ps.Both != 1 || ps.Writes != 1 {
		t.Errorf("powershell chain stats: %+v", r.ChainImages)
	}
	if len(r.Endpoints) == 0 || r.Endpoints[0].Hosts != 1 {
		t.Errorf("endpoints: %+v", r.Endpoints)
	}
	// Stacking: OneDrive for three users is one pattern on three hosts;
	// the Empire loader is rarest and comes first.
	var onedrive *Stack
	for i := range r.Stacks {
		if strings.Contains(r.Stacks[i].Pattern, "onedrive.exe") {
			onedrive = &r.Stacks[i]
		}
	}
	if onedrive == nil || onedrive.Hosts != 3 || onedrive.Prevalence != 1 || !strings.Contains(onedrive.Pattern, `\users\<user>\`) {
		t.Errorf("onedrive stack: %+v", onedrive)
	}
	if r.Stacks[0].Verdict != Malicious || r.Stacks[0].Hosts != 1 {
		t.Errorf("rarest stack first: %+v", r.Stacks[0])
	}
	if r.Worst() != 2 {
		t.Errorf("worst = %d", r.Worst())
	}
}

func TestGoldenOutputs(t *testing.T) {
	r := fixtureReport(t)
	// File names depend on the checkout path only through testdata/, so
	// the goldens are stable.
	for _, format := range Formats {
		var buf bytes.Buffer
		if err := Write(&buf, format, r); err != nil {
			t.Fatal(err)
		}
		golden := filepath.Join("testdata", "golden", "report."+format)
		if *update {
			if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test ./fleet/report -update)", err)
		}
		if !bytes.Equal(buf.Bytes(), want) {
			t.Errorf("%s output differs from %s (run go test ./fleet/report -update and review the diff)", format, golden)
		}
	}
}

func TestHTMLIsSelfContained(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteHTML(&buf, fixtureReport(t)); err != nil {
		t.Fatal(err)
	}
	page := strings.ToLower(buf.String())
	// One inline script (filters); nothing loaded from anywhere.
	if n := strings.Count(page, "<script"); n != 1 || !strings.Contains(page, "<script>(function(){") {
		t.Errorf("want exactly one inline script, got %d", n)
	}
	for _, banned := range []string{"<link", "@import", "src=", "url(", "http://", "https://", "fetch(", "xmlhttprequest"} {
		if strings.Contains(strings.ReplaceAll(page, "http://www.w3.org/2000/svg", ""), banned) {
			t.Errorf("HTML report contains %q: it must not load anything", banned)
		}
	}
	for _, want := range []string{"<svg", "hosts reporting", "incidents over time", "autorun stacking", "seeded-empire-stager"} {
		if !strings.Contains(page, want) {
			t.Errorf("HTML report lacks %q", want)
		}
	}
}

func TestSnapshotReplacesAndCounterResets(t *testing.T) {
	e := New()
	row := func(name, verdict string) resultlog.Row {
		return resultlog.Row{resultlog.NewField("path", `HKEY_LOCAL_MACHINE\X\Run\`+name), resultlog.NewField("data", name+".exe"), resultlog.NewField("verdict", verdict), resultlog.NewField("score", "80")}
	}
	e.Add(resultlog.Record{Name: "q", Host: "h", Time: 10, Counter: 0, Kind: resultlog.Added, Rows: []resultlog.Row{row("evil", Malicious)}})
	// A new epoch: counter 0 again, the added rows are the full result and
	// the old finding is gone.
	e.Add(resultlog.Record{Name: "q", Host: "h", Time: 20, Counter: 0, Kind: resultlog.Added, Rows: []resultlog.Row{row("other", Suspicious)}})
	r := e.Report()
	if r.Summary.IncidentsOpen != 1 || r.Summary.IncidentsRemoved != 1 || r.Summary.Incidents != 2 {
		t.Fatalf("after counter reset: %+v", r.Summary)
	}
	e.Add(resultlog.Record{Name: "q", Host: "h", Time: 30, Counter: -1, Kind: resultlog.Snapshot})
	if r := e.Report(); r.Summary.IncidentsOpen != 0 {
		t.Fatalf("an empty snapshot must clear the query's state: %+v", r.Summary)
	}
}

// TestHashStacking: one dropper under a different name and command on
// each host stacks as one hash with three names, ahead of a common file
// (OneDrive on every host, one name); rows without image evidence are
// not stacked by hash.
func TestHashStacking(t *testing.T) {
	e := New()
	const dropper = "aa11"
	row := func(name, data, sha, signer, verdict string) resultlog.Row {
		return resultlog.Row{resultlog.NewField("path", `HKEY_USERS\S-1\Run\`+name), resultlog.NewField("name", name), resultlog.NewField("data", data),
			resultlog.NewField("image_sha256", sha), resultlog.NewField("image_signer", signer), resultlog.NewField("verdict", verdict), resultlog.NewField("score", "0")}
	}
	for i, h := range []string{"h1", "h2", "h3"} {
		name := []string{"Updater", "svc", "Helper"}[i]
		e.Add(resultlog.Record{Name: "runkeyhunt_autorun_inventory", Host: h, Time: 10, Counter: -1, Kind: resultlog.Snapshot, Rows: []resultlog.Row{
			row("OneDrive", `"C:\Users\u\AppData\Local\Microsoft\OneDrive\OneDrive.exe" /background`, "BB22", "Microsoft Corporation", Benign),
			row(name, `C:\Users\u\AppData\Roaming\`+name+`\`+name+`.exe`, dropper, "", Suspicious),
			row("NoEvidence", `C:\x.exe`, "", "", Benign),
		}})
	}
	r := e.Report()
	if r.HashTotal != 2 || len(r.HashStacks) != 2 {
		t.Fatalf("%d hashes: %+v", r.HashTotal, r.HashStacks)
	}
	d, o := r.HashStacks[0], r.HashStacks[1]
	if d.SHA256 != dropper || d.Hosts != 3 || d.NameCount != 3 || d.Patterns != 3 || d.Names != "Helper,Updater,svc" || d.Verdict != Suspicious {
		t.Errorf("dropper stack: %+v", d)
	}
	if o.SHA256 != "bb22" || o.Hosts != 3 || o.NameCount != 1 || o.Signer != "Microsoft Corporation" || o.Prevalence != 1 {
		t.Errorf("OneDrive stack: %+v", o)
	}
}
