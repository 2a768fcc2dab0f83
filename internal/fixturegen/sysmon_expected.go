package main

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// chainRow is one row sysmon_reg_net_chain must produce from the scenario.
type chainRow struct {
	RecordID           int64    `json:"record_id"`
	EventID            int      `json:"event_id"`
	EventType          string   `json:"event_type"`
	Role               string   `json:"role"`
	Location           string   `json:"location,omitempty"`
	Path               string   `json:"path"`
	TargetObject       string   `json:"target_object"`
	Time               int64    `json:"time"`
	UtcTime            string   `json:"utc_time"`
	ProcessGUID        string   `json:"process_guid"`
	ProcessID          int      `json:"process_id"`
	Image              string   `json:"image"`
	User               string   `json:"user,omitempty"`
	LinkedRecordID     int64    `json:"linked_record_id"`
	NetBefore          int      `json:"net_before"`
	NetAfter           int      `json:"net_after"`
	SecondsBefore      float64  `json:"seconds_before"`
	SecondsAfter       float64  `json:"seconds_after"`
	NXLogSecondsBefore *float64 `json:"nxlog_seconds_before,omitempty"`
	NXLogSecondsAfter  *float64 `json:"nxlog_seconds_after,omitempty"`
	RemoteAddresses    string   `json:"remote_addresses"`
	RemoteHostnames    string   `json:"remote_hostnames"`
	Verdict            string   `json:"verdict"`
	IndicatorsInclude  []string `json:"indicators_include,omitempty"`
	IndicatorsExclude  []string `json:"indicators_exclude,omitempty"`
}

type windowVariant struct {
	Window    int   `json:"window"`
	RecordID  int64 `json:"record_id"`
	NetBefore int   `json:"net_before"`
	NetAfter  int   `json:"net_after"`
}

type chainExpected struct {
	Comment          []string        `json:"_comment"`
	Files            []string        `json:"files"`
	Computer         string          `json:"computer"`
	Window           int             `json:"window"`
	SecondsTolerance float64         `json:"seconds_tolerance"`
	RowCount         int             `json:"row_count"`
	Rows             []chainRow      `json:"rows"`
	NoRowFor         []int64         `json:"no_row_for_record_ids"`
	WindowVariants   []windowVariant `json:"window_variants"`
}

func f64(v float64) *float64 { return &v }

const (
	runUpdater = `HKEY_USERS\` + sid1 + `\Software\Microsoft\Windows\CurrentVersion\Run\Updater`
	debugPath  = `HKEY_USERS\` + sid1 + `\Software\Microsoft\Windows\CurrentVersion\Debug`
)

// chainExpectation is worked out by hand from the events above (see the
// comment); verifyChain recomputes the network counts with SPEC §5's time
// rule and panics if the two disagree.
func chainExpectation(events []event) chainExpected {
	netInds := []string{"network_after_write", "network_before_write", "two_stage_write"}
	rows := []chainRow{
		{RecordID: 20006, EventID: 13, EventType: "SetValue", Role: "autorun", Location: "run",
			Path: `HKEY_USERS\` + sid1 + `\Software\Microsoft\Windows\CurrentVersion\Run\OneDrive`, TargetObject: hku1 + `\Software\Microsoft\Windows\CurrentVersion\Run\OneDrive`,
			Time: 1710234820, UtcTime: "2024-03-12 09:13:40.512", ProcessGUID: pOneDrive.guid, ProcessID: pOneDrive.pid, Image: pOneDrive.image, User: userName,
			NetBefore: 1, NetAfter: 0, SecondsBefore: 38.522, SecondsAfter: -1,
			RemoteAddresses: "198.51.100.31:443", RemoteHostnames: "", Verdict: "benign",
			IndicatorsInclude: []string{"network_before_write"}, IndicatorsExclude: []string{"two_stage_write"}},
		{RecordID: 20010, EventID: 13, EventType: "SetValue", Role: "payload",
			Path: debugPath, TargetObject: hku1 + `\Software\Microsoft\Windows\CurrentVersion\Debug`,
			Time: 1710234906, UtcTime: "2024-03-12 09:15:06.376", ProcessGUID: pEmpire.guid, ProcessID: pEmpire.pid, Image: pEmpire.image, User: userName,
			LinkedRecordID: 20011, NetBefore: 2, NetAfter: 2, SecondsBefore: 2.999, SecondsAfter: 2.190,
			NXLogSecondsBefore: f64(3.376), NXLogSecondsAfter: f64(1.624),
			RemoteAddresses: "203.0.113.50:80", RemoteHostnames: "c2.example.invalid", Verdict: "malicious", IndicatorsInclude: netInds},
		{RecordID: 20011, EventID: 13, EventType: "SetValue", Role: "autorun", Location: "run",
			Path: runUpdater, TargetObject: hku1 + `\Software\Microsoft\Windows\CurrentVersion\Run\Updater`,
			Time: 1710234906, UtcTime: "2024-03-12 09:15:06.376", ProcessGUID: pEmpire.guid, ProcessID: pEmpire.pid, Image: pEmpire.image, User: userName,
			LinkedRecordID: 20010, NetBefore: 2, NetAfter: 2, SecondsBefore: 2.999, SecondsAfter: 2.190,
			NXLogSecondsBefore: f64(3.376), NXLogSecondsAfter: f64(1.624),
			RemoteAddresses: "203.0.113.50:80", RemoteHostnames: "c2.example.invalid", Verdict: "malicious",
			IndicatorsInclude: append([]string{"encoded_command", "hidden_window", "registry_payload"}, netInds...)},
		{RecordID: 20016, EventID: 13, EventType: "SetValue", Role: "autorun", Location: "run",
			Path: `HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\SecurityHealth`, TargetObject: `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\SecurityHealth`,
			Time: 1710235082, UtcTime: "2024-03-12 09:18:02.330", ProcessGUID: pSHS.guid, ProcessID: pSHS.pid, Image: pSHS.image,
			NetBefore: 0, NetAfter: 0, SecondsBefore: -1, SecondsAfter: -1, Verdict: "benign"},
		{RecordID: 20017, EventID: 12, EventType: "DeleteValue", Role: "autorun", Location: "run_once",
			Path: `HKEY_USERS\` + sid1 + `\Software\Microsoft\Windows\CurrentVersion\RunOnce\Delete Cached Update Binary`, TargetObject: hku1 + `\Software\Microsoft\Windows\CurrentVersion\RunOnce\Delete Cached Update Binary`,
			Time: 1710235110, UtcTime: "2024-03-12 09:18:30.010", ProcessGUID: pExplorer.guid, ProcessID: pExplorer.pid, Image: pExplorer.image,
			NetBefore: 0, NetAfter: 0, SecondsBefore: -1, SecondsAfter: -1, Verdict: "benign"},
		{RecordID: 20020, EventID: 13, EventType: "SetValue", Role: "payload",
			Path: `HKEY_USERS\` + sid1 + `\Software\Aw3KxQ\Pq7Lz`, TargetObject: hku1 + `\Software\Aw3KxQ\Pq7Lz`,
			Time: 1710235812, UtcTime: "2024-03-12 09:30:12.101", ProcessGUID: pMSF.guid, ProcessID: pMSF.pid, Image: pMSF.image, User: userName,
			LinkedRecordID: 20021, NetBefore: 2, NetAfter: 1, SecondsBefore: 1.851, SecondsAfter: 3.379,
			RemoteAddresses: "198.51.100.23:8080", RemoteHostnames: "", Verdict: "malicious", IndicatorsInclude: netInds},
		{RecordID: 20021, EventID: 13, EventType: "SetValue", Role: "autorun", Location: "run",
			Path: `HKEY_USERS\` + sid1 + `\Software\Microsoft\Windows\CurrentVersion\Run\kJqVwNtR`, TargetObject: hku1 + `\Software\Microsoft\Windows\CurrentVersion\Run\kJqVwNtR`,
			Time: 1710235812, UtcTime: "2024-03-12 09:30:12.103", ProcessGUID: pMSF.guid, ProcessID: pMSF.pid, Image: pMSF.image, User: userName,
			LinkedRecordID: 20020, NetBefore: 2, NetAfter: 1, SecondsBefore: 1.853, SecondsAfter: 3.377,
			RemoteAddresses: "198.51.100.23:8080", RemoteHostnames: "", Verdict: "malicious",
			IndicatorsInclude: append([]string{"hidden_window", "registry_payload"}, netInds...)},
	}
	exp := chainExpected{
		Comment: []string{
			"Rows sysmon_reg_net_chain must return for each of scenario.xml, scenario.ecs.jsonl and scenario.nxlog.jsonl (same events, three formats), window = 300 s.",
			"Event time (SPEC §5): Sysmon UtcTime when it lies within 10 minutes of TimeCreated (ECS @timestamp, NXLog EventTime), else TimeCreated; EventRecordID breaks ties. Process identity: ProcessGuid.",
			"Empire chain, powershell.exe " + pEmpire.guid + ": the Debug (20010) and Run\\Updater (20011) writes both have UtcTime 09:15:06.376 = TimeCreated, so t_w = 09:15:06.376. Its NetworkConnect events carry a UtcTime 21h02m13.29s (+ ~0.4 s logging delay) before TimeCreated (the seed's guest-clock jump), so their time is TimeCreated: 20003 09:09:58.120 (308.256 s before: outside 300), 20007 09:14:58.412 (7.964 s before), 20009 09:15:03.377 (2.999 s before), 20013 09:15:08.566 (2.190 s after), 20014 09:15:08.567 (2.191 s after), 20018 09:20:14.900 (308.524 s after: outside). => net_before 2, net_after 2, seconds_before 2.999, seconds_after 2.190, remote 203.0.113.50:80 — the seed's 2/2 shape. Using the raw UtcTime would put all six 21 h in the past (0/0): wrong.",
			"20008 is another powershell.exe (" + pOtherPS.guid + ", pid 5208) talking to 203.0.113.77:443 inside the window: a different process, never counted. 20012 (ZoneMap\\ProxyBypass) by the same process is neither an autorun nor referenced: no row.",
			"Metasploit chain, powershell.exe " + pMSF.guid + ", no clock jump: payload write 20020 at 09:30:12.101, Run\\kJqVwNtR 20021 at 09:30:12.103. Connections: 20019 UtcTime 09:29:05.000 (67.1 s before), 20022 UtcTime 09:30:10.250 but logged (TimeCreated) 09:30:13.910 with a record id after both writes — it counts BEFORE (1.851/1.853 s), 20023 UtcTime 09:30:15.480 (3.379/3.377 s after). => net_before 2, net_after 1. Ordering by TimeCreated or record id would wrongly give 1/2.",
			"OneDrive (20006, Run\\OneDrive at 09:13:40.512): its own connection 20005 at UtcTime 09:13:01.990 is 38.522 s before => 1/0; it must stay benign. SecurityHealthService (20016, HKLM Run\\SecurityHealth) has no network: 0/0, seconds -1, benign. explorer's DeleteValue of RunOnce\\Delete Cached Update Binary (20017, event 12) writes an autorun location: a benign row with empty details.",
			"Links: 20011's command reads HKCU:Software\\Microsoft\\Windows\\CurrentVersion Debug => HKEY_USERS\\<SID>\\...\\CurrentVersion\\Debug = 20010's target (HKCU resolves to the SID of the hive the autorun was written to). 20021 reads (Get-Item 'HKCU:Software\\Aw3KxQ').GetValue('Pq7Lz') => 20020.",
			"The registry events carry no User field (the seed's schema); user comes from the same process's other events (ProcessCreate 20002, NetworkConnect). Rows without a user key are not checked for it.",
			"Not rows: 20012 and 20015 (unrelated registry writes), every NetworkConnect and the ProcessCreate, and the Security 4624 event (record 88231, another channel and provider), which must be ignored.",
			"time is TimeCreated in unix seconds (floor). NXLog's EventTime has whole seconds only, so with scenario.nxlog.jsonl the clock-jumped network events fall back to 09:15:03 / 09:15:08 and the Empire rows read seconds_before 3.376, seconds_after 1.624 (nxlog_seconds_*); counts are the same. Compare seconds within seconds_tolerance.",
			"window_variants: the same rows queried WITH window = 5 (only the counts are listed).",
		},
		Files:            []string{"scenario.xml", "scenario.ecs.jsonl", "scenario.nxlog.jsonl"},
		Computer:         computer,
		Window:           300,
		SecondsTolerance: 0.002,
		RowCount:         len(rows),
		Rows:             rows,
		NoRowFor:         []int64{20001, 20002, 20003, 20004, 20005, 20007, 20008, 20009, 20012, 20013, 20014, 20015, 20018, 20019, 20022, 20023, 20024, 88231},
		WindowVariants: []windowVariant{
			{5, 20010, 1, 2}, {5, 20011, 1, 2}, {5, 20020, 1, 1}, {5, 20021, 1, 1}, {5, 20006, 0, 0},
		},
	}
	verifyChain(events, exp)
	return exp
}

// effTime is SPEC §5's event time; truncate emulates a format whose
// TimeCreated has whole seconds only (NXLog EventTime).
func effTime(e event, truncate bool) time.Time {
	created := e.created
	if truncate {
		created = created.Truncate(time.Second)
	}
	utc, err := time.Parse("2006-01-02 15:04:05.000", e.get("UtcTime"))
	if err == nil {
		d := utc.Sub(created)
		if d < 0 {
			d = -d
		}
		if d <= 10*time.Minute {
			return utc
		}
	}
	return created
}

// verifyChain recomputes each row's network counts and gaps from the
// events and panics when the hand-written expectation disagrees.
func verifyChain(events []event, exp chainExpected) {
	byRec := map[int64]event{}
	for _, e := range events {
		if e.channel == sysmonChannel {
			byRec[e.recordID] = e
		}
	}
	check := func(cond bool, format string, args ...any) {
		if !cond {
			panic("fixturegen: sysmon expectation: " + fmt.Sprintf(format, args...))
		}
	}
	count := func(w event, window time.Duration, truncate bool) (before, after int, sb, sa float64, addrs, hosts string) {
		tw := effTime(w, truncate)
		sb, sa = -1, -1
		as, hs := map[string]bool{}, map[string]bool{}
		for _, e := range events {
			if e.channel != sysmonChannel || e.eventID != 3 || e.get("ProcessGuid") != w.get("ProcessGuid") {
				continue
			}
			t := effTime(e, truncate)
			d := t.Sub(tw)
			switch {
			case d < 0 && -d <= window:
				before++
				if s := -d.Seconds(); sb < 0 || s < sb {
					sb = s
				}
			case d >= 0 && d <= window:
				after++
				if s := d.Seconds(); sa < 0 || s < sa {
					sa = s
				}
			default:
				continue
			}
			as[e.get("DestinationIp")+":"+e.get("DestinationPort")] = true
			if h := e.get("DestinationHostname"); h != "" {
				hs[h] = true
			}
		}
		return before, after, sb, sa, joinSorted(as), joinSorted(hs)
	}
	near := func(a, b float64) bool { return math.Abs(a-b) < 0.0005 }
	for _, r := range exp.Rows {
		w, ok := byRec[r.RecordID]
		check(ok, "row %d has no event", r.RecordID)
		check(w.eventID == r.EventID && w.get("EventType") == r.EventType && w.get("TargetObject") == r.TargetObject && w.get("UtcTime") == r.UtcTime,
			"row %d does not match its event", r.RecordID)
		check(w.created.Unix() == r.Time, "row %d time %d != %d", r.RecordID, r.Time, w.created.Unix())
		b, a, sb, sa, addrs, hosts := count(w, 300*time.Second, false)
		check(b == r.NetBefore && a == r.NetAfter, "row %d counts %d/%d, computed %d/%d", r.RecordID, r.NetBefore, r.NetAfter, b, a)
		check(near(sb, r.SecondsBefore) && near(sa, r.SecondsAfter), "row %d seconds %v/%v, computed %v/%v", r.RecordID, r.SecondsBefore, r.SecondsAfter, sb, sa)
		check(addrs == r.RemoteAddresses && hosts == r.RemoteHostnames, "row %d remotes %q %q, computed %q %q", r.RecordID, r.RemoteAddresses, r.RemoteHostnames, addrs, hosts)
		b, a, sb, sa, _, _ = count(w, 300*time.Second, true)
		check(b == r.NetBefore && a == r.NetAfter, "row %d nxlog counts computed %d/%d", r.RecordID, b, a)
		wantB, wantA := r.SecondsBefore, r.SecondsAfter
		if r.NXLogSecondsBefore != nil {
			wantB, wantA = *r.NXLogSecondsBefore, *r.NXLogSecondsAfter
		}
		check(near(sb, wantB) && near(sa, wantA), "row %d nxlog seconds %v/%v, computed %v/%v", r.RecordID, wantB, wantA, sb, sa)
	}
	for _, v := range exp.WindowVariants {
		w := byRec[v.RecordID]
		for _, trunc := range []bool{false, true} {
			b, a, _, _, _, _ := count(w, time.Duration(v.Window)*time.Second, trunc)
			check(b == v.NetBefore && a == v.NetAfter, "variant window %d row %d: %d/%d computed %d/%d", v.Window, v.RecordID, v.NetBefore, v.NetAfter, b, a)
		}
	}
}

func joinSorted(m map[string]bool) string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}
