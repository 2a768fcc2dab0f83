package report

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/runkeyhunt/runkeyhunt/fleet/resultlog"
)

// The engine is held to a reference model: simulated osquery hosts log
// their scheduled queries the way osquery does (event and batch formats,
// whole and per-row snapshots, counter 0 on a first run, a new epoch or a
// database reset), the lines of hosts and queries are interleaved, some are
// repeated, cut short or garbage, and the result is spread over a rotated
// set with a gzip member. The model folds the records that were delivered
// intact with plain maps and the rule of osquery's logging docs ("Schedule
// counter", "Schedule epoch"): a complete result (a snapshot, or the added
// rows of a counter-0 run) replaces what came before it; the lines of one
// run share epoch, counter and unixTime and together make that result;
// later differential runs add and remove rows. Engine and model must agree
// on every query's rows, on findings (active or not, worst verdict) and on
// stacking.

type simRow map[string]string

func (r simRow) key() string {
	b, _ := json.Marshal(map[string]string(r)) // keys sorted: canonical
	return string(b)
}

// modelRecord is what one intact line tells a reader.
type modelRecord struct {
	host, query          string
	kind                 resultlog.Kind
	partOfRun            bool
	epoch, counter, time int64
	rows                 []simRow
}

type simQuery struct {
	name     string
	snapshot bool
	epoch    int64
	counter  int64
	started  bool
	rows     map[string]simRow // the host's true result
	known    map[string]simRow // what a reader of every line knows
}

var modelVerdicts = []struct {
	verdict string
	scores  []int
}{{Benign, []int{0, 10}}, {Suspicious, []int{40, 55}}, {Malicious, []int{80, 100}}}

// simPool is the rows a host may have: a few autoruns whose verdict and
// score vary, so several rows share one finding key, and rows shared
// between queries share one finding.
func simPool(rng *rand.Rand, host string) []simRow {
	var pool []simRow
	for n := range 4 {
		for d := range 2 {
			var payloadPath string
			if rng.IntN(3) == 0 {
				payloadPath = fmt.Sprintf(`HKEY_USERS\S-1-5-21-%s\Software\Blob%d`, host, n)
			}
			for range 2 { // two versions of the autorun: one finding key
				v := modelVerdicts[rng.IntN(len(modelVerdicts))]
				row := simRow{
					"path":         fmt.Sprintf(`HKEY_USERS\S-1-5-21-%s\Software\Microsoft\Windows\CurrentVersion\Run\entry%d`, host, n),
					"name":         fmt.Sprintf("entry%d", n),
					"location":     "HKU Run",
					"data":         fmt.Sprintf(`"C:\Users\%s\AppData\tool%d.exe" /run %d`, host, d, n%2),
					"payload_kind": "none",
					"verdict":      v.verdict,
					"score":        strconv.Itoa(v.scores[rng.IntN(2)]),
				}
				if payloadPath != "" {
					row["payload_path"] = payloadPath
				}
				pool = append(pool, row)
			}
		}
	}
	return pool
}

type simLine struct {
	text string
	recs []modelRecord
}

func envelope(host string, q *simQuery, t int64) map[string]any {
	return map[string]any{
		"name": q.name, "hostIdentifier": host, "unixTime": t,
		"calendarTime": "Mon Jan  1 00:00:00 2024 UTC", // unixTime wins
		"epoch":        q.epoch, "counter": q.counter, "numerics": false,
		"decorations": map[string]string{"host_uuid": host, "hostname": "ws-" + host},
	}
}

func marshalLine(m map[string]any) string {
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func sortedRows(m map[string]simRow) []simRow {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]simRow, len(keys))
	for i, k := range keys {
		out[i] = m[k]
	}
	return out
}

// run executes one scheduled run of q at time t and returns the lines
// osquery logs for it.
func (q *simQuery) run(rng *rand.Rand, host string, pool []simRow, t int64, eventFormat bool) []simLine {
	next := map[string]simRow{}
	for k, r := range q.rows {
		next[k] = r
	}
	for range rng.IntN(3) { // toggle a few rows
		r := pool[rng.IntN(len(pool))]
		if _, ok := next[r.key()]; ok {
			delete(next, r.key())
		} else {
			next[r.key()] = r
		}
	}
	q.rows = next
	rec := func(kind resultlog.Kind, partOfRun bool, rows []simRow) modelRecord {
		return modelRecord{host: host, query: q.name, kind: kind, partOfRun: partOfRun, epoch: q.epoch, counter: q.counter, time: t, rows: rows}
	}
	var lines []simLine
	if q.snapshot {
		q.counter++
		rows := sortedRows(next)
		if eventFormat { // --logger_snapshot_event_type: a line per row, none when empty
			for _, r := range rows {
				m := envelope(host, q, t)
				m["columns"], m["action"] = r, "snapshot"
				lines = append(lines, simLine{marshalLine(m), []modelRecord{rec(resultlog.Snapshot, true, []simRow{r})}})
			}
		} else {
			m := envelope(host, q, t)
			m["snapshot"], m["action"] = rows, "snapshot"
			if rows == nil {
				m["snapshot"] = []simRow{}
			}
			lines = append(lines, simLine{marshalLine(m), []modelRecord{rec(resultlog.Snapshot, false, rows)}})
		}
		if len(lines) > 0 {
			q.known = next
		}
		return lines
	}
	var added, removed []simRow
	switch reset := rng.IntN(12); {
	case !q.started || reset == 0 || reset == 1:
		// First run, a new epoch (reset 0) or a wiped database (reset 1):
		// counter 0 and every row is added.
		if q.started && reset == 0 {
			q.epoch++
		}
		q.started, q.counter = true, 0
		added = sortedRows(next)
	default:
		q.counter++
		for k, r := range next {
			if _, ok := q.known[k]; !ok {
				added = append(added, r)
			}
		}
		for k, r := range q.known {
			if _, ok := next[k]; !ok {
				removed = append(removed, r)
			}
		}
		sort.Slice(added, func(i, j int) bool { return added[i].key() < added[j].key() })
		sort.Slice(removed, func(i, j int) bool { return removed[i].key() < removed[j].key() })
	}
	if len(added) == 0 && len(removed) == 0 {
		return nil // osquery logs nothing for an empty diff
	}
	q.known = next
	if eventFormat {
		for _, r := range added {
			m := envelope(host, q, t)
			m["columns"], m["action"] = r, "added"
			lines = append(lines, simLine{marshalLine(m), []modelRecord{rec(resultlog.Added, q.counter == 0, []simRow{r})}})
		}
		for _, r := range removed {
			m := envelope(host, q, t)
			m["columns"], m["action"] = r, "removed"
			lines = append(lines, simLine{marshalLine(m), []modelRecord{rec(resultlog.Removed, false, []simRow{r})}})
		}
		return lines
	}
	m := envelope(host, q, t)
	diff := map[string][]simRow{"added": added, "removed": removed}
	for k, v := range diff {
		if v == nil {
			diff[k] = []simRow{}
		}
	}
	m["diffResults"] = diff
	var recs []modelRecord
	if len(removed) > 0 {
		recs = append(recs, rec(resultlog.Removed, false, removed))
	}
	if len(added) > 0 {
		recs = append(recs, rec(resultlog.Added, false, added))
	}
	return []simLine{{marshalLine(m), recs}}
}

// model is the reference: per host and query, the set of rows.
type model struct {
	queries  map[[2]string]*modelQuery
	hosts    map[string]bool
	findings map[findingKey]*modelFinding
}

type modelQuery struct {
	rows   map[string]simRow
	run    [4]int64 // snapshot?, epoch, counter, time of the run that began the state
	hasRun bool
}

type modelFinding struct {
	verdict string
	score   int
}

func newModel() *model {
	return &model{queries: map[[2]string]*modelQuery{}, hosts: map[string]bool{}, findings: map[findingKey]*modelFinding{}}
}

func keyOfRow(host string, r simRow) findingKey {
	return findingKey{host, KindAutorun, r["path"], r["payload_path"], r["data"]}
}

func (m *model) apply(r modelRecord) {
	m.hosts[r.host] = true
	q := m.queries[[2]string{r.host, r.query}]
	if q == nil {
		q = &modelQuery{rows: map[string]simRow{}}
		m.queries[[2]string{r.host, r.query}] = q
	}
	snap := int64(0)
	if r.kind == resultlog.Snapshot {
		snap = 1
	}
	run := [4]int64{snap, r.epoch, r.counter, r.time}
	switch {
	case r.kind == resultlog.Snapshot && !r.partOfRun:
		q.rows, q.run, q.hasRun = map[string]simRow{}, run, true
	case r.kind == resultlog.Snapshot || (r.kind == resultlog.Added && r.counter == 0):
		if !q.hasRun || q.run != run {
			q.rows, q.run, q.hasRun = map[string]simRow{}, run, true
		}
	}
	for _, row := range r.rows {
		if r.kind == resultlog.Removed {
			delete(q.rows, row.key())
			continue
		}
		q.rows[row.key()] = row
		if sev, score := Severity(row["verdict"]), atoi(row["score"]); sev > 0 {
			k := keyOfRow(r.host, row)
			f := m.findings[k]
			if f == nil {
				f = &modelFinding{}
				m.findings[k] = f
			}
			if sev > Severity(f.verdict) || (sev == Severity(f.verdict) && score > f.score) {
				f.verdict, f.score = row["verdict"], score
			}
		}
	}
}

func (m *model) active() map[findingKey]bool {
	out := map[findingKey]bool{}
	for hq, q := range m.queries {
		for _, row := range q.rows {
			if Severity(row["verdict"]) > 0 {
				out[keyOfRow(hq[0], row)] = true
			}
		}
	}
	return out
}

// simulate builds one random fleet log: the lines in delivery order and
// the bad-line count.
func simulate(rng *rand.Rand, distort bool) (lines []simLine, bad, skipped int, truth map[[2]string]map[string]simRow) {
	nHosts := 1 + rng.IntN(4)
	var streams [][]simLine
	truth = map[[2]string]map[string]simRow{}
	for h := range nHosts {
		host := fmt.Sprintf("host%d", h)
		pool := simPool(rng, host)
		eventFormat := rng.IntN(2) == 0
		for _, q := range []*simQuery{
			{name: "pack/runkeyhunt/runkeyhunt_autorun_findings"},
			{name: "pack/Global/runkeyhunt_autorun_findings"},
			{name: "pack/runkeyhunt/runkeyhunt_autorun_inventory", snapshot: true},
		} {
			var stream []simLine
			t := int64(1740787200 + h*7)
			for range 2 + rng.IntN(10) {
				if rng.IntN(10) == 0 { // the operator flips logger_event_type
					eventFormat = !eventFormat
				}
				stream = append(stream, q.run(rng, host, pool, t, eventFormat)...)
				t += 3600
			}
			truth[[2]string{host, q.name}] = q.known
			streams = append(streams, stream)
		}
	}
	// Interleave the streams line by line, each in its own order.
	for {
		var open []int
		for i, s := range streams {
			if len(s) > 0 {
				open = append(open, i)
			}
		}
		if len(open) == 0 {
			break
		}
		i := open[rng.IntN(len(open))]
		l := streams[i][0]
		streams[i] = streams[i][1:]
		if !distort {
			lines = append(lines, l)
			continue
		}
		switch rng.IntN(25) {
		case 0: // delivered twice
			lines = append(lines, l, l)
		case 1: // cut short: a strict prefix of a JSON object never parses
			lines = append(lines, simLine{text: l.text[:1+rng.IntN(len(l.text)-1)]})
			bad++
		case 2:
			lines = append(lines, simLine{text: "garbage " + strconv.Itoa(rng.IntN(1000))}, l)
			bad++
		case 3:
			lines = append(lines, simLine{text: `{"severity":0,"filename":"scheduler.cpp","message":"Executing scheduled query"}`}, l)
			skipped++
		default:
			lines = append(lines, l)
		}
	}
	return lines, bad, skipped, truth
}

// writeRotated spreads the lines over a rotated set, oldest first:
// results.log.2.gz (two gzip members), results.log.1, results.log.
func writeRotated(t *testing.T, rng *rand.Rand, lines []simLine) string {
	dir := t.TempDir()
	cut1, cut2 := rng.IntN(len(lines)+1), rng.IntN(len(lines)+1)
	if cut1 > cut2 {
		cut1, cut2 = cut2, cut1
	}
	text := func(ls []simLine) string {
		var b strings.Builder
		for _, l := range ls {
			b.WriteString(l.text)
			b.WriteByte('\n')
		}
		return b.String()
	}
	var gz bytes.Buffer
	old := text(lines[:cut1])
	half := len(old) / 2
	for _, part := range []string{old[:half], old[half:]} {
		zw := gzip.NewWriter(&gz)
		zw.Write([]byte(part))
		zw.Close()
	}
	live := text(lines[cut2:])
	if rng.IntN(2) == 0 {
		live = strings.TrimSuffix(live, "\n") // the live file's last line may lack its newline
	}
	for name, data := range map[string][]byte{
		"osqueryd.results.log.2.gz": gz.Bytes(),
		"osqueryd.results.log.1":    []byte(text(lines[cut1:cut2])),
		"osqueryd.results.log":      []byte(live),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// rowFingerprint is the engine's fingerprint of a row as a line carries it.
func rowFingerprint(t *testing.T, e *Engine, r simRow) uint64 {
	line := marshalLine(map[string]any{"name": "q", "hostIdentifier": "h", "columns": r, "action": "added"})
	recs, err := resultlog.ParseLine([]byte(line), "model", 1)
	if err != nil {
		t.Fatal(err)
	}
	return e.fingerprint(recs[0].Rows[0])
}

func TestEngineAgreesWithReferenceModel(t *testing.T) {
	runs := 200
	if testing.Short() {
		runs = 50
	}
	for seed := range runs {
		rng := rand.New(rand.NewPCG(uint64(seed), 12))
		distort := seed%4 != 0
		lines, bad, skipped, truth := simulate(rng, distort)
		if len(lines) == 0 {
			continue
		}
		m := newModel()
		for _, l := range lines {
			for _, r := range l.recs {
				m.apply(r)
			}
		}
		if !distort { // the model itself: a reader of every line knows each host's result
			for hq, want := range truth {
				got := map[string]simRow{}
				if q := m.queries[hq]; q != nil {
					got = q.rows
				}
				if len(got) != len(want) {
					t.Fatalf("seed %d: model has %d rows of %v, the hosts logged %d", seed, len(got), hq, len(want))
				}
				for k := range want {
					if _, ok := got[k]; !ok {
						t.Fatalf("seed %d: model lacks a row of %v", seed, hq)
					}
				}
			}
		}
		dir := writeRotated(t, rng, lines)
		paths := resultlog.Expand([]string{dir})
		e := New()
		if err := resultlog.ReadAll(t.Context(), paths, nil, e.Handler(nil)); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		compareWithModel(t, seed, e, m, bad, skipped)
	}
}

func compareWithModel(t *testing.T, seed int, e *Engine, m *model, bad, skipped int) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("seed %d: "+format, append([]any{seed}, args...)...)
	}
	// Rows of every query of every host.
	for hq, q := range m.queries {
		var got map[uint64]*autorunRow
		if h := e.hosts[hq[0]]; h != nil && h.queries[hq[1]] != nil {
			got = h.queries[hq[1]].rows
		}
		if len(got) != len(q.rows) {
			fail("%v: engine holds %d rows, model %d", hq, len(got), len(q.rows))
		}
		for _, row := range q.rows {
			if _, ok := got[rowFingerprint(t, e, row)]; !ok {
				fail("%v: engine lacks row %s", hq, row.key())
			}
		}
	}
	r := e.Report()
	if r.Summary.HostsReporting != len(m.hosts) || r.Summary.BadLines != int64(bad) || r.Summary.SkippedLines != int64(skipped) {
		fail("summary %+v: want %d hosts, %d bad lines, %d skipped", r.Summary, len(m.hosts), bad, skipped)
	}
	// Findings: the same keys, active exactly when a current row holds
	// them, with the worst verdict ever seen.
	active := m.active()
	if len(r.Findings) != len(m.findings) {
		fail("engine has %d findings, model %d", len(r.Findings), len(m.findings))
	}
	worst := 0
	for _, f := range r.Findings {
		k := findingKey{f.Host, f.Kind, f.Path, f.PayloadPath, f.Command}
		mf := m.findings[k]
		if mf == nil {
			fail("engine finding %+v not in the model", f)
		}
		if f.Active != active[k] || f.Verdict != mf.verdict || f.Score != mf.score {
			fail("finding %s %s: engine active=%v %s/%d, model active=%v %s/%d", f.Host, f.Path, f.Active, f.Verdict, f.Score, active[k], mf.verdict, mf.score)
		}
		if !f.Active && f.RemovedAt == 0 {
			fail("resolved finding without removed_at: %+v", f)
		}
		if f.FirstSeen > f.LastSeen || f.Observations < 1 {
			fail("finding times: %+v", f)
		}
		if f.Active && Severity(f.Verdict) > worst {
			worst = Severity(f.Verdict)
		}
	}
	if r.Worst() != worst {
		fail("Worst() = %d, model %d", r.Worst(), worst)
	}
	// Stacking: hosts per normalised command in the current state.
	want := map[string]map[string]bool{}
	for hq, q := range m.queries {
		for _, row := range q.rows {
			p := NormalizeCommand(row["data"])
			if want[p] == nil {
				want[p] = map[string]bool{}
			}
			want[p][hq[0]] = true
		}
	}
	if r.StacksTotal != len(want) {
		fail("%d stacks, model %d", r.StacksTotal, len(want))
	}
	for _, s := range r.Stacks {
		if s.Hosts != len(want[s.Pattern]) {
			fail("stack %q on %d hosts, model %d", s.Pattern, s.Hosts, len(want[s.Pattern]))
		}
	}
}

// runWithState is one cron run of fleet report --state.
func runWithState(t *testing.T, db string, dir string) (*Engine, *Report) {
	t.Helper()
	st, err := OpenState(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e, err := st.Engine()
	if err != nil {
		t.Fatal(err)
	}
	h := e.Handler(nil)
	h.Open = st.Open
	if err := resultlog.ReadAll(t.Context(), resultlog.Expand([]string{dir}), nil, h); err != nil {
		t.Fatal(err)
	}
	r := e.Report()
	ids, err := st.NewIncidents(r)
	if err != nil {
		t.Fatal(err)
	}
	MarkNew(r, ids)
	if err := st.Save(t.Context(), e, r); err != nil {
		t.Fatal(err)
	}
	return e, r
}

// comparable drops what legitimately differs between seven runs and one:
// which run first reported an incident, and where a bad line was (line
// numbers count from where a run started; rotation renames files).
func comparableJSON(t *testing.T, r *Report) string {
	t.Helper()
	c := *r
	c.Summary.IncidentsNew = 0
	c.Incidents = append([]Incident(nil), r.Incidents...)
	for i := range c.Incidents {
		c.Incidents[i].New = false
	}
	c.BadLines = append([]BadLine(nil), r.BadLines...)
	for i := range c.BadLines {
		c.BadLines[i].File, c.BadLines[i].Line = "", 0
	}
	b, err := json.Marshal(&c)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A report built by seven --state runs over a growing, rotating log (a
// line may be half written when a run starts; the live file becomes .1,
// then .2.gz) equals the report of one run over the final files, and
// agrees with the reference model.
func TestIncrementalStateEqualsOneRun(t *testing.T) {
	runs := 40
	if testing.Short() {
		runs = 10
	}
	for seed := range runs {
		rng := rand.New(rand.NewPCG(uint64(seed), 99))
		lines, bad, skipped, _ := simulate(rng, seed%2 == 1)
		if len(lines) == 0 {
			continue
		}
		m := newModel()
		var text strings.Builder
		for _, l := range lines {
			for _, r := range l.recs {
				m.apply(r)
			}
			text.WriteString(l.text)
			text.WriteByte('\n')
		}
		all := text.String()
		cuts := []int{0, len(all)}
		for range 6 {
			cuts = append(cuts, rng.IntN(len(all)+1))
		}
		sort.Ints(cuts)
		dir := t.TempDir()
		live := filepath.Join(dir, "osqueryd.results.log")
		db := filepath.Join(t.TempDir(), "state.db")
		var e *Engine
		var r *Report
		newSeen := 0
		for i := range 7 {
			cur, _ := os.ReadFile(live)
			atLineEnd := len(cur) > 0 && cur[len(cur)-1] == '\n'
			if i == 2 && atLineEnd { // logrotate: live -> .1
				if err := os.Rename(live, live+".1"); err != nil {
					t.Fatal(err)
				}
			}
			if i == 4 && atLineEnd { // .1 -> .2.gz, live -> .1
				if old, err := os.ReadFile(live + ".1"); err == nil {
					var gz bytes.Buffer
					zw := gzip.NewWriter(&gz)
					zw.Write(old)
					zw.Close()
					os.WriteFile(live+".2.gz", gz.Bytes(), 0o644)
					os.Remove(live + ".1")
				}
				os.Rename(live, live+".1")
			}
			f, err := os.OpenFile(live, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString(all[cuts[i]:cuts[i+1]])
			f.Close()
			e, r = runWithState(t, db, dir)
			newSeen += r.Summary.IncidentsNew
		}
		_, one := runWithState(t, filepath.Join(t.TempDir(), "one.db"), dir)
		if a, b := comparableJSON(t, r), comparableJSON(t, one); a != b {
			t.Fatalf("seed %d: seven runs differ from one:\n%s\n%s", seed, a, b)
		}
		if newSeen < len(r.Incidents) || one.Summary.IncidentsNew != len(one.Incidents) {
			t.Fatalf("seed %d: %d incidents reported new over seven runs, %d at the end; one run: %d new of %d", seed, newSeen, len(r.Incidents), one.Summary.IncidentsNew, len(one.Incidents))
		}
		compareWithModel(t, seed, e, m, bad, skipped)
	}
}
