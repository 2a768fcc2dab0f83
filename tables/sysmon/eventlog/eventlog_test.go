package eventlog

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/osquery/osquery-go/plugin/table"

	"github.com/runkeyhunt/runkeyhunt/tables/chain"
	"github.com/runkeyhunt/runkeyhunt/tables/sysmon"
)

func TestRegistryQuery(t *testing.T) {
	if got, want := RegistryQuery(TimeRange{Last: DefaultRange}),
		"*[System[(EventID=12 or EventID=13 or EventID=14) and TimeCreated[timediff(@SystemTime) <= 86400000]]]"; got != want {
		t.Errorf("default:\n got %s\nwant %s", got, want)
	}
	r := TimeRange{From: time.Date(2018, 4, 9, 5, 56, 0, 0, time.UTC), Until: time.Date(2018, 4, 9, 6, 0, 0, 0, time.UTC)}
	if got, want := RegistryQuery(r),
		"*[System[(EventID=12 or EventID=13 or EventID=14) and TimeCreated[@SystemTime>='2018-04-09T05:56:00.000Z' and @SystemTime<'2018-04-09T06:00:00.000Z']]]"; got != want {
		t.Errorf("range:\n got %s\nwant %s", got, want)
	}
	if got, want := RegistryQuery(TimeRange{Until: r.Until}),
		"*[System[(EventID=12 or EventID=13 or EventID=14) and TimeCreated[@SystemTime<'2018-04-09T06:00:00.000Z']]]"; got != want {
		t.Errorf("upper bound only:\n got %s\nwant %s", got, want)
	}
}

var comparison = regexp.MustCompile(`(EventID=\d+|@SystemTime[<>=]+'[^']*'|timediff\(@SystemTime\) <= \d+|Data\[@Name='\w+'\]='[^']*')`)

func TestProcessQueriesBatchUnderTheLimit(t *testing.T) {
	var procs []Process
	for i := 0; i < 50; i++ {
		procs = append(procs, Process{GUID: "{84453EAB-268B-5FC8-1EC2-FB01000000" + string(rune('0'+i/10)) + string(rune('0'+i%10)) + "}"})
	}
	procs = append(procs, procs[0], Process{PID: "4736"}, Process{GUID: "x' or '1'='1"})
	r := TimeRange{From: time.Unix(1_600_000_000, 0), Until: time.Unix(1_600_003_600, 0)}
	qs := ProcessQueries([]int{1, 3}, r, procs)
	seen := map[string]int{}
	for _, q := range qs {
		n := len(comparison.FindAllString(q, -1))
		if n > maxExpressions {
			t.Errorf("query has %d expressions (limit %d): %s", n, maxExpressions, q)
		}
		if !strings.HasPrefix(q, "*[System[(EventID=1 or EventID=3) and TimeCreated[@SystemTime>='2020-09-13T12:26:40.000Z' and @SystemTime<'2020-09-13T13:26:40.000Z']] and *[EventData[(") {
			t.Errorf("unexpected shape: %s", q)
		}
		for _, m := range regexp.MustCompile(`Data\[@Name='(\w+)'\]='([^']*)'`).FindAllStringSubmatch(q, -1) {
			seen[m[1]+"="+m[2]]++
		}
	}
	if len(seen) != 51 {
		t.Errorf("%d distinct processes asked for, want 50 GUIDs + 1 PID (duplicate and unsafe dropped)", len(seen))
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("%s asked %d times", k, n)
		}
	}
	if seen["ProcessId=4736"] != 1 {
		t.Error("GUID-less process not selected by ProcessId")
	}
	if len(qs) != 4 { // 51 terms, 16 per query
		t.Errorf("%d queries, want 4", len(qs))
	}
}

func qc(ops ...table.Constraint) table.QueryContext {
	if len(ops) == 0 {
		return table.QueryContext{Constraints: map[string]table.ConstraintList{}}
	}
	return table.QueryContext{Constraints: map[string]table.ConstraintList{"time": {Constraints: ops}}}
}

func TestRangeFromConstraints(t *testing.T) {
	at := func(s int64) time.Time { return time.Unix(s, 0).UTC() }
	cases := []struct {
		name string
		qc   table.QueryContext
		want TimeRange
	}{
		{"none", qc(), TimeRange{Last: 24 * time.Hour}},
		{">", qc(table.Constraint{Operator: table.OperatorGreaterThan, Expression: "100"}), TimeRange{From: at(101)}},
		{">=", qc(table.Constraint{Operator: table.OperatorGreaterThanOrEquals, Expression: "100"}), TimeRange{From: at(100)}},
		{"<", qc(table.Constraint{Operator: table.OperatorLessThan, Expression: "200"}), TimeRange{Until: at(200)}},
		{"<=", qc(table.Constraint{Operator: table.OperatorLessThanOrEquals, Expression: "200"}), TimeRange{Until: at(201)}},
		{"=", qc(table.Constraint{Operator: table.OperatorEquals, Expression: "150"}), TimeRange{From: at(150), Until: at(151)}},
		{"between", qc(table.Constraint{Operator: table.OperatorGreaterThanOrEquals, Expression: "100"},
			table.Constraint{Operator: table.OperatorGreaterThan, Expression: "120"},
			table.Constraint{Operator: table.OperatorLessThan, Expression: "200"},
			table.Constraint{Operator: table.OperatorLessThanOrEquals, Expression: "300"}), TimeRange{From: at(121), Until: at(200)}},
		{"in", qc(table.Constraint{Operator: table.OperatorEquals, Expression: "150"},
			table.Constraint{Operator: table.OperatorEquals, Expression: "110"}), TimeRange{From: at(110), Until: at(151)}},
		{"like only", qc(table.Constraint{Operator: table.OperatorLike, Expression: "1%"}), TimeRange{Last: 24 * time.Hour}},
	}
	for _, c := range cases {
		got, err := RangeFromConstraints(c.qc)
		if err != nil || got != c.want {
			t.Errorf("%s: got %+v, %v; want %+v", c.name, got, err, c.want)
		}
	}
	if _, err := RangeFromConstraints(qc(table.Constraint{Operator: table.OperatorGreaterThan, Expression: "yesterday"})); err == nil {
		t.Error("non-numeric time accepted")
	}
	if got := (TimeRange{From: at(100), Until: at(200)}).Widen(10 * time.Second); got != (TimeRange{From: at(90), Until: at(210)}) {
		t.Errorf("Widen = %+v", got)
	}
}

// renderLike returns the event the way EvtRender hands it over: UTF-16LE
// with a terminating NUL.
func renderLike(t *testing.T, name string) []byte {
	t.Helper()
	text, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	units := utf16.Encode([]rune(string(text) + "\x00"))
	out := make([]byte, 2*len(units))
	for i, u := range units {
		out[2*i], out[2*i+1] = byte(u), byte(u>>8)
	}
	return out
}

func TestParseRenderedRealEvents(t *testing.T) {
	ev, err := ParseRendered(renderLike(t, "atomic_runonce_13.xml"), sysmon.Channel)
	if err != nil || ev == nil {
		t.Fatalf("ParseRendered: %v %v", ev, err)
	}
	if ev.EventID != 13 || ev.RecordID != 4477 || ev.Computer != "win-dc-942.attackrange.local" ||
		ev.TimeCreated != time.Date(2020, 11, 27, 8, 47, 42, 590091100, time.UTC) || ev.SourceFile != "" {
		t.Errorf("system fields: %+v", ev)
	}
	if ev.Field("TargetObject") != `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\RunOnce\NextRun` ||
		!strings.Contains(ev.Field("Details"), "DownloadString(`\"https://raw.githubusercontent.com") ||
		ev.Field("ProcessGuid") != "{3368E97D-BD2E-5FC0-EC00-000000009101}" {
		t.Errorf("event data: %v", maps.Collect(ev.Fields()))
	}
	ev, err = ParseRendered(renderLike(t, "empire_launcher_1.xml"), sysmon.Channel)
	if err != nil || ev == nil || ev.Field("Product") != "Microsoft® Windows® Operating System" || ev.Field("User") != `WIN-40TITGP9BI7\IEuser` {
		t.Errorf("non-ASCII ProcessCreate: %v %v", ev, err)
	}
	other := []byte(strings.ReplaceAll(string(renderLike(t, "empire_launcher_3.xml")), "S\x00y\x00s\x00m\x00o\x00n\x00", "O\x00t\x00h\x00e\x00r\x00"))
	if ev, err := ParseRendered(other, sysmon.Channel); err != nil || ev != nil {
		t.Errorf("non-Sysmon event: %v %v", ev, err)
	}
	if _, err := ParseRendered(renderLike(t, "excel_load_13.xml")[:200], sysmon.Channel); err == nil {
		t.Error("truncated event accepted")
	}
}

// fakeLog answers queries from a list of real rendered events the way the
// Event Log service would for the queries this package builds: by event id
// and by the ProcessGuid terms, in record order. It records the queries.
type fakeLog struct {
	events  []*sysmon.Event
	queries []string
}

func (f *fakeLog) query(_ context.Context, xpath string, emit func(*sysmon.Event) error) error {
	f.queries = append(f.queries, xpath)
	for _, ev := range f.events {
		if !strings.Contains(xpath, "EventID="+strconv.Itoa(ev.EventID)+" ") && !strings.Contains(xpath, "EventID="+strconv.Itoa(ev.EventID)+")") {
			continue
		}
		if strings.Contains(xpath, "ProcessGuid") && !strings.Contains(xpath, "'"+ev.Field("ProcessGuid")+"'") {
			continue
		}
		if err := emit(ev); err != nil {
			return err
		}
	}
	return nil
}

func TestCorrelateAsksOnlyForProcessesThatMatter(t *testing.T) {
	var events []*sysmon.Event
	for _, name := range []string{"empire_launcher_1.xml", "empire_launcher_3.xml", "excel_load_13.xml", "atomic_runonce_13.xml"} {
		ev, err := ParseRendered(renderLike(t, name), sysmon.Channel)
		if err != nil || ev == nil {
			t.Fatalf("%s: %v", name, err)
		}
		events = append(events, ev)
	}
	// The real events come from different hosts; to see the network
	// half of the chain, the Empire process also writes a Run value (a
	// copy of the real RunOnce event, moved to that process and host).
	write := events[3].Clone()
	write.RecordID, write.Computer = 13925, events[1].Computer
	write.TimeCreated = events[1].TimeCreated.Add(time.Second)
	write.SetField("UtcTime", write.TimeCreated.Format("2006-01-02 15:04:05.000"))
	write.SetField("ProcessGuid", events[1].Field("ProcessGuid"))
	write.SetField("ProcessId", events[1].Field("ProcessId"))
	events = append(events, write)
	// Record order, as the service returns it.
	log := &fakeLog{events: []*sysmon.Event{events[2], events[3], events[0], events[1], events[4]}}
	rows, err := Correlate(context.Background(), log.query, Options{Window: chain.DefaultWindow, Range: TimeRange{Last: DefaultRange}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("%d rows, want 3 (Windows\\Load, RunOnce, the Empire process's write): %+v", len(rows), rows)
	}
	var empire *chain.Row
	for i := range rows {
		if rows[i].RecordID == 13925 {
			empire = rows[i]
		}
	}
	if empire == nil || empire.NetBefore != 1 || empire.RemoteAddresses != "192.168.254.46:80" || empire.User != `WIN-40TITGP9BI7\IEuser` || empire.Location != "run_once" {
		t.Errorf("Empire write row: %+v", empire)
	}
	var processQueries []string
	for _, q := range log.queries {
		if strings.Contains(q, "ProcessGuid") {
			processQueries = append(processQueries, q)
		}
	}
	if len(processQueries) != 1 {
		t.Fatalf("process queries: %q", processQueries)
	}
	for _, guid := range []string{"{84453EAB-268B-5FC8-1EC2-FB0100000000}", "{3368E97D-BD2E-5FC0-EC00-000000009101}", "{f2b94391-d804-5fbb-b30a-000000000500}"} {
		if !strings.Contains(processQueries[0], guid) {
			t.Errorf("process query lacks %s: %s", guid, processQueries[0])
		}
	}
	if len(log.queries) != 4 {
		t.Errorf("%d queries, want 3 registry passes + 1 process batch: %q", len(log.queries), log.queries)
	}
}

func TestCorrelateWithoutInterestAsksNoProcesses(t *testing.T) {
	ev, err := ParseRendered(renderLike(t, "empire_launcher_3.xml"), sysmon.Channel)
	if err != nil {
		t.Fatal(err)
	}
	log := &fakeLog{events: []*sysmon.Event{ev}}
	rows, err := Correlate(context.Background(), log.query, Options{Window: chain.DefaultWindow, Range: TimeRange{Last: time.Hour}})
	if err != nil || len(rows) != 0 || len(log.queries) != 2 {
		t.Errorf("rows %v err %v queries %q", rows, err, log.queries)
	}
}
