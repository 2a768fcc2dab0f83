package chain

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/runkeyhunt/runkeyhunt/tables/autoruns"
	"github.com/runkeyhunt/runkeyhunt/tables/sysmon"
)

const (
	sid        = "S-1-5-21-1111111111-2222222222-3333333333-1001"
	psGUID     = "{11111111-2222-3333-4444-555555555555}"
	powershell = `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`
	loader     = `"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe" -c "$x=$((gp HKCU:Software\Microsoft\Windows\CurrentVersion Debug).Debug);powershell -Win Hidden -enc $x"`
)

var t0 = time.Date(2018, 2, 8, 2, 43, 9, 376e6, time.UTC)

// ev builds an event; utcShift moves Sysmon's UtcTime away from TimeCreated.
func ev(rid int64, id int, created time.Time, utcShift time.Duration, fields map[string]string) *sysmon.Event {
	f := map[string]string{"UtcTime": created.Add(utcShift).Format("2006-01-02 15:04:05.000")}
	for k, v := range fields {
		f[k] = v
	}
	e := &sysmon.Event{EventID: id, RecordID: rid, TimeCreated: created, Computer: "WIN-DEMO01",
		Provider: sysmon.Provider, Channel: sysmon.Channel, SourceFile: "test.xml"}
	for k, v := range f {
		e.SetField(k, v)
	}
	return e
}

func netEv(rid int64, created time.Time, shift time.Duration, guid, ip string) *sysmon.Event {
	return ev(rid, EventNetwork, created, shift, map[string]string{"ProcessGuid": guid, "ProcessId": "4242", "Image": powershell,
		"DestinationIp": ip, "DestinationPort": "80", "User": `WIN-DEMO01\alice`})
}

func setValue(rid int64, created time.Time, guid, target, details string) *sysmon.Event {
	return ev(rid, EventRegistryValue, created, 0, map[string]string{"EventType": "SetValue", "ProcessGuid": guid, "ProcessId": "4242",
		"Image": powershell, "TargetObject": target, "Details": details})
}

func run(window time.Duration, events ...*sysmon.Event) []*Row {
	e := New(window)
	for _, x := range events {
		if RegistryIDs[x.EventID] {
			e.Collect(x)
		}
	}
	for _, x := range events {
		e.Observe(x)
	}
	return e.Rows()
}

// The seed's shape: the network events' UtcTime is ~21 h early (clock
// jump), so their TimeCreated counts; one is logged after the writes.
func seedEvents() []*sysmon.Event {
	jump := -21*time.Hour - 40*time.Minute
	return []*sysmon.Event{
		netEv(1, t0.Add(-8*time.Second), jump, psGUID, "203.0.113.50"),
		netEv(2, t0.Add(-3*time.Second), jump, psGUID, "203.0.113.50"),
		setValue(3, t0, psGUID, `HKU\`+sid+`\Software\Microsoft\Windows\CurrentVersion\Debug`, "SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA"),
		setValue(4, t0.Add(4*time.Millisecond), psGUID, `HKU\`+sid+`\Software\Microsoft\Windows\CurrentVersion\Run\Updater`, loader),
		netEv(5, t0.Add(2*time.Second), jump, psGUID, "203.0.113.50"),
		netEv(6, t0.Add(2*time.Second), jump, psGUID, "203.0.113.50"),
	}
}

func TestSeedShape(t *testing.T) {
	rows := run(DefaultWindow, seedEvents()...)
	if len(rows) != 2 {
		t.Fatalf("want 2 rows, got %d: %+v", len(rows), rows)
	}
	payload, autorun := rows[0], rows[1]
	if payload.Role != RolePayload || autorun.Role != RoleAutorun || autorun.Location != "run" {
		t.Fatalf("roles: %s/%s %s", payload.Role, autorun.Role, autorun.Location)
	}
	if autorun.LinkedRecordID != 3 || payload.LinkedRecordID != 4 {
		t.Errorf("links: autorun->%d payload->%d", autorun.LinkedRecordID, payload.LinkedRecordID)
	}
	for _, r := range rows {
		if r.NetBefore != 2 || r.NetAfter != 2 || r.RemoteAddresses != "203.0.113.50:80" {
			t.Errorf("%s: before %d after %d remotes %q", r.Role, r.NetBefore, r.NetAfter, r.RemoteAddresses)
		}
		if r.User != `WIN-DEMO01\alice` {
			t.Errorf("%s: user %q not taken from the process's network events", r.Role, r.User)
		}
	}
	if autorun.Path != `HKEY_USERS\`+sid+`\Software\Microsoft\Windows\CurrentVersion\Run\Updater` {
		t.Errorf("path %q", autorun.Path)
	}
	if autorun.Verdict != "malicious" || !strings.Contains(autorun.Indicators, "two_stage_write") {
		t.Errorf("autorun verdict %s indicators %s", autorun.Verdict, autorun.Indicators)
	}
	if autorun.SecondsBefore < 2.9 || autorun.SecondsBefore > 3.1 || autorun.SecondsAfter < 1.9 || autorun.SecondsAfter > 2.1 {
		t.Errorf("gaps: before %.3f after %.3f", autorun.SecondsBefore, autorun.SecondsAfter)
	}
}

func TestClockRule(t *testing.T) {
	// UtcTime within 10 minutes of TimeCreated wins: a connection logged
	// 20 s after the write but made 5 s before it counts before.
	late := netEv(5, t0.Add(20*time.Second), -25*time.Second, psGUID, "203.0.113.7")
	rows := run(DefaultWindow, setValue(4, t0, psGUID, `HKU\`+sid+`\Software\Microsoft\Windows\CurrentVersion\Run\X`, "calc.exe"), late)
	if len(rows) != 1 || rows[0].NetBefore != 1 || rows[0].NetAfter != 0 {
		t.Fatalf("late-logged connection: %+v", rows)
	}
	// Same time: the record id orders them.
	rows = run(DefaultWindow,
		netEv(3, t0, 0, psGUID, "203.0.113.7"),
		setValue(4, t0, psGUID, `HKU\`+sid+`\Software\Microsoft\Windows\CurrentVersion\Run\X`, "calc.exe"),
		netEv(5, t0, 0, psGUID, "203.0.113.8"))
	if rows[0].NetBefore != 1 || rows[0].NetAfter != 1 || rows[0].SecondsBefore != 0 {
		t.Errorf("tie on time: %+v", rows[0])
	}
}

func TestWindowBounds(t *testing.T) {
	target := `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\Y`
	events := []*sysmon.Event{
		netEv(1, t0.Add(-301*time.Second), 0, psGUID, "203.0.113.1"),
		netEv(2, t0.Add(-300*time.Second), 0, psGUID, "203.0.113.2"),
		setValue(3, t0, psGUID, target, "y.exe"),
		netEv(4, t0.Add(300*time.Second), 0, psGUID, "203.0.113.3"),
		netEv(5, t0.Add(301*time.Second), 0, psGUID, "203.0.113.4"),
		// Another process's connections never count.
		netEv(6, t0.Add(time.Second), 0, "{99999999-2222-3333-4444-555555555555}", "198.51.100.9"),
	}
	rows := run(DefaultWindow, events...)
	if len(rows) != 1 || rows[0].NetBefore != 1 || rows[0].NetAfter != 1 || rows[0].RemoteAddresses != "203.0.113.2:80,203.0.113.3:80" {
		t.Fatalf("window 300: %+v", rows)
	}
	if rows[0].Scope != "machine" || rows[0].Location != "run" {
		t.Errorf("machine autorun: %+v", rows[0])
	}
	rows = run(10*time.Second, events...)
	if rows[0].NetBefore != 0 || rows[0].NetAfter != 0 || rows[0].SecondsBefore != -1 {
		t.Errorf("window 10: %+v", rows[0])
	}
}

func TestProcessIdentityFallsBackToPIDAndImage(t *testing.T) {
	e1 := ev(1, EventNetwork, t0.Add(-time.Second), 0, map[string]string{"ProcessId": "77", "Image": `C:\x.exe`, "DestinationIp": "203.0.113.1", "DestinationPort": "443"})
	e2 := ev(2, EventNetwork, t0.Add(-time.Second), 0, map[string]string{"ProcessId": "78", "Image": `C:\x.exe`, "DestinationIp": "203.0.113.2", "DestinationPort": "443"})
	w := ev(3, EventRegistryValue, t0, 0, map[string]string{"EventType": "SetValue", "ProcessId": "77", "Image": `C:\X.EXE`,
		"TargetObject": `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\Z`, "Details": `C:\x.exe`})
	rows := run(DefaultWindow, e1, e2, w)
	if len(rows) != 1 || rows[0].NetBefore != 1 || rows[0].RemoteAddresses != "203.0.113.1:443" {
		t.Fatalf("fallback identity: %+v", rows)
	}
}

func TestIgnoresUnrelatedWrites(t *testing.T) {
	rows := run(DefaultWindow,
		setValue(1, t0, psGUID, `HKU\`+sid+`\Software\Microsoft\Windows\CurrentVersion\Explorer\RecentDocs\x`, "binary"),
		setValue(2, t0, psGUID, `HKU\`+sid+`_Classes\Software\Microsoft\Windows\CurrentVersion\Run\x`, "a.exe"),
		setValue(3, t0, psGUID, `HKU\`+sid+`\Software\Microsoft\Windows\CurrentVersion\Debug`, "not referenced by anything"),
	)
	if len(rows) != 0 {
		t.Errorf("want no rows, got %+v", rows)
	}
}

func TestKeyEventsAndDeletes(t *testing.T) {
	del := ev(5, EventRegistryKey, t0, 0, map[string]string{"EventType": "DeleteValue", "ProcessGuid": psGUID,
		"TargetObject": `HKU\` + sid + `\Software\Microsoft\Windows\CurrentVersion\Run\Updater`})
	create := ev(6, EventRegistryKey, t0, 0, map[string]string{"EventType": "CreateKey", "ProcessGuid": psGUID,
		"TargetObject": `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\RunOnce`})
	rows := run(DefaultWindow, del, create)
	if len(rows) != 2 || rows[0].EventType != "DeleteValue" || rows[1].Location != "run_once" {
		t.Fatalf("key events: %+v", rows)
	}
}

// Memory stays bounded by the window, not by the stream: a million
// connections of processes that never write the registry leave only the
// last window's worth in the rings.
func TestRingsStayBounded(t *testing.T) {
	e := New(DefaultWindow)
	for i := 0; i < 200000; i++ {
		e.Observe(netEv(int64(i), t0.Add(time.Duration(i)*time.Second), 0, fmt.Sprintf("{%08d-0000-0000-0000-000000000000}", i%500), "203.0.113.1"))
	}
	total := 0
	for _, p := range e.procs {
		total += len(p.ring)
	}
	limit := int((e.horizon() + e.horizon()/4) / time.Second)
	if total > limit+1 {
		t.Errorf("%d connections kept, want at most %d (one per second of horizon)", total, limit)
	}
}

func TestRegistryState(t *testing.T) {
	rows := run(DefaultWindow, seedEvents()...)
	view := RegistryState(rows)
	hives, _ := view.Hives()
	if len(hives) != 1 || hives[0].Info().SID != sid {
		t.Fatalf("hives: %v", hives)
	}
	k, err := hives[0].Key(`Software\Microsoft\Windows\CurrentVersion\Run`)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := k.Value("Updater"); !ok || v.String() != loader {
		t.Errorf("Updater = %q", v.String())
	}
}

func FuzzObserve(f *testing.F) {
	f.Add(int64(1), 13, "SetValue", `HKU\S-1\Software\Microsoft\Windows\CurrentVersion\Run\x`, loader, "2018-02-08 02:43:09.376")
	f.Add(int64(2), 3, "", `HKLM\x`, "", "garbage")
	f.Add(int64(3), 12, "DeleteValue", `\REGISTRY\MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon\Shell`, "", "")
	f.Fuzz(func(t *testing.T, rid int64, id int, eventType, target, details, utc string) {
		x := &sysmon.Event{EventID: id, RecordID: rid, TimeCreated: t0, Computer: "c"}
		for k, v := range map[string]string{"EventType": eventType, "TargetObject": target, "Details": details,
			"UtcTime": utc, "ProcessGuid": "{g}", "DestinationIp": "203.0.113.1", "DestinationPort": "80"} {
			x.SetField(k, v)
		}
		e := New(DefaultWindow)
		e.Collect(x)
		e.Observe(x)
		e.Observe(netEv(rid+1, t0, 0, "{g}", "203.0.113.2"))
		for _, r := range e.Rows() {
			if r.Score < 0 || r.Score > 100 {
				t.Fatalf("score %d", r.Score)
			}
		}
		RegistryState(e.Rows())
	})
}

func TestDuplicateRecordsCountOnce(t *testing.T) {
	events := seedEvents()
	twice := append(append([]*sysmon.Event{}, events...), events...)
	rows := run(DefaultWindow, twice...)
	if len(rows) != 2 || rows[1].NetBefore != 2 || rows[1].NetAfter != 2 {
		t.Fatalf("the same records read twice: %+v", rows)
	}
}

func TestRecordSet(t *testing.T) {
	var s recordSet
	for _, id := range []int64{5, 6, 7, 1, 3, 2, 10, 9, 8, 4} {
		if !s.add(id) {
			t.Errorf("add(%d) reported a duplicate", id)
		}
	}
	if got := s.intervals(); len(got) != 1 || got[0] != (span{1, 10}) {
		t.Errorf("spans %v, want one [1,10]", got)
	}
	for _, id := range []int64{1, 5, 10} {
		if s.add(id) {
			t.Errorf("add(%d) again reported new", id)
		}
	}
	if !s.add(100) || !s.add(50) || len(s.intervals()) != 3 {
		t.Errorf("spans %v", s.intervals())
	}
}

func TestAutorunTargets(t *testing.T) {
	rows := []autoruns.Row{
		{Scope: "user", SID: sid, Data: loader},
		{Scope: "user", Data: `powershell -c "iex ((gp HKCU:\Software\X).P)"`},
		{Scope: "machine", Data: `powershell -c "iex ((gp HKCU:\Software\Y).Q)"`},
		{Scope: "machine", Data: `C:\Windows\system32\SecurityHealthSystray.exe`},
	}
	got := AutorunTargets(rows)
	want := []Target{
		{Root: `HKEY_USERS\` + sid, Rel: `Software\Microsoft\Windows\CurrentVersion`, ValueName: "Debug"},
		{Root: "HKEY_CURRENT_USER", Rel: `Software\X`, ValueName: "P"},
		{Root: `HKEY_USERS\*`, Rel: `Software\Y`, ValueName: "Q"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("AutorunTargets = %v, want %v", got, want)
	}
}
