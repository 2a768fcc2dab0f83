package report

import (
	"bytes"
	"testing"

	"github.com/runkeyhunt/runkeyhunt/fleet/resultlog"
)

// FuzzEngineState: any sequence of result lines goes into the engine
// without a panic, and the state stays consistent: every finding is
// referenced by exactly the rows that point at it, active exactly when
// some row does (Sysmon writes, which are events, stay active), and the
// report's counts add up.
func FuzzEngineState(f *testing.F) {
	const env = `"hostIdentifier":"h1","unixTime":100,"epoch":0,"decorations":{"hostname":"ws1"},`
	evil := `{"path":"HKEY_USERS\\S-1\\Run\\Updater","data":"powershell -enc QQBBAA==","verdict":"malicious","score":"95"}`
	benign := `{"path":"HKEY_USERS\\S-1\\Run\\OneDrive","data":"C:\\Users\\bob\\onedrive.exe","verdict":"benign","score":"0"}`
	for _, lines := range [][]string{
		{`{"name":"q",` + env + `"counter":0,"columns":` + evil + `,"action":"added"}`, `{"name":"q",` + env + `"counter":0,"columns":` + benign + `,"action":"added"}`},
		{`{"name":"q",` + env + `"counter":1,"diffResults":{"added":[` + evil + `],"removed":[` + benign + `]}}`, `{"name":"q",` + env + `"counter":2,"columns":` + evil + `,"action":"removed"}`},
		{`{"name":"s",` + env + `"counter":3,"snapshot":[` + evil + `,` + benign + `],"action":"snapshot"}`, `{"name":"q",` + env + `"counter":0,"columns":` + evil + `,"action":"added"}`, `{"name":"s",` + env + `"counter":4,"snapshot":[],"action":"snapshot"}`},
		{`{"name":"s",` + env + `"counter":5,"columns":` + evil + `,"action":"snapshot"}`, `{"name":"s",` + env + `"counter":6,"columns":` + benign + `,"action":"snapshot"}`},
		{`{"name":"c",` + env + `"counter":1,"columns":{"time":"90","computer":"W","record_id":"7","path":"HKEY_USERS\\S-1\\Run\\Updater","role":"autorun","image":"C:\\p.exe","net_before":"1","net_after":"0","remote_addresses":"1.2.3.4:443","verdict":"malicious","score":"90"},"action":"added"}`},
	} {
		var b bytes.Buffer
		for _, l := range lines {
			b.WriteString(l + "\n")
		}
		f.Add(b.Bytes())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		e := New()
		for i, line := range bytes.Split(data, []byte{'\n'}) {
			recs, err := resultlog.ParseLine(line, "fuzz", i+1)
			if err != nil {
				e.AddBadLine("fuzz", i+1, err)
				continue
			}
			for _, r := range recs {
				e.Add(r)
			}
		}
		checkEngineInvariants(t, e)
	})
}

func checkEngineInvariants(t *testing.T, e *Engine) {
	t.Helper()
	refs := map[*Finding]int{}
	for _, h := range e.hosts {
		for name, qs := range h.queries {
			for fp, row := range qs.rows {
				if row.fp != fp {
					t.Fatalf("%s/%s: row filed under %x has fingerprint %x", h.id, name, fp, row.fp)
				}
				if row.finding != nil {
					refs[row.finding]++
					if row.finding.Host != h.id {
						t.Fatalf("row of %s points at a finding of %s", h.id, row.finding.Host)
					}
				}
			}
		}
	}
	for _, f := range e.findings {
		if f.refs != refs[f] {
			t.Fatalf("finding %s %s: refs %d, %d rows point at it", f.Host, f.Path, f.refs, refs[f])
		}
		if f.Kind == KindAutorun && f.Active != (refs[f] > 0) {
			t.Fatalf("finding %s %s: active %v with %d rows", f.Host, f.Path, f.Active, refs[f])
		}
		if Severity(f.Verdict) == 0 || f.Observations < 1 || f.FirstSeen > f.LastSeen {
			t.Fatalf("finding %+v", *f)
		}
	}
	r := e.Report()
	s := r.Summary
	if s.Incidents != len(r.Incidents) || s.IncidentsOpen+s.IncidentsRemoved != s.Incidents || s.IncidentsMalicious+s.IncidentsSuspicious != s.IncidentsOpen {
		t.Fatalf("incident counts: %+v", s)
	}
	if s.HostsClean < 0 || s.HostsMalicious+s.HostsSuspicious+s.HostsClean != s.HostsReporting || s.HostsWithAutoruns > s.HostsReporting {
		t.Fatalf("host counts: %+v", s)
	}
	if w := r.Worst(); w < 0 || w > 2 || (w > 0) != (s.IncidentsOpen > 0) {
		t.Fatalf("worst %d with %d open incidents", w, s.IncidentsOpen)
	}
	for _, st := range r.Stacks {
		if st.Hosts < 1 || st.Hosts > s.HostsReporting || st.Prevalence > 1 {
			t.Fatalf("stack %+v of %d hosts", st, s.HostsReporting)
		}
	}
}
