// Package sysmon reads Windows events from offline EVTX files, event XML
// and JSON lines into one format-neutral Event, keeping only Sysmon events.
package sysmon

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/runkeyhunt/runkeyhunt/tables/input"
)

// Sysmon's provider and channel names.
const (
	Provider = "Microsoft-Windows-Sysmon"
	Channel  = "Microsoft-Windows-Sysmon/Operational"
)

// Event is one Windows event in a format-neutral form.
type Event struct {
	EventID     int
	RecordID    int64
	TimeCreated time.Time // System/TimeCreated/@SystemTime; for JSON: @timestamp / EventTime / TimeCreated; zero when absent
	Computer    string
	Channel     string
	Provider    string
	fields      []field // EventData/Data[@Name] and value, in document order, each name once
	SourceFile  string
	Offset      int64 // EVTX: record offset; XML: byte offset of the event element; JSON: line number
	// Prepared is what Filter.Prepare returned for the event, where the
	// reader decoded it on a worker (nil otherwise).
	Prepared any
}

// field is one EventData field. An event holds about twenty: a slice
// scanned is cheaper than a map per event.
type field struct {
	name, value string
}

// Field returns the named EventData field, or "" when absent. The values
// of an event read from EVTX share one string: a value kept long after its
// event, alone, is better kept as a copy (strings.Clone).
func (e *Event) Field(name string) string {
	for i := range e.fields {
		if e.fields[i].name == name {
			return e.fields[i].value
		}
	}
	return ""
}

// SetField sets the named EventData field. Readers and generators set
// fields only through it, so the representation can change behind it.
func (e *Event) SetField(name, value string) {
	for i := range e.fields {
		if e.fields[i].name == name {
			e.fields[i].value = value
			return
		}
	}
	e.fields = append(e.fields, field{name, value})
}

// Fields yields the EventData fields in the order they came.
func (e *Event) Fields() iter.Seq2[string, string] {
	return func(yield func(name, value string) bool) {
		for _, f := range e.fields {
			if !yield(f.name, f.value) {
				return
			}
		}
	}
}

// Clone returns a copy of e whose fields can be set without changing e's.
func (e *Event) Clone() *Event {
	c := *e
	c.fields = slices.Clone(e.fields)
	return &c
}

// NumFields is how many EventData fields the event has.
func (e *Event) NumFields() int { return len(e.fields) }

// Filter decides cheaply, before the full event is materialised where the
// format allows, whether an event is wanted. Only events from provider
// Microsoft-Windows-Sysmon (or channel Microsoft-Windows-Sysmon/Operational)
// are ever returned.
type Filter struct {
	EventIDs map[int]bool // empty = all
	// Fields, when set, names the EventData fields wanted: the EVTX
	// reader leaves the others out without rendering them, the JSON-lines
	// reader skips them without decoding them (event XML may keep them).
	Fields map[string]bool
	// FieldsOf, when set, names per event id the EventData fields wanted
	// (an id absent: Fields). Only the JSON-lines reader tells an event's
	// id before its fields; the other formats keep Fields.
	FieldsOf map[int]map[string]bool
	// Line, when set, is a cheap necessary condition on a JSON line's raw
	// bytes, checked before it is parsed (e.g. "mentions one of these
	// process GUIDs"). Event XML in a file applies it to each event's
	// bytes (see ReadXML); other formats without raw lines ignore it.
	Line func(line []byte) bool
	// LineOf, when set, gives JSON lines a Line per event id: an event of
	// id X is read as by a pass wanting X alone with LineOf[X] (nil: no
	// condition) for Line, so one read serves several such passes.
	LineOf map[int]func(line []byte) bool
	// Chunk, when set, is a cheap necessary condition on an EVTX chunk's
	// raw bytes (see ChunkMentions).
	Chunk func(chunk []byte) bool
	// Chunks, when set, selects the EVTX chunks a pass after a Log's first
	// reads, by index (see ChunkOf): a second look at chunks of interest.
	Chunks func(index int) bool
	// Prepare, when set, moves the work on an event that depends on the
	// event alone to where it was decoded: a reader that decodes on
	// several goroutines (EVTX chunks, JSON-lines blocks) calls Prepare
	// once in each and passes every event it accepts to the function
	// returned, there, keeping the result in the event's Prepared; the
	// emit, on one goroutine, is left with the work that needs the events
	// before. Readers that decode where they emit leave Prepared nil: the
	// emit does that work itself.
	Prepare func() func(*Event) any

	anyProvider bool // tests only: keep events of every provider
}

func (f Filter) wantsID(id int) bool {
	return len(f.EventIDs) == 0 || f.EventIDs[id]
}

// preparer is one reading goroutine's Prepare function (nil without).
func (f Filter) preparer() func(*Event) any {
	if f.Prepare == nil {
		return nil
	}
	return f.Prepare()
}

func (f Filter) wantsField(name string) bool {
	return len(f.Fields) == 0 || f.Fields[name]
}

// fieldsOf is the EventData fields wanted of an event of id, for readers
// that know the id first: FieldsOf's entry, else Fields; nil means all.
func (f Filter) fieldsOf(id int) map[string]bool {
	if want := f.FieldsOf[id]; want != nil {
		return want
	}
	if len(f.Fields) == 0 {
		return nil
	}
	return f.Fields
}

// isSysmon tells whether provider or channel names Sysmon.
func isSysmon(provider, channel string) bool {
	return sameName(provider, Provider) || sameName(channel, Channel)
}

// sameName is strings.EqualFold, quick for the names as Windows writes
// them, which every record repeats.
func sameName(s, name string) bool {
	return s == name || strings.EqualFold(s, name)
}

func (f Filter) accepts(e *Event) bool {
	return (f.anyProvider || isSysmon(e.Provider, e.Channel)) && f.wantsID(e.EventID)
}

// ReadFile streams the events of one input file, in file order, to emit.
// Formats: input.EVTX, input.EventXML, input.JSONLines. emit may return an
// error to stop; that error is returned unchanged. A corrupt part yields an
// error naming file and offset; for EVTX a corrupt chunk or record is
// skipped and reported through warn, and the rest of the file is read; a
// corrupt file header is an error. A cancelled ctx stops reading with an
// error that wraps ctx's. warn may be nil.
func ReadFile(ctx context.Context, f input.File, filter Filter, emit func(*Event) error, warn func(error)) error {
	return (&Log{File: f}).Read(ctx, filter, emit, warn)
}

// Log is one event file read in several passes, as the correlation does.
// The first pass over an EVTX notes which Sysmon event ids each chunk
// holds; later passes read only the chunks that hold an event they want,
// so chunks of other providers, broken chunks (warned about once) and
// crafted ones are parsed once.
type Log struct {
	File  input.File
	notes chunkNotes
}

// Read is one pass: ReadFile with what earlier passes learnt. Warnings
// about chunks are given in the first pass only.
func (l *Log) Read(ctx context.Context, filter Filter, emit func(*Event) error, warn func(error)) error {
	if warn == nil {
		warn = func(error) {}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", l.File.Path, err)
	}
	f := l.File
	file, err := f.Open() // a file on disk, a zip member or a .gz
	if err != nil {
		return err
	}
	defer file.Close()
	switch f.Format {
	case input.EVTX:
		size, err := file.Size()
		if err != nil {
			return fmt.Errorf("size of %s: %w", f.Path, err)
		}
		return readEVTX(ctx, file, size, f.Path, filter, emit, warn, &l.notes)
	case input.EventXML:
		return ReadXML(ctx, file, f.Path, filter, emit)
	case input.JSONLines:
		return ReadJSONLines(ctx, file, f.Path, filter, emit, warn)
	}
	return fmt.Errorf("%s: format %q is not an event log format", f.Path, f.Format)
}

// ParseUtcTime parses Sysmon's UtcTime field ("2018-04-09 05:56:52.868",
// any number of fractional digits or none), which is always UTC.
func ParseUtcTime(s string) (time.Time, bool) {
	t, err := time.Parse("2006-01-02 15:04:05.999999999", strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// parseEventTime parses the time stamps the text formats carry: RFC 3339
// with any fraction (SystemTime, @timestamp), or without a zone, with "T"
// or a space, taken as UTC (NXLog's EventTime).
func parseEventTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), true
	}
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// maxChunkNeedles bounds the GUIDs ChunkMentions looks for: each costs two
// scans of every chunk.
const maxChunkNeedles = 64

// ChunkMentions returns a cheap necessary condition for an EVTX chunk to
// hold an event naming one of guids ("{8-4-4-4-12}" as Sysmon writes
// ProcessGuid): the GUID's 16 bytes, as a GUID value is stored, or its
// text in UTF-16. It returns nil (no condition) for more than
// maxChunkNeedles GUIDs or one that does not parse.
func ChunkMentions(guids []string) func(chunk []byte) bool {
	if len(guids) > maxChunkNeedles {
		return nil
	}
	var needles [][]byte
	for _, g := range guids {
		bin, ok := guidBytes(g)
		if !ok {
			return nil
		}
		needles = append(needles, bin, utf16LE(strings.ToUpper(strings.Trim(g, "{}"))))
	}
	return func(chunk []byte) bool {
		for _, n := range needles {
			if bytes.Contains(chunk, n) {
				return true
			}
		}
		return false
	}
}

// guidBytes is a GUID's binary form: three little-endian fields, then
// eight bytes as written.
func guidBytes(g string) ([]byte, bool) {
	hex := strings.ReplaceAll(strings.Trim(g, "{}"), "-", "")
	if len(hex) != 32 || len(strings.Trim(g, "{}")) != 36 {
		return nil, false
	}
	raw := make([]byte, 16)
	for i := range raw {
		v, err := strconv.ParseUint(hex[2*i:2*i+2], 16, 8)
		if err != nil {
			return nil, false
		}
		raw[i] = byte(v)
	}
	out := []byte{raw[3], raw[2], raw[1], raw[0], raw[5], raw[4], raw[7], raw[6]}
	return append(out, raw[8:]...), true
}

// bufferSize is want, or less when r is known to hold less: small inputs
// (single events, fuzz inputs) do not pay for big buffers.
func bufferSize(r io.Reader, want int) int {
	var size int64 = -1
	switch r := r.(type) {
	case interface {
		Stat() (fs.FileInfo, error)
		io.Seeker
	}: // *os.File, or input's content of a file on disk
		if info, err := r.Stat(); err == nil && info.Mode().IsRegular() {
			if pos, err := r.Seek(0, io.SeekCurrent); err == nil {
				size = info.Size() - pos
			}
		}
	case *bytes.Reader:
		size = int64(r.Len())
	case *strings.Reader:
		size = int64(r.Len())
	}
	if size >= 0 && size < int64(want) {
		return int(max(size+1, 16))
	}
	return want
}

// parseInt accepts decimal, or hexadecimal with 0x as Windows renders some
// numbers.
func parseInt(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v, true
	}
	if len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X") {
		if v, err := strconv.ParseUint(s[2:], 16, 64); err == nil {
			return int64(v), true
		}
	}
	if v, err := strconv.ParseFloat(s, 64); err == nil && v == float64(int64(v)) {
		return int64(v), true
	}
	return 0, false
}
