package chain

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/runkeyhunt/runkeyhunt/internal/evtxwrite"
	"github.com/runkeyhunt/runkeyhunt/tables/input"
	"github.com/runkeyhunt/runkeyhunt/tables/sysmon"
)

// writeEVTX writes an EVTX file whose chunks hold the given events, each
// record with an inline template of its fields (in name order).
func writeEVTX(t testing.TB, chunks [][]*sysmon.Event) string {
	t.Helper()
	var next uint64 = 1
	var body []byte
	for ci, events := range chunks {
		c := evtxwrite.NewChunk(evtxwrite.ChunkOptions{})
		for i, e := range events {
			tpl := evtxwrite.EventTemplate{Qualifiers: true}
			var data []string
			for _, name := range fieldNames(e) {
				tpl.DataNames = append(tpl.DataNames, name)
				data = append(data, e.Field(name))
			}
			values := tpl.Values(evtxwrite.System{Provider: sysmon.Provider, EventID: uint16(e.EventID), Created: e.TimeCreated,
				RecordID: uint64(e.RecordID), Channel: sysmon.Channel, Computer: e.Computer}, data)
			if !c.Record(uint64(e.RecordID), e.TimeCreated, func(x *evtxwrite.BinXML) {
				evtxwrite.InlineEvent(x, uint32(i+1), tpl, values)
			}) {
				t.Fatalf("chunk %d: event %d does not fit", ci, i)
			}
		}
		body = append(body, c.Finish(next, next+uint64(c.Records)-1)...)
		next += uint64(c.Records)
	}
	path := filepath.Join(t.TempDir(), "events.evtx")
	if err := os.WriteFile(path, append(evtxwrite.FileHeader(len(chunks), next), body...), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// fieldNames are an event's EventData names, sorted.
func fieldNames(e *sysmon.Event) []string {
	var names []string
	for k := range e.Fields() {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// writeJSONLines writes the events as NXLog lines.
func writeJSONLines(t testing.TB, events []*sysmon.Event) string {
	t.Helper()
	var b strings.Builder
	for _, e := range events {
		m := map[string]any{"EventTime": e.TimeCreated.Format("2006-01-02 15:04:05.000"), "Hostname": e.Computer,
			"SourceName": sysmon.Provider, "Channel": sysmon.Channel, "EventID": e.EventID, "RecordNumber": e.RecordID}
		for k, v := range e.Fields() {
			m[k] = v
		}
		line, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	path := filepath.Join(t.TempDir(), "events.jsonl")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func createEv(rid int64, at time.Time, guid, user string) *sysmon.Event {
	return ev(rid, EventProcessCreate, at, 0, map[string]string{"ProcessGuid": guid, "ProcessId": "4242", "Image": powershell, "User": user})
}

// passesRows is what the three passes give: the reference rows.
func passesRows(t *testing.T, files []input.File) []*Row {
	t.Helper()
	rows, err := correlatePasses(newPasses(context.Background(), files, make([]warnings, len(files)), func(error) {}), DefaultWindow, nil)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// onePassRun is Correlate, with the chunks and files each step after the
// pass reads.
type onePassRun struct {
	rows       []*Row
	looked     map[int][]int             // by file, the chunks the second look read (nil: all)
	lines      map[int]func([]byte) bool // by file, the second look's line filter
	userPasses int                       // files read for users after the pass
}

func correlateOnce(t *testing.T, files []input.File) onePassRun {
	t.Helper()
	r := newPasses(context.Background(), files, make([]warnings, len(files)), func(err error) { t.Errorf("warning: %v", err) })
	e := New(DefaultWindow)
	op := newOnePass(e, files)
	if err := r.pass(op.filter(), op.take); err != nil {
		t.Fatal(err)
	}
	out := onePassRun{looked: map[int][]int{}, lines: map[int]func([]byte) bool{}}
	err := op.secondLook(func(f int, filter sysmon.Filter, emit func(*sysmon.Event)) error {
		var chunks []int
		if filter.Chunks != nil {
			chunks = []int{}
			for c := range 1000 {
				if filter.Chunks(c) {
					chunks = append(chunks, c)
				}
			}
		}
		out.looked[f] = chunks
		if filter.Line != nil {
			out.lines[f] = filter.Line
		} else if cond := filter.LineOf[EventRegistryValue]; cond != nil {
			out.lines[f] = cond // with fillUsers' ProcessCreate lines
		}
		return r.file(f, filter, emit)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := op.fillUsers(func(f int, filter sysmon.Filter, emit func(*sysmon.Event)) error {
		out.userPasses++
		return r.file(f, filter, emit)
	}); err != nil {
		t.Fatal(err)
	}
	out.rows = e.Rows()
	return out
}

func sameRows(t *testing.T, what string, got, want []*Row) {
	t.Helper()
	if reflect.DeepEqual(got, want) {
		return
	}
	for i := range max(len(got), len(want)) {
		var g, w Row
		if i < len(got) {
			g = *got[i]
		}
		if i < len(want) {
			w = *want[i]
		}
		if !reflect.DeepEqual(g, w) {
			t.Fatalf("%s: row %d of %d/%d differs:\n got  %+v\n want %+v", what, i, len(got), len(want), g, w)
		}
	}
}

const (
	payloadKey = `HKLM\SOFTWARE\Microsoft\Network\debug`
	empireRun  = `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe -c "$x=$((gp HKLM:SOFTWARE\Microsoft\Network debug).debug);powershell -enc $x"`
)

// filler is n network events of other processes from at on, a second
// apart.
func filler(rid *int64, at time.Time, n int) []*sysmon.Event {
	var out []*sysmon.Event
	for i := range n {
		*rid++
		out = append(out, netEv(*rid, at.Add(time.Duration(i)*time.Second), 0, fmt.Sprintf("{AAAAAAAA-0000-0000-0000-%012d}", i%7), "198.51.100.1"))
	}
	return out
}

// The payload is written before the Run value that names it (as Empire
// does): one pass finds it all the same, by a second look at only the
// chunk that held the write and the chunks within the horizon of it; the
// rows are the three passes' rows.
func TestLatePayloadTargetSecondLook(t *testing.T) {
	var rid int64
	next := func() int64 { rid++; return rid }
	early := filler(&rid, t0.Add(-2*time.Hour), 20)
	pay := []*sysmon.Event{
		netEv(next(), t0.Add(-5*time.Second), 0, psGUID, "203.0.113.50"),
		setValue(next(), t0, psGUID, payloadKey, "SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA"),
	}
	run := []*sysmon.Event{
		netEv(next(), t0.Add(30*time.Second), 0, psGUID, "203.0.113.51"),
		setValue(next(), t0.Add(time.Minute), psGUID, `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\Updater`, empireRun),
	}
	late := filler(&rid, t0.Add(3*time.Hour), 20)
	later := filler(&rid, t0.Add(5*time.Hour), 20)
	chunks := [][]*sysmon.Event{early, pay, run, late, later, setValuesAgain(&rid, t0.Add(6*time.Hour))}
	files := []input.File{{Path: writeEVTX(t, chunks), Format: input.EVTX}}
	want := passesRows(t, files)
	var payloads int
	for _, r := range want {
		if r.Role == RolePayload {
			payloads++
		}
	}
	if payloads != 2 || len(want) != 3 {
		t.Fatalf("reference: want 2 payload rows and an autorun, got %+v", want)
	}
	got := correlateOnce(t, files)
	sameRows(t, "one pass", got.rows, want)
	// Chunk 1 held the early write; chunk 2 lies within the horizon of it;
	// chunk 5's write was read after the Run value named it.
	if !reflect.DeepEqual(got.looked, map[int][]int{0: {1, 2}}) {
		t.Errorf("second look read %v, want chunks 1 and 2 of file 0", got.looked)
	}
	rows, err := Correlate(context.Background(), files, DefaultWindow, nil, func(err error) { t.Error(err) })
	if err != nil {
		t.Fatal(err)
	}
	sameRows(t, "Correlate", rows, want)
}

// setValuesAgain is a write to the payload after the Run value named it.
func setValuesAgain(rid *int64, at time.Time) []*sysmon.Event {
	*rid++
	return []*sysmon.Event{setValue(*rid, at, "{BBBBBBBB-0000-0000-0000-000000000001}", payloadKey, "again")}
}

// JSON lines have no chunks: a late target's second look reads the file
// again, parsing only the lines that name a process that wrote the target
// before it was named (its registry and network events), with the same
// rows.
func TestLatePayloadTargetJSONLines(t *testing.T) {
	var rid int64
	events := filler(&rid, t0.Add(-time.Hour), 5)
	events = append(events,
		setValue(100, t0, psGUID, payloadKey, "SQBFAFgA"),
		netEv(101, t0.Add(10*time.Second), 0, psGUID, "203.0.113.50"),
		setValue(102, t0.Add(time.Minute), psGUID, `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\Updater`, empireRun))
	files := []input.File{{Path: writeJSONLines(t, events), Format: input.JSONLines}}
	want := passesRows(t, files)
	if len(want) != 2 || want[0].Role != RolePayload || want[0].NetAfter != 1 {
		t.Fatalf("reference: %+v", want)
	}
	got := correlateOnce(t, files)
	sameRows(t, "one pass", got.rows, want)
	if !reflect.DeepEqual(got.looked, map[int][]int{0: nil}) {
		t.Errorf("second look read %v, want all of file 0", got.looked)
	}
	line := got.lines[0]
	if line == nil || !line([]byte(`{"ProcessGuid":"`+psGUID+`"}`)) || line([]byte(`{"ProcessGuid":"{AAAAAAAA-0000-0000-0000-000000000001}"}`)) {
		t.Errorf("second look's lines: want those naming the writer %s only", psGUID)
	}
}

// The user of a process whose events carry none comes from its
// ProcessCreate, read before its writes, without another pass.
func TestUserFromProcessCreateInOnePass(t *testing.T) {
	w := setValue(3, t0, psGUID, `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\Updater`, "calc.exe")
	other := setValue(4, t0, "{CCCCCCCC-0000-0000-0000-000000000001}", `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\Other`, "calc.exe")
	chunks := [][]*sysmon.Event{
		{createEv(1, t0.Add(-time.Minute), psGUID, `WIN-DEMO01\alice`), createEv(2, t0.Add(-time.Minute), strings.ToLower(psGUID), `WIN-DEMO01\bob`)},
		{w, other},
	}
	files := []input.File{{Path: writeEVTX(t, chunks), Format: input.EVTX}}
	got := correlateOnce(t, files)
	if len(got.rows) != 2 || got.rows[0].User != `WIN-DEMO01\alice` || got.rows[1].User != "" {
		t.Fatalf("want alice's write with her user (the first ProcessCreate of the GUID) and one without: %+v", got.rows)
	}
	if got.userPasses != 0 {
		t.Errorf("%d files read again for users", got.userPasses)
	}
	sameRows(t, "one pass", got.rows, passesRows(t, files))
}

// Past maxCreates, the users of the processes not kept come from a
// ProcessCreate pass, the same users as the three passes give.
func TestUserCapOverflowFallsBackToProcessCreatePass(t *testing.T) {
	defer func(n int) { maxCreates = n }(maxCreates)
	maxCreates = 2
	var creates, writes []*sysmon.Event
	for i := range 5 {
		guid := fmt.Sprintf("{DDDDDDDD-0000-0000-0000-%012d}", i)
		creates = append(creates, createEv(int64(1+i), t0.Add(-time.Minute), guid, fmt.Sprintf(`WIN-DEMO01\user%d`, i)))
		writes = append(writes, setValue(int64(10+i), t0, guid, fmt.Sprintf(`HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\v%d`, i), "calc.exe"))
	}
	files := []input.File{{Path: writeEVTX(t, [][]*sysmon.Event{creates, writes}), Format: input.EVTX}}
	got := correlateOnce(t, files)
	if got.userPasses != 1 {
		t.Errorf("%d files read for users past the cap, want 1", got.userPasses)
	}
	for i, r := range got.rows {
		if want := fmt.Sprintf(`WIN-DEMO01\user%d`, i); r.User != want {
			t.Errorf("row %d: user %q, want %q", i, r.User, want)
		}
	}
	sameRows(t, "one pass", got.rows, passesRows(t, files))
}

// Past maxPaths (values written of no interest), a late target is looked
// for in every chunk: the rows stay the three passes' rows.
func TestPathCapOverflowLooksEverywhere(t *testing.T) {
	defer func(n int) { maxPaths = n }(maxPaths)
	maxPaths = 1
	chunks := [][]*sysmon.Event{
		{setValue(1, t0.Add(-time.Second), psGUID, `HKLM\SOFTWARE\Unrelated\x`, "x")},
		{setValue(2, t0, psGUID, payloadKey, "SQBFAFgA")},
		{setValue(3, t0.Add(time.Minute), psGUID, `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\Updater`, empireRun)},
	}
	files := []input.File{{Path: writeEVTX(t, chunks), Format: input.EVTX}}
	got := correlateOnce(t, files)
	if !reflect.DeepEqual(got.looked, map[int][]int{0: nil}) {
		t.Errorf("second look read %v, want all of file 0", got.looked)
	}
	want := passesRows(t, files)
	if len(want) != 2 {
		t.Fatalf("reference: %+v", want)
	}
	sameRows(t, "one pass", got.rows, want)
}

// randomLog is a random log of a few processes writing payloads and the
// Run values that name them in any order, connecting now and then, with
// ProcessCreate events and users on some events only.
func randomLog(rng *rand.Rand, n int) []*sysmon.Event {
	var out []*sysmon.Event
	at := t0
	guids := []string{psGUID, "{E0000000-0000-0000-0000-000000000001}", "{E0000000-0000-0000-0000-000000000002}", "{E0000000-0000-0000-0000-000000000003}"}
	for i := range n {
		rid := int64(i + 1)
		at = at.Add(time.Duration(rng.IntN(120)) * time.Second)
		g := guids[rng.IntN(len(guids))]
		k := rng.IntN(8)
		pay := fmt.Sprintf(`HKLM\SOFTWARE\Vendor\Blob%d\data`, k)
		switch r := rng.IntN(10); {
		case r < 3:
			out = append(out, netEv(rid, at, 0, g, fmt.Sprintf("203.0.113.%d", rng.IntN(4))))
		case r < 5:
			out = append(out, setValue(rid, at, g, pay, "SQBFAFgA"))
		case r < 6:
			out = append(out, setValue(rid, at, g, fmt.Sprintf(`HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\v%d`, k),
				fmt.Sprintf(`powershell -c "iex (gp HKLM:\SOFTWARE\Vendor\Blob%d).data"`, k)))
		case r < 7:
			out = append(out, createEv(rid, at, g, fmt.Sprintf(`WIN-DEMO01\u%d`, rng.IntN(3))))
		default:
			e := setValue(rid, at, g, `HKLM\SOFTWARE\Vendor\Other\x`, "noise")
			out = append(out, e)
		}
		if rng.IntN(4) == 0 {
			out[len(out)-1].SetField("User", fmt.Sprintf(`WIN-DEMO01\w%d`, rng.IntN(2)))
		}
	}
	return out
}

// On random logs the one pass gives the three passes' rows, byte for
// byte, from EVTX and JSON lines.
func TestOnePassAgreesWithPasses(t *testing.T) {
	for seed := range uint64(30) {
		rng := rand.New(rand.NewPCG(seed, 1))
		events := randomLog(rng, 40+rng.IntN(200))
		var chunks [][]*sysmon.Event
		for len(events) > 0 {
			k := min(len(events), 1+rng.IntN(20))
			chunks, events = append(chunks, events[:k]), events[k:]
		}
		evtx := []input.File{{Path: writeEVTX(t, chunks), Format: input.EVTX}}
		sameRows(t, fmt.Sprintf("seed %d, EVTX", seed), correlateOnce(t, evtx).rows, passesRows(t, evtx))
		jsonl := []input.File{{Path: writeJSONLines(t, slices.Concat(chunks...)), Format: input.JSONLines}}
		sameRows(t, fmt.Sprintf("seed %d, JSON lines", seed), correlateOnce(t, jsonl).rows, passesRows(t, jsonl))
		both := append(evtx, jsonl...)
		sameRows(t, fmt.Sprintf("seed %d, both", seed), correlateOnce(t, both).rows, passesRows(t, both))
	}
}

// xmlEvent is an event as wevtutil writes it.
func xmlEvent(e *sysmon.Event) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="%s"/><EventID>%d</EventID>`+
		`<TimeCreated SystemTime="%s"/><EventRecordID>%d</EventRecordID><Channel>%s</Channel><Computer>%s</Computer></System><EventData>`,
		sysmon.Provider, e.EventID, e.TimeCreated.Format(time.RFC3339Nano), e.RecordID, sysmon.Channel, e.Computer)
	for _, k := range fieldNames(e) {
		fmt.Fprintf(&b, `<Data Name="%s">%s</Data>`, k, html.EscapeString(e.Field(k)))
	}
	b.WriteString("</EventData></Event>\n")
	return b.String()
}

// A file that breaks part way, among several, gives no rows, but the
// payload targets its autorun writes named before the break still count
// in the other files, as the three passes had it.
func TestFileFailingPartWay(t *testing.T) {
	broken := filepath.Join(t.TempDir(), "broken.xml")
	run := setValue(1, t0, psGUID, `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\Updater`, empireRun)
	if err := os.WriteFile(broken, []byte(xmlEvent(run)+"<Event><System>&bogus;</Event>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	good := writeJSONLines(t, []*sysmon.Event{setValue(2, t0.Add(time.Second), "{E0000000-0000-0000-0000-000000000009}", payloadKey, "SQBFAFgA")})
	files := []input.File{{Path: broken, Format: input.EventXML}, {Path: good, Format: input.JSONLines}}
	var warned []string
	rows, err := Correlate(context.Background(), files, DefaultWindow, nil, func(err error) { warned = append(warned, err.Error()) })
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Role != RolePayload || rows[0].SourceFile != good {
		t.Fatalf("want the good file's payload write only, got %+v", rows)
	}
	if len(warned) != 1 || !strings.Contains(warned[0], "skipped") {
		t.Errorf("want one warning that the broken file was skipped, got %q", warned)
	}
	sameRows(t, "Correlate", rows, passesRows(t, files))
}

// appendProcessKey is processKey, without a string made.
func TestAppendProcessKey(t *testing.T) {
	for _, fields := range []map[string]string{
		{"ProcessGuid": "{5770385f-c22a-43e0-bf4c-06f5698ffbd9}"},
		{"ProcessGuid": "5770385F-C22A-43E0-BF4C-06F5698FFBD9"},
		{"ProcessGuid": "{ǆx-ß}"},
		{"ProcessId": "42", "Image": `C:\X.exe`},
	} {
		e := ev(1, EventNetwork, t0, 0, fields)
		if got, want := string(appendProcessKey([]byte("prefix"), e)), "prefix"+processKey(e); got != want {
			t.Errorf("%v: %q, want %q", fields, got, want)
		}
	}
}

// A second look at JSON lines reads, in the same read, the ProcessCreate
// lines fillUsers needs: the users of the rows come out as the three
// passes give them, with no read of the file for users. A network line
// that names a process without a user but no writer stays out of the
// look's engine.
func TestJSONLinesUsersReadWithSecondLook(t *testing.T) {
	const other = "{CCCCCCCC-0000-0000-0000-000000000003}"
	events := []*sysmon.Event{
		createEv(1, t0.Add(-time.Hour), psGUID, `CORP\writer`),
		createEv(2, t0.Add(-time.Hour), other, `CORP\other`),
		setValue(3, t0, psGUID, payloadKey, "SQBFAFgA"),
		ev(4, EventNetwork, t0.Add(10*time.Second), 0, map[string]string{"ProcessGuid": psGUID, "Image": powershell, "DestinationIp": "203.0.113.50", "DestinationPort": "80"}),
		ev(5, EventNetwork, t0.Add(20*time.Second), 0, map[string]string{"ProcessGuid": "{DDDDDDDD-0000-0000-0000-000000000004}", "Image": other, "DestinationIp": "203.0.113.9"}),
		setValue(6, t0.Add(time.Minute), psGUID, `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\Updater`, empireRun),
		setValue(7, t0.Add(2*time.Minute), other, `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\Other`, `C:\Users\Public\o.exe`),
	}
	files := []input.File{{Path: writeJSONLines(t, events), Format: input.JSONLines}}
	want := passesRows(t, files)
	users := map[string]bool{}
	for _, r := range want {
		users[r.User] = true
	}
	if len(want) != 3 || !users[`CORP\writer`] || !users[`CORP\other`] {
		t.Fatalf("reference: want a payload and two autoruns with their users, got %+v", want)
	}
	got := correlateOnce(t, files)
	sameRows(t, "one pass", got.rows, want)
	if got.userPasses != 0 {
		t.Errorf("%d reads of the file for users, want none (the second look read them)", got.userPasses)
	}
	rows, err := Correlate(context.Background(), files, DefaultWindow, nil, func(err error) { t.Error(err) })
	if err != nil {
		t.Fatal(err)
	}
	sameRows(t, "Correlate", rows, want)
}

// Event XML has no condition per event id (Filter.LineOf is the JSON-lines
// reader's), so its second look must not be asked for fillUsers'
// ProcessCreate events as well: it would decode every one of them. It
// keeps its two reads, each filtered by its own line condition.
func TestEventXMLSecondLookReadsNoProcessCreate(t *testing.T) {
	const other = "{CCCCCCCC-0000-0000-0000-000000000003}"
	events := []*sysmon.Event{
		createEv(1, t0.Add(-time.Hour), psGUID, `CORP\writer`),
		createEv(2, t0.Add(-time.Hour), other, `CORP\other`),
		setValue(3, t0, psGUID, payloadKey, "SQBFAFgA"),
		setValue(6, t0.Add(time.Minute), psGUID, `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\Updater`, empireRun),
		setValue(7, t0.Add(2*time.Minute), other, `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\Other`, `C:\Users\Public\o.exe`),
	}
	var b strings.Builder
	for _, e := range events {
		b.WriteString(xmlEvent(e))
	}
	path := filepath.Join(t.TempDir(), "events.xml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	files := []input.File{{Path: path, Format: input.EventXML}}
	want := passesRows(t, files)
	if len(want) != 3 {
		t.Fatalf("reference: want a payload and two autoruns, got %+v", want)
	}

	r := newPasses(context.Background(), files, make([]warnings, len(files)), func(err error) { t.Errorf("warning: %v", err) })
	e := New(DefaultWindow)
	op := newOnePass(e, files)
	if err := r.pass(op.filter(), op.take); err != nil {
		t.Fatal(err)
	}
	looks, creates := 0, 0
	if err := op.secondLook(func(f int, filter sysmon.Filter, emit func(*sysmon.Event)) error {
		looks++
		if filter.LineOf != nil || filter.Line == nil {
			t.Errorf("second look at event XML: want its own line condition and no LineOf, got Line set %v, LineOf %d ids", filter.Line != nil, len(filter.LineOf))
		}
		return r.file(f, filter, func(ev *sysmon.Event) {
			if ev.EventID == EventProcessCreate {
				creates++
			}
			emit(ev)
		})
	}); err != nil {
		t.Fatal(err)
	}
	if looks != 1 || creates != 0 {
		t.Errorf("second look: %d reads, %d ProcessCreate events decoded; want 1 read and none", looks, creates)
	}
	userPasses := 0
	if err := op.fillUsers(func(f int, filter sysmon.Filter, emit func(*sysmon.Event)) error {
		userPasses++
		return r.file(f, filter, emit)
	}); err != nil {
		t.Fatal(err)
	}
	if userPasses != 1 {
		t.Errorf("%d reads for users, want 1", userPasses)
	}
	sameRows(t, "one pass", e.Rows(), want)
}
