package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/runkeyhunt/runkeyhunt/fleet/resultlog"
)

func row(kv ...string) resultlog.Row {
	var r resultlog.Row
	for i := 0; i+1 < len(kv); i += 2 {
		r = append(r, resultlog.NewField(kv[i], kv[i+1]))
	}
	return r
}

const runKey = `HKEY_USERS\S-1-5-21-%d\Software\Microsoft\Windows\CurrentVersion\Run\`

// mixedFleet is 25 hosts with every kind of incident: present malicious,
// removed suspicious, Sysmon-only, a payload write linked to its autorun,
// and a benign autorun only one host has, from a user-writable folder.
func mixedFleet(t *testing.T) *Report {
	t.Helper()
	e := New()
	const t0 = 1740787200
	inv := "pack/runkeyhunt/runkeyhunt_autorun_inventory"
	for h := range 25 {
		host := fmt.Sprintf("h%02d", h)
		rows := []resultlog.Row{
			row("path", fmt.Sprintf(runKey, h)+"OneDrive", "name", "OneDrive", "location", "run", "username", "u"+host,
				"data", `"C:\Users\u`+host+`\AppData\Local\Microsoft\OneDrive\OneDrive.exe" /background`, "verdict", Benign, "score", "0"),
		}
		switch h {
		case 3:
			rows = append(rows, row("path", fmt.Sprintf(runKey, h)+"Updater", "name", "Updater", "location", "run", "username", "alice",
				"data", `powershell -c "$x=(gp HKCU:Software\Debug).Debug;powershell -enc $x"`, "payload_kind", "registry", "payload_path", fmt.Sprintf(`HKEY_USERS\S-1-5-21-%d\Software\Debug`, h),
				"payload_preview", strings.Repeat("IEX stage ", 300), "indicators", "encoded_command,registry_payload", "verdict", Malicious, "score", "90"))
		case 4:
			rows = append(rows, row("path", fmt.Sprintf(runKey, h)+"upd", "name", "upd", "location", "run", "data", `wscript C:\Users\bob\AppData\Roaming\upd.vbs`,
				"indicators", "script_file_payload", "verdict", Suspicious, "score", "40"))
		case 5:
			rows = append(rows, row("path", fmt.Sprintf(runKey, h)+"odd", "name", "odd", "location", "run", "data", `C:\Users\uh05\AppData\Roaming\odd\odd.exe --quiet`, "verdict", Benign, "score", "0"))
		}
		e.Add(resultlog.Record{Name: inv, Host: host, HostName: "ws-" + host, Time: t0, Kind: resultlog.Snapshot, Counter: 1, Rows: rows})
	}
	// Host 4's suspicious autorun goes away the next day.
	e.Add(resultlog.Record{Name: inv, Host: "h04", Time: t0 + 86400, Kind: resultlog.Snapshot, Counter: 2, Rows: []resultlog.Row{
		row("path", fmt.Sprintf(runKey, 4)+"OneDrive", "name", "OneDrive", "location", "run", "username", "uh04",
			"data", `"C:\Users\uh04\AppData\Local\Microsoft\OneDrive\OneDrive.exe" /background`, "verdict", Benign, "score", "0")}})
	chain := "pack/runkeyhunt/runkeyhunt_autorun_write_chain"
	write := func(host string, h int, role, path, record, linked, verdict string) resultlog.Row {
		return row("time", fmt.Sprint(t0+100), "computer", "WS", "record_id", record, "event_id", "13", "process_guid", "{g}", "image", `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`,
			"user", `CORP\alice`, "target_object", path, "path", path, "details", "x", "role", role, "location", "run", "linked_record_id", linked,
			"net_before", "1", "net_after", "2", "seconds_before", "3.5", "seconds_after", "9", "remote_addresses", "203.0.113.7:80", "remote_hostnames", "c2.example.invalid",
			"indicators", "network_after_write,two_stage_write", "score", "100", "verdict", verdict, "window", "300")
	}
	e.Add(resultlog.Record{Name: chain, Host: "h03", Time: t0 + 200, Kind: resultlog.Added, Counter: 1, Rows: []resultlog.Row{
		write("h03", 3, "autorun", fmt.Sprintf(runKey, 3)+"Updater", "11", "10", Malicious),
		write("h03", 3, "payload", fmt.Sprintf(`HKEY_USERS\S-1-5-21-%d\Software\Debug`, 3), "10", "11", Malicious),
	}})
	e.Add(resultlog.Record{Name: chain, Host: "h07", Time: t0 + 200, Kind: resultlog.Added, Counter: 1, Rows: []resultlog.Row{
		write("h07", 7, "autorun", fmt.Sprintf(runKey, 7)+"Svc", "21", "0", Suspicious),
	}})
	return e.Report()
}

func TestIncidentsOfAMixedFleet(t *testing.T) {
	r := mixedFleet(t)
	by := map[string]Incident{}
	for _, in := range r.Incidents {
		by[in.Host+" "+in.Name] = in
	}
	if len(r.Incidents) != 4 {
		t.Fatalf("want 4 incidents, got %d: %+v", len(r.Incidents), r.Incidents)
	}
	u := by["h03 Updater"]
	if u.Status != StatusPresent || u.Verdict != Malicious || u.User != "alice" || u.Writes != 2 || u.Write == nil || u.PayloadWrite == nil ||
		u.Write.RecordID != 11 || u.PayloadWrite.RecordID != 10 || len([]rune(u.Payload)) != 3000 {
		t.Errorf("h03 incident: %+v", u)
	}
	if d := by["h04 upd"]; d.Status != StatusRemoved || d.RemovedAt != 1740787200+86400 {
		t.Errorf("h04 incident: %+v", d)
	}
	if s := by["h07 Svc"]; s.Status != StatusEventOnly || s.User != "alice" || s.Verdict != Suspicious {
		t.Errorf("h07 incident: %+v", s)
	}
	// rare_in_fleet: 1 of 25 hosts, user-writable folder: benign lifted
	// to suspicious; the host's own verdict is kept beside it.
	o := by["h05 odd"]
	if o.Verdict != Suspicious || o.HostVerdict != Benign || o.PatternHosts != 1 || o.Prevalence != 1.0/25 || len(o.Indicators) != 1 || o.Indicators[0].ID != RareInFleet {
		t.Errorf("h05 rare incident: %+v", o)
	}
	if r.Summary.IncidentsRare != 1 || r.Summary.HostsMalicious != 1 || r.Summary.HostsSuspicious != 2 || r.Summary.IncidentsRemoved != 1 {
		t.Errorf("summary: %+v", r.Summary)
	}
	// OneDrive on every host is not rare, and never an incident.
	if _, ok := by["h00 OneDrive"]; ok {
		t.Error("a common benign autorun became an incident")
	}
}

func TestRareInFleetNeverLowersAndNeedsAFleet(t *testing.T) {
	e := New()
	for h := range RareMinHosts - 1 {
		rows := []resultlog.Row{row("path", fmt.Sprintf(runKey, h)+"odd", "name", "odd", "data", fmt.Sprintf(`C:\Users\u\AppData\odd%d.exe`, h), "verdict", Benign, "score", "0")}
		if h == 0 {
			rows = append(rows, row("path", fmt.Sprintf(runKey, h)+"evil", "name", "evil", "data", `C:\Users\u\AppData\evil.exe`, "verdict", Malicious, "score", "90"))
		}
		e.Add(resultlog.Record{Name: "q", Host: fmt.Sprint(h), Time: 1, Kind: resultlog.Snapshot, Counter: 1, Rows: rows})
	}
	r := e.Report()
	if len(r.Incidents) != 1 || r.Incidents[0].Verdict != Malicious {
		t.Fatalf("below %d hosts nothing is rare: %+v", RareMinHosts, r.Incidents)
	}
	e.Add(resultlog.Record{Name: "q", Host: "last", Time: 1, Kind: resultlog.Snapshot, Counter: 1, Rows: []resultlog.Row{row("path", "p", "data", "explorer.exe", "verdict", Benign, "score", "0")}})
	r = e.Report()
	if len(r.Incidents) != RareMinHosts || r.Incidents[0].Verdict != Malicious || r.Incidents[0].Score != 90 {
		t.Fatalf("at %d hosts every odd*.exe is rare, the malicious one stays malicious: %+v", RareMinHosts, r.Incidents[0])
	}
	for _, in := range r.Incidents[1:] {
		if in.Verdict != Suspicious || in.HostVerdict != Benign {
			t.Errorf("rare benign autorun: %+v", in)
		}
	}
}

// tally counts incidents by verdict and status.
type tally map[string]int

func (c tally) add(verdict, status string) {
	switch {
	case strings.HasPrefix(status, "removed"):
		status = StatusRemoved
	case status == "Sysmon write only":
		status = StatusEventOnly
	}
	c[verdict+"/"+status]++
}

// Every output carries the same incidents and the same counts.
func TestOutputsAgree(t *testing.T) {
	for name, r := range map[string]*Report{"fixture": fixtureReport(t), "mixed": mixedFleet(t)} {
		want := tally{}
		for _, in := range r.Incidents {
			want.add(in.Verdict, in.Status)
		}
		out := map[string]string{}
		for _, f := range Formats {
			var buf bytes.Buffer
			if err := Write(&buf, f, r); err != nil {
				t.Fatal(err)
			}
			out[f] = buf.String()
		}
		got := map[string]tally{}

		var js Report
		if err := json.Unmarshal([]byte(out["json"]), &js); err != nil {
			t.Fatal(err)
		}
		got["json"] = tally{}
		for _, in := range js.Incidents {
			got["json"].add(in.Verdict, in.Status)
		}
		if js.Summary != r.Summary {
			t.Errorf("%s: json summary %+v, want %+v", name, js.Summary, r.Summary)
		}

		recs, err := csv.NewReader(strings.NewReader(out["csv"])).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		got["csv"] = tally{}
		for _, rec := range recs[1:] {
			got["csv"].add(rec[1], rec[4])
		}

		got["text"] = tally{}
		lines := strings.Split(out["text"], "\n")
		for i, l := range lines {
			if !strings.HasPrefix(l, "VERDICT") {
				continue
			}
			for _, l := range lines[i+1:] {
				if l == "" {
					break
				}
				cols := regexp.MustCompile(`\s{2,}`).Split(l, -1)
				got["text"].add(cols[0], cols[len(cols)-1])
			}
			break
		}
		if !strings.Contains(out["text"], fmt.Sprintf("Incidents:              %d open (%d malicious, %d suspicious", r.Summary.IncidentsOpen, r.Summary.IncidentsMalicious, r.Summary.IncidentsSuspicious)) {
			t.Errorf("%s: text summary lacks the incident counts", name)
		}

		got["markdown"] = tally{}
		md := out["markdown"]
		md = md[strings.Index(md, "## Incidents"):strings.Index(md, "## Autorun stacking")]
		for _, l := range strings.Split(md, "\n") {
			if strings.HasPrefix(l, "| ") && !strings.HasPrefix(l, "| verdict") {
				cols := strings.Split(strings.Trim(l, "| "), " | ")
				got["markdown"].add(cols[0], cols[len(cols)-1])
			}
		}
		if !strings.Contains(out["markdown"], fmt.Sprintf("| %d | %d | %d | %d | %d |", r.Summary.HostsReporting, r.Summary.HostsMalicious, r.Summary.HostsSuspicious, r.Summary.IncidentsOpen, r.Summary.IncidentsRemoved)) {
			t.Errorf("%s: markdown summary differs", name)
		}

		got["html"] = tally{}
		attr := func(tag, name string) string {
			m := regexp.MustCompile(name + `="([^"]*)"`).FindStringSubmatch(tag)
			if m == nil {
				return ""
			}
			return m[1]
		}
		for _, tag := range articleTag.FindAllString(out["html"], -1) {
			got["html"].add(attr(tag, "data-verdict"), attr(tag, "data-status"))
		}
		for _, card := range []string{
			fmt.Sprintf(`<div class="v">%d</div><div class="l">hosts malicious`, r.Summary.HostsMalicious),
			fmt.Sprintf(`<div class="v">%d</div><div class="l">open malicious incidents`, r.Summary.IncidentsMalicious),
			fmt.Sprintf(`<div class="v">%d</div><div class="l">incidents removed`, r.Summary.IncidentsRemoved),
			fmt.Sprintf(`%d incidents on`, r.Summary.Incidents),
		} {
			if !strings.Contains(out["html"], card) {
				t.Errorf("%s: html lacks %q", name, card)
			}
		}
		for f, g := range got {
			if fmt.Sprint(g) != fmt.Sprint(want) {
				t.Errorf("%s: %s carries %v, the report %v", name, f, g, want)
			}
		}
	}
}

// Past MaxHTMLIncidents the page shows the most severe in full and counts
// the rest by pattern; JSON keeps every incident.
func TestHTMLLongTail(t *testing.T) {
	e := New()
	const n = MaxHTMLIncidents + 150
	for h := range n {
		verdict, score := Suspicious, "40"
		if h%10 == 0 {
			verdict, score = Malicious, "90"
		}
		e.Add(resultlog.Record{Name: "q", Host: fmt.Sprintf("h%04d", h), Time: 1, Kind: resultlog.Snapshot, Counter: 1, Rows: []resultlog.Row{
			row("path", fmt.Sprintf(runKey, h)+"upd", "name", "upd", "location", "run", "data", fmt.Sprintf(`wscript C:\Users\u%d\AppData\upd.vbs`, h), "verdict", verdict, "score", score)}})
	}
	r := e.Report()
	var page, js bytes.Buffer
	if err := WriteHTML(&page, r); err != nil {
		t.Fatal(err)
	}
	if err := Write(&js, "json", r); err != nil {
		t.Fatal(err)
	}
	shown, _ := visibleVerdicts(page.String())
	if shown[Malicious] != n/10 || shown[Malicious]+shown[Suspicious] != MaxHTMLIncidents {
		t.Errorf("page shows %v, want the %d malicious first and %d in all", shown, n/10, MaxHTMLIncidents)
	}
	if !strings.Contains(page.String(), fmt.Sprintf("the other %d counted by pattern", n-MaxHTMLIncidents)) ||
		!strings.Contains(page.String(), fmt.Sprintf(`<td class="n">%d</td><td class="n">%d</td><td class="n">%d</td>`, n, n, n)) {
		t.Error("the long tail is not counted")
	}
	if c := strings.Count(js.String(), `"id": "i`); c != n {
		t.Errorf("json carries %d incidents, want %d", c, n)
	}
}
