package chain

import (
	"hash/fnv"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/runkeyhunt/runkeyhunt/tables/input"
	"github.com/runkeyhunt/runkeyhunt/tables/sysmon"
)

// OnePassIDs are the event ids Correlate's one pass reads: registry and
// network events for the engine, ProcessCreate for the users (when
// usersInPass).
var OnePassIDs = map[int]bool{EventProcessCreate: true, EventNetwork: true, EventRegistryKey: true, EventRegistryValue: true, EventRegistryName: true}

// usersInPass tells the formats whose ProcessCreate events the one pass
// reads. A JSON line (or XML event) can be told to name a process still
// without a user before it is parsed, and a ProcessCreate line is the
// longest of a log: parsing them all in the pass costs more than a pass
// that parses only the lines naming the processes that need a user (a
// set lookup per GUID-shaped text, linear in the input), even decoding
// only createFields (0.70 s against 0.51 s CPU on 366 MB of a
// workstation's NXLog lines, two thirds ProcessCreate); that pass shares
// the second look's read where there is one. When any file is
// of another format, every user comes from that pass, as the three passes
// gave them.
var usersInPass = map[input.Format]bool{input.EVTX: true}

// createFields are the fields of a ProcessCreate a user is taken from
// (User, and processKey's): a JSON line's others are skipped, not decoded.
var createFields = map[int]map[string]bool{EventProcessCreate: {"ProcessGuid": true, "User": true, "ProcessId": true, "Image": true}}

// lookAndCreateIDs are the event ids of a second look at JSON lines that
// also reads the ProcessCreate lines fillUsers needs.
var lookAndCreateIDs = func() map[int]bool {
	ids := maps.Clone(ObserveIDs)
	ids[EventProcessCreate] = true
	return ids
}()

// Bounds of the one pass's state (see the package doc); variables for
// tests.
var (
	// maxCreates bounds the ProcessCreate users kept; past it, the users
	// of the processes not kept come from a ProcessCreate pass.
	maxCreates = 1 << 16
	// maxPaths bounds the registry values remembered as written but of no
	// interest; past it, a payload target named later is looked for in
	// every chunk read before it.
	maxPaths = 1 << 16
	// maxRuns bounds the runs of chunks remembered per value; past it,
	// the value is looked for in every chunk.
	maxRuns = 64
	// maxWriters bounds the writing processes remembered per value; past
	// it, a second look at a file without chunks reads every line of it.
	maxWriters = 64
)

// position is where an event was read: the file's index among
// Correlate's files and the event's offset in it (ordered as read).
type position struct {
	file int
	off  int64
}

func (a position) before(b position) bool {
	return a.file < b.file || a.file == b.file && a.off < b.off
}

// chunkRun is chunks lo..hi of one file (0..0 for a file without chunks).
type chunkRun struct {
	file   int
	lo, hi int
}

// written is where a registry value of no interest was written, and by
// which processes (GUIDs, guidKey).
type written struct {
	runs      []chunkRun
	all       bool // more runs than kept: anywhere
	writers   []string
	anyWriter bool // a write without a GUID, or more writers than kept
}

// guidKey is a ProcessGuid as lineMentions folds it ("" when not a GUID).
func guidKey(g string) string {
	t := trimBraces(g)
	if len(t) != guidTextLen || !guidShaped([]byte(t)) {
		return ""
	}
	return strings.ToUpper(t)
}

// lateTarget is a payload target named after a write to its value was
// read: those earlier writes get a second look.
type lateTarget struct {
	target Target
	at     position // where it was named
	runs   []chunkRun
	all    bool
	// The processes that wrote it before (nil with anyWriter: any).
	writers   []string
	anyWriter bool
}

// timeRange is the times (UnixNano) of the events read in one chunk;
// empty when lo > hi.
type timeRange struct{ lo, hi int64 }

// onePass is the state Correlate's single pass keeps beside the engine's:
// the users of ProcessCreate events, the registry values written before
// anything named them, and each EVTX chunk's time range.
type onePass struct {
	e       *Engine
	files   []input.File
	at      position // of the event being read
	creates map[string]string
	// createsFull: a ProcessCreate was not kept (or not read: a file's
	// format is not usersInPass).
	createsFull bool
	users       map[string]string // interned user names
	paths       map[uint64]*written
	pathsFull   bool
	late        []lateTarget
	named       map[Target]position // targets named during the pass
	times       [][]timeRange       // by file, by chunk (EVTX only)
	noCreates   bool                // ProcessCreate is not read in the pass
	// createsRead are, by file, the first user of each process in the
	// ProcessCreate lines the second look read for fillUsers.
	createsRead map[int]map[string]string
}

func newOnePass(e *Engine, files []input.File) *onePass {
	op := &onePass{e: e, files: files, creates: map[string]string{}, users: map[string]string{},
		paths: map[uint64]*written{}, named: map[Target]position{}, times: make([][]timeRange, len(files))}
	e.missed = op.missed
	for _, f := range files {
		if !usersInPass[f.Format] {
			op.createsFull, op.noCreates = true, true
		}
	}
	return op
}

// filter is the one pass's.
func (op *onePass) filter() sysmon.Filter {
	if op.noCreates {
		return prepareFilter(sysmon.Filter{EventIDs: ObserveIDs})
	}
	return prepareFilter(sysmon.Filter{EventIDs: OnePassIDs})
}

func (op *onePass) evtx(file int) bool { return op.files[file].Format == input.EVTX }

// chunk is the chunk of the event being read (0 for formats without).
func (op *onePass) chunk() int {
	if op.evtx(op.at.file) {
		return sysmon.ChunkOf(op.at.off)
	}
	return 0
}

// take is the pass's emit: one event of OnePassIDs, in file order.
func (op *onePass) take(file int, ev *sysmon.Event) {
	op.at = position{file, ev.Offset}
	if ev.EventID == EventProcessCreate {
		op.keepCreate(ev)
		return
	}
	in, at, fresh := op.e.observe(ev)
	if fresh && op.evtx(file) {
		op.keepTime(file, at.t.UnixNano())
	}
	if in != nil {
		in.pos = op.at
	}
	if ev.EventID != EventRegistryValue {
		return
	}
	eventType := ev.Field("EventType")
	switch {
	case in != nil && in.row.Role == RoleAutorun && in.row.EventType == "SetValue":
		op.name(in.targets) // what Collect would find, found once
	case fresh && (eventType == "SetValue" || eventType == ""):
		// Not an autorun write: Collect would find nothing.
	default:
		op.name(collectTargets(ev))
	}
}

// name adds the payload targets an autorun write names.
func (op *onePass) name(targets []Target) {
	for _, t := range targets {
		if op.e.targetSet[t] {
			continue
		}
		op.e.AddTargets(t)
		op.named[t] = op.at
		w := op.paths[pathKey(t.Rel, t.ValueName)]
		switch {
		case w != nil:
			op.late = append(op.late, lateTarget{target: t, at: op.at, runs: slices.Clone(w.runs), all: w.all,
				writers: slices.Clone(w.writers), anyWriter: w.anyWriter})
		case op.pathsFull:
			op.late = append(op.late, lateTarget{target: t, at: op.at, all: true, anyWriter: true})
		}
	}
}

// missed remembers where a registry value of no interest was written.
func (op *onePass) missed(split *splitResult, writer string) {
	k := split.pathKey
	w := op.paths[k]
	if w == nil {
		if len(op.paths) >= maxPaths {
			op.pathsFull = true
			return
		}
		w = &written{}
		op.paths[k] = w
	}
	if !w.anyWriter {
		g := writer
		switch {
		case g == "":
			w.writers, w.anyWriter = nil, true
		case slices.Contains(w.writers, g):
		case len(w.writers) == maxWriters:
			w.writers, w.anyWriter = nil, true
		default:
			w.writers = append(w.writers, g)
		}
	}
	if w.all {
		return
	}
	c := op.chunk()
	if n := len(w.runs); n > 0 && w.runs[n-1].file == op.at.file && w.runs[n-1].hi+1 >= c {
		w.runs[n-1].hi = max(w.runs[n-1].hi, c)
		return
	}
	if len(w.runs) == maxRuns {
		w.runs, w.all = nil, true
		return
	}
	w.runs = append(w.runs, chunkRun{op.at.file, c, c})
}

// pathKey hashes a value's key and name, case-folded as targets match.
func pathKey(rel, value string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(foldCase(rel)))
	h.Write([]byte{0})
	h.Write([]byte(foldCase(value)))
	return h.Sum64()
}

// keepTime widens the time range of the event's chunk.
func (op *onePass) keepTime(file int, t int64) {
	c := op.chunk()
	if c < 0 {
		return
	}
	ts := op.times[file]
	for len(ts) <= c {
		ts = append(ts, timeRange{math.MaxInt64, math.MinInt64})
	}
	r := &ts[c]
	r.lo, r.hi = min(r.lo, t), max(r.hi, t)
	op.times[file] = ts
}

// keepCreate keeps the user of a ProcessCreate, the first one of each
// process (as the ProcessCreate pass gave it).
func (op *onePass) keepCreate(ev *sysmon.Event) {
	u := ev.Field("User")
	if u == "" || ev.Field("ProcessGuid") == "" {
		return
	}
	key := op.e.processKeyOf(ev)
	if _, ok := op.creates[string(key)]; ok {
		return
	}
	if len(op.creates) >= maxCreates {
		op.createsFull = true
		return
	}
	if in, ok := op.users[u]; ok {
		u = in
	} else if len(op.users) < maxCreates {
		op.users[u] = u
	}
	op.creates[string(key)] = u
}

// looks are the parts of the files a second look reads: by file, the
// chunks (nil: the whole file; absent: none).
type looks map[int][]bool

// secondLook finds the writes to late targets read before they were
// named: it reads again the chunks that held such writes and the chunks
// within the window and clock slack of them, through an engine that
// knows only the late targets, and adds the payload writes it finds that
// were read before any target named them, as if they had been known.
func (op *onePass) secondLook(read func(file int, filter sysmon.Filter, emit func(*sysmon.Event)) error) error {
	if len(op.late) == 0 {
		return nil
	}
	sel := looks{}
	mark := func(file, lo, hi int) {
		if !op.evtx(file) {
			sel[file] = nil
			return
		}
		s, ok := sel[file]
		if ok && s == nil {
			return
		}
		for len(s) <= hi {
			s = append(s, false)
		}
		for c := lo; c <= hi; c++ {
			s[c] = true
		}
		sel[file] = s
	}
	sub := New(op.e.window)
	// A file without chunks is read again for the lines that name a
	// process that wrote a late target (the write and that process's
	// connections), when all of them are known.
	writers := map[string]bool{}
	for _, lt := range op.late {
		for _, g := range lt.writers {
			writers[g] = true
		}
		if lt.anyWriter {
			writers = nil
			break
		}
	}
	for _, lt := range op.late {
		sub.AddTargets(lt.target)
		if lt.all {
			for f := 0; f <= lt.at.file; f++ {
				sel[f] = nil
			}
			continue
		}
		for _, r := range lt.runs {
			mark(r.file, r.lo, r.hi)
		}
	}
	for f, s := range sel {
		if s != nil {
			sel[f] = op.widen(f, s)
		}
	}
	// A file the second look reads line by line for the writers is read
	// for fillUsers' ProcessCreate lines at the same time: those naming a
	// process of a row without a user, or a writer (whose payload rows the
	// look may add). The look's own events stay those of the lines naming
	// a writer (LineOf).
	var userless []string
	if op.createsFull && writers != nil {
		for _, in := range op.e.interests {
			if in.row.User == "" && in.row.ProcessGUID != "" {
				if _, ok := op.creates[in.proc]; !ok {
					userless = append(userless, in.row.ProcessGUID)
				}
			}
		}
	}
	// The line conditions name the same processes in every file: made once.
	var writerLine, createLine func([]byte) bool
	if writers != nil {
		names := slices.Collect(maps.Keys(writers))
		writerLine = lineMentions(names)
		if op.createsFull {
			createLine = lineMentions(slices.Concat(names, userless))
		}
	}
	var found []*interest
	files := make([]int, 0, len(sel))
	for f := range sel {
		files = append(files, f)
	}
	sort.Ints(files)
	for _, f := range files {
		filter := sysmon.Filter{EventIDs: ObserveIDs}
		byWriter := writers != nil && !op.evtx(f)
		if s := sel[f]; s != nil {
			filter.Chunks = func(c int) bool { return c < len(s) && s[c] }
		}
		var users map[string]string
		if byWriter {
			filter.Line = writerLine
			// Only the JSON-lines reader keeps a condition per event id
			// (LineOf): event XML given these would decode every event of
			// the ids, every ProcessCreate included (a 256 MiB workstation
			// log as XML: 3.4x the CPU of the two reads).
			if op.createsFull && op.files[f].Format == input.JSONLines {
				filter.EventIDs, filter.FieldsOf = lookAndCreateIDs, createFields
				filter.LineOf = map[int]func([]byte) bool{EventProcessCreate: createLine}
				for id := range ObserveIDs {
					filter.LineOf[id] = filter.Line
				}
				filter.Line = nil
				users = map[string]string{}
				if op.createsRead == nil {
					op.createsRead = map[int]map[string]string{}
				}
				op.createsRead[f] = users
			}
		}
		err := read(f, filter, func(ev *sysmon.Event) {
			if ev.EventID == EventProcessCreate {
				if u := ev.Field("User"); u != "" && users != nil {
					if key := processKey(ev); users[key] == "" {
						users[key] = u
					}
				}
				return
			}
			in, _, _ := sub.observe(ev)
			if in == nil || in.row.Role != RolePayload {
				return
			}
			if byWriter && !writers[guidKey(in.row.ProcessGUID)] {
				return // a line that named a writer in passing
			}
			in.pos = position{f, ev.Offset}
			if op.missedAt(in) {
				found = append(found, in)
			}
		})
		if err != nil {
			return err
		}
	}
	if len(found) == 0 {
		return nil
	}
	for _, in := range found {
		if p := op.e.procs[in.proc]; in.row.User == "" && p != nil {
			in.row.User = p.user
		}
	}
	op.e.interests = append(op.e.interests, found...)
	sort.SliceStable(op.e.interests, func(i, j int) bool { return op.e.interests[i].pos.before(op.e.interests[j].pos) })
	return nil
}

// missedAt tells whether the one pass read the payload write in before
// any target it matches was named.
func (op *onePass) missedAt(in *interest) bool {
	w := in.written
	for _, t := range op.e.targets {
		if !t.matches(w.root, w.keyRel, w.valueName) {
			continue
		}
		named, ok := op.named[t]
		if !ok || !in.pos.before(named) {
			return false // known from the start, or named before the write
		}
	}
	return true
}

// widen adds to the chunks of one file those whose events lie within the
// horizon (window and clock slack) of a chunk already chosen: the network
// events around the writes.
func (op *onePass) widen(file int, s []bool) []bool {
	ts := op.times[file]
	h := op.e.horizon().Nanoseconds()
	type span struct{ lo, hi int64 }
	var spans []span
	for c, ok := range s {
		if ok && c < len(ts) && ts[c].lo <= ts[c].hi {
			spans = append(spans, span{ts[c].lo - h, ts[c].hi + h})
		}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].lo < spans[j].lo })
	merged := spans[:0]
	for _, sp := range spans {
		if n := len(merged); n > 0 && sp.lo <= merged[n-1].hi {
			merged[n-1].hi = max(merged[n-1].hi, sp.hi)
			continue
		}
		merged = append(merged, sp)
	}
	for len(s) < len(ts) {
		s = append(s, false)
	}
	for c, r := range ts {
		if s[c] || r.lo > r.hi {
			continue
		}
		// The first span ending at or after the chunk's start.
		i := sort.Search(len(merged), func(i int) bool { return merged[i].hi >= r.lo })
		s[c] = i < len(merged) && merged[i].lo <= r.hi
	}
	return s
}

// fillUsers gives interest rows still without a user the user of their
// process's ProcessCreate: from what the pass kept, or, for processes it
// could not keep (past maxCreates), from a ProcessCreate pass over the
// chunks and lines that name them.
func (op *onePass) fillUsers(read func(file int, filter sysmon.Filter, emit func(*sysmon.Event)) error) error {
	waiting := map[string][]*interest{}
	var guids []string
	for _, in := range op.e.interests {
		if in.row.User != "" || in.row.ProcessGUID == "" {
			continue
		}
		if u, ok := op.creates[in.proc]; ok {
			in.row.User = u
			continue
		}
		if !op.createsFull {
			continue
		}
		if _, ok := waiting[in.proc]; !ok {
			guids = append(guids, in.row.ProcessGUID)
		}
		waiting[in.proc] = append(waiting[in.proc], in)
	}
	if len(waiting) == 0 {
		return nil
	}
	filter := sysmon.Filter{EventIDs: ProcessIDs, FieldsOf: createFields, Line: lineMentions(guids), Chunk: sysmon.ChunkMentions(guids)}
	for f := range op.files {
		if users, ok := op.createsRead[f]; ok {
			// Read with the second look: the lines naming these processes
			// were among those it read.
			for key, ins := range waiting {
				if u := users[key]; u != "" {
					for _, in := range ins {
						if in.row.User == "" {
							in.row.User = u
						}
					}
				}
			}
			continue
		}
		err := read(f, filter, func(ev *sysmon.Event) {
			u := ev.Field("User")
			if ev.EventID != EventProcessCreate || u == "" {
				return
			}
			for _, in := range waiting[processKey(ev)] {
				if in.row.User == "" {
					in.row.User = u
				}
			}
		})
		if err != nil {
			return err
		}
	}
	return nil
}
