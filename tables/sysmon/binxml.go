package sysmon

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// This file interprets the BinXML of EVTX records directly into an Event,
// walking template bodies with the record's substitution values instead of
// building a document tree. It keeps only the elements the Event needs and
// stops as soon as </System> shows the event is not wanted.

// Limits that bound the work any record can cause.
const (
	maxElementDepth   = 64      // nested XML elements
	maxNesting        = 8       // template instances and BinXML values inside each other
	recordTokenBudget = 1 << 16 // BinXML tokens walked per record, template bodies included
	maxNameStrings    = 4096    // distinct names a reader keeps from chunk to chunk
)

var (
	errNotWanted   = errors.New("event not wanted")
	errTooComplex  = errors.New("BinXML too complex (token budget exhausted)")
	errTooDeep     = errors.New("BinXML nested too deeply")
	errOutOfBounds = errors.New("BinXML runs past its record")
)

// elemKind says what an element on the path means for the Event.
type elemKind uint8

const (
	kOther elemKind = iota
	kEvent
	kSystem
	kProvider
	kEventID
	kTimeCreated
	kRecordID
	kChannel
	kComputer
	kEventData
	kData
)

// attrKind says what the attribute being read means for the Event.
type attrKind uint8

const (
	aNone attrKind = iota
	aProviderName
	aSystemTime
	aDataName
)

// BinXML value types.
const (
	tNull     = 0x00
	tString   = 0x01
	tAnsi     = 0x02
	tInt8     = 0x03
	tUint8    = 0x04
	tInt16    = 0x05
	tUint16   = 0x06
	tInt32    = 0x07
	tUint32   = 0x08
	tInt64    = 0x09
	tUint64   = 0x0A
	tFloat32  = 0x0B
	tFloat64  = 0x0C
	tBool     = 0x0D
	tBinary   = 0x0E
	tGUID     = 0x0F
	tSizeT    = 0x10
	tFileTime = 0x11
	tSysTime  = 0x12
	tSID      = 0x13
	tHex32    = 0x14
	tHex64    = 0x15
	tBinXML   = 0x21
	tArray    = 0x80
)

// value is one substitution value of a template instance.
type value struct {
	off, size int
	typ       byte
}

// recordWalker interprets the records of one chunk. Its caches are valid for
// that chunk only (all offsets are chunk-relative).
type recordWalker struct {
	chunk  []byte
	filter Filter
	names  map[uint32]string // element and attribute names by chunk offset

	// per record
	budget  int
	used    int
	stack   [maxElementDepth]elemKind
	depth   int
	attr    attrKind
	decided bool // System has been checked against the filter
	sysmon  bool // after a record: it was read far enough to know it is a Sysmon event
	inAttr  bool // between an attribute token and the end of its value

	text     []byte // content of the element being collected
	attrText []byte // value of the attribute being collected
	dataName string
	hasName  bool
	timeSet  bool

	ev   Event
	args [maxNesting + 1][]value // substitution values by nesting level, reused

	// compiled templates (binxml_compile.go), per chunk
	programs     map[compileKey]*program
	recent       [8]recentProgram
	programPool  []*program // reused chunk after chunk
	programsUsed int
	ops          []op    // the chunk's programs' ops
	pieces       []piece // the chunk's ops' pieces
	compiler     compiler
	nameStrings  map[string]string // names met in earlier chunks
	nameBuf      []byte
	compileLeft  int               // work the chunk's compiling may still take
	interned     map[string]string // names and values that repeat in the chunk
	// per record
	charged int         // work the compiled reading counted, as the walker counts it
	scratch []byte      // a value being rendered
	vals    []byte      // the record's Data values, one after the other
	spans   []valueSpan // where each Data value is in vals
	slabs   eventSlabs  // compiledEvent's events and their fields
	// namesDistinct: the spans' names are known to differ (one program
	// gave them, its names literal and distinct)
	namesDistinct bool
}

func newRecordWalker(filter Filter) *recordWalker {
	return &recordWalker{filter: filter, names: make(map[uint32]string),
		programs: make(map[compileKey]*program), interned: make(map[string]string),
		nameStrings: make(map[string]string)}
}

func (w *recordWalker) reset(chunk []byte) {
	w.chunk = chunk
	clear(w.names)
	clear(w.programs)
	clear(w.recent[:])
	clear(w.interned)
	w.programsUsed = 0
	w.ops = w.ops[:0]
	w.pieces = w.pieces[:0]
	// Compiling walks each template body once: it may take as much work
	// as the chunk's records may, then the walker reads the rest.
	w.compileLeft = chunkWorkPerByte * max(len(chunk)-chunkHeaderSize, 0)
}

// parseRecord interprets the BinXML in chunk[start:end] of one record. It
// returns the event, or nil when the filter rejects it.
func (w *recordWalker) parseRecord(start, end int, recordID uint64) (*Event, error) {
	return w.parseRecordBudget(start, end, recordID, recordTokenBudget)
}

// parseRecordBudget is parseRecord with a token budget; w.used tells how
// much of it the record took. Records are read with the chunk's compiled
// templates where those apply, by walking their tokens otherwise.
func (w *recordWalker) parseRecordBudget(start, end int, recordID uint64, budget int) (*Event, error) {
	w.begin(recordID, budget)
	switch w.runRecord(start, end) {
	case runStopped:
		w.used = w.charged
		w.sysmon = w.isSysmon()
		return nil, nil
	case runDone:
		w.used = w.charged
		w.sysmon = w.isSysmon()
		return w.compiledEvent(), nil
	}
	w.begin(recordID, budget)
	return w.walkRecord(start, end)
}

// begin resets the per-record state.
func (w *recordWalker) begin(recordID uint64, budget int) {
	w.budget = budget
	w.charged = 0
	w.depth = 0
	w.attr = aNone
	w.inAttr = false
	w.decided = false
	w.timeSet = false
	w.ev = Event{RecordID: int64(recordID)}
	w.sysmon = false
	w.vals = w.vals[:0]
	w.spans = w.spans[:0]
	w.namesDistinct = true
}

// compiledEvent is the event runRecord read: its Data values share one
// string.
// The event and its fields are cut from the walker's slabs.
func (w *recordWalker) compiledEvent() *Event {
	ev := w.slabs.next()
	w.slabs.take()
	*ev = w.ev
	all := string(w.vals)
	if !w.namesDistinct {
		for _, sp := range w.spans {
			ev.SetField(sp.name, all[sp.start:sp.end])
		}
		return ev
	}
	ev.fields = w.slabs.fieldsFor(len(w.spans))
	for _, sp := range w.spans {
		ev.fields = append(ev.fields, field{sp.name, all[sp.start:sp.end]})
	}
	return ev
}

// walkRecord reads a record by walking its tokens.
func (w *recordWalker) walkRecord(start, end int) (*Event, error) {
	budget := w.budget
	defer func() { w.used = budget - max(w.budget, 0) }()
	if _, err := w.walk(start, end, nil, 0, false); err != nil {
		if err == errNotWanted {
			w.sysmon = w.isSysmon()
			return nil, nil
		}
		return nil, err
	}
	wanted := w.decided || w.decide()
	w.sysmon = w.isSysmon()
	if !wanted {
		return nil, nil
	}
	ev := w.ev
	return &ev, nil
}

func (w *recordWalker) isSysmon() bool {
	return w.filter.anyProvider || isSysmon(w.ev.Provider, w.ev.Channel)
}

// decide applies the filter once the System element is complete.
func (w *recordWalker) decide() bool {
	w.decided = true
	return w.filter.accepts(&w.ev)
}

func (w *recordWalker) u16(off int) (int, error) {
	if off < 0 || off+2 > len(w.chunk) {
		return 0, errOutOfBounds
	}
	return int(binary.LittleEndian.Uint16(w.chunk[off:])), nil
}

func (w *recordWalker) u32(off int) (int, error) {
	if off < 0 || off+4 > len(w.chunk) {
		return 0, errOutOfBounds
	}
	return int(binary.LittleEndian.Uint32(w.chunk[off:])), nil
}

// name reads the name structure at a chunk offset (next offset, hash,
// character count, UTF-16 characters, NUL).
func (w *recordWalker) name(off int) (string, error) {
	if s, ok := w.names[uint32(off)]; ok {
		return s, nil
	}
	n, err := w.u16(off + 6)
	if err != nil {
		return "", err
	}
	if off+8+2*n > len(w.chunk) {
		return "", errOutOfBounds
	}
	s := w.lasting(appendUTF16(w.nameBuf[:0], w.chunk[off+8:off+8+2*n]))
	w.names[uint32(off)] = s
	return s, nil
}

// lasting returns b as a string kept from chunk to chunk: the same names
// and template texts come back in every chunk. b is the walker's nameBuf,
// which it keeps.
func (w *recordWalker) lasting(b []byte) string {
	w.nameBuf = b
	s, ok := w.nameStrings[string(b)]
	if !ok {
		s = string(b)
		if len(w.nameStrings) < maxNameStrings {
			w.nameStrings[s] = s
		}
	}
	return s
}

// nameRef reads a name reference at p and skips the name when it is stored
// inline right there. It returns the name and the offset after it.
func (w *recordWalker) nameRef(p int) (string, int, error) {
	nameOff, err := w.u32(p)
	if err != nil {
		return "", 0, err
	}
	p += 4
	if nameOff == p {
		n, err := w.u16(p + 6)
		if err != nil {
			return "", 0, err
		}
		s, err := w.name(nameOff)
		return s, p + 8 + 2*(n+1), err
	}
	s, err := w.name(nameOff)
	return s, p, err
}

func childKind(parent elemKind, depth int, name string) elemKind {
	switch {
	case depth == 0:
		if name == "Event" {
			return kEvent
		}
	case parent == kEvent:
		switch name {
		case "System":
			return kSystem
		case "EventData":
			return kEventData
		}
	case parent == kSystem:
		switch name {
		case "Provider":
			return kProvider
		case "EventID":
			return kEventID
		case "TimeCreated":
			return kTimeCreated
		case "EventRecordID":
			return kRecordID
		case "Channel":
			return kChannel
		case "Computer":
			return kComputer
		}
	case parent == kEventData:
		if name == "Data" {
			return kData
		}
	}
	return kOther
}

func (w *recordWalker) current() elemKind {
	if w.depth == 0 {
		return kOther
	}
	return w.stack[w.depth-1]
}

// collecting tells whether the content of the current element is wanted.
func (w *recordWalker) collecting() bool {
	switch w.current() {
	case kEventID, kRecordID, kChannel, kComputer:
		return true
	case kData:
		return w.decided
	}
	return false
}

// sink returns the buffer that text at this point goes to, or nil.
func (w *recordWalker) sink() *[]byte {
	if w.inAttr {
		if w.attr != aNone {
			return &w.attrText
		}
		return nil
	}
	if w.collecting() {
		return &w.text
	}
	return nil
}

func (w *recordWalker) openElement(name string) error {
	if w.depth >= maxElementDepth {
		return errTooDeep
	}
	kind := childKind(w.current(), w.depth, name)
	if kind == kEventData && !w.decided && !w.decide() {
		return errNotWanted
	}
	w.stack[w.depth] = kind
	w.depth++
	w.attr = aNone
	w.text = w.text[:0]
	w.hasName = false
	return nil
}

func (w *recordWalker) endAttribute() {
	switch w.attr {
	case aProviderName:
		w.ev.Provider = string(w.attrText)
	case aSystemTime:
		if !w.timeSet {
			if t, ok := parseEventTime(string(w.attrText)); ok {
				w.ev.TimeCreated = t
			}
		}
	case aDataName:
		w.dataName = string(w.attrText)
		w.hasName = true
	}
	w.attr = aNone
	w.inAttr = false
}

func (w *recordWalker) startAttribute(name string) {
	w.endAttribute()
	w.inAttr = true
	w.attrText = w.attrText[:0]
	switch {
	case w.current() == kProvider && name == "Name":
		w.attr = aProviderName
	case w.current() == kTimeCreated && name == "SystemTime":
		w.attr = aSystemTime
	case w.current() == kData && name == "Name" && w.decided:
		w.attr = aDataName
	}
}

func (w *recordWalker) closeElement() error {
	w.endAttribute()
	if w.depth == 0 {
		return nil
	}
	kind := w.current()
	switch kind {
	case kEventID:
		if v, ok := parseInt(string(w.text)); ok {
			w.ev.EventID = int(v)
		}
		// Skip before decoding: Provider comes first in System, so a
		// Sysmon event of an id not wanted is known now; the rest of
		// System and all of EventData are not walked.
		if len(w.filter.EventIDs) > 0 && !w.filter.anyProvider && !w.filter.wantsID(w.ev.EventID) && sameName(w.ev.Provider, Provider) {
			w.depth--
			return errNotWanted
		}
	case kRecordID:
		if v, ok := parseInt(string(w.text)); ok {
			w.ev.RecordID = v
		}
	case kChannel:
		w.ev.Channel = string(w.text)
	case kComputer:
		w.ev.Computer = string(w.text)
	case kData:
		if w.hasName && w.decided && w.filter.wantsField(w.dataName) {
			w.ev.SetField(w.dataName, string(w.text))
		}
	}
	w.depth--
	w.text = w.text[:0]
	w.hasName = false
	if kind == kSystem && !w.decided && !w.decide() {
		return errNotWanted
	}
	return nil
}

// walk interprets BinXML tokens from off until an end-of-fragment token or
// end, substituting args. It returns the offset after the fragment.
func (w *recordWalker) walk(off, end int, args []value, nest int, inValue bool) (int, error) {
	if nest > maxNesting {
		return 0, errTooDeep
	}
	for off < end {
		w.budget--
		if w.budget < 0 {
			return 0, errTooComplex
		}
		tok := w.chunk[off]
		switch tok {
		case 0x00: // end of fragment
			return off + 1, nil
		case 0x0F: // fragment header
			off += 4
		case 0x01, 0x41: // open start element
			p, name, err := w.elementStart(off, tok == 0x41, inValue)
			if err != nil {
				return 0, err
			}
			if err := w.openElement(name); err != nil {
				return 0, err
			}
			off = p
		case 0x02: // close start element
			w.endAttribute()
			off++
		case 0x03, 0x04: // close empty element, end element
			if err := w.closeElement(); err != nil {
				return 0, err
			}
			off++
		case 0x05, 0x45: // value text
			if off+4 > end {
				return 0, errOutOfBounds
			}
			n, _ := w.u16(off + 2)
			if off+4+2*n > end {
				return 0, errOutOfBounds
			}
			if s := w.sink(); s != nil {
				if w.budget -= n / 8; w.budget < 0 { // rendering: one per 16 bytes, as for values
					return 0, errTooComplex
				}
				*s = appendUTF16(*s, w.chunk[off+4:off+4+2*n])
			}
			off += 4 + 2*n
		case 0x06, 0x46: // attribute
			name, p, err := w.nameRef(off + 1)
			if err != nil {
				return 0, err
			}
			w.startAttribute(name)
			off = p
		case 0x07, 0x47, 0x0B: // CDATA section, PI data
			n, err := w.u16(off + 1)
			if err != nil || off+3+2*n > end {
				return 0, errOutOfBounds
			}
			if s := w.sink(); s != nil && tok != 0x0B {
				if w.budget -= n / 8; w.budget < 0 {
					return 0, errTooComplex
				}
				*s = appendUTF16(*s, w.chunk[off+3:off+3+2*n])
			}
			off += 3 + 2*n
		case 0x08, 0x48: // character reference
			r, err := w.u16(off + 1)
			if err != nil {
				return 0, err
			}
			if s := w.sink(); s != nil {
				*s = utf8.AppendRune(*s, rune(r))
			}
			off += 3
		case 0x09, 0x49: // entity reference
			name, p, err := w.nameRef(off + 1)
			if err != nil {
				return 0, err
			}
			if s := w.sink(); s != nil {
				*s = append(*s, entity(name)...)
			}
			off = p
		case 0x0A: // processing instruction target
			_, p, err := w.nameRef(off + 1)
			if err != nil {
				return 0, err
			}
			off = p
		case 0x0C: // template instance
			p, err := w.templateInstance(off, end, nest)
			if err != nil {
				return 0, err
			}
			off = p
		case 0x0D, 0x0E: // normal, optional substitution
			if off+4 > end {
				return 0, errOutOfBounds
			}
			id, _ := w.u16(off + 1)
			off += 4
			if id < len(args) {
				if err := w.substitute(args[id], nest); err != nil {
					return 0, err
				}
			}
		default:
			return 0, fmt.Errorf("unknown BinXML token 0x%02x at chunk offset %d", tok, off)
		}
	}
	return off, nil
}

// elementStart reads an open start element token: token, dependency id
// (absent inside BinXML substitution values), data size, name reference
// (with the name inline when it points right behind itself), attribute list
// size when flagged. It returns the offset after it.
func (w *recordWalker) elementStart(off int, hasAttrs bool, inValue bool) (int, string, error) {
	extra := 0
	if hasAttrs {
		extra = 4
	}
	if inValue {
		// Windows leaves out the dependency id in values; accept the
		// layout whose name reference is consistent.
		nameOff, err := w.u32(off + 5)
		if err == nil && (nameOff == off+9 || (nameOff < off && nameOff >= chunkHeaderSize)) {
			name, p, err := w.nameRef(off + 5)
			if err == nil {
				return p + extra, name, nil
			}
		}
	}
	name, p, err := w.nameRef(off + 7)
	if err != nil {
		return 0, "", err
	}
	return p + extra, name, nil
}

// templateInstance reads a template instance token and walks the template
// body with its substitution values. It returns the offset after the
// values.
func (w *recordWalker) templateInstance(off, end, nest int) (int, error) {
	in, err := w.instance(off, end, nest)
	if err != nil {
		return 0, err
	}
	if _, err := w.walk(in.bodyStart, in.bodyEnd, in.args, nest+1, false); err != nil {
		return 0, err
	}
	return in.valOff, nil
}

// instanceOf is a template instance as read: the definition's body and
// the substitution values.
type instanceOf struct {
	defOff, bodyStart, bodyEnd int
	args                       []value
	valOff                     int // after the values
}

// instance reads a template instance token (token, unknown byte, template
// id, definition offset, the definition itself when inline, then the
// substitution values), keeping the values in w.args[nest].
func (w *recordWalker) instance(off, end, nest int) (instanceOf, error) {
	if off+10 > end {
		return instanceOf{}, errOutOfBounds
	}
	defOff, _ := w.u32(off + 6)
	p := off + 10
	// Definition: next definition offset, GUID, body size, body.
	bodySize, err := w.u32(defOff + 20)
	if err != nil || defOff < chunkHeaderSize {
		return instanceOf{}, fmt.Errorf("template definition offset %d: %w", defOff, errOutOfBounds)
	}
	bodyStart := defOff + 24
	bodyEnd := bodyStart + bodySize
	if bodyEnd > len(w.chunk) || bodyEnd < bodyStart {
		return instanceOf{}, fmt.Errorf("template definition offset %d: %w", defOff, errOutOfBounds)
	}
	if defOff == p {
		p = bodyEnd
	}
	n, err := w.u32(p)
	if err != nil || p+4 > end {
		return instanceOf{}, errOutOfBounds
	}
	p += 4
	if n > (end-p)/4 {
		return instanceOf{}, fmt.Errorf("template instance at chunk offset %d: %d values: %w", off, n, errOutOfBounds)
	}
	args := w.args[nest][:0]
	valOff := p + 4*n
	for i := 0; i < n; i++ {
		size := int(binary.LittleEndian.Uint16(w.chunk[p+4*i:]))
		args = append(args, value{off: valOff, size: size, typ: w.chunk[p+4*i+2]})
		valOff += size
	}
	if valOff > end {
		return instanceOf{}, fmt.Errorf("template instance at chunk offset %d: values: %w", off, errOutOfBounds)
	}
	w.args[nest] = args
	return instanceOf{defOff: defOff, bodyStart: bodyStart, bodyEnd: bodyEnd, args: args, valOff: valOff}, nil
}

// substitute puts one substitution value where the template has it.
func (w *recordWalker) substitute(v value, nest int) error {
	if v.size == 0 || v.typ == tNull {
		return nil
	}
	if v.typ == tBinXML {
		if w.inAttr {
			return nil
		}
		_, err := w.walk(v.off, v.off+v.size, nil, nest+1, true)
		return err
	}
	s := w.sink()
	if s == nil {
		return nil
	}
	// Rendering costs work too: charge it so that values substituted again
	// and again stay bounded.
	w.budget -= v.size / 16
	if w.budget < 0 {
		return errTooComplex
	}
	data := w.chunk[v.off : v.off+v.size]
	if w.attr == aSystemTime && v.typ == tFileTime && len(data) == 8 {
		w.ev.TimeCreated = filetime(binary.LittleEndian.Uint64(data))
		w.timeSet = true
		return nil
	}
	*s = appendValue(*s, v.typ, data)
	return nil
}

func entity(name string) string {
	if c, ok := xmlEntity(name); ok {
		return string(rune(c))
	}
	return "&" + name + ";"
}

// xmlEntity is the character one of XML's five named entities stands for.
func xmlEntity(name string) (byte, bool) {
	switch name {
	case "amp":
		return '&', true
	case "lt":
		return '<', true
	case "gt":
		return '>', true
	case "quot":
		return '"', true
	case "apos":
		return '\'', true
	}
	return 0, false
}

// appendUTF16 appends UTF-16LE text as UTF-8, dropping trailing NULs.
func appendUTF16(dst, b []byte) []byte {
	n := len(b) / 2
	for n > 0 && b[2*n-2] == 0 && b[2*n-1] == 0 {
		n--
	}
	b = b[:2*n]
	// Most text is ASCII: copy it a byte a character into room made once.
	start := len(dst)
	dst = slices.Grow(dst, n)
	ascii := dst[start : start+n]
	i := 0
	for ; i+4 <= n; i += 4 { // four characters at a time
		v := binary.LittleEndian.Uint64(b[2*i:])
		if v&0xFF80FF80FF80FF80 != 0 {
			break
		}
		ascii[i], ascii[i+1], ascii[i+2], ascii[i+3] = byte(v), byte(v>>16), byte(v>>32), byte(v>>48)
	}
	for ; i < n; i++ {
		lo, hi := b[2*i], b[2*i+1]
		if hi != 0 || lo >= utf8.RuneSelf {
			break
		}
		ascii[i] = lo
	}
	dst = dst[:start+i]
	for ; i < n; i++ {
		u := uint16(b[2*i]) | uint16(b[2*i+1])<<8
		switch {
		case u < utf8.RuneSelf:
			dst = append(dst, byte(u))
		case utf16.IsSurrogate(rune(u)) && i+1 < n:
			u2 := uint16(b[2*i+2]) | uint16(b[2*i+3])<<8
			r := utf16.DecodeRune(rune(u), rune(u2))
			if r != utf8.RuneError {
				i++
			}
			dst = utf8.AppendRune(dst, r)
		default:
			dst = utf8.AppendRune(dst, rune(u))
		}
	}
	return dst
}

// filetime converts 100-nanosecond intervals since 1601 to UTC time.
func filetime(ft uint64) time.Time {
	const epochDelta = 11644473600 // seconds from 1601 to 1970
	return time.Unix(int64(ft/1e7)-epochDelta, int64(ft%1e7)*100).UTC()
}

// fixedSize is the size of each fixed-size value type, 0 for the others.
var fixedSize = [tArray]int{
	tInt8: 1, tUint8: 1, tInt16: 2, tUint16: 2, tInt32: 4, tUint32: 4,
	tInt64: 8, tUint64: 8, tFloat32: 4, tFloat64: 8, tBool: 4, tGUID: 16,
	tFileTime: 8, tSysTime: 16, tHex32: 4, tHex64: 8,
}

// appendValue renders a substitution value as Windows renders it in event
// XML.
func appendValue(dst []byte, typ byte, b []byte) []byte {
	if typ&tArray != 0 {
		return appendArray(dst, typ&^tArray, b)
	}
	le := binary.LittleEndian
	if len(b) < fixedSize[typ] {
		return appendHex(dst, b)
	}
	switch typ {
	case tNull:
		return dst
	case tString:
		return appendUTF16(dst, b)
	case tAnsi:
		for len(b) > 0 && b[len(b)-1] == 0 {
			b = b[:len(b)-1]
		}
		if utf8.Valid(b) {
			return append(dst, b...)
		}
		for _, c := range b { // Latin-1, the best guess for a code page
			dst = utf8.AppendRune(dst, rune(c))
		}
		return dst
	case tInt8:
		return strconv.AppendInt(dst, int64(int8(b[0])), 10)
	case tUint8:
		return strconv.AppendUint(dst, uint64(b[0]), 10)
	case tInt16:
		return strconv.AppendInt(dst, int64(int16(le.Uint16(b))), 10)
	case tUint16:
		return strconv.AppendUint(dst, uint64(le.Uint16(b)), 10)
	case tInt32:
		return strconv.AppendInt(dst, int64(int32(le.Uint32(b))), 10)
	case tUint32:
		return strconv.AppendUint(dst, uint64(le.Uint32(b)), 10)
	case tInt64:
		return strconv.AppendInt(dst, int64(le.Uint64(b)), 10)
	case tUint64:
		return strconv.AppendUint(dst, le.Uint64(b), 10)
	case tFloat32:
		return strconv.AppendFloat(dst, float64(math.Float32frombits(le.Uint32(b))), 'g', -1, 32)
	case tFloat64:
		return strconv.AppendFloat(dst, math.Float64frombits(le.Uint64(b)), 'g', -1, 64)
	case tBool:
		return strconv.AppendBool(dst, le.Uint32(b) != 0)
	case tGUID:
		return appendGUID(dst, b)
	case tSizeT:
		switch len(b) {
		case 4:
			return strconv.AppendUint(append(dst, "0x"...), uint64(le.Uint32(b)), 16)
		case 8:
			return strconv.AppendUint(append(dst, "0x"...), le.Uint64(b), 16)
		}
	case tFileTime:
		return filetime(le.Uint64(b)).AppendFormat(dst, "2006-01-02T15:04:05.000000000Z")
	case tSysTime:
		return fmt.Appendf(dst, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
			le.Uint16(b), le.Uint16(b[2:]), le.Uint16(b[6:]), le.Uint16(b[8:]), le.Uint16(b[10:]), le.Uint16(b[12:]), le.Uint16(b[14:]))
	case tSID:
		return appendSID(dst, b)
	case tHex32:
		return strconv.AppendUint(append(dst, "0x"...), uint64(le.Uint32(b)), 16)
	case tHex64:
		return strconv.AppendUint(append(dst, "0x"...), le.Uint64(b), 16)
	}
	return appendHex(dst, b)
}

func appendHex(dst, b []byte) []byte {
	const digits = "0123456789ABCDEF"
	for _, c := range b {
		dst = append(dst, digits[c>>4], digits[c&15])
	}
	return dst
}

func appendSID(dst, b []byte) []byte {
	if len(b) < 8 || len(b) < 8+4*int(b[1]) {
		return appendHex(dst, b)
	}
	var authority uint64
	for _, c := range b[2:8] {
		authority = authority<<8 | uint64(c)
	}
	dst = strconv.AppendUint(append(dst, "S-"...), uint64(b[0]), 10)
	dst = strconv.AppendUint(append(dst, '-'), authority, 10)
	for i := 0; i < int(b[1]); i++ {
		dst = strconv.AppendUint(append(dst, '-'), uint64(binary.LittleEndian.Uint32(b[8+4*i:])), 10)
	}
	return dst
}

// appendGUID renders a GUID value as {8-4-4-4-12} upper-case hex: three
// little-endian fields, then eight bytes as stored (without fmt: a Sysmon
// event holds several).
func appendGUID(dst, b []byte) []byte {
	dst = append(dst, '{')
	for _, i := range [...]int{3, 2, 1, 0, -1, 5, 4, -1, 7, 6, -1, 8, 9, -1, 10, 11, 12, 13, 14, 15} {
		if i < 0 {
			dst = append(dst, '-')
		} else {
			dst = appendHex(dst, b[i:i+1])
		}
	}
	return append(dst, '}')
}

// appendArray renders an array value with its elements separated by
// commas.
func appendArray(dst []byte, typ byte, b []byte) []byte {
	if typ == tString {
		first := true
		for len(b) >= 2 {
			end := 0
			for end+1 < len(b) && (b[end] != 0 || b[end+1] != 0) {
				end += 2
			}
			if end+1 >= len(b) {
				end = len(b) &^ 1
			}
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = appendUTF16(dst, b[:end])
			if end+2 > len(b) {
				break
			}
			b = b[end+2:]
		}
		return dst
	}
	size := fixedSize[typ&^tArray]
	if size == 0 {
		return appendHex(dst, b)
	}
	for i := 0; i+size <= len(b); i += size {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendValue(dst, typ, b[i:i+size])
	}
	return dst
}
