// Package chain correlates Sysmon registry writes of autorun values and of
// the payload locations their commands read with the network activity of the
// writing process (SPEC §5).
//
// Memory is bounded by the events of interest, not by the input size
// (but for 16 bytes per 64 KiB EVTX chunk, below). Correlate reads each
// file once (OnePassIDs, in file order):
//
//   - Registry events: writes to autorun locations and to payload targets
//     become "interest" events; the payload references of the autorun
//     commands written become payload targets (with those known from
//     elsewhere, AddTargets).
//   - Network events of every process go into a per-process ring that only
//     holds events newer than the stream's watermark minus (window + clock
//     slack); the watermark is the newest event time seen in the current
//     file. When an interest event arrives, the ring of its process
//     supplies the connections logged before it; connections that arrive
//     later are matched against the open interest events of their process
//     as they stream by (Sysmon logs NetworkConnect seconds after the
//     connection, so one logged after a write may still belong before it).
//     Interest events stay open to the end: they are what the table
//     returns. Process states (ring, user) that see no event for longer
//     than the horizon are dropped.
//   - ProcessCreate (EVTX): the user of each process, the first one logged,
//     at most maxCreates processes, for rows whose events and process carry
//     no user.
//
// Bounded state beside that: each EVTX chunk's time range (16 bytes per 64
// KiB), and for registry values written while of no interest, the runs of
// chunks that held the writes (at most maxPaths values, maxRuns runs each).
// A payload target named after a write to it was read (Empire writes the
// payload, then the Run value naming it) gets a second look: the chunks
// that held such writes and those within the horizon of them are read
// again, and the writes read before any target named them are added as if
// known from the start. In a file without chunks (JSON lines, XML) the
// second look parses only the lines that name a process that wrote such a
// value (at most maxWriters kept per value; past it, every line). Past
// maxPaths, every chunk read before the target was named
// is looked at; past maxCreates, and for JSON lines and XML (see
// usersInPass), rows still without a user get it from a ProcessCreate pass
// that parses only the events naming their processes. The rows are those
// of the three passes the engine once made (registry events for the
// targets, registry and network events, ProcessCreate), byte for byte;
// Collect, Observe and FillUser are those passes' steps, and a file that
// fails part way makes Correlate fall back to them.
//
// A busy host writes the same values again and again: the verdicts of
// each distinct write, the split of a TargetObject, a command's targets and
// the rows' repeated strings are computed or kept once per run (bounded).
// On several cores, what depends on one event alone (prep: its time,
// process key, split, catalog match, an autorun's targets) is worked out
// by the reader's workers; the engine, fed in file order, only updates
// its state.
//
// Times follow SPEC §5: an event's time is its Sysmon UtcTime when that lies
// within 10 minutes of TimeCreated, else TimeCreated (the guest clock
// jumped); EventRecordID breaks ties.
package chain

import (
	"cmp"
	"encoding/binary"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/runkeyhunt/runkeyhunt/tables/autoruns"
	"github.com/runkeyhunt/runkeyhunt/tables/catalog"
	"github.com/runkeyhunt/runkeyhunt/tables/cmdline"
	"github.com/runkeyhunt/runkeyhunt/tables/indicators"
	"github.com/runkeyhunt/runkeyhunt/tables/payload"
	"github.com/runkeyhunt/runkeyhunt/tables/registry"
	"github.com/runkeyhunt/runkeyhunt/tables/sysmon"
)

// Sysmon event ids the engine reads.
const (
	EventProcessCreate = 1
	EventNetwork       = 3
	EventRegistryKey   = 12
	EventRegistryValue = 13
	EventRegistryName  = 14
)

// DefaultWindow is the window when the query does not constrain it.
const DefaultWindow = 300 * time.Second

// clockSkew is how far Sysmon's UtcTime may stray from TimeCreated before
// the engine trusts TimeCreated instead.
const clockSkew = 10 * time.Minute

// The event ids each of the three passes needs (the fallback of
// Correlate, and callers that drive the engine themselves): registry
// events, then registry and network events, then the ProcessCreate events
// of the processes whose rows still lack a user.
var (
	RegistryIDs = map[int]bool{EventRegistryKey: true, EventRegistryValue: true, EventRegistryName: true}
	ObserveIDs  = map[int]bool{EventNetwork: true, EventRegistryKey: true, EventRegistryValue: true, EventRegistryName: true}
	ProcessIDs  = map[int]bool{EventProcessCreate: true}
)

// Role of a row.
const (
	RoleAutorun = "autorun"
	RolePayload = "payload"
)

// Row is one registry event of interest with the network activity around it.
type Row struct {
	Time            time.Time // TimeCreated (or what the format has)
	UtcTime         string
	Computer        string
	RecordID        int64
	EventID         int
	EventType       string
	ProcessGUID     string
	ProcessID       string
	Image           string
	User            string
	TargetObject    string
	Path            string
	Details         string
	Role            string
	Location        string
	LinkedRecordID  int64
	NetBefore       int
	NetAfter        int
	SecondsBefore   float64
	SecondsAfter    float64
	RemoteAddresses string
	RemoteHostnames string
	Indicators      string
	Score           int
	Verdict         string
	SourceFile      string

	// Scope and SID of the hive written, and the value name, for callers
	// that rebuild registry state from the writes.
	Scope     string
	SID       string
	ValueName string
}

// Target is a payload location an autorun command reads.
type Target struct {
	// Path is the canonical key path; for HKCU in a machine autorun the root
	// is HKEY_USERS and SID is "*" (any user).
	Root      string // "HKEY_LOCAL_MACHINE" or "HKEY_USERS\<SID>" or "HKEY_USERS\*"
	Rel       string
	ValueName string
}

func (t Target) matches(root, rel, value string) bool {
	if !strings.EqualFold(t.Rel, rel) || !strings.EqualFold(t.ValueName, value) {
		return false
	}
	if t.Root == `HKEY_USERS\*` {
		return strings.HasPrefix(strings.ToUpper(root), `HKEY_USERS\`)
	}
	return strings.EqualFold(t.Root, root)
}

// TargetsOf returns the registry payload targets of a command written to a
// hive (scope, root of that hive).
func TargetsOf(command, scope, hiveRoot string) []Target {
	var out []Target
	for _, ref := range cmdline.ExtractRefs(command, nil) {
		if ref.Kind != cmdline.KindRegistry {
			continue
		}
		p, ok := registry.ParsePath(ref.Key)
		if !ok {
			continue
		}
		t := Target{Rel: p.Rel, ValueName: ref.ValueName}
		switch p.Root {
		case registry.HKLM:
			t.Root = string(registry.HKLM)
		case registry.HKCU:
			if scope == registry.ScopeUser {
				t.Root = hiveRoot
			} else {
				t.Root = `HKEY_USERS\*`
			}
		case registry.HKU:
			sid, rest := registry.SplitUser(p.Rel)
			t.Root, t.Rel = `HKEY_USERS\`+sid, rest
		case registry.HKCR:
			t.Root, t.Rel = string(registry.HKLM), `SOFTWARE\Classes\`+p.Rel
		default:
			continue
		}
		out = append(out, t)
	}
	return out
}

// AutorunTargets returns the payload targets of autorun values read from a
// registry view (run_key_payloads rows): SPEC §5's "present in the
// registry" targets, offline and live alike.
func AutorunTargets(rows []autoruns.Row) []Target {
	var out []Target
	for _, r := range rows {
		root := string(registry.HKLM)
		if r.Scope == registry.ScopeUser {
			root = string(registry.HKCU) // user hive whose SID is unknown
			if r.SID != "" {
				root = string(registry.HKU) + `\` + r.SID
			}
		}
		out = append(out, TargetsOf(r.Data, r.Scope, root)...)
	}
	return out
}

// regTarget is a registry event's target split the way the catalog and the
// targets need it.
type regTarget struct {
	path      string // canonical, key\value for value events
	root      string // HKEY_LOCAL_MACHINE or HKEY_USERS\<SID>
	scope     string
	sid       string
	keyRel    string // relative to the hive root
	valueName string
}

// splitTarget canonicalises TargetObject. Value events (SetValue,
// DeleteValue) name key\value; key events name a key.
func splitTarget(target, eventType string) (regTarget, bool) {
	p, ok := registry.ParsePath(target)
	if !ok {
		return regTarget{}, false
	}
	rt := regTarget{path: p.String()}
	rel := p.Rel
	switch p.Root {
	case registry.HKLM:
		rt.root, rt.scope = string(registry.HKLM), registry.ScopeMachine
	case registry.HKU:
		sid, rest := registry.SplitUser(rel)
		if strings.HasSuffix(strings.ToLower(sid), "_classes") {
			// The user's classes hive (UsrClass.dat) is what Windows merges
			// into the user's Software\Classes: its autostart points (COM,
			// shell\open\command) are catalogued there.
			sid = sid[:len(sid)-len("_classes")]
			rest = `Software\Classes\` + rest
			rt.path = `HKEY_USERS\` + sid + `\` + rest
		}
		rt.root, rt.scope, rt.sid, rel = `HKEY_USERS\`+sid, registry.ScopeUser, sid, rest
	default:
		return regTarget{}, false
	}
	if eventType == "SetValue" || eventType == "DeleteValue" {
		// Sysmon cuts a value name at its first NUL (SharpHide, Kovter): a
		// name that starts with one leaves the target ending in the key's \.
		if strings.HasSuffix(strings.TrimRight(target, " "), `\`) {
			rt.keyRel, rt.valueName, rt.path = rel, hiddenValueName, rt.path+`\`+autoruns.ValueName(hiddenValueName)
			return rt, true
		}
		i := strings.LastIndexByte(rel, '\\')
		if i < 0 {
			return regTarget{}, false
		}
		rt.keyRel, rt.valueName = rel[:i], rel[i+1:]
		if rt.valueName == "(Default)" {
			rt.valueName = ""
		}
	} else {
		rt.keyRel = rel
	}
	return rt, true
}

// hiddenValueName stands for a value name Sysmon logged as empty because it
// starts with NUL; the rest of the name is lost.
const hiddenValueName = "\x00"

// eventTime applies SPEC §5's clock rule.
func eventTime(ev *sysmon.Event) time.Time {
	utc, ok := sysmon.ParseUtcTime(ev.Field("UtcTime"))
	switch {
	case ev.TimeCreated.IsZero() && ok:
		return utc
	case !ok:
		return ev.TimeCreated
	}
	d := utc.Sub(ev.TimeCreated)
	if d < 0 {
		d = -d
	}
	if d <= clockSkew {
		return utc
	}
	return ev.TimeCreated
}

// processKey is ProcessGuid, or ProcessId + Image when the GUID is absent.
func processKey(ev *sysmon.Event) string {
	if g := ev.Field("ProcessGuid"); g != "" {
		return ev.Computer + "|" + strings.ToUpper(strings.Trim(g, "{}"))
	}
	return ev.Computer + "|" + ev.Field("ProcessId") + "|" + strings.ToLower(ev.Field("Image"))
}

// appendProcessKey appends processKey(ev) to dst.
func appendProcessKey(dst []byte, ev *sysmon.Event) []byte {
	g := ev.Field("ProcessGuid")
	if g == "" {
		return append(dst, processKey(ev)...)
	}
	start := len(dst)
	dst = append(append(dst, ev.Computer...), '|')
	for _, c := range []byte(strings.Trim(g, "{}")) {
		if c >= utf8.RuneSelf {
			return append(dst[:start], processKey(ev)...) // ToUpper's Unicode rules
		}
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// stamp orders events: time, then record id.
type stamp struct {
	t   time.Time
	rid int64
}

func (a stamp) before(b stamp) bool {
	if !a.t.Equal(b.t) {
		return a.t.Before(b.t)
	}
	return a.rid < b.rid
}

type conn struct {
	at       stamp
	remote   string
	hostname string
}

type process struct {
	key      string // processKey
	user     string
	lastSeen time.Time
	ring     []conn
	interest []*interest
	// byTime is interest sorted by time: a connection finds those within
	// its window by binary search rather than walking every write the
	// process ever made. userless are the interests still waiting for a
	// user.
	byTime   []*interest
	userless []*interest
}

type interest struct {
	row     *Row // in the engine's rows (see Engine.rows)
	at      stamp
	proc    string
	written *regTarget // what the event wrote, split once (shared)
	targets []Target   // autorun rows: the payload targets of the command
	// Aggregates, not the connections: a busy process's window must not
	// grow the interest event.
	netBefore, netAfter int
	gapBefore, gapAfter time.Duration // nearest; valid when the count > 0
	remotes, hostnames  distinct

	linked *interest // the nearest linked write

	pos position // where Correlate read it
}

// Engine holds the state of one correlation run.
type Engine struct {
	window    time.Duration
	targets   []Target
	procs     map[string]*process
	interests []*interest
	watermark time.Time // newest event time of the current file
	low       time.Time // oldest event time of the current file
	lastEvict time.Time
	file      string
	// Newest-first files (Get-WinEvent, wevtutil /rd:true) are read with
	// the watermark mirrored: the oldest time so far, rings evicted from
	// their newer end. The order is told by the first two record ids (or
	// times, when the format has no ids).
	order      stamp // the file's first event, until the order is known
	desc       bool
	orderKnown bool
	seen       map[string]*recordSet // by computer
	targetSet  map[Target]bool
	linkWork   int // payloads link compared with autoruns, for tests of the cost
	scores     scoreMemo
	memo       memo
	// rows holds the interest events' rows, in chunks that never move:
	// Rows lets the interests go before it copies the rows out, so a busy
	// host's rows are not held with their interests and their copy at once.
	rows [][]Row
	// local prepares the events no reader prepared, into own.
	local preparer
	own   prep
	// keyBuf is processKeyOf's, reused.
	keyBuf []byte
	// missed, when set, is told of each registry write that is of no
	// interest when read (its split and its writer's guidKey): a payload
	// target named later may want it.
	missed func(split *splitResult, writer string)
}

// New returns an engine for the given window.
func New(window time.Duration) *Engine {
	if window <= 0 {
		window = DefaultWindow
	}
	return &Engine{window: window, procs: map[string]*process{}, seen: map[string]*recordSet{}, targetSet: map[Target]bool{}}
}

// AddTargets adds payload targets known from elsewhere (the autorun commands
// in the live registry or in offline registry input).
func (e *Engine) AddTargets(targets ...Target) {
	for _, t := range targets {
		if !e.targetSet[t] {
			e.targetSet[t] = true
			e.targets = append(e.targets, t)
		}
	}
}

// Collect is pass 1: it takes registry events and records the payload
// targets of the autorun commands they write.
func (e *Engine) Collect(ev *sysmon.Event) {
	e.AddTargets(collectTargets(ev)...)
}

// collectTargets is what Collect adds.
func collectTargets(ev *sysmon.Event) []Target {
	if ev.EventID != EventRegistryValue {
		return nil
	}
	rt, ok := splitTarget(ev.Field("TargetObject"), "SetValue")
	if !ok {
		return nil
	}
	if _, ok := catalog.Match(rt.scope, rt.keyRel, rt.valueName); !ok {
		return nil
	}
	return TargetsOf(ev.Field("Details"), rt.scope, rt.root)
}

func (e *Engine) horizon() time.Duration { return e.window + clockSkew }

// Observe is pass 2: it takes registry and network events (ObserveIDs) in
// file order.
func (e *Engine) Observe(ev *sysmon.Event) {
	e.observe(ev)
}

// observe is Observe. It returns the interest event made of ev (nil if
// none), ev's time, and whether ev was new (not a record already read).
func (e *Engine) observe(ev *sysmon.Event) (*interest, stamp, bool) {
	if ev.RecordID != 0 {
		set := e.seen[ev.Computer]
		if set == nil {
			set = &recordSet{}
			e.seen[ev.Computer] = set
		}
		if !set.add(ev.RecordID) {
			return nil, stamp{}, false
		}
	}
	if ev.SourceFile != e.file {
		e.file, e.watermark, e.low, e.lastEvict = ev.SourceFile, time.Time{}, time.Time{}, time.Time{}
		e.order, e.desc, e.orderKnown = stamp{}, false, false
	}
	pr := e.prepOf(ev)
	at := stamp{pr.at, ev.RecordID}
	e.learnOrder(at)
	if e.low.IsZero() || at.t.Before(e.low) {
		e.low = at.t
		if e.desc && e.lastEvict.Sub(e.low) > e.horizon()/4 {
			e.evict()
			e.lastEvict = e.low
		}
	}
	if at.t.After(e.watermark) {
		e.watermark = at.t
		// Evicting on every new maximum would cost O(processes) per event;
		// a quarter horizon of slack keeps rings bounded all the same.
		if !e.desc && e.watermark.Sub(e.lastEvict) > e.horizon()/4 {
			e.evict()
			e.lastEvict = e.watermark
		}
	}
	p := e.procs[string(pr.key)] // no string made to look up
	if p == nil {
		p = &process{key: string(pr.key)}
		e.procs[p.key] = p
	}
	p.lastSeen = e.frontier()
	if u := ev.Field("User"); u != "" {
		p.user = u
		for _, in := range p.userless {
			if in.row.User == "" {
				in.row.User = u
			}
		}
		p.userless = p.userless[:0]
	}
	switch ev.EventID {
	case EventNetwork:
		c := conn{at: at, remote: pr.remote, hostname: ev.Field("DestinationHostname")}
		for _, in := range p.near(c.at.t, e.window) {
			in.add(c, e.window)
		}
		if len(p.ring) == maxRing {
			// A process connecting faster than the ring can hold within
			// one window loses its oldest connections, not our memory.
			p.ring = append(p.ring[:0], p.ring[maxRing/2:]...)
		}
		p.ring = append(p.ring, c)
	case EventRegistryKey, EventRegistryValue, EventRegistryName:
		in := e.classify(ev, pr, at)
		if in == nil {
			return nil, at, true
		}
		in.proc = p.key // one string for all of the process's rows
		if in.row.User == "" {
			in.row.User = p.user
		}
		for _, c := range p.ring {
			in.add(c, e.window)
		}
		p.interest = append(p.interest, in)
		k := len(p.byTime) // mostly at the end: logs are mostly in time order
		if k > 0 && p.byTime[k-1].at.t.After(in.at.t) {
			k = sort.Search(k, func(i int) bool { return p.byTime[i].at.t.After(in.at.t) })
		}
		p.byTime = slices.Insert(p.byTime, k, in)
		if in.row.User == "" {
			p.userless = append(p.userless, in)
		}
		e.interests = append(e.interests, in)
		return in, at, true
	}
	return nil, at, true
}

func remote(ev *sysmon.Event) string {
	ip, port := ev.Field("DestinationIp"), ev.Field("DestinationPort")
	if strings.Contains(ip, ":") {
		ip = "[" + ip + "]"
	}
	return ip + ":" + port
}

// add counts a connection before or after the interest event when it lies
// within the window.
func (in *interest) add(c conn, window time.Duration) {
	if c.at.before(in.at) {
		gap := in.at.t.Sub(c.at.t)
		if gap > window {
			return
		}
		if in.netBefore == 0 || gap < in.gapBefore {
			in.gapBefore = gap
		}
		in.netBefore++
	} else {
		gap := c.at.t.Sub(in.at.t)
		if gap > window {
			return
		}
		if in.netAfter == 0 || gap < in.gapAfter {
			in.gapAfter = gap
		}
		in.netAfter++
	}
	in.remotes.add(c.remote)
	if c.hostname != "" && c.hostname != "-" {
		in.hostnames.add(c.hostname)
	}
}

// near returns the interests a connection at t may count for: those
// within window of t (add ignores the others).
func (p *process) near(t time.Time, window time.Duration) []*interest {
	lo, hi := t.Add(-window), t.Add(window)
	if lo.After(t) || hi.Before(t) { // out of time's range
		return p.byTime
	}
	i := sort.Search(len(p.byTime), func(i int) bool { return !p.byTime[i].at.t.Before(lo) })
	j := sort.Search(len(p.byTime), func(j int) bool { return p.byTime[j].at.t.After(hi) })
	return p.byTime[i:max(i, j)]
}

// maxRing bounds one process's remembered connections.
const maxRing = 1 << 14

// maxDistinct bounds the remote addresses and host names kept per row.
const maxDistinct = 256

// learnOrder tells a newest-first file from its first events.
func (e *Engine) learnOrder(at stamp) {
	switch {
	case e.orderKnown:
	case e.order.t.IsZero() && e.order.rid == 0:
		e.order = at
	case at.rid != 0 && e.order.rid != 0:
		if at.rid != e.order.rid {
			e.desc, e.orderKnown = at.rid < e.order.rid, true
		}
	case absDur(at.t.Sub(e.order.t)) > e.horizon()/4:
		e.desc, e.orderKnown = at.t.Before(e.order.t), true
	}
	if e.desc && e.lastEvict.IsZero() {
		e.lastEvict = e.low
	}
}

// frontier is where the stream stands: the newest time so far, or the
// oldest in a newest-first file.
func (e *Engine) frontier() time.Time {
	if e.desc {
		return e.low
	}
	return e.watermark
}

// stale tells whether t lies more than the horizon behind the frontier.
func (e *Engine) stale(t time.Time) bool {
	if e.desc {
		return t.After(e.low.Add(e.horizon()))
	}
	return t.Before(e.watermark.Add(-e.horizon()))
}

// evict drops ring entries and idle processes further than the horizon
// behind the frontier. Rings are in stream order, so those are at the
// front.
func (e *Engine) evict() {
	for key, p := range e.procs {
		if len(p.interest) == 0 && e.stale(p.lastSeen) {
			delete(e.procs, key)
			continue
		}
		i := 0
		for i < len(p.ring) && e.stale(p.ring[i].at.t) {
			i++
		}
		if i > 0 {
			p.ring = append(p.ring[:0], p.ring[i:]...)
		}
	}
}

// classify turns a registry event into an interest event when it writes an
// autorun location or a payload target.
func (e *Engine) classify(ev *sysmon.Event, pr *prep, at stamp) *interest {
	eventType, split := pr.eventType, pr.split
	if !split.ok {
		return nil
	}
	rt := split.rt
	// The row is made only for an event that is one: most of a busy
	// host's registry events are not, and this runs in file order.
	newRow := func() Row {
		// Rows of a busy host repeat their strings: one copy of each.
		in := e.memo.intern
		row := Row{
			Time: ev.TimeCreated, UtcTime: ev.Field("UtcTime"), Computer: in(ev.Computer), RecordID: ev.RecordID,
			EventID: ev.EventID, EventType: in(eventType), ProcessGUID: in(ev.Field("ProcessGuid")), ProcessID: in(ev.Field("ProcessId")),
			Image: in(ev.Field("Image")), User: in(ev.Field("User")), TargetObject: in(ev.Field("TargetObject")), Path: rt.path,
			Details: in(ev.Field("Details")), SourceFile: in(ev.SourceFile), Scope: rt.scope, SID: rt.sid, ValueName: rt.valueName,
		}
		if row.Time.IsZero() {
			row.Time = at.t
		}
		return row
	}
	if loc, ok := split.match(); ok {
		row := newRow()
		row.Role, row.Location = RoleAutorun, loc.ID
		in := e.newInterest(row, &split.rt, at)
		if eventType == "SetValue" {
			in.targets = pr.targets
		}
		return in
	}
	for _, t := range e.targets {
		if t.matches(rt.root, rt.keyRel, rt.valueName) {
			row := newRow()
			row.Role = RolePayload
			return e.newInterest(row, &split.rt, at)
		}
	}
	if e.missed != nil {
		e.missed(split, pr.writer)
	}
	return nil
}

func (e *Engine) newInterest(row Row, written *regTarget, at stamp) *interest {
	// An event's values are slices of one string: a row's own copy of its
	// time lets that string go (the other strings are interned).
	row.UtcTime = strings.Clone(row.UtcTime)
	in := &interest{written: written, at: at}
	e.keep(in, row)
	return in
}

// keep puts in's row in the engine's rows.
func (e *Engine) keep(in *interest, row Row) {
	if len(e.rows) == 0 || len(e.rows[len(e.rows)-1]) == rowChunk {
		e.rows = append(e.rows, make([]Row, 0, rowChunk))
	}
	chunk := &e.rows[len(e.rows)-1]
	*chunk = append(*chunk, row)
	in.row = &(*chunk)[len(*chunk)-1]
}

// rowChunk is the rows of one chunk of Engine.rows (400 KiB).
const rowChunk = 1024

func defaultEventType(id int) string {
	switch id {
	case EventRegistryValue:
		return "SetValue"
	case EventRegistryName:
		return "RenameKey"
	}
	return "CreateKey"
}

// prep is the work on one event that depends on the event alone. The one
// pass has the reader's workers do it (sysmon.Filter.Prepare), so that
// the engine, which takes the events one at a time in file order, does
// only what depends on the events before: on a busy host that work was
// most of the engine's, and the second core waited for it.
type prep struct {
	at  time.Time // eventTime
	key []byte    // processKey
	// Registry events:
	eventType string       // EventType, or the event id's default
	split     *splitResult // of TargetObject, catalog match made (shared)
	targets   []Target     // an autorun SetValue's payload targets (shared)
	writer    string       // a write of no autorun location: guidKey of its ProcessGuid
	// Network events:
	remote string
}

// preparer prepares the events of one goroutine, with its own memo. Preps
// and keys are allocated a slab at a time: the engine keeps neither
// beyond its event.
type preparer struct {
	memo memo
	slab []prep
	keys []byte
}

// engineFields are the EventData fields the engine reads: an EVTX
// reader need not render the others (a ProcessCreate's command lines and
// hashes are most of its bytes).
var engineFields = map[string]bool{"UtcTime": true, "ProcessGuid": true, "ProcessId": true, "Image": true, "User": true,
	"EventType": true, "TargetObject": true, "Details": true, "DestinationIp": true, "DestinationPort": true, "DestinationHostname": true}

// prepareFilter is filter with the events prepared where they are read,
// and only the fields the engine reads.
func prepareFilter(filter sysmon.Filter) sysmon.Filter {
	filter.Fields = engineFields
	filter.Prepare = func() func(*sysmon.Event) any {
		pp := &preparer{}
		return pp.prepare
	}
	return filter
}

// prepare is the workers' Prepare. A ProcessCreate, most of the events
// a workstation's log gives the pass, needs only its key, which the
// engine makes in a buffer of its own: preparing it would allocate more
// than it saves (256 MiB workstation log: 25 MB more on 2 cores than on
// one).
func (pp *preparer) prepare(ev *sysmon.Event) any {
	if ev.EventID == EventProcessCreate {
		return nil
	}
	if len(pp.slab) == 0 {
		pp.slab = make([]prep, 64)
	}
	pr := &pp.slab[0]
	pp.slab = pp.slab[1:]
	if cap(pp.keys)-len(pp.keys) < 256 {
		pp.keys = make([]byte, 0, 8<<10)
	}
	start := len(pp.keys)
	pp.keys = appendProcessKey(pp.keys, ev)
	pr.key = pp.keys[start:len(pp.keys):len(pp.keys)]
	pp.fill(pr, ev)
	return pr
}

// fill does ev's work but the key.
func (pp *preparer) fill(pr *prep, ev *sysmon.Event) {
	pr.at = eventTime(ev)
	switch ev.EventID {
	case EventNetwork:
		pr.remote = remote(ev)
	case EventRegistryKey, EventRegistryValue, EventRegistryName:
		pr.eventType = ev.Field("EventType")
		if pr.eventType == "" {
			pr.eventType = defaultEventType(ev.EventID)
		}
		pr.split = pp.memo.split(ev.Field("TargetObject"), pr.eventType)
		if !pr.split.ok {
			break
		}
		if _, ok := pr.split.match(); !ok {
			pr.writer = guidKey(ev.Field("ProcessGuid"))
		} else if pr.eventType == "SetValue" {
			pr.targets = pp.memo.targetsOf(ev.Field("Details"), pr.split.rt.scope, pr.split.rt.root)
		}
	}
}

// prepOf is ev's prep: the reader's, or made now when it made none.
func (e *Engine) prepOf(ev *sysmon.Event) *prep {
	if pr, ok := ev.Prepared.(*prep); ok {
		return pr
	}
	e.own = prep{key: appendProcessKey(e.own.key[:0], ev)}
	e.local.fill(&e.own, ev)
	return &e.own
}

// processKeyOf is processKey(ev) as bytes valid until the next event:
// the reader's, or made in a buffer of the engine's.
func (e *Engine) processKeyOf(ev *sysmon.Event) []byte {
	if pr, ok := ev.Prepared.(*prep); ok {
		return pr.key
	}
	e.keyBuf = appendProcessKey(e.keyBuf[:0], ev)
	return e.keyBuf
}

// UserlessGUIDs returns the ProcessGuids (as written) of interest rows that
// have no user yet, for the ProcessCreate pass.
func (e *Engine) UserlessGUIDs() []string {
	seen := map[string]bool{}
	var out []string
	for _, in := range e.interests {
		g := in.row.ProcessGUID
		if in.row.User == "" && g != "" && !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	return out
}

// FillUser takes a ProcessCreate event and gives its user to the interest
// rows of that process that still lack one.
func (e *Engine) FillUser(ev *sysmon.Event) {
	u := ev.Field("User")
	if ev.EventID != EventProcessCreate || u == "" {
		return
	}
	if p := e.procs[processKey(ev)]; p != nil {
		for _, in := range p.interest {
			if in.row.User == "" {
				in.row.User = u
			}
		}
	}
}

// Rows links autorun and payload rows, scores them and returns them ordered
// by computer, time and record id. It is the engine's last step: the
// engine lets go of its state (the interest events, processes, memos) as
// it makes the rows, so that a busy host's rows are not held twice, and a
// second call returns none. The rows are where the engine kept them, not
// copied: a copy of a busy host's 400-byte rows cost a fifth of the
// query's time and, for a while, their memory twice.
func (e *Engine) Rows() []*Row {
	e.link()
	e.finishAll()
	// What correlation kept is not needed past here; the rows hold their
	// own strings.
	e.scores, e.memo, e.procs, e.seen = scoreMemo{}, memo{}, nil, nil
	order := e.interests
	e.interests, e.rows = nil, nil
	rows := make([]*Row, len(order))
	for i, in := range order {
		rows[i] = in.row
	}
	clear(order)
	sortRows(rows)
	return rows
}

// sortRows orders rows by computer, time and record id, keeping the order
// of equal rows.
func sortRows(rows []*Row) {
	slices.SortStableFunc(rows, func(a, b *Row) int {
		if a.Computer != b.Computer {
			return strings.Compare(a.Computer, b.Computer)
		}
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		return cmp.Compare(a.RecordID, b.RecordID)
	})
}

// link pairs each autorun write with the payload write its command reads
// that is nearest in time (on the same computer), and each payload write
// with the nearest autorun write that reads it.
func (e *Engine) link() {
	for _, in := range e.interests {
		if in.row.RecordID == 0 {
			// A link to record 0 reads as no link yet; keep the plain
			// pairwise loop's behaviour for such (id-less) inputs.
			e.linkPairs()
			return
		}
	}
	// Each side's nearest partner, found by binary search in the time-
	// sorted writes its targets name (by computer, case-folded key and
	// value name, and root: exact, or any user's): linear-logarithmic in
	// the rows, where comparing every autorun with every payload was
	// quadratic (a value written again and again made a busy host's query
	// take minutes). Ties go to the earlier interest, as the loop did.
	payExact := map[string]*timeline{} // key + folded root
	payUsers := map[string]*timeline{} // key, roots under HKEY_USERS
	autoExact := map[string]*timeline{}
	autoUsers := map[string]*timeline{}
	// The same few keys are asked for again and again (a busy host writes
	// the same values): each is folded and joined once.
	keys := map[linkKeyParts]string{}
	keyOf := func(computer, rel, value, root string, withRoot bool) string {
		parts := linkKeyParts{computer, rel, value, root, withRoot}
		if k, ok := keys[parts]; ok {
			return k
		}
		k := linkKey(computer, rel, value)
		if withRoot {
			k += "\x00" + foldCase(root)
		}
		keys[parts] = k
		return k
	}
	add := func(m map[string]*timeline, k string, i int) {
		tl := m[k]
		if tl == nil {
			tl = &timeline{}
			m[k] = tl
		}
		if n := len(tl.idx); n == 0 || tl.idx[n-1] != i {
			tl.idx = append(tl.idx, i)
		}
	}
	for i, in := range e.interests {
		switch {
		case in.row.Role == RolePayload:
			w := in.written
			add(payExact, keyOf(in.row.Computer, w.keyRel, w.valueName, w.root, true), i)
			if underUsers(w.root) {
				add(payUsers, keyOf(in.row.Computer, w.keyRel, w.valueName, "", false), i)
			}
		case in.row.Role == RoleAutorun:
			for _, t := range in.targets {
				if t.Root == `HKEY_USERS\*` {
					add(autoUsers, keyOf(in.row.Computer, t.Rel, t.ValueName, "", false), i)
				} else {
					add(autoExact, keyOf(in.row.Computer, t.Rel, t.ValueName, t.Root, true), i)
				}
			}
		}
	}
	for _, m := range []map[string]*timeline{payExact, payUsers, autoExact, autoUsers} {
		for _, tl := range m {
			tl.sort(e.interests)
		}
	}
	for _, a := range e.interests {
		if a.row.Role != RoleAutorun || len(a.targets) == 0 {
			continue
		}
		best := -1
		for _, t := range a.targets {
			var tl *timeline
			if t.Root == `HKEY_USERS\*` {
				tl = payUsers[keyOf(a.row.Computer, t.Rel, t.ValueName, "", false)]
			} else {
				tl = payExact[keyOf(a.row.Computer, t.Rel, t.ValueName, t.Root, true)]
			}
			best = tl.nearest(e, a.at.t, best)
		}
		if best >= 0 {
			p := e.interests[best]
			e.linkWork++
			if a.row.LinkedRecordID == 0 || nearer(a, p, a.linked) {
				a.row.LinkedRecordID, a.linked = p.row.RecordID, p
			}
		}
	}
	for _, p := range e.interests {
		if p.row.Role != RolePayload {
			continue
		}
		w := p.written
		best := autoExact[keyOf(p.row.Computer, w.keyRel, w.valueName, w.root, true)].nearest(e, p.at.t, -1)
		if underUsers(w.root) {
			best = autoUsers[keyOf(p.row.Computer, w.keyRel, w.valueName, "", false)].nearest(e, p.at.t, best)
		}
		if best >= 0 {
			a := e.interests[best]
			e.linkWork++
			if p.row.LinkedRecordID == 0 || nearer(p, a, p.linked) {
				p.row.LinkedRecordID, p.linked = a.row.RecordID, a
			}
		}
	}
}

// underUsers is the root test of an HKEY_USERS\* target.
func underUsers(root string) bool {
	return strings.HasPrefix(strings.ToUpper(root), `HKEY_USERS\`)
}

// timeline is the interests (by index) of one link key, sorted by time
// and then by index.
type timeline struct {
	idx   []int
	times []time.Time
}

func (tl *timeline) sort(interests []*interest) {
	sort.SliceStable(tl.idx, func(x, y int) bool {
		return interests[tl.idx[x]].at.t.Before(interests[tl.idx[y]].at.t)
	})
	tl.times = make([]time.Time, len(tl.idx))
	for j, i := range tl.idx {
		tl.times[j] = interests[i].at.t
	}
}

// nearest returns, of best (-1: none) and the interests of tl, the one
// nearest in time to at; of equally near ones the earliest interest.
func (tl *timeline) nearest(e *Engine, at time.Time, best int) int {
	if tl == nil || len(tl.idx) == 0 {
		return best
	}
	consider := func(j int) {
		i := tl.idx[j]
		if best < 0 {
			best = i
			return
		}
		d, bd := absDur(tl.times[j].Sub(at)), absDur(e.interests[best].at.t.Sub(at))
		if d < bd || d == bd && i < best {
			best = i
		}
	}
	// The first at or after at, and the first of the run of equal times
	// before it: within a run of one time the earliest interest comes
	// first (stable sort of indices in order).
	r := sort.Search(len(tl.times), func(j int) bool { return !tl.times[j].Before(at) })
	if r < len(tl.times) {
		consider(r)
	}
	if r > 0 {
		lt := tl.times[r-1]
		consider(sort.Search(r, func(j int) bool { return !tl.times[j].Before(lt) }))
	}
	return best
}

// linkPairs is link by comparing every autorun with every payload write.
func (e *Engine) linkPairs() {
	for _, a := range e.interests {
		if a.row.Role != RoleAutorun || len(a.targets) == 0 {
			continue
		}
		for _, p := range e.interests {
			if p.row.Role != RolePayload || p.row.Computer != a.row.Computer || !p.readBy(a) {
				continue
			}
			e.linkWork++
			if a.row.LinkedRecordID == 0 || nearer(a, p, a.linked) {
				a.row.LinkedRecordID, a.linked = p.row.RecordID, p
			}
			if p.row.LinkedRecordID == 0 || nearer(p, a, p.linked) {
				p.row.LinkedRecordID, p.linked = a.row.RecordID, a
			}
		}
	}
}

// linkKey is computer, key and value name with the key and name in one
// case: strings equal under strings.EqualFold have the same key.
// linkKeyParts is what a link key is made of.
type linkKeyParts struct {
	computer, rel, value, root string
	withRoot                   bool
}

func linkKey(computer, rel, value string) string {
	return computer + "\x00" + foldCase(rel) + "\x00" + foldCase(value)
}

// foldCase maps each rune to the smallest of its simple case folding
// orbit, the equivalence strings.EqualFold tests.
func foldCase(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii { // an ASCII letter's smallest is its upper case
		return strings.ToUpper(s)
	}
	var b strings.Builder
	for _, r := range s {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		b.WriteRune(least)
	}
	return b.String()
}

func (p *interest) readBy(a *interest) bool {
	for _, t := range a.targets {
		if t.matches(p.written.root, p.written.keyRel, p.written.valueName) {
			return true
		}
	}
	return false
}

// linkedSame tells whether the linked write came from the same process.
func (in *interest) linkedSame() bool { return in.linked != nil && in.linked.proc == in.proc }

// linkedAt is the time of the linked write.
func (in *interest) linkedAt() stamp {
	if in.linked == nil {
		return stamp{}
	}
	return in.linked.at
}

func nearer(from, cand, current *interest) bool {
	return absDur(cand.at.t.Sub(from.at.t)) < absDur(current.at.t.Sub(from.at.t))
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// finishAll scores the interest events, on GOMAXPROCS workers when there
// are many: the pass's consumer is serial, this need not be. Each worker
// keeps its own memo; the verdicts do not depend on which computes them.
func (e *Engine) finishAll() {
	n := len(e.interests)
	workers := min(runtime.GOMAXPROCS(0), n/minFinishShare)
	if workers <= 1 {
		for _, in := range e.interests {
			in.finish(&e.scores)
		}
		return
	}
	var wg sync.WaitGroup
	per := (n + workers - 1) / workers
	for w := range workers {
		part := e.interests[w*per : min(n, (w+1)*per)]
		memo := &scoreMemo{}
		if w == 0 {
			memo = &e.scores
		}
		wg.Go(func() {
			for _, in := range part {
				in.finish(memo)
			}
		})
	}
	wg.Wait()
}

// minFinishShare is the fewest interest events worth a worker.
const minFinishShare = 1024

func (in *interest) finish(scores *scoreMemo) {
	r := in.row
	r.NetBefore, r.NetAfter = in.netBefore, in.netAfter
	r.SecondsBefore, r.SecondsAfter = -1, -1
	if in.netBefore > 0 {
		r.SecondsBefore = in.gapBefore.Seconds()
	}
	if in.netAfter > 0 {
		r.SecondsAfter = in.gapAfter.Seconds()
	}
	r.RemoteAddresses, r.RemoteHostnames = joinOwn(in.remotes), joinOwn(in.hostnames)
	in.remotes, in.hostnames = nil, nil
	var flags int
	if r.NetBefore > 0 {
		flags |= 1
	}
	if r.NetAfter > 0 {
		flags |= 2
	}
	if r.LinkedRecordID != 0 && in.linkedSame() {
		flags |= 4
	}
	v := scores.verdict(in, flags)
	r.Indicators, r.Score, r.Verdict = v.indicators, v.score, v.verdict
}

// joinOwn is strings.Join with ",", in a string of its own: Join gives a
// single element back as it is, which may be a slice of its event's
// values, and would keep all of them for the row's life.
func joinOwn(parts []string) string {
	if len(parts) == 1 {
		return strings.Clone(parts[0])
	}
	return strings.Join(parts, ",")
}

// contentIndicators are the indicators of what the event wrote: all but
// the network and two-stage ones. scoreKey must name everything they
// depend on.
func (in *interest) contentIndicators() []string {
	r := in.row
	set := indicators.Set{}
	if r.Role == RoleAutorun && r.EventType == "SetValue" {
		// The value's own verdict comes from the engine run_key_payloads uses.
		loc, _ := catalog.Match(in.written.scope, in.written.keyRel, in.written.valueName)
		set.Add(autoruns.ValueIndicators(loc, in.hiveInfo(), r.ValueName, r.Details, r.Image).Sorted()...)
	} else {
		set.Add(payload.TextIndicators(r.Details)...)
	}
	if r.Role == RolePayload {
		decoded := payload.Decode([]byte(r.Details))
		set.Add(payload.TextIndicators(decoded.Text)...)
		if decoded.Compressed {
			set.Add(indicators.CompressedPayload)
		}
	}
	if strings.ContainsRune(r.ValueName, 0) || strings.Contains(r.ValueName, `\0`) {
		set.Add(indicators.HiddenValueName)
	}
	return set.Sorted()
}

// scoreKey is what contentIndicators depend on: the role and event type,
// the hive (scope, SID, user name), the key, the value name, the data and
// the writer's image (a Binary Data list write is scored from it). It is
// appended to b: the memo looks a key up without making a string of it.
func (in *interest) scoreKey(b []byte) []byte {
	r := in.row
	info := in.hiveInfo()
	for _, part := range []string{r.Role, r.EventType, info.Scope, info.SID, info.Username, in.written.keyRel, r.ValueName, r.Details, r.Image} {
		b = binary.AppendUvarint(b, uint64(len(part))) // lengths first: no two keys alike
		b = append(b, part...)
	}
	return b
}

// scoreMemo remembers the verdicts of one run by scoreKey: a busy host
// writes the same values again and again, and scoring a command is most
// of the cost of a row. Bounded: at most maxScores keys of at most
// maxScoreKey bytes; when full it starts again.
type scoreMemo struct {
	byKey map[string]*[8]*verdict // by the flags of finish
	key   []byte                  // scoreKey's, reused
}

type verdict struct {
	content    []string
	indicators string
	score      int
	verdict    string
}

const (
	maxScores   = 4096
	maxScoreKey = 4096
)

func (m *scoreMemo) verdict(in *interest, flags int) *verdict {
	m.key = in.scoreKey(m.key[:0])
	key := m.key
	var variants *[8]*verdict
	if len(key) <= maxScoreKey {
		variants = m.byKey[string(key)] // no string made for a lookup
		if variants == nil {
			if m.byKey == nil || len(m.byKey) >= maxScores {
				m.byKey = map[string]*[8]*verdict{}
			}
			variants = &[8]*verdict{}
			m.byKey[string(key)] = variants
		}
	} else {
		variants = &[8]*verdict{}
	}
	if v := variants[flags]; v != nil {
		return v
	}
	var content []string
	for _, v := range variants {
		if v != nil {
			content = v.content
			break
		}
	}
	if content == nil {
		content = in.contentIndicators()
	}
	set := indicators.Set{}
	set.Add(content...)
	if flags&1 != 0 {
		set.Add(indicators.NetworkBeforeWrite)
	}
	if flags&2 != 0 {
		set.Add(indicators.NetworkAfterWrite)
	}
	if flags&4 != 0 {
		set.Add(indicators.TwoStageWrite)
	}
	v := &verdict{content: content, indicators: set.String(), score: set.Score()}
	v.verdict = indicators.Verdict(v.score)
	variants[flags] = v
	return v
}

// hiveInfo is the hive a write went to, as the scoring engine needs it: a
// user hive's user name (for %APPDATA% and the like) is the writer's when
// the writer is not a service account.
func (in *interest) hiveInfo() registry.HiveInfo {
	info := registry.HiveInfo{Scope: in.written.scope, SID: in.written.sid}
	if info.Scope == registry.ScopeUser {
		_, user, _ := strings.Cut(in.row.User, `\`)
		if u := strings.ToUpper(user); user != "" && u != "SYSTEM" && u != "LOCAL SERVICE" && u != "NETWORK SERVICE" {
			info.Username = user
		}
	}
	return info
}

// distinct is a sorted set of at most maxDistinct strings; most rows have
// none or a few, which a map would hold in far more memory.
type distinct []string

func (d *distinct) add(s string) {
	i, found := slices.BinarySearch(*d, s)
	if found || len(*d) >= maxDistinct {
		return
	}
	*d = slices.Insert(*d, i, s)
}

// FormatSeconds renders a gap as the seconds_* columns show it.
func FormatSeconds(s float64) string {
	if s < 0 {
		return "-1"
	}
	return strconv.FormatFloat(s, 'f', 3, 64)
}

// memo remembers, within one run, what the engine derives from strings
// that a busy host writes again and again: the split of a TargetObject and
// the payload targets of a command. Each map holds at most maxMemo keys
// (commands of at most maxScoreKey bytes) and starts again when full.
type memo struct {
	splits  map[[2]string]*splitResult
	targets map[[3]string][]Target
	strs    map[string]string
	strSize int // bytes of strs
}

// Bounds of memo.strs: strings, and bytes of them.
const (
	maxInterned     = 1 << 16
	maxInternedSize = 16 << 20
)

// intern returns the copy of s kept, keeping one if there is room. The
// copy is s's own: s is often a slice of an event's values, which a row
// would otherwise keep whole.
func (m *memo) intern(s string) string {
	if t, ok := m.strs[s]; ok {
		return t
	}
	if m.strs == nil {
		m.strs = map[string]string{}
	}
	s = strings.Clone(s)
	if len(m.strs) < maxInterned && m.strSize+len(s) <= maxInternedSize {
		m.strs[s] = s
		m.strSize += len(s)
	}
	return s
}

type splitResult struct {
	rt      regTarget
	ok      bool
	pathKey uint64 // of rt's key and value name, when ok
	// The catalog location the split names, once asked for (a preparer
	// asks before it shares the split).
	matched, isLoc bool
	loc            catalog.Location
}

const maxMemo = 4096

func (m *memo) split(target, eventType string) *splitResult {
	k := [2]string{target, eventType}
	if r, ok := m.splits[k]; ok {
		return r
	}
	r := &splitResult{}
	// The split's strings are slices of target; rows keep them, so target
	// must not be a slice of an event's values.
	r.rt, r.ok = splitTarget(strings.Clone(target), eventType)
	if r.ok {
		r.pathKey = pathKey(r.rt.keyRel, r.rt.valueName)
	}
	if m.splits == nil || len(m.splits) >= maxMemo {
		m.splits = map[[2]string]*splitResult{}
	}
	m.splits[k] = r
	return r
}

// match is catalog.Match of the split.
func (r *splitResult) match() (catalog.Location, bool) {
	if !r.matched {
		r.loc, r.isLoc = catalog.Match(r.rt.scope, r.rt.keyRel, r.rt.valueName)
		r.matched = true
	}
	return r.loc, r.isLoc
}

// targetsOf is TargetsOf; the slice is shared, not to be changed.
func (m *memo) targetsOf(command, scope, hiveRoot string) []Target {
	if len(command) > maxScoreKey {
		return TargetsOf(command, scope, hiveRoot) // not worth keeping
	}
	k := [3]string{command, scope, hiveRoot}
	if t, ok := m.targets[k]; ok {
		return t
	}
	t := TargetsOf(command, scope, hiveRoot)
	if m.targets == nil || len(m.targets) >= maxMemo {
		m.targets = map[[3]string][]Target{}
	}
	m.targets[k] = t
	return t
}
