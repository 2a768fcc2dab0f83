package sysmon

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// maxXMLToken bounds the bytes of one token (a text, a comment, a tag with
// its attributes), and so what the decoder buffers at any time. Event XML
// tokens are far smaller (an event is at most 64 KiB in an EVTX); a tag's
// attributes cost the decoder some 20 times their bytes.
const maxXMLToken = 1 << 20

// maxXMLEvent bounds the text one event keeps (its fields together): text
// split by comments or CDATA sections into many small tokens adds up.
const maxXMLEvent = 4 << 20

// ReadXML streams the Sysmon events of event XML to emit: wevtutil qe /f:xml
// (events without a root, possibly on one line), Get-WinEvent | % ToXml,
// evtxexport -f xml (text lines between events are ignored), or events
// inside <Events>. UTF-8, or UTF-16 with a byte order mark. The first
// syntax error stops reading and is returned with file and byte offset
// (the offset counts UTF-8 bytes, after decoding UTF-16).
//
// A file on disk is read on GOMAXPROCS cores (see readXMLAt); a stream
// (a .gz, a zip member) by one reader. In a file on disk whose tags are
// plain (elements and text only), an event whose raw bytes fail
// filter.Line, or whose <EventID> names no wanted id, is not decoded and
// its errors are not reported, as a JSON line that fails them is not parsed
// and an EVTX record of another id is not decoded past its EventID.
func ReadXML(ctx context.Context, r io.Reader, name string, filter Filter, emit func(*Event) error) (err error) {
	if w := jsonWorkers(); w > 1 || skipsEvents(filter) {
		if ra, size, ok := regularFileAt(r); ok && size >= 2*xmlSegmentSize {
			return readXMLAt(ctx, ra, size, name, filter, emit, w, xmlSegmentSize)
		}
	}
	return readXMLSerial(ctx, r, name, filter, emit)
}

// readXMLSerial is ReadXML on one goroutine.
func readXMLSerial(ctx context.Context, r io.Reader, name string, filter Filter, emit func(*Event) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: internal error reading event XML: %v", name, p)
		}
	}()
	text, err := utf8Reader(bufio.NewReaderSize(r, bufferSize(r, 64<<10)))
	if err != nil {
		return fmt.Errorf("%s: offset 0: %w", name, err)
	}
	limiter := &tokenLimiter{ctx: ctx, r: text}
	d := xml.NewDecoder(limiter)
	d.Strict = true
	d.CharsetReader = func(_ string, in io.Reader) (io.Reader, error) {
		return in, nil // already UTF-8, whatever the declaration says
	}
	x := xmlEventReader{name: name, filter: filter, emit: emit}
	for {
		start := d.InputOffset()
		limiter.start = start
		tok, err := d.RawToken()
		if err == io.EOF {
			if x.depth > 0 {
				return fmt.Errorf("%s: offset %d: event XML ends inside an element", name, d.InputOffset())
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: offset %d: %w", name, d.InputOffset(), err)
		}
		if err := x.token(tok, start); err != nil {
			if errors.Is(err, errStop) {
				return errors.Unwrap(err)
			}
			return fmt.Errorf("%s: offset %d: %w", name, start, err)
		}
	}
}

// errStop wraps an error from emit so that it is returned unchanged.
var errStop = errors.New("stopped by emit")

type stopError struct{ err error }

func (e stopError) Error() string        { return e.err.Error() }
func (e stopError) Unwrap() error        { return e.err }
func (e stopError) Is(target error) bool { return target == errStop }

// xmlEventReader maps the element path of event XML to Events.
type xmlEventReader struct {
	name   string
	filter Filter
	emit   func(*Event) error

	depth   int
	stack   [maxElementDepth]elemKind
	names   [maxElementDepth]string
	ev      *Event
	text    []byte
	kept    int // bytes of text the current event keeps so far
	dataKey string
	hasKey  bool

	// A segment of a file read in parallel starts with the enclosing
	// elements unknown: an end tag with nothing open closes one of them.
	segment bool
	popped  []string // enclosing elements closed, innermost first
	maxRel  int      // deepest start tag, relative to the segment's start
}

func (x *xmlEventReader) current() elemKind {
	if x.depth == 0 {
		return kOther
	}
	return x.stack[x.depth-1]
}

func (x *xmlEventReader) token(tok xml.Token, off int64) error {
	switch t := tok.(type) {
	case xml.StartElement:
		if x.depth >= maxElementDepth {
			return errTooDeep
		}
		x.maxRel = max(x.maxRel, x.depth-len(x.popped))
		var kind elemKind
		if t.Name.Local == "Event" && x.ev == nil {
			kind = kEvent
			x.ev = &Event{SourceFile: x.name, Offset: off}
			x.kept = 0
		} else if x.ev != nil {
			kind = childKind(x.current(), 1, t.Name.Local)
		}
		x.stack[x.depth] = kind
		x.names[x.depth] = t.Name.Local
		x.depth++
		x.text = x.text[:0]
		x.hasKey = false
		for _, a := range t.Attr {
			switch {
			case kind == kProvider && a.Name.Local == "Name":
				x.ev.Provider = a.Value
			case kind == kTimeCreated && a.Name.Local == "SystemTime":
				if tm, ok := parseEventTime(a.Value); ok {
					x.ev.TimeCreated = tm
				}
			case kind == kData && a.Name.Local == "Name":
				x.dataKey, x.hasKey = a.Value, true
			}
		}
	case xml.CharData:
		switch x.current() {
		case kEventID, kRecordID, kChannel, kComputer, kData:
			if x.kept+len(x.text)+len(t) > maxXMLEvent {
				return fmt.Errorf("event at offset %d: more than %d bytes of text", x.ev.Offset, maxXMLEvent)
			}
			x.text = append(x.text, t...)
		}
	case xml.EndElement:
		if x.depth == 0 && x.segment && x.ev == nil {
			x.popped = append(x.popped, t.Name.Local)
			return nil
		}
		if x.depth == 0 {
			return fmt.Errorf("unexpected </%s>", t.Name.Local)
		}
		if x.names[x.depth-1] != t.Name.Local {
			return fmt.Errorf("element <%s> closed by </%s>", x.names[x.depth-1], t.Name.Local)
		}
		x.depth--
		switch x.stack[x.depth] {
		case kEventID:
			if v, ok := parseInt(string(x.text)); ok {
				x.ev.EventID = int(v)
			}
		case kRecordID:
			if v, ok := parseInt(string(x.text)); ok {
				x.ev.RecordID = v
			}
		case kChannel:
			x.ev.Channel = string(bytes.TrimSpace(x.text))
		case kComputer:
			x.ev.Computer = string(bytes.TrimSpace(x.text))
		case kData:
			if x.hasKey {
				x.ev.SetField(x.dataKey, string(x.text))
				x.kept += len(x.dataKey) + len(x.text)
			}
		case kEvent:
			ev := x.ev
			x.ev = nil
			if x.filter.accepts(ev) {
				if err := x.emit(ev); err != nil {
					return stopError{err}
				}
			}
		}
		x.text = x.text[:0]
		x.hasKey = false
	}
	return nil
}

// utf8Reader returns the text of r as UTF-8: UTF-16 (LE or BE) with a byte
// order mark is converted, a UTF-8 byte order mark dropped.
func utf8Reader(r *bufio.Reader) (io.Reader, error) {
	bom, err := r.Peek(3)
	if err != nil && err != io.EOF {
		if len(bom) == 0 {
			return r, nil
		}
	}
	switch {
	case bytes.HasPrefix(bom, []byte{0xEF, 0xBB, 0xBF}):
		_, err := r.Discard(3)
		return r, err
	case bytes.HasPrefix(bom, []byte{0xFF, 0xFE}):
		_, err := r.Discard(2)
		return &utf16Reader{r: r, little: true}, err
	case bytes.HasPrefix(bom, []byte{0xFE, 0xFF}):
		_, err := r.Discard(2)
		return &utf16Reader{r: r}, err
	}
	return r, nil
}

// utf16Reader converts a UTF-16 stream to UTF-8.
type utf16Reader struct {
	r      *bufio.Reader
	little bool
	out    []byte
	high   rune // pending high surrogate
	err    error
}

func (u *utf16Reader) Read(p []byte) (int, error) {
	for len(u.out) == 0 {
		if u.err != nil {
			return 0, u.err
		}
		var pair [2]byte
		for i := 0; i < 4096 && u.err == nil; i++ {
			if _, err := io.ReadFull(u.r, pair[:]); err != nil {
				if err == io.ErrUnexpectedEOF {
					u.out = utf8.AppendRune(u.out, utf8.RuneError)
					err = io.EOF
				}
				u.err = err
				break
			}
			c := rune(pair[0])<<8 | rune(pair[1])
			if u.little {
				c = rune(pair[1])<<8 | rune(pair[0])
			}
			switch {
			case u.high != 0:
				r := utf16.DecodeRune(u.high, c)
				u.high = 0
				u.out = utf8.AppendRune(u.out, r)
				if r == utf8.RuneError && !utf16.IsSurrogate(c) {
					u.out = utf8.AppendRune(u.out, c)
				}
			case c >= 0xD800 && c < 0xDC00:
				u.high = c
			default:
				u.out = utf8.AppendRune(u.out, c)
			}
		}
	}
	n := copy(p, u.out)
	u.out = u.out[n:]
	return n, nil
}

// tokenLimiter fails a stream whose current token (from the decoder's
// offset at its start, which ReadXML sets in start) runs past maxXMLToken
// bytes, and the stream of a cancelled ctx. It replaces control characters
// XML forbids (which evtxexport copies from event data) with '?' so that
// they do not end the file.
type tokenLimiter struct {
	ctx   context.Context
	r     io.Reader
	read  int64 // bytes handed to the decoder
	start int64 // decoder offset where the current token starts
}

func (t *tokenLimiter) Read(p []byte) (int, error) {
	if err := t.ctx.Err(); err != nil {
		return 0, err
	}
	if t.read-t.start > maxXMLToken {
		return 0, fmt.Errorf("a token (text, comment or tag) longer than %d bytes", maxXMLToken)
	}
	n, err := t.r.Read(p)
	b := p[:n]
	for i, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			b[i] = '?'
		}
	}
	t.read += int64(n)
	return n, err
}
