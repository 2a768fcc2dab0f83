package sysmon

import (
	"encoding/binary"
	"slices"
	"unicode/utf8"
)

// Templates compiled once per chunk. A chunk defines each template once and
// many records instantiate it, so walking the template's tokens for every
// record repeats the same work: the compiler walks a template body once, as
// the walker would, and keeps only what has an effect on the Event (which
// substitution values or texts make the Provider, EventID, each Data, where
// the filter decides), with the work the walker would have counted up to
// each of those points. A record is then read from its substitution values
// alone, and one of an EventID the filter does not want costs a few of
// them. Whatever the compiler does not follow exactly (a template nested
// right in a body, an unbalanced body, BinXML where text is collected, a
// budget overrun) is left to the walker, so both give the same events.

// piece is a part of some text a template collects: literal text, or a
// substitution value rendered.
type piece struct {
	sub  int // substitution index, or -1 for text
	text string
}

type opKind uint8

const (
	opProvider   opKind = iota // Provider/@Name ends
	opSystemTime               // TimeCreated/@SystemTime ends
	opDataName                 // Data/@Name ends
	opEventID                  // </EventID>: the filter may stop here
	opRecordID                 // </EventRecordID>
	opChannel                  // </Channel>
	opComputer                 // </Computer>
	opData                     // </Data>, named, once the filter accepted
	opDiscard                  // text collected then dropped: its values are charged
	opDecide                   // </System> or <EventData>: the filter decides
	opNested                   // a value no text collects: BinXML there is walked
)

// op is one effect of a template body on the Event, in walk order.
type op struct {
	kind      opKind
	inAttr    bool       // pieces are an attribute's value
	sysTime   bool       // pieces are TimeCreated/@SystemTime: a FILETIME value sets the time
	checkName bool       // opData: the name is not literal, the filter's Fields decide at run time
	cost      int        // the walker's work from the body's start to here
	pieces    []piece    // the text the effect takes
	sub       int        // opNested: the substitution index
	at        compileKey // opNested: where the value goes

	// the last value renderString made of one substitution value, and
	// its bytes in the chunk: the next record's is most often the same
	lastRaw []byte
	lastTyp byte
	last    string
}

// compileKey is a template body where it is walked: the walker's state
// that decides what the body's elements mean.
type compileKey struct {
	defOff  int32
	depth   uint8
	parent  elemKind
	decided bool
}

// program is a compiled template body.
type program struct {
	ok      bool // false: records of this template are walked
	ops     []op
	cost    int  // the walker's work for the whole body
	decided bool // whether the filter has decided after the body
	// hasData: the body names Data values; distinctNames: each by a
	// literal name of its own
	hasData, distinctNames bool
}

// runResult is how running compiled templates on a record ended.
type runResult uint8

const (
	runDone     runResult = iota // the record was read whole
	runStopped                   // the filter does not want the event
	runFallback                  // the walker must read this record
)

// compiler walks a template body as the walker would, without values.
type compiler struct {
	w        *recordWalker
	key      compileKey
	p        *program
	stack    [maxElementDepth]elemKind
	depth    int
	attr     attrKind
	inAttr   bool
	decided  bool
	hasName  bool
	text     []piece
	attrText []piece
	cost     int
	lastName string   // the last Data name, when literal
	literal  bool     // whether lastName is
	names    []string // the literal Data names so far
}

// program returns the compiled body of the template at key, compiling it
// on first use in the chunk.
func (w *recordWalker) program(key compileKey, bodyStart, bodyEnd int) *program {
	slot := &w.recent[(key.defOff>>2)%int32(len(w.recent))]
	if slot.p != nil && slot.key == key {
		return slot.p
	}
	if p, ok := w.programs[key]; ok {
		slot.key, slot.p = key, p
		return p
	}
	p := w.newProgram()
	if w.compileLeft > 0 {
		c := &w.compiler
		*c = compiler{w: w, key: key, p: p, depth: int(key.depth), decided: key.decided,
			text: c.text[:0], attrText: c.attrText[:0], names: c.names[:0]}
		if key.depth > 0 {
			c.stack[key.depth-1] = key.parent
		}
		start := len(w.ops)
		p.ok = c.body(bodyStart, bodyEnd)
		if p.ok {
			p.ops = w.ops[start:len(w.ops):len(w.ops)]
		} else {
			w.ops = w.ops[:start]
		}
	}
	w.programs[key] = p
	slot.key, slot.p = key, p
	return p
}

// recentProgram is an entry of the walker's small cache in front of its
// programs: a record looks up two, the same as the record before.
type recentProgram struct {
	key compileKey
	p   *program
}

// newProgram is an empty program from the walker's, reused chunk after
// chunk.
func (w *recordWalker) newProgram() *program {
	if w.programsUsed == len(w.programPool) {
		w.programPool = append(w.programPool, new(program))
	}
	p := w.programPool[w.programsUsed]
	w.programsUsed++
	*p = program{}
	return p
}

func (c *compiler) current() elemKind {
	if c.depth == 0 {
		return kOther
	}
	return c.stack[c.depth-1]
}

func (c *compiler) collecting() bool {
	switch c.current() {
	case kEventID, kRecordID, kChannel, kComputer:
		return true
	case kData:
		return c.decided
	}
	return false
}

// sink is where text goes at this point, as recordWalker.sink says.
func (c *compiler) sink() *[]piece {
	if c.inAttr {
		if c.attr != aNone {
			return &c.attrText
		}
		return nil
	}
	if c.collecting() {
		return &c.text
	}
	return nil
}

func (c *compiler) appendText(s *[]piece, text string) {
	if n := len(*s); n > 0 && (*s)[n-1].sub < 0 {
		(*s)[n-1].text += text
		return
	}
	*s = append(*s, piece{sub: -1, text: text})
}

// emit adds an op to the program being compiled, its pieces copied to
// the walker's store for the chunk.
func (c *compiler) emit(kind opKind, pieces []piece, inAttr bool) *op {
	w := c.w
	start := len(w.pieces)
	w.pieces = append(w.pieces, pieces...)
	w.ops = append(w.ops, op{kind: kind, inAttr: inAttr, sysTime: kind == opSystemTime, cost: c.cost,
		pieces: w.pieces[start:len(w.pieces):len(w.pieces)]})
	return &w.ops[len(w.ops)-1]
}

// discard drops collected text; values in it still cost their rendering.
func (c *compiler) discard(pieces []piece, inAttr bool) {
	for _, pc := range pieces {
		if pc.sub >= 0 {
			// A FILETIME value sets the time as it is met, even in a
			// SystemTime that does not end.
			c.emit(opDiscard, pieces, inAttr).sysTime = inAttr && c.attr == aSystemTime
			return
		}
	}
}

func (c *compiler) openElement(name string) bool {
	if c.depth >= maxElementDepth {
		return false
	}
	kind := childKind(c.current(), c.depth, name)
	if kind == kEventData && !c.decided {
		c.emit(opDecide, nil, false)
		c.decided = true
	}
	if c.inAttr && c.attr != aNone {
		c.discard(c.attrText, true) // the attribute ends unread
	}
	c.discard(c.text, false)
	c.stack[c.depth] = kind
	c.depth++
	c.attr = aNone
	c.text = c.text[:0]
	c.hasName = false
	return true
}

func (c *compiler) endAttribute() {
	switch c.attr {
	case aProviderName:
		c.emit(opProvider, c.attrText, true)
	case aSystemTime:
		c.emit(opSystemTime, c.attrText, true)
	case aDataName:
		c.emit(opDataName, c.attrText, true)
		c.hasName = true
		c.literal = len(c.attrText) == 1 && c.attrText[0].sub < 0
		if c.literal {
			c.lastName = c.attrText[0].text
		}
	}
	c.attr = aNone
	c.inAttr = false
}

func (c *compiler) startAttribute(name string) {
	c.endAttribute()
	c.inAttr = true
	c.attrText = c.attrText[:0]
	switch {
	case c.current() == kProvider && name == "Name":
		c.attr = aProviderName
	case c.current() == kTimeCreated && name == "SystemTime":
		c.attr = aSystemTime
	case c.current() == kData && name == "Name" && c.decided:
		c.attr = aDataName
	}
}

func (c *compiler) closeElement() bool {
	c.endAttribute()
	if c.depth == 0 {
		return true
	}
	if c.depth <= int(c.key.depth) {
		return false // closes an element outside the body
	}
	kind := c.current()
	switch kind {
	case kEventID:
		c.emit(opEventID, c.text, false)
	case kRecordID:
		c.emit(opRecordID, c.text, false)
	case kChannel:
		c.emit(opChannel, c.text, false)
	case kComputer:
		c.emit(opComputer, c.text, false)
	case kData:
		if c.hasName && c.decided && c.literal && !c.w.filter.wantsField(c.lastName) {
			c.emit(opDiscard, c.text, false)
		} else if c.hasName && c.decided {
			c.emit(opData, c.text, false).checkName = !c.literal
			if !c.p.hasData {
				c.p.hasData, c.p.distinctNames = true, true
			}
			if !c.literal || slices.Contains(c.names, c.lastName) {
				c.p.distinctNames = false
			}
			c.names = append(c.names, c.lastName)
		} else {
			c.discard(c.text, false)
		}
	default:
		c.discard(c.text, false)
	}
	c.depth--
	c.text = c.text[:0]
	c.hasName = false
	if kind == kSystem && !c.decided {
		c.emit(opDecide, nil, false)
		c.decided = true
	}
	return true
}

// body follows recordWalker.walk over a template body; it returns false
// where the walker would do something the program does not model.
func (c *compiler) body(off, end int) bool {
	w := c.w
	for off < end {
		c.cost++
		if w.compileLeft--; w.compileLeft < 0 {
			return false
		}
		tok := w.chunk[off]
		switch tok {
		case 0x00:
			return c.finish()
		case 0x0F:
			off += 4
		case 0x01, 0x41:
			p, name, err := w.elementStart(off, tok == 0x41, false)
			if err != nil || !c.openElement(name) {
				return false
			}
			off = p
		case 0x02:
			c.endAttribute()
			off++
		case 0x03, 0x04:
			if !c.closeElement() {
				return false
			}
			off++
		case 0x05, 0x45:
			if off+4 > end {
				return false
			}
			n, _ := w.u16(off + 2)
			if off+4+2*n > end {
				return false
			}
			if s := c.sink(); s != nil {
				c.cost += n / 8
				c.appendText(s, w.lasting(appendUTF16(w.nameBuf[:0], w.chunk[off+4:off+4+2*n])))
			}
			off += 4 + 2*n
		case 0x06, 0x46:
			name, p, err := w.nameRef(off + 1)
			if err != nil {
				return false
			}
			c.startAttribute(name)
			off = p
		case 0x07, 0x47, 0x0B:
			n, err := w.u16(off + 1)
			if err != nil || off+3+2*n > end {
				return false
			}
			if s := c.sink(); s != nil && tok != 0x0B {
				c.cost += n / 8
				c.appendText(s, w.lasting(appendUTF16(w.nameBuf[:0], w.chunk[off+3:off+3+2*n])))
			}
			off += 3 + 2*n
		case 0x08, 0x48:
			r, err := w.u16(off + 1)
			if err != nil {
				return false
			}
			if s := c.sink(); s != nil {
				c.appendText(s, string(utf8.AppendRune(nil, rune(r))))
			}
			off += 3
		case 0x09, 0x49:
			name, p, err := w.nameRef(off + 1)
			if err != nil {
				return false
			}
			if s := c.sink(); s != nil {
				c.appendText(s, entity(name))
			}
			off = p
		case 0x0A:
			_, p, err := w.nameRef(off + 1)
			if err != nil {
				return false
			}
			off = p
		case 0x0D, 0x0E:
			if off+4 > end {
				return false
			}
			id, _ := w.u16(off + 1)
			off += 4
			if s := c.sink(); s != nil {
				*s = append(*s, piece{sub: id})
			} else if !c.inAttr {
				w.ops = append(w.ops, op{kind: opNested, cost: c.cost, sub: id,
					at: compileKey{depth: uint8(c.depth), parent: c.current(), decided: c.decided}})
			}
		default: // a template instance right in a body, an unknown token
			return false
		}
	}
	return c.finish()
}

// finish ends a body: it must leave the walker where it found it.
func (c *compiler) finish() bool {
	if c.depth != int(c.key.depth) || c.inAttr {
		return false
	}
	c.p.cost = c.cost
	c.p.decided = c.decided
	return true
}

// runRecord reads the record in chunk[start:end] with compiled templates
// when it is one template instance, as records are.
func (w *recordWalker) runRecord(start, end int) runResult {
	if start+14 > end || w.chunk[start] != 0x0F || w.chunk[start+4] != 0x0C {
		return runFallback
	}
	w.charged = 2 // the fragment header and the template instance
	res := w.runInstance(start+4, end, 0, compileKey{parent: kOther})
	if res != runDone {
		return res
	}
	if !w.decided && !w.decide() {
		return runStopped
	}
	return runDone
}

// runInstance runs the template instance at off (ending by end) whose
// body the walker would walk at nest+1, then what follows it up to end:
// nothing, or an end of fragment.
func (w *recordWalker) runInstance(off, end, nest int, at compileKey) runResult {
	if nest+1 > maxNesting {
		return runFallback
	}
	in, err := w.instance(off, end, nest)
	if err != nil || in.defOff > 1<<31-1 {
		return runFallback
	}
	at.defOff = int32(in.defOff)
	p := w.program(at, in.bodyStart, in.bodyEnd)
	if !p.ok {
		return runFallback
	}
	if res := w.run(p, in.args, nest+1); res != runDone {
		return res
	}
	if in.valOff < end {
		if w.chunk[in.valOff] != 0x00 {
			return runFallback
		}
		w.charged++
	}
	if w.charged > w.budget {
		return runFallback
	}
	return runDone
}

// run applies a compiled body with its substitution values. w.charged
// is the work before the body plus the values' work so far; the body's own
// work is the ops' costs.
func (w *recordWalker) run(p *program, args []value, nest int) runResult {
	if p.hasData {
		w.namesDistinct = len(w.spans) == 0 && p.distinctNames
	}
	for i := range p.ops {
		o := &p.ops[i]
		ok := true
		switch o.kind {
		case opProvider:
			w.ev.Provider, ok = w.renderString(o, args)
		case opSystemTime:
			w.scratch, ok = w.render(w.scratch[:0], o, args)
			if ok && !w.timeSet {
				if t, parsed := parseEventTime(string(w.scratch)); parsed {
					w.ev.TimeCreated = t
				}
			}
		case opDataName:
			w.dataName, ok = w.renderString(o, args)
		case opEventID:
			if w.scratch, ok = w.render(w.scratch[:0], o, args); !ok {
				return runFallback
			}
			if v, parsed := parseIntBytes(w.scratch); parsed {
				w.ev.EventID = int(v)
			}
			if len(w.filter.EventIDs) > 0 && !w.filter.anyProvider && !w.filter.wantsID(w.ev.EventID) && sameName(w.ev.Provider, Provider) {
				return w.stop(o.cost)
			}
		case opRecordID:
			w.scratch, ok = w.render(w.scratch[:0], o, args)
			if v, parsed := parseIntBytes(w.scratch); ok && parsed {
				w.ev.RecordID = v
			}
		case opChannel:
			w.ev.Channel, ok = w.renderString(o, args)
		case opComputer:
			w.ev.Computer, ok = w.renderString(o, args)
		case opData:
			if o.checkName && !w.filter.wantsField(w.dataName) {
				_, ok = w.renderOr(nil, o, args, false)
				break
			}
			start := len(w.vals)
			w.vals, ok = w.render(w.vals, o, args)
			w.spans = append(w.spans, valueSpan{name: w.dataName, start: start, end: len(w.vals)})
		case opDiscard:
			_, ok = w.renderOr(nil, o, args, false)
		case opDecide:
			if !w.decide() {
				return w.stop(o.cost)
			}
		case opNested:
			if o.sub < len(args) {
				if v := args[o.sub]; v.size != 0 && v.typ == tBinXML {
					w.charged += o.cost
					res := w.runValue(v, nest, o.at)
					w.charged -= o.cost
					if res != runDone {
						return res
					}
				}
			}
		}
		if !ok {
			return runFallback
		}
	}
	w.charged += p.cost
	return runDone
}

// stop ends a record the filter does not want, cost into the body being
// run; over budget, the walker says so.
func (w *recordWalker) stop(cost int) runResult {
	w.charged += cost
	if w.charged > w.budget {
		return runFallback
	}
	return runStopped
}

// runValue runs a BinXML substitution value met in a body walked at nest:
// one template instance, after a fragment header or not, as event data is.
func (w *recordWalker) runValue(v value, nest int, at compileKey) runResult {
	off, end := v.off, v.off+v.size
	if nest+1 > maxNesting || off+14 > end {
		return runFallback
	}
	if w.chunk[off] == 0x0F {
		w.charged++
		off += 4
	}
	if w.chunk[off] != 0x0C {
		return runFallback
	}
	w.charged++
	if res := w.runInstance(off, end, nest+1, at); res != runDone {
		return res
	}
	if w.decided != at.decided {
		return runFallback // the body went on as if the filter had not decided
	}
	return runDone
}

// render appends the text of an op's pieces, each value rendered as the
// walker renders it and charged as it charges it. It returns false where
// the walker would walk BinXML into the text.
func (w *recordWalker) render(dst []byte, o *op, args []value) ([]byte, bool) {
	return w.renderOr(dst, o, args, true)
}

// renderOr is render, or without draw only what rendering counts and sets
// (the work, a FILETIME time): for text that is dropped.
func (w *recordWalker) renderOr(dst []byte, o *op, args []value, draw bool) ([]byte, bool) {
	for _, pc := range o.pieces {
		if pc.sub < 0 {
			if draw {
				dst = append(dst, pc.text...)
			}
			continue
		}
		if pc.sub >= len(args) {
			continue
		}
		v := args[pc.sub]
		if v.size == 0 || v.typ == tNull {
			continue
		}
		if v.typ == tBinXML {
			if o.inAttr {
				continue
			}
			return dst, false
		}
		w.charged += v.size / 16
		data := w.chunk[v.off : v.off+v.size]
		if o.sysTime && v.typ == tFileTime && len(data) == 8 {
			w.ev.TimeCreated = filetime(binary.LittleEndian.Uint64(data))
			w.timeSet = true
			continue
		}
		if draw {
			dst = appendValue(dst, v.typ, data)
		}
	}
	return dst, true
}

// renderString is render as a string, interned in the chunk: names,
// providers, channels and computers repeat.
func (w *recordWalker) renderString(o *op, args []value) (string, bool) {
	if len(o.pieces) == 1 && o.pieces[0].sub < 0 {
		return o.pieces[0].text, true
	}
	if len(o.pieces) == 1 && o.pieces[0].sub < len(args) {
		v := args[o.pieces[0].sub]
		raw := w.chunk[v.off : v.off+v.size]
		if o.lastRaw != nil && v.typ == o.lastTyp && string(raw) == string(o.lastRaw) {
			w.charged += v.size / 16 // as render charges it
			return o.last, true
		}
		s, ok := w.renderString1(o, args)
		if ok && v.size != 0 && v.typ != tNull && v.typ != tBinXML {
			o.lastRaw, o.lastTyp, o.last = raw, v.typ, s
		}
		return s, ok
	}
	return w.renderString1(o, args)
}

func (w *recordWalker) renderString1(o *op, args []value) (string, bool) {
	var ok bool
	if w.scratch, ok = w.render(w.scratch[:0], o, args); !ok {
		return "", false
	}
	return w.intern(w.scratch), true
}

// maxInterned bounds the strings interned per chunk.
const maxInterned = 1024

func (w *recordWalker) intern(b []byte) string {
	if s, ok := w.interned[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(w.interned) < maxInterned {
		w.interned[s] = s
	}
	return s
}

// valueSpan is one Data value of the record in w.vals.
type valueSpan struct {
	name       string
	start, end int
}

// parseIntBytes is parseInt without a string for plain decimal numbers.
func parseIntBytes(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return parseInt(string(b))
	}
	var v int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return parseInt(string(b))
		}
		v = v*10 + int64(c-'0')
	}
	return v, true
}
