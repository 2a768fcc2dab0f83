// Package report folds fleet-wide osquery results of the runkeyhunt tables
// into per-host state and a report: summary, findings with first/last seen,
// autorun stacking by normalised command, and Sysmon write-chain
// statistics. Memory grows with distinct hosts, findings, autoruns and
// writes, never with the number of log lines.
package report

import (
	"math/bits"
	"sort"
	"strconv"
	"strings"

	"github.com/runkeyhunt/runkeyhunt/fleet/resultlog"
)

// Verdicts, in rising severity.
const (
	Benign     = "benign"
	Suspicious = "suspicious"
	Malicious  = "malicious"
)

// Severity orders verdicts: 0 benign or unknown, 1 suspicious, 2 malicious.
func Severity(verdict string) int {
	switch verdict {
	case Malicious:
		return 2
	case Suspicious:
		return 1
	}
	return 0
}

// Finding kinds: which table the finding came from.
const (
	KindAutorun     = "autorun"      // run_key_payloads
	KindSysmonWrite = "sysmon_write" // sysmon_reg_net_chain
)

// Finding is one suspicious-or-worse row on one host, tracked over time.
type Finding struct {
	Kind         string `json:"kind"`
	Host         string `json:"host"`
	HostName     string `json:"host_name"`
	User         string `json:"user"`
	Path         string `json:"path"`
	Command      string `json:"command"`
	Verdict      string `json:"verdict"`
	Score        int    `json:"score"`
	Indicators   string `json:"indicators"`
	PayloadKind  string `json:"payload_kind,omitempty"`
	PayloadPath  string `json:"payload_path,omitempty"`
	Payload      string `json:"payload_excerpt,omitempty"`
	Image        string `json:"image,omitempty"`
	Name         string `json:"name,omitempty"`
	Location     string `json:"location,omitempty"`
	Encoding     string `json:"payload_encoding,omitempty"`
	FirstSeen    int64  `json:"first_seen"`
	LastSeen     int64  `json:"last_seen"`
	Active       bool   `json:"active"`
	RemovedAt    int64  `json:"removed_at,omitempty"`
	Observations int64  `json:"observations"`

	// Sysmon writes: the event and the writer's network around it.
	Write *WriteEvent `json:"write,omitempty"`

	refs int // state rows currently pointing at this finding
}

// WriteEvent is one Sysmon registry write (sysmon_reg_net_chain row).
type WriteEvent struct {
	Role          string  `json:"role"`
	Time          int64   `json:"time"`
	RecordID      int64   `json:"record_id"`
	LinkedRecord  int64   `json:"linked_record_id,omitempty"`
	Image         string  `json:"image"`
	User          string  `json:"user,omitempty"`
	NetBefore     int     `json:"net_before"`
	NetAfter      int     `json:"net_after"`
	SecondsBefore float64 `json:"seconds_before"`
	SecondsAfter  float64 `json:"seconds_after"`
	Window        int     `json:"window,omitempty"`
	Remote        string  `json:"remote_addresses,omitempty"`
	RemoteNames   string  `json:"remote_hostnames,omitempty"`
}

type findingKey struct {
	host, kind, path, payloadPath, command string
}

type autorunRow struct {
	fp      uint64
	finding *Finding // nil for benign rows
	pattern string   // normalised command, interned
	name    string
	loc     string
	verdict string
	score   int
	sha     string // image_sha256, interned; empty without image evidence
	signer  string // image_signer, interned
}

type queryState struct {
	rows map[uint64]*autorunRow
	// run names the run that began the current state (a snapshot or a
	// counter-0 run); lines of that run add to it, any other complete
	// result replaces it.
	run    runID
	hasRun bool
}

// runID identifies one execution of a scheduled query on a host: osquery
// stamps every line of a run with the same epoch, counter and unixTime.
type runID struct {
	snapshot             bool
	epoch, counter, time int64
}

type hostState struct {
	id, name        string
	firstSeen, last int64
	queries         map[string]*queryState
	hasInventory    bool
}

// ChainImage aggregates Sysmon autorun writes of one writing image,
// normalised like a command (lower case, <user> for the profile folder).
type ChainImage struct {
	Image   string `json:"image"`
	Writes  int    `json:"autorun_writes"`
	Before  int    `json:"network_before_only"`
	After   int    `json:"network_after_only"`
	Both    int    `json:"network_both"`
	Neither int    `json:"network_neither"`
	Hosts   int    `json:"hosts"`

	hosts map[string]struct{}
}

// Endpoint aggregates one remote ip:port seen around registry writes.
type Endpoint struct {
	Address   string `json:"address"`
	Hostnames string `json:"hostnames,omitempty"`
	Writes    int    `json:"writes"`
	Hosts     int    `json:"hosts"`

	hosts     map[string]struct{}
	hostnames map[string]struct{}
}

// BadLine is an input line that could not be read.
type BadLine struct {
	File  string `json:"file"`
	Line  int    `json:"line"`
	Error string `json:"error"`
}

// BadFile is an input file that could not be read to its end; the lines
// before the damage are in the report.
type BadFile struct {
	File  string `json:"file"`
	Error string `json:"error"`
}

// MaxBadLinesKept bounds the bad lines listed; the rest are only counted.
const MaxBadLinesKept = 100

// Engine accumulates records. Use Add for each record in input order.
type Engine struct {
	hosts     map[string]*hostState
	findings  map[findingKey]*Finding
	chainSeen map[uint64]struct{}
	images    map[string]*ChainImage
	endpoints map[string]*Endpoint
	intern    map[string]string
	patterns  map[string]string // command -> normalised pattern
	// rareRep is, per pattern, the latest row that added it: when only one
	// host holds a pattern, this is the row rare_in_fleet reports.
	rareRep map[string]*rareCandidate
	lines   int64
	// linesBefore: lines read by earlier runs (--state).
	linesBefore int64
	records     int64
	rows        int64
	otherRows   int64
	skipped     int64
	badLines    []BadLine
	badFiles    []BadFile
	badCount    int64
	minTime     int64
	maxTime     int64
	chainRows   int64
	removedRow  int64
}

// New returns an empty engine.
func New() *Engine {
	return &Engine{
		hosts:     map[string]*hostState{},
		findings:  map[findingKey]*Finding{},
		chainSeen: map[uint64]struct{}{},
		images:    map[string]*ChainImage{},
		endpoints: map[string]*Endpoint{},
		intern:    map[string]string{},
		patterns:  map[string]string{},
		rareRep:   map[string]*rareCandidate{},
	}
}

// Handler wires the engine to a result-log reader.
func (e *Engine) Handler(progress func(bytesRead, lines int64)) resultlog.Handler {
	return resultlog.Handler{
		Record:  e.Add,
		BadLine: e.AddBadLine,
		BadFile: e.AddBadFile,
		Skipped: func(string, int) { e.skipped++ },
		Progress: func(b, l int64) {
			e.lines = e.linesBefore + l
			if progress != nil {
				progress(b, l)
			}
		},
	}
}

// LinesRead is the number of input lines read so far.
func (e *Engine) LinesRead() int64 { return e.lines }

// AddBadLine records an unreadable line.
func (e *Engine) AddBadLine(file string, line int, err error) {
	e.badCount++
	if len(e.badLines) < MaxBadLinesKept {
		e.badLines = append(e.badLines, BadLine{File: file, Line: line, Error: err.Error()})
	}
}

// AddBadFile records a file that could not be read to its end.
func (e *Engine) AddBadFile(file string, err error) {
	if len(e.badFiles) < MaxBadLinesKept {
		e.badFiles = append(e.badFiles, BadFile{File: file, Error: err.Error()})
	}
}

func (e *Engine) str(s string) string {
	if v, ok := e.intern[s]; ok {
		return v
	}
	s = strings.Clone(s)
	e.intern[s] = s
	return s
}

func (e *Engine) host(rec resultlog.Record) *hostState {
	h := e.hosts[rec.Host]
	if h == nil {
		h = &hostState{id: e.str(rec.Host), firstSeen: rec.Time, queries: map[string]*queryState{}}
		e.hosts[h.id] = h
	}
	if rec.HostName != "" && h.name != rec.HostName {
		h.name = e.str(rec.HostName)
	}
	if rec.Time < h.firstSeen {
		h.firstSeen = rec.Time
	}
	if rec.Time > h.last {
		h.last = rec.Time
	}
	return h
}

// rowKind recognises a row by its columns, not by the query's name: pack
// and Fleet naming differ, and users write their own queries.
func rowKind(r resultlog.Row) string {
	if r.Has("target_object") || r.Has("net_before") {
		return KindSysmonWrite
	}
	if r.Has("path") && (r.Has("payload_kind") || r.Has("location") || r.Has("verdict") || r.Has("data")) {
		return KindAutorun
	}
	return ""
}

// Add applies one record: differential rows are added or removed, a
// snapshot replaces the host's rows for that query.
func (e *Engine) Add(rec resultlog.Record) {
	e.records++
	if rec.Time != 0 {
		if e.minTime == 0 || rec.Time < e.minTime {
			e.minTime = rec.Time
		}
		if rec.Time > e.maxTime {
			e.maxTime = rec.Time
		}
	}
	h := e.host(rec)
	var qs *queryState
	state := func() *queryState {
		if qs == nil {
			qs = h.queries[rec.Name]
			if qs == nil {
				qs = &queryState{rows: map[uint64]*autorunRow{}}
				h.queries[e.str(rec.Name)] = qs
			}
		}
		return qs
	}
	var previous map[uint64]*autorunRow // snapshot: rows before it, reused when unchanged
	run := runID{rec.Kind == resultlog.Snapshot, rec.Epoch, rec.Counter, rec.Time}
	switch {
	case rec.Kind == resultlog.Snapshot && !rec.PartOfRun:
		// A snapshot line is the whole result: it replaces the state.
		if len(rec.Rows) > 0 || h.queries[rec.Name] != nil {
			previous = state().rows
			qs.rows = make(map[uint64]*autorunRow, len(previous))
			qs.run, qs.hasRun = run, true
		}
	case rec.Kind == resultlog.Snapshot || (rec.Kind == resultlog.Added && rec.Counter == 0):
		// One line of a complete result logged line by line (a counter-0
		// run: the query's first run or a new epoch; or a snapshot in
		// event format). Its first line replaces the state; the other
		// lines of the same run add to it.
		if s := state(); !s.hasRun || s.run != run {
			e.clear(s, rec.Time)
			s.run, s.hasRun = run, true
		}
	}
	for _, row := range rec.Rows {
		e.rows++
		switch rowKind(row) {
		case KindAutorun:
			switch {
			case rec.Kind == resultlog.Removed:
				e.removeAutorun(state(), row, rec.Time)
			case previous != nil:
				fp := e.fingerprint(row)
				if old, ok := previous[fp]; ok {
					delete(previous, fp)
					qs.rows[fp] = old
					h.hasInventory = true
					if old.finding != nil {
						e.observe(old.finding, rec.Time)
					}
					continue
				}
				e.addAutorun(h, state(), row, rec)
			default:
				e.addAutorun(h, state(), row, rec)
			}
		case KindSysmonWrite:
			e.chainRows++
			if rec.Kind != resultlog.Removed {
				e.addChain(h, row, rec)
			}
		default:
			e.otherRows++
		}
	}
	for _, row := range previous {
		e.release(row, rec.Time)
	}
}

// fingerprint identifies a row by all its columns, order-independent, so
// a "removed" row matches the row it removes.
// The hash is fixed (no per-process seed): --state keeps fingerprints
// between runs.
func (e *Engine) fingerprint(r resultlog.Row) uint64 {
	var sum uint64
	for _, f := range r {
		h := hashString(hashString(hashSeed, f.Key)^0xff, f.Raw())
		sum += finish(h) * 0x9E3779B97F4A7C15
	}
	return sum ^ uint64(len(r))
}

const hashSeed = 0x243F6A8885A308D3

// hashString mixes s into h eight bytes at a time.
func hashString(h uint64, s string) uint64 {
	for len(s) >= 8 {
		w := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 | uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
		h = bits.RotateLeft64((h^w)*0x9E3779B97F4A7C15, 31) * 0xBF58476D1CE4E5B9
		s = s[8:]
	}
	var w uint64
	for i := 0; i < len(s); i++ {
		w |= uint64(s[i]) << (8 * i)
	}
	h = bits.RotateLeft64((h^w^uint64(len(s))<<59)*0x9E3779B97F4A7C15, 31) * 0xBF58476D1CE4E5B9
	return h
}

func finish(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return h
}

func (e *Engine) clear(qs *queryState, t int64) {
	for fp, row := range qs.rows {
		e.release(row, t)
		delete(qs.rows, fp)
	}
}

func (e *Engine) release(row *autorunRow, t int64) {
	if f := row.finding; f != nil {
		f.refs--
		if f.refs <= 0 {
			f.refs, f.Active, f.RemovedAt = 0, false, t
		}
	}
}

func (e *Engine) removeAutorun(qs *queryState, r resultlog.Row, t int64) {
	fp := e.fingerprint(r)
	if row, ok := qs.rows[fp]; ok {
		e.release(row, t)
		delete(qs.rows, fp)
		e.removedRow++
	}
}

func atoi(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		f, ferr := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if ferr != nil {
			return 0
		}
		return int(f)
	}
	return n
}

func (e *Engine) pattern(command string) string {
	if p, ok := e.patterns[command]; ok {
		return p
	}
	p := e.str(NormalizeCommand(command))
	e.patterns[e.str(command)] = p
	return p
}

func (e *Engine) addAutorun(h *hostState, qs *queryState, r resultlog.Row, rec resultlog.Record) {
	h.hasInventory = true
	fp := e.fingerprint(r)
	if row, ok := qs.rows[fp]; ok {
		if row.finding != nil {
			e.observe(row.finding, rec.Time)
		}
		return
	}
	verdict := r.Get("verdict")
	score := atoi(r.Get("score"))
	if verdict == "" {
		verdict = verdictOf(score)
	}
	row := &autorunRow{
		fp: fp, name: e.str(r.Get("name")), loc: e.str(r.Get("location")),
		verdict: e.str(verdict), score: score, pattern: e.pattern(r.Get("data")),
		sha: e.str(strings.ToLower(r.Get("image_sha256"))), signer: e.str(r.Get("image_signer")),
	}
	if Severity(verdict) > 0 {
		row.finding = e.finding(h, findingKey{h.id, KindAutorun, r.Get("path"), r.Get("payload_path"), r.Get("data")}, func(f *Finding) {
			f.User = e.str(firstOf(r.Get("username"), r.Get("sid")))
			f.Path = e.str(r.Get("path"))
			f.Command = e.str(r.Get("data"))
			f.PayloadKind = e.str(r.Get("payload_kind"))
			f.PayloadPath = e.str(r.Get("payload_path"))
			f.Image = e.str(r.Get("image"))
			f.Name = e.str(r.Get("name"))
			f.Location = e.str(r.Get("location"))
			f.Encoding = e.str(r.Get("payload_encoding"))
		}, rec.Time)
		f := row.finding
		f.refs++
		f.Active, f.RemovedAt = true, 0
		e.update(f, verdict, score, r.Get("indicators"), r.Get("payload_preview"))
	}
	qs.rows[fp] = row
	e.noteRare(h, row, r)
}

// verdictOf maps a score to a verdict when a query did not select verdict
// (thresholds of SPEC §6).
func verdictOf(score int) string {
	switch {
	case score >= 70:
		return Malicious
	case score >= 30:
		return Suspicious
	}
	return Benign
}

func (e *Engine) finding(h *hostState, k findingKey, fill func(*Finding), t int64) *Finding {
	f := e.findings[k]
	if f == nil {
		f = &Finding{Kind: k.kind, Host: h.id, FirstSeen: t, LastSeen: t}
		fill(f)
		k = findingKey{k.host, k.kind, e.str(k.path), e.str(k.payloadPath), e.str(k.command)}
		e.findings[k] = f
	}
	if h.name != "" {
		f.HostName = h.name
	}
	e.observe(f, t)
	return f
}

func (e *Engine) observe(f *Finding, t int64) {
	f.Observations++
	if t < f.FirstSeen {
		f.FirstSeen = t
	}
	if t > f.LastSeen {
		f.LastSeen = t
	}
}

// update keeps the worst verdict seen and the latest excerpt.
func (e *Engine) update(f *Finding, verdict string, score int, indicators, preview string) {
	if Severity(verdict) > Severity(f.Verdict) || (Severity(verdict) == Severity(f.Verdict) && score > f.Score) {
		f.Verdict, f.Score = e.str(verdict), score
	}
	if indicators != "" && len(indicators) >= len(f.Indicators) {
		f.Indicators = e.str(indicators)
	}
	// The table's preview is already bounded (SPEC: 4096 characters):
	// the report keeps it whole.
	if preview != "" && f.Payload == "" {
		f.Payload = strings.Clone(preview)
	}
}

func atof(s string) float64 {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return -1
	}
	return f
}

func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func (e *Engine) addChain(h *hostState, r resultlog.Row, rec resultlog.Record) {
	hk := uint64(hashSeed)
	for _, k := range [...]string{"computer", "record_id", "path", "event_id", "time", "process_guid"} {
		hk = hashString(hk, r.GetRaw(k)) ^ 0xff
	}
	key := finish(hashString(hk, h.id))
	_, seen := e.chainSeen[key]
	verdict, score := r.Get("verdict"), atoi(r.Get("score"))
	if Severity(verdict) > 0 {
		f := e.finding(h, findingKey{h.id, KindSysmonWrite, r.Get("path"), strconv.FormatUint(key, 16), r.Get("details")}, func(f *Finding) {
			f.User = e.str(r.Get("user"))
			f.Path = e.str(r.Get("path"))
			f.Command = e.str(r.Get("details"))
			f.Image = e.str(r.Get("image"))
			f.PayloadKind = e.str(r.Get("role"))
			f.Location = e.str(r.Get("location"))
			f.Write = &WriteEvent{
				Role: f.PayloadKind, Time: int64(atoi(r.Get("time"))), RecordID: int64(atoi(r.Get("record_id"))),
				LinkedRecord: int64(atoi(r.Get("linked_record_id"))), Image: f.Image, User: f.User,
				NetBefore: atoi(r.Get("net_before")), NetAfter: atoi(r.Get("net_after")),
				SecondsBefore: atof(r.Get("seconds_before")), SecondsAfter: atof(r.Get("seconds_after")), Window: atoi(r.Get("window")),
				Remote: e.str(r.Get("remote_addresses")), RemoteNames: e.str(r.Get("remote_hostnames")),
			}
		}, rec.Time)
		// A Sysmon write is an event: it stays a finding when the rolling
		// log drops it, so removals do not clear it.
		f.Active = true
		if t := int64(atoi(r.Get("time"))); t > 0 && t < f.FirstSeen {
			f.FirstSeen = t
		}
		e.update(f, verdict, score, r.Get("indicators"), "")
	}
	if seen {
		return
	}
	e.chainSeen[key] = struct{}{}
	if r.Get("role") != "autorun" {
		return
	}
	// Writers aggregate by normalised image: OneDrive.exe under every
	// user's profile is one writer, not one per user.
	image := e.pattern(r.Get("image"))
	img := e.images[image]
	if img == nil {
		img = &ChainImage{Image: image, hosts: map[string]struct{}{}}
		e.images[img.Image] = img
	}
	img.Writes++
	img.hosts[h.id] = struct{}{}
	before, after := atoi(r.Get("net_before")) > 0, atoi(r.Get("net_after")) > 0
	switch {
	case before && after:
		img.Both++
	case before:
		img.Before++
	case after:
		img.After++
	default:
		img.Neither++
	}
	names := splitList(r.Get("remote_hostnames"))
	for _, addr := range splitList(r.Get("remote_addresses")) {
		ep := e.endpoints[addr]
		if ep == nil {
			ep = &Endpoint{Address: e.str(addr), hosts: map[string]struct{}{}, hostnames: map[string]struct{}{}}
			e.endpoints[ep.Address] = ep
		}
		ep.Writes++
		ep.hosts[h.id] = struct{}{}
		for _, n := range names {
			if len(ep.hostnames) < 8 {
				ep.hostnames[e.str(n)] = struct{}{}
			}
		}
	}
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func sortedKeys(m map[string]struct{}) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
