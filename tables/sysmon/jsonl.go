package sysmon

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// maxJSONLine bounds one JSON line; longer lines are reported and skipped.
const maxJSONLine = 16 << 20

// maxJSONDepth bounds nesting inside one JSON line.
const maxJSONDepth = 64

// ReadJSONLines streams the Sysmon events of JSON lines to emit:
// Winlogbeat/ECS (winlog.event_id, winlog.event_data.*, winlog.record_id,
// winlog.computer_name, winlog.channel, winlog.provider_name, @timestamp;
// event.code, event.provider and host.name as fallbacks) and flat NXLog
// (EventID, SourceName, Channel, RecordNumber, Hostname, EventTime, event
// data fields at top level). A bad or over-long line is reported through
// warn with file and line number and skipped. Event.Offset is the line
// number. A line is parsed only when its event id is wanted (mayMatch);
// then only the members kept are decoded. On several cores (GOMAXPROCS)
// blocks of lines are parsed in parallel and emitted in file order; a
// regular file is read by the workers themselves.
func ReadJSONLines(ctx context.Context, r io.Reader, name string, filter Filter, emit func(*Event) error, warn func(error)) (err error) {
	if warn == nil {
		warn = func(error) {}
	}
	if w := jsonWorkers(); w > 1 {
		if ra, size, ok := regularFileAt(r); ok {
			if size >= 2*jsonBlockSize {
				return readJSONLinesAt(ctx, ra, size, name, filter, emit, warn, w, jsonBlockSize)
			}
		} else if bufferSize(r, 2*jsonBlockSize) == 2*jsonBlockSize {
			return readJSONLinesParallel(ctx, r, name, filter, emit, warn, w)
		}
	}
	return readJSONLinesSequential(ctx, r, name, filter, emit, warn)
}

// readJSONLinesSequential is ReadJSONLines on one goroutine.
func readJSONLinesSequential(ctx context.Context, r io.Reader, name string, filter Filter, emit func(*Event) error, warn func(error)) (err error) {
	lineNo := int64(0)
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: line %d: internal error reading JSON: %v", name, lineNo, p)
		}
	}()
	br := bufio.NewReaderSize(r, bufferSize(r, 256<<10))
	var long []byte
	tooLong := false
	wanted := idPatterns(filter)
	var p jsonLineParser
	for {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("%s: line %d: %w", name, lineNo+1, err)
		}
		chunk, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			if !tooLong {
				if len(long)+len(chunk) > maxJSONLine {
					tooLong, long = true, long[:0]
				} else {
					long = append(long, chunk...)
				}
			}
			continue
		}
		if err != nil && err != io.EOF {
			return fmt.Errorf("%s: line %d: %w", name, lineNo+1, err)
		}
		if len(chunk) == 0 && err == io.EOF && len(long) == 0 && !tooLong {
			return nil
		}
		lineNo++
		line := chunk
		if len(long) > 0 || tooLong {
			if !tooLong && len(long)+len(chunk) > maxJSONLine {
				tooLong = true
			}
			if tooLong {
				warn(fmt.Errorf("%s: line %d: longer than %d bytes, skipped", name, lineNo, maxJSONLine))
				tooLong, long = false, long[:0]
				if err == io.EOF {
					return nil
				}
				continue
			}
			long = append(long, chunk...)
			line = long
		}
		if mayMatch(line, wanted) && (filter.Line == nil || filter.Line(line)) {
			ev, perr := p.parse(line, filter)
			switch {
			case perr != nil:
				warn(fmt.Errorf("%s: line %d: %w", name, lineNo, perr))
			case ev != nil:
				ev.SourceFile, ev.Offset = name, lineNo
				if err := emit(ev); err != nil {
					return err
				}
			}
		}
		long = long[:0]
		if err == io.EOF {
			return nil
		}
	}
}

// idPatterns are the wanted event ids as decimal text, for the pre-filter.
func idPatterns(f Filter) [][]byte {
	var out [][]byte
	for id, ok := range f.EventIDs {
		if ok {
			out = append(out, strconv.AppendInt(nil, int64(id), 10))
		}
	}
	if len(f.EventIDs) > 0 && len(out) == 0 {
		out = [][]byte{} // nothing wanted
	}
	return out
}

// idKeys are the spellings of the event-id key in the JSON layouts we read
// (NXLog "EventID", Winlogbeat "event_id", ECS "code"). They start with a
// letter rather than the quote: bytes.Index scans for the first byte, and
// quotes are everywhere in JSON.
var idKeys = [...][]byte{[]byte(`EventID"`), []byte(`event_id"`), []byte(`code"`)}

// idKeyTails are the ends of idKeys keyedEventID searches for: bytes that
// start few places in a line of either layout.
var idKeyTails = [len(idKeys)][]byte{[]byte(`ID"`), []byte(`_id"`), []byte(`code"`)}

// mayMatch is a cheap necessary condition for a wanted line: it names
// Sysmon (canonical, lower or upper case) and holds a wanted event id. When
// the line has an event-id key, only the values of those keys count (a date
// such as 2024-03-13 must not pass for event 13); otherwise any number of
// its own does.
func mayMatch(line []byte, ids [][]byte) bool {
	if !bytes.Contains(line, []byte("ysmon")) && !bytes.Contains(line, []byte("YSMON")) {
		return false
	}
	if ids == nil {
		return true
	}
	if v, ok := keyedEventID(line); ok {
		// A line carries one event id: its value decides.
		for _, id := range ids {
			if bytes.Equal(v, id) {
				return true
			}
		}
		return false
	}
	for _, id := range ids {
		for rest, base := line, 0; ; {
			i := bytes.Index(rest, id)
			if i < 0 {
				break
			}
			at := base + i
			end := at + len(id)
			if (at == 0 || !isDigit(line[at-1])) && (end == len(line) || !isDigit(line[end])) {
				return true
			}
			rest, base = line[end:], end
		}
	}
	return false
}

// keyedEventID is the digits that follow the first event-id key of the
// line (idKeys, in that order) that digits follow: the line's event id
// as the text tells it, before it is parsed.
//
// Each key is searched by its tail (idKeyTails), then its head checked:
// bytes.Index runs from a key's first byte, and a Winlogbeat line, full
// of capital E's, made the search for NXLog's "EventID" the slowest part
// of reading it.
func keyedEventID(line []byte) ([]byte, bool) {
	for k, key := range idKeys {
		tail := idKeyTails[k]
		head := key[:len(key)-len(tail)]
		for base := 0; ; {
			i := bytes.Index(line[base:], tail)
			if i < 0 {
				break
			}
			at := base + i - len(head) // where the key would start
			base += i + len(tail)
			if at < 0 || !bytes.Equal(line[at:at+len(head)], head) {
				continue
			}
			if v, ok := idDigits(line[base:]); ok {
				return v, true
			}
		}
	}
	return nil, false
}

// idDigits is the run of digits after a key's closing quote, past any
// blanks, colon and quotes.
func idDigits(rest []byte) ([]byte, bool) {
	v := bytes.TrimLeft(rest, " \t:\"")
	end := 0
	for end < len(v) && isDigit(v[end]) {
		end++
	}
	return v[:end], end > 0
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// nxlogMeta are NXLog's own top-level fields, which are not event data.
var nxlogMeta = []string{
	"EventTime", "EventReceivedTime", "Hostname", "Keywords",
	"SeverityValue", "Severity", "EventID", "SourceName",
	"ProviderGuid", "Version", "Task", "OpcodeValue",
	"RecordNumber", "ProcessID", "ThreadID", "Channel",
	"Domain", "AccountName", "UserID", "AccountType",
	"Category", "Opcode", "Message", "SourceModuleName",
	"SourceModuleType", "@timestamp", "@version", "ActivityID",
	"RelatedActivityID", "TimeCreated", "ProviderName", "Provider",
	"Computer", "EventRecordID", "Level",
}

// memberKind is what a top-level member of a line is to the parser.
type memberKind uint8

const (
	memberData memberKind = iota // event data (NXLog's flat fields)
	memberMeta                   // NXLog's own, skipped
	memberWinlog
	memberEvent
	memberHost
	memberTimestamp
	memberEventTime
	memberTimeCreated
	memberEventID
	memberRecord
	memberComputer
	memberChannel
	memberProvider
)

// topMembers are the top-level keys with a meaning; any other is data.
var topMembers = func() map[string]memberKind {
	m := map[string]memberKind{
		"winlog": memberWinlog, "event": memberEvent, "host": memberHost,
		"@timestamp": memberTimestamp, "EventTime": memberEventTime, "TimeCreated": memberTimeCreated,
		"EventID": memberEventID, "RecordNumber": memberRecord, "EventRecordID": memberRecord,
		"Hostname": memberComputer, "Computer": memberComputer, "Channel": memberChannel,
		"SourceName": memberProvider, "ProviderName": memberProvider,
	}
	for _, k := range nxlogMeta {
		if _, ok := m[k]; !ok {
			m[k] = memberMeta
		}
	}
	return m
}()

// The kind of every key of every line is looked up in a table without
// collisions among topMembers, found once (the names differ in their
// length or their first, middle or last two bytes): a few multiplications
// and one comparison per key, where a switch compares the key with six names or
// more, and a map hashes all of it.
const memberSlots = 512

var memberTable, memberSeed = buildMemberTable()

type memberEntry struct {
	name string
	kind memberKind
}

func memberSlot(key []byte, seed uint32) uint32 {
	n := len(key)
	if n == 0 {
		return 0
	}
	h := (seed ^ uint32(n)*0x9e3779b1) * 0x85ebca6b
	h = (h ^ uint32(key[0])) * 0xc2b2ae35
	h = (h ^ uint32(key[n-1])) * 0x27d4eb2f
	h = (h ^ uint32(key[n/2])) * 0x165667b1
	h = (h ^ uint32(key[max(n-2, 0)])) * 0x9e3779b1
	return (h >> 15) % memberSlots
}

func buildMemberTable() (*[memberSlots]memberEntry, uint32) {
	for seed := uint32(1); seed < 1<<16; seed++ {
		var t [memberSlots]memberEntry
		ok := true
		for name, kind := range topMembers {
			e := &t[memberSlot([]byte(name), seed)]
			if e.name != "" {
				ok = false
				break
			}
			*e = memberEntry{name, kind}
		}
		if ok {
			return &t, seed
		}
	}
	return nil, 0 // never with these names (a test says so): topMemberKind uses the map
}

// topMemberKind is what the top-level member key is.
func topMemberKind(key []byte) memberKind {
	if memberTable == nil {
		return topMembers[string(key)]
	}
	if e := &memberTable[memberSlot(key, memberSeed)]; e.name == string(key) {
		return e.kind
	}
	return memberData
}

// nxlogSeverity are the values of NXLog's EventType; any other EventType
// is Sysmon's own field (SetValue, CreateKey, ...).
var nxlogSeverity = map[string]bool{
	"INFO": true, "WARNING": true, "ERROR": true, "CRITICAL": true, "VERBOSE": true,
	"AUDIT_SUCCESS": true, "AUDIT_FAILURE": true, "DEBUG": true,
}

// jsonLineParser turns one JSON line into an Event. One parser serves one
// goroutine: its buffers and interned names are reused line after line, and
// the members it does not keep (Message, nested objects) are only scanned
// for validity, never decoded or copied.
type jsonLineParser struct {
	s jsonScanner

	hasWinlog                                          bool
	eventID, recordID, computer, channel, provider     []byte
	eventCode, eventProvider, hostName                 []byte
	timestamp, eventTime, timeCreated                  []byte
	nxEventID, nxRecord, nxHost, nxChannel, nxProvider []byte
	winlogData, flat                                   []kv
	// want names the event data members kept (nil: all); the others are
	// checked as skipped values, never decoded.
	want map[string]bool

	// names interns field names and the repeated System values
	// (provider, channel, computer): the same few strings on every line.
	names map[string]string
	// Slabs the events and their fields are cut from, a few dozen events
	// at a time (never reused), and the buffer an event's values are
	// joined in: one string for all of them, as the EVTX reader's.
	slabs eventSlabs
	vals  []byte
}

// kv is one kept member: key and text stay in the line or the scanner's
// arena until the event is accepted and they become strings.
type kv struct{ k, v []byte }

// maxParserInterned bounds the interned strings of one parser: hostile input
// with ever new keys must not grow it without end.
const maxParserInterned = 4096

func (p *jsonLineParser) reset(line []byte) {
	*p = jsonLineParser{
		s:          jsonScanner{b: line, buf: p.s.buf[:0], kbuf: p.s.kbuf[:0], arena: p.s.arena[:0]},
		winlogData: p.winlogData[:0], flat: p.flat[:0], names: p.names,
		slabs: p.slabs, vals: p.vals[:0],
	}
}

// intern returns b as a string, shared with earlier lines when it was seen.
func (p *jsonLineParser) intern(b []byte) string {
	if s, ok := p.names[string(b)]; ok {
		return s
	}
	s := string(b)
	if p.names == nil {
		p.names = map[string]string{}
	}
	if len(p.names) < maxParserInterned {
		p.names[s] = s
	}
	return s
}

// parse reads one line. With filter.LineOf, an event of id X is given
// when a pass wanting X alone with LineOf[X] for Line would give it, and
// a line no such pass would parse is not parsed. Only the fields of
// filter.Fields are decoded; with filter.FieldsOf, the line's event id is
// told from its text first (keyedEventID) and only that id's fields are
// decoded; a line whose parsed id differs is parsed again with the fields
// of that id. Which members are decoded changes neither the checks nor
// the errors: a skipped value is checked as a kept one is.
func (p *jsonLineParser) parse(line []byte, filter Filter) (*Event, error) {
	if filter.LineOf != nil && !lineOfAny(line, filter) {
		return nil, nil
	}
	ev, err := p.parseFields(line, filter)
	if ev != nil && filter.LineOf != nil && !lineOf(line, filter, ev.EventID) {
		return nil, nil
	}
	return ev, err
}

// lineOf tells whether a pass wanting only id, with LineOf[id] for Line,
// would parse the line (mayMatch, then the condition).
func lineOf(line []byte, filter Filter, id int) bool {
	if v, ok := keyedEventID(line); ok {
		if !isDecimal(v, id) {
			return false
		}
	} else if !mayMatch(line, [][]byte{strconv.AppendInt(nil, int64(id), 10)}) {
		return false
	}
	cond := filter.LineOf[id]
	return cond == nil || cond(line)
}

// lineOfAny tells whether lineOf holds for one of the wanted ids: only
// the id the text tells can, when it tells one.
func lineOfAny(line []byte, filter Filter) bool {
	if v, ok := keyedEventID(line); ok {
		id, ok := parseIntBytes(v)
		return ok && id <= math.MaxInt32 && isDecimal(v, int(id)) && filter.wantsID(int(id)) && lineOf(line, filter, int(id))
	}
	for id, ok := range filter.EventIDs {
		if ok && lineOf(line, filter, id) {
			return true
		}
	}
	return len(filter.EventIDs) == 0 // every id wanted: the parse tells
}

// isDecimal tells whether v is id's decimal text, as mayMatch compares.
func isDecimal(v []byte, id int) bool {
	var buf [20]byte
	return id >= 0 && bytes.Equal(v, strconv.AppendInt(buf[:0], int64(id), 10))
}

// parseFields is parse before LineOf.
func (p *jsonLineParser) parseFields(line []byte, filter Filter) (*Event, error) {
	if filter.FieldsOf == nil {
		return p.parseKeeping(line, filter, filter.fieldsOf(-1))
	}
	told := -1
	if v, ok := keyedEventID(line); ok {
		if id, ok := parseIntBytes(v); ok && id >= 0 && id <= math.MaxInt32 {
			told = int(id)
		}
	}
	ev, err := p.parseKeeping(line, filter, filter.fieldsOf(told))
	if ev != nil && ev.EventID != told && (filter.FieldsOf[told] != nil || filter.FieldsOf[ev.EventID] != nil) {
		return p.parseKeeping(line, filter, filter.fieldsOf(ev.EventID))
	}
	return ev, err
}

// parseKeeping reads one line, keeping the event data members in want
// (nil: all).
func (p *jsonLineParser) parseKeeping(line []byte, filter Filter, want map[string]bool) (*Event, error) {
	p.reset(line)
	p.want = want
	s := &p.s
	s.ws()
	if s.i == len(s.b) {
		return nil, nil // blank line
	}
	err := s.object(0, p.topMember)
	if err != nil {
		return nil, err
	}
	s.ws()
	if s.i != len(s.b) {
		return nil, fmt.Errorf("offset %d: text after the JSON object", s.i)
	}
	ev := p.slabs.next() // taken from the slab only when accepted
	data := p.flat
	if p.hasWinlog {
		ev.Provider = p.intern(first(p.provider, p.eventProvider))
		ev.Channel = p.intern(p.channel)
		ev.Computer = p.intern(first(p.computer, p.hostName))
		if v, ok := parseIntBytes(first(p.eventID, p.eventCode)); ok {
			ev.EventID = int(v)
		}
		if v, ok := parseIntBytes(p.recordID); ok {
			ev.RecordID = v
		}
		ev.TimeCreated, _ = parseEventTimeBytes(first(p.timestamp, p.timeCreated, p.eventTime))
		data = p.winlogData
	} else {
		ev.Provider = p.intern(first(p.nxProvider, p.eventProvider))
		ev.Channel = p.intern(p.nxChannel)
		ev.Computer = p.intern(first(p.nxHost, p.hostName))
		if v, ok := parseIntBytes(first(p.nxEventID, p.eventCode)); ok {
			ev.EventID = int(v)
		}
		if v, ok := parseIntBytes(p.nxRecord); ok {
			ev.RecordID = v
		}
		ev.TimeCreated, _ = parseEventTimeBytes(first(p.eventTime, p.timeCreated, p.timestamp))
	}
	if !filter.accepts(ev) {
		return nil, nil
	}
	p.slabs.take()
	p.vals = p.vals[:0]
	for _, f := range data {
		p.vals = append(p.vals, f.v...)
	}
	all := string(p.vals)
	ev.fields = p.slabs.fieldsFor(len(data))
	at := 0
	for _, f := range data {
		ev.SetField(p.intern(f.k), all[at:at+len(f.v)])
		at += len(f.v)
	}
	return ev, nil
}

// topMember reads one member of the line's object.
func (p *jsonLineParser) topMember(key []byte) error {
	s := &p.s
	switch topMemberKind(key) {
	case memberWinlog:
		p.hasWinlog = true
		return s.object(1, p.winlogMember)
	case memberEvent:
		return s.object(1, p.eventMember)
	case memberHost:
		return s.object(1, p.hostMember)
	case memberTimestamp:
		return s.scalar(&p.timestamp)
	case memberEventTime:
		return s.scalar(&p.eventTime)
	case memberTimeCreated:
		return s.scalar(&p.timeCreated)
	case memberEventID:
		return s.scalar(&p.nxEventID)
	case memberRecord:
		return s.scalar(&p.nxRecord)
	case memberComputer:
		return s.scalar(&p.nxHost)
	case memberChannel:
		return s.scalar(&p.nxChannel)
	case memberProvider:
		return s.scalar(&p.nxProvider)
	case memberMeta:
		return s.skip(1) // checked, as every member is, but not decoded
	}
	if p.want != nil && !p.want[string(key)] {
		return s.skip(1) // checked as scalarBytes checks it
	}
	v, ok, err := s.scalarBytes(true)
	if err != nil || !ok {
		return err
	}
	if !(string(key) == "EventType" && nxlogSeverity[string(v)]) {
		p.flat = append(p.flat, kv{key, v})
	}
	return nil
}

func (p *jsonLineParser) eventMember(key []byte) error {
	switch string(key) {
	case "code":
		return p.s.scalar(&p.eventCode)
	case "provider":
		return p.s.scalar(&p.eventProvider)
	}
	return p.s.skip(2)
}

func (p *jsonLineParser) hostMember(key []byte) error {
	if string(key) == "name" {
		return p.s.scalar(&p.hostName)
	}
	return p.s.skip(2)
}

func (p *jsonLineParser) winlogMember(key []byte) error {
	s := &p.s
	switch string(key) {
	case "event_id":
		return s.scalar(&p.eventID)
	case "record_id":
		return s.scalar(&p.recordID)
	case "computer_name":
		return s.scalar(&p.computer)
	case "channel":
		return s.scalar(&p.channel)
	case "provider_name":
		return s.scalar(&p.provider)
	case "event_data":
		return s.object(2, p.eventDataMember)
	}
	return s.skip(2)
}

func (p *jsonLineParser) eventDataMember(key []byte) error {
	if p.want != nil && !p.want[string(key)] {
		return p.s.skip(1) // checked as scalarBytes checks it
	}
	v, ok, err := p.s.scalarBytes(true)
	if err != nil || !ok {
		return err
	}
	p.winlogData = append(p.winlogData, kv{key, v})
	return nil
}

func first(values ...[]byte) []byte {
	for _, v := range values {
		if len(v) > 0 {
			return v
		}
	}
	return nil
}

// nxlogTimeLayout is NXLog's EventTime: parseEventTime's third layout, the
// first that can match such text.
const nxlogTimeLayout = "2006-01-02 15:04:05.999999999"

// parseEventTimeBytes is parseEventTime, going straight to NXLog's layout
// for text of its shape rather than failing RFC 3339 first.
func parseEventTimeBytes(b []byte) (time.Time, bool) {
	if isNXLogTime(b) {
		if t, ok := nxlogTime(b); ok {
			return t, true
		}
		if t, err := time.Parse(nxlogTimeLayout, string(b)); err == nil {
			return t.UTC(), true
		}
	}
	return parseEventTime(string(b))
}

// nxlogTime is time.Parse(nxlogTimeLayout) of text isNXLogTime accepts,
// from its digits: false where a field is out of range, for time.Parse
// to decide (and refuse) as before.
func nxlogTime(b []byte) (time.Time, bool) {
	num := func(i, n int) int {
		v := 0
		for _, c := range b[i : i+n] {
			v = v*10 + int(c-'0')
		}
		return v
	}
	year, month, day := num(0, 4), num(5, 2), num(8, 2)
	hour, minute, sec := num(11, 2), num(14, 2), num(17, 2)
	if month < 1 || month > 12 || day < 1 || day > 28 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false // day 29 to 31 is left to time.Parse
	}
	nsec := 0
	if frac := b[19:]; len(frac) > 1 {
		nsec = num(20, len(frac)-1)
		for range 10 - len(frac) {
			nsec *= 10
		}
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC), true
}

// isNXLogTime tells "2006-01-02 15:04:05" with an optional fraction of up
// to nine digits: text RFC 3339 cannot parse (no 'T', no zone).
func isNXLogTime(b []byte) bool {
	const shape = "dddd-dd-dd dd:dd:dd"
	if len(b) < len(shape) {
		return false
	}
	for i := 0; i < len(shape); i++ {
		if shape[i] == 'd' {
			if !isDigit(b[i]) {
				return false
			}
		} else if b[i] != shape[i] {
			return false
		}
	}
	frac := b[len(shape):]
	if len(frac) == 0 {
		return true
	}
	if frac[0] != '.' || len(frac) < 2 || len(frac) > 10 {
		return false
	}
	for _, c := range frac[1:] {
		if !isDigit(c) {
			return false
		}
	}
	return true
}

// jsonScanner is a small JSON reader for one line: it decodes the members
// and scalars asked for and skips the rest, without building a tree. Only
// kept strings are decoded, into buffers reused from line to line.
type jsonScanner struct {
	b    []byte
	i    int
	buf  []byte // the last decoded string value with escapes
	kbuf []byte // the last decoded key with escapes
	// arena holds the decoded text kept for the whole line. A decoded
	// string is never longer than its JSON text, so an arena of the
	// line's length never moves and what it holds stays valid.
	arena []byte
}

var errJSONDepth = errors.New("JSON nested too deeply")

// keep copies decoded text to where it stays valid for the whole line.
func (s *jsonScanner) keep(text []byte) []byte {
	if cap(s.arena) < len(s.b) {
		s.arena = make([]byte, 0, len(s.b))
	}
	if len(s.arena)+len(text) > cap(s.arena) {
		return bytes.Clone(text) // cannot happen (see arena); never move the arena
	}
	s.arena = append(s.arena, text...)
	return s.arena[len(s.arena)-len(text):]
}

func (s *jsonScanner) ws() {
	if s.i < len(s.b) && s.b[s.i] > ' ' {
		return // the usual case, in a call the compiler inlines
	}
	s.wsLoop()
}

func (s *jsonScanner) wsLoop() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\r', '\n':
			s.i++
		default:
			return
		}
	}
}

func (s *jsonScanner) errorf(format string, args ...any) error {
	return fmt.Errorf("offset %d: "+format, append([]any{s.i}, args...)...)
}

// object reads an object, calling member for each key with the scanner at
// the value; member must consume the value. The key is valid only until
// member reads another key.
func (s *jsonScanner) object(depth int, member func(key []byte) error) error {
	if depth > maxJSONDepth {
		return errJSONDepth
	}
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != '{' {
		if s.i < len(s.b) && depth > 0 {
			return s.skip(depth) // not an object where one was expected: ignore it
		}
		return s.errorf("expected '{'")
	}
	s.i++
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		return nil
	}
	for {
		s.ws()
		key, err := s.str(&s.kbuf)
		if err != nil {
			return err
		}
		if len(key) > 0 && len(s.kbuf) > 0 && &key[0] == &s.kbuf[0] {
			key = s.keep(key) // decoded: members may keep the key
		}
		s.ws()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return s.errorf("expected ':'")
		}
		s.i++
		s.ws()
		if err := member(key); err != nil {
			return err
		}
		s.ws()
		if s.i >= len(s.b) {
			return s.errorf("unterminated object")
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case '}':
			s.i++
			return nil
		default:
			return s.errorf("expected ',' or '}'")
		}
	}
}

// The literals a scalar may be, as text.
var (
	textTrue  = []byte("true")
	textFalse = []byte("false")
	textNull  = []byte("null")
)

// scalar reads a string, number or boolean as text into *dst, which stays
// valid for the whole line; null leaves it alone; objects and arrays are
// skipped.
func (s *jsonScanner) scalar(dst *[]byte) error {
	v, ok, err := s.scalarBytes(true)
	if ok {
		*dst = v
	}
	return err
}

// scalarBytes reads a scalar as text; ok is false for null, objects and
// arrays (skipped). The text lives in the line, or, for a string with
// escapes, in a buffer the next string overwrites unless stable is set.
func (s *jsonScanner) scalarBytes(stable bool) (text []byte, ok bool, err error) {
	s.ws()
	if s.i >= len(s.b) {
		return nil, false, s.errorf("expected a value")
	}
	switch c := s.b[s.i]; {
	case c == '"':
		v, err := s.str(&s.buf)
		if err != nil {
			return nil, false, err
		}
		if stable && len(v) > 0 && len(s.buf) > 0 && &v[0] == &s.buf[0] {
			v = s.keep(v)
		}
		return v, true, nil
	case c == '-' || isDigit(c):
		start := s.i
		for s.i < len(s.b) && isNumberByte(s.b[s.i]) {
			s.i++
		}
		num := s.b[start:s.i]
		if !plainInteger(num) && !parsesAsFloat(num) {
			return nil, false, s.errorf("bad number %q", num)
		}
		return num, true, nil
	case c == 't' || c == 'f' || c == 'n':
		for _, lit := range [][]byte{textTrue, textFalse, textNull} {
			if bytes.HasPrefix(s.b[s.i:], lit) {
				s.i += len(lit)
				return lit, len(lit) != len(textNull) || lit[0] != 'n', nil
			}
		}
		return nil, false, s.errorf("bad literal")
	case c == '{' || c == '[':
		return nil, false, s.skip(1)
	}
	return nil, false, s.errorf("unexpected character %q", s.b[s.i])
}

// plainInteger tells an optional minus and at most 300 digits: text
// strconv.ParseFloat always accepts, told without calling it.
func plainInteger(num []byte) bool {
	digits := num
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) == 0 || len(digits) > 300 {
		return false
	}
	for _, c := range digits {
		if !isDigit(c) {
			return false
		}
	}
	return true
}

func parsesAsFloat(num []byte) bool {
	_, err := strconv.ParseFloat(string(num), 64)
	return err == nil
}

func isNumberByte(c byte) bool {
	return isDigit(c) || c == '+' || c == '-' || c == '.' || c == 'e' || c == 'E'
}

// skip passes over one value of any kind; strings are checked, not decoded.
func (s *jsonScanner) skip(depth int) error {
	if depth > maxJSONDepth {
		return errJSONDepth
	}
	s.ws()
	if s.i >= len(s.b) {
		return s.errorf("expected a value")
	}
	switch s.b[s.i] {
	case '{':
		return s.object(depth+1, func([]byte) error { return s.skip(depth + 1) })
	case '[':
		s.i++
		s.ws()
		if s.i < len(s.b) && s.b[s.i] == ']' {
			s.i++
			return nil
		}
		for {
			if err := s.skip(depth + 1); err != nil {
				return err
			}
			s.ws()
			if s.i >= len(s.b) {
				return s.errorf("unterminated array")
			}
			switch s.b[s.i] {
			case ',':
				s.i++
			case ']':
				s.i++
				return nil
			default:
				return s.errorf("expected ',' or ']'")
			}
		}
	case '"':
		_, err := s.str(nil)
		return err
	}
	_, _, err := s.scalarBytes(false) // never recurses: the value is not { or [
	return err
}

// str reads a JSON string. Without escapes the text is a slice of the
// line; with escapes it is decoded into *buf, or only checked when buf is
// nil (the result is then nil).
func (s *jsonScanner) str(buf *[]byte) ([]byte, error) {
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return nil, s.errorf("expected a string")
	}
	start := s.i + 1
	end := plainRun(s.b, start)
	if end < len(s.b) && s.b[end] == '"' {
		s.i = end + 1
		return s.b[start:end], nil // the fast path: no escapes
	}
	return s.strEscaped(start, end, buf)
}

// plainByte are the bytes that go unchanged inside a JSON string.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// plainRun is the index of the first byte at or after i that ends a plain
// run inside a JSON string ('"', '\\' or a control character), or len(b).
// Eight bytes a step (stopBytes), the tail by table: a line's strings
// are mostly runs of tens of bytes, too short for bytes.IndexByte's
// set-up, and a Message or a command line runs to hundreds.
func plainRun(b []byte, i int) int {
	for ; i+8 <= len(b); i += 8 {
		if m := stopBytes(binary.LittleEndian.Uint64(b[i:])); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for i < len(b) && plainByte[b[i]] {
		i++
	}
	return i
}

// stopBytes has the high bit set in the bytes of w (little-endian) that
// are '"', '\\' or below 0x20, exact up to the first of them: each test
// (a byte of zero after XOR, a byte below 0x20) can flag a byte above a
// flagged one by its borrow, never one below.
func stopBytes(w uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	quote := w ^ (ones * '"')
	backslash := w ^ (ones * '\\')
	return ((quote-ones)&^quote | (backslash-ones)&^backslash | (w-ones*0x20)&^w) & highs
}

// strEscaped reads the rest of the string whose text starts at start and
// whose first escape, control character or end is at at.
func (s *jsonScanner) strEscaped(start, at int, buf *[]byte) ([]byte, error) {
	s.i = at
	var out []byte
	if buf != nil {
		out = append((*buf)[:0], s.b[start:s.i]...)
		defer func() { *buf = out }()
	}
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return out, nil
		case c < 0x20:
			return nil, s.errorf("control character in string")
		case c != '\\':
			end := plainRun(s.b, s.i)
			if buf != nil {
				out = append(out, s.b[s.i:end]...)
			}
			s.i = end
			continue
		}
		if s.i+1 >= len(s.b) {
			break
		}
		e := s.b[s.i+1]
		s.i += 2
		var d byte
		switch e {
		case '"', '\\', '/':
			d = e
		case 'b':
			d = '\b'
		case 'f':
			d = '\f'
		case 'n':
			d = '\n'
		case 'r':
			d = '\r'
		case 't':
			d = '\t'
		case 'u':
			r, ok := s.hex4()
			if !ok {
				return nil, s.errorf("bad \\u escape")
			}
			if utf16.IsSurrogate(r) && s.i+1 < len(s.b) && s.b[s.i] == '\\' && s.b[s.i+1] == 'u' {
				save := s.i
				s.i += 2
				if r2, ok := s.hex4(); ok && utf16.DecodeRune(r, r2) != utf8.RuneError {
					r = utf16.DecodeRune(r, r2)
				} else {
					s.i = save
				}
			}
			if buf != nil {
				out = utf8.AppendRune(out, r)
			}
			continue
		default:
			return nil, s.errorf("bad escape \\%c", e)
		}
		if buf != nil {
			out = append(out, d)
		}
	}
	return nil, s.errorf("unterminated string")
}

func (s *jsonScanner) hex4() (rune, bool) {
	if s.i+4 > len(s.b) {
		return 0, false
	}
	var r rune
	for _, c := range s.b[s.i : s.i+4] {
		switch {
		case isDigit(c):
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	s.i += 4
	return r, true
}
