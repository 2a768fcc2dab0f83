package sysmon

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"sync"
)

// xmlSegmentSize is how much of an event XML file one worker takes at a time.
const xmlSegmentSize = 1 << 20

// An event XML file on disk is cut into segments that start at an <Event
// start tag (or the file's start) and each parsed by a worker with its own
// decoder; the events are emitted in file order. A segment is cut without
// parsing what comes before it, so "<Event" may really sit inside a comment,
// a CDATA section or an event: such a cut is found out by the segment
// before it, which then does not end cleanly between events (its last token
// runs into the cut, or an event is still open). The serial reader's state at
// a clean cut is only the names of the elements open around the events
// (<Events>), which each segment reports as the enclosing elements it
// closed and the ones it left open, checked against each other in file
// order. Where a segment is not clean (bad input, an odd cut, a token too
// long to be sure the serial reader's limit would not fire), the file is read
// again serially and only the events from that segment on are emitted: the
// events and the error are the serial reader's, byte offsets absolute.

// xmlSegment is one segment's work and what came of it.
type xmlSegment struct {
	seq        int
	start, end int64 // offsets in the text (after a UTF-8 byte order mark)
	events     []*Event
	popped     []string // enclosing elements the segment closed, innermost first
	open       []string // elements open at its end, outermost first
	maxRel     int      // deepest start tag, relative to the segment's start
	clean      bool     // parsed without error, ending between events
}

// readXMLAt is ReadXML on workers goroutines for a file of size bytes.
func readXMLAt(ctx context.Context, ra io.ReaderAt, size int64, name string, filter Filter, emit func(*Event) error, workers int, segSize int64) error {
	var bom [3]byte
	n, _ := ra.ReadAt(bom[:], 0)
	base := int64(0)
	switch {
	case n >= 2 && (bytes.HasPrefix(bom[:n], []byte{0xFF, 0xFE}) || bytes.HasPrefix(bom[:n], []byte{0xFE, 0xFF})):
		// UTF-16: offsets count the UTF-8 bytes of the converted text.
		return readXMLSerial(ctx, io.NewSectionReader(ra, 0, size), name, filter, emit)
	case n == 3 && bytes.Equal(bom[:], []byte{0xEF, 0xBB, 0xBF}):
		base = 3
	}
	text := io.NewSectionReader(ra, base, size-base)
	textSize := size - base
	serialFrom := func(from int64) error {
		return readXMLSerial(ctx, io.NewSectionReader(ra, 0, size), name, filter, func(ev *Event) error {
			if ev.Offset < from {
				return nil // emitted already, from a clean segment
			}
			return emit(ev)
		})
	}

	jobs := make(chan xmlSegment, workers)
	results := make(chan xmlSegment, workers)
	tokens := make(chan struct{}, 2*workers) // segments parsed and not yet emitted
	done := make(chan struct{})
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			close(done)
		}
	}
	defer stop()
	go func() {
		defer close(jobs)
		for seq, off := 0, int64(0); off < textSize; seq, off = seq+1, off+segSize {
			select {
			case tokens <- struct{}{}:
			case <-done:
				return
			}
			select {
			case jobs <- xmlSegment{seq: seq, start: off, end: min(off+segSize, textSize)}:
			case <-done:
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seg := range jobs {
				seg = parseXMLSegment(ctx, text, textSize, name, filter, seg)
				select {
				case results <- seg:
				case <-done:
					return
				}
			}
		}()
	}
	go func() {
		wg.Wait()
		close(results)
	}()

	pending := map[int]xmlSegment{}
	next := 0
	var enclosing []string // elements open around the events at the current cut
	var emitted int64      // the events before this offset are emitted
	for res := range results {
		pending[res.seq] = res
		for {
			seg, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			<-tokens
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("%s: offset %d: %w", name, emitted, err)
			}
			clean := seg.clean && len(enclosing)+seg.maxRel < maxElementDepth
			for _, closed := range seg.popped {
				if !clean || len(enclosing) == 0 || enclosing[len(enclosing)-1] != closed {
					clean = false
					break
				}
				enclosing = enclosing[:len(enclosing)-1]
			}
			if !clean {
				stop()
				return serialFrom(emitted)
			}
			enclosing = append(enclosing, seg.open...)
			emitted = seg.end
			for _, ev := range seg.events {
				if err := emit(ev); err != nil {
					return err
				}
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if len(enclosing) > 0 {
		// The serial reader's error: it has read the whole text.
		return fmt.Errorf("%s: offset %d: event XML ends inside an element", name, textSize)
	}
	return nil
}

// parseXMLSegment finds the segment's cuts (the first <Event at or after
// its nominal start and end) and parses what lies between them.
func parseXMLSegment(ctx context.Context, text io.ReaderAt, size int64, name string, filter Filter, seg xmlSegment) (res xmlSegment) {
	res = xmlSegment{seq: seg.seq}
	var start int64
	var err error
	if seg.start > 0 {
		if start, err = nextEventTag(text, size, seg.start, seg.end-seg.start); err != nil {
			return res
		}
	}
	end := size
	if seg.end < size {
		if end, err = nextEventTag(text, size, seg.end, seg.end-seg.start); err != nil {
			return res
		}
	}
	res.start, res.end = start, end
	if start >= end {
		res.clean = true // no event starts in it: the segment before runs past it
		return res
	}
	defer func() {
		if p := recover(); p != nil {
			res.clean = false // the serial reader reports it
		}
	}()
	if skipsEvents(filter) && end-start <= 4*(seg.end-seg.start)+64<<10 {
		if done := lineFilteredSegment(ctx, text, name, filter, start, end, &res); done {
			return res
		}
	}
	x, ok := decodeXMLSpan(ctx, io.NewSectionReader(text, start, end-start), end-start, start, name, filter, &res)
	if !ok || x.ev != nil {
		return res // an error, or an event runs past the cut ("<Event" inside an event)
	}
	res.popped = x.popped
	res.open = append([]string(nil), x.names[:x.depth]...)
	res.maxRel = x.maxRel
	res.clean = true
	return res
}

// decodeXMLSpan decodes the size bytes of r, at offset base of the text,
// as the serial reader would from a cut, appending the events to res; false
// when that is not sure to be what the serial reader does.
func decodeXMLSpan(ctx context.Context, r io.Reader, size, base int64, name string, filter Filter, res *xmlSegment) (*xmlEventReader, bool) {
	limiter := &tokenLimiter{ctx: ctx, r: bufio.NewReaderSize(r, int(min(size+16, 64<<10)))}
	d := xml.NewDecoder(limiter)
	d.Strict = true
	d.CharsetReader = func(_ string, in io.Reader) (io.Reader, error) { return in, nil }
	x := &xmlEventReader{name: name, filter: filter, segment: true, emit: func(ev *Event) error {
		res.events = append(res.events, ev)
		return nil
	}}
	for {
		tokStart := d.InputOffset()
		limiter.start = tokStart
		tok, err := d.RawToken()
		if err == io.EOF {
			return x, true
		}
		// A token near the limit: whether the serial reader's limiter fires
		// depends on where its reads fall.
		if err != nil || d.InputOffset()-tokStart > maxXMLToken/2 {
			return x, false
		}
		if err := x.token(tok, base+tokStart); err != nil {
			return x, false
		}
	}
}

// skipsEvents tells whether filter lets events be told apart by their raw
// bytes: by Line, or by their EventID.
func skipsEvents(filter Filter) bool {
	return filter.Line != nil || len(filter.EventIDs) > 0 && !filter.EventIDs[0]
}

// lineFilteredSegment reads a segment for a filter that skips events
// (skipsEvents): its tags are walked without decoding (scanXMLTags) and
// only the events whose raw bytes may pass the filter's event ids and
// Line are decoded, as JSON lines that fail them are not parsed and EVTX
// records of other ids are not decoded past their EventID. It returns
// false, having done nothing, for a segment that holds more than elements
// and text.
func lineFilteredSegment(ctx context.Context, text io.ReaderAt, name string, filter Filter, start, end int64, res *xmlSegment) bool {
	buf := make([]byte, end-start)
	if err := readAt(text, buf, start); err != nil {
		return true // not clean: the serial reader reports it
	}
	walk, ok := scanXMLTags(buf)
	if !ok {
		return false
	}
	for _, sp := range walk.events {
		raw := buf[sp[0]:sp[1]]
		if !xmlIDMayMatch(raw, filter) || filter.Line != nil && !filter.Line(raw) {
			continue
		}
		if decodeXMLEventFast(raw, start+int64(sp[0]), name, filter, res) {
			continue
		}
		x, ok := decodeXMLSpan(ctx, bytes.NewReader(raw), int64(len(raw)), start+int64(sp[0]), name, filter, res)
		if !ok || x.ev != nil || x.depth != 0 || len(x.popped) != 0 {
			return true // not clean
		}
	}
	res.popped, res.open, res.maxRel = walk.popped, walk.open, walk.maxRel
	res.clean = true
	return true
}

// xmlIDMayMatch is a cheap necessary condition for an event's raw bytes to
// pass filter's event ids: false only when every <EventID> element holds
// plain decimal digits alone, naming no wanted id, and id 0 (no EventID)
// is not wanted either.
func xmlIDMayMatch(raw []byte, filter Filter) bool {
	if len(filter.EventIDs) == 0 || filter.EventIDs[0] {
		return true
	}
	const open, end = "<EventID>", "</EventID>"
	for rest := raw; ; {
		i := bytes.Index(rest, []byte("<EventID"))
		if i < 0 {
			return false
		}
		rest = rest[i:]
		if !bytes.HasPrefix(rest, []byte(open)) {
			if len(rest) == len("<EventID") {
				return true
			}
			if c := rest[len("<EventID")]; !isPlainNameByte(c, false) {
				return true // attributes, or a form not looked into: decode it
			}
			rest = rest[len("<EventID"):]
			continue // another element (<EventIDs>)
		}
		rest = rest[len(open):]
		n := 0
		for n < len(rest) && n < 9 && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		if n == 0 || !bytes.HasPrefix(rest[n:], []byte(end)) {
			return true
		}
		id := 0
		for _, c := range rest[:n] {
			id = 10*id + int(c-'0')
		}
		if filter.EventIDs[id] {
			return true
		}
		rest = rest[n+len(end):]
	}
}

// xmlTagWalk is what scanXMLTags found.
type xmlTagWalk struct {
	events       [][2]int // the top-level <Event> elements, start and end
	popped, open []string // as in xmlSegment
	maxRel       int
}

// scanXMLTags walks the tags of a segment that holds only elements and
// text (no comment, CDATA section, processing instruction or declaration;
// plain ASCII names without a prefix), keeping the element names as the
// serial reader does, without decoding text or attribute values: false for
// anything else, or names that do not match.
func scanXMLTags(b []byte) (w xmlTagWalk, ok bool) {
	var names []string
	eventFrom, eventDepth := -1, 0
	for i := 0; ; {
		lt := bytes.IndexByte(b[i:], '<')
		if lt < 0 {
			break
		}
		tagStart := i + lt
		i = tagStart + 1
		if i >= len(b) {
			return w, false
		}
		closing := b[i] == '/'
		if closing {
			i++
		}
		n := 0
		for i+n < len(b) && isPlainNameByte(b[i+n], n == 0) {
			n++
		}
		if n == 0 || i+n >= len(b) {
			return w, false
		}
		tag := b[i : i+n]
		i += n
		if c := b[i]; !closing && !isXMLSpace(c) && c != '/' && c != '>' {
			return w, false // a prefix (e:Event), or a name scanXMLTags does not take
		}
		if closing {
			for i < len(b) && isXMLSpace(b[i]) {
				i++
			}
			if i >= len(b) || b[i] != '>' {
				return w, false
			}
			i++
			if len(names) == 0 {
				if eventFrom >= 0 {
					return w, false
				}
				w.popped = append(w.popped, string(tag))
				continue
			}
			if names[len(names)-1] != string(tag) {
				return w, false
			}
			names = names[:len(names)-1]
			if eventFrom >= 0 && len(names) == eventDepth {
				w.events = append(w.events, [2]int{eventFrom, i})
				eventFrom = -1
			}
			continue
		}
		// A start tag: its attributes' values are skipped whole, as they
		// may hold '>'.
		selfClosing := false
		for {
			k := bytes.IndexAny(b[i:], `>"'`)
			if k < 0 {
				return w, false
			}
			i += k
			if c := b[i]; c != '>' {
				q := bytes.IndexByte(b[i+1:], c)
				if q < 0 {
					return w, false
				}
				i += q + 2
				continue
			}
			selfClosing = b[i-1] == '/'
			i++
			break
		}
		if len(names) >= maxElementDepth {
			return w, false
		}
		w.maxRel = max(w.maxRel, len(names)-len(w.popped))
		if eventFrom < 0 && string(tag) == "Event" {
			eventFrom, eventDepth = tagStart, len(names)
			if selfClosing {
				w.events = append(w.events, [2]int{eventFrom, i})
				eventFrom = -1
				continue
			}
		}
		if !selfClosing {
			names = append(names, string(tag))
		}
	}
	if eventFrom >= 0 {
		return w, false
	}
	w.open = names
	return w, true
}

// isPlainNameByte tells the bytes of the names scanXMLTags takes: ASCII
// letters, digits, '_', '-' and '.', not a digit, '-' or '.' first.
func isPlainNameByte(c byte, first bool) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		return true
	case c >= '0' && c <= '9', c == '-', c == '.':
		return !first
	}
	return false
}

func isXMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// eventTag is how every event element of event XML starts.
var eventTag = []byte("<Event")

// nextEventTag returns the offset of the first "<Event" start tag (the name
// whole: followed by a space, '>' or '/') at or after from, or size.
func nextEventTag(text io.ReaderAt, size, from, segSize int64) (int64, error) {
	// Windows grow: an event starts every few KiB in real logs, and small
	// segments (the tests') should not read far each.
	window := min(max(segSize/8, 32), 4<<10)
	var buf []byte
	for at := from; at < size; at += window {
		window = min(2*window, 64<<10)
		n := int(min(window+int64(len(eventTag))+1, size-at))
		if cap(buf) < n {
			buf = make([]byte, n)
		}
		b := buf[:n]
		if err := readAt(text, b, at); err != nil {
			return 0, err
		}
		for i := 0; ; {
			j := bytes.Index(b[i:], eventTag)
			if j < 0 {
				break
			}
			i += j
			if i+len(eventTag) < n {
				switch b[i+len(eventTag)] {
				case ' ', '\t', '\r', '\n', '>', '/':
					return at + int64(i), nil
				}
			} else if at+int64(n) == size {
				return at + int64(i), nil // "<Event" ends the text: a cut there is harmless
			}
			// Undecided past the window's end: the next window starts before it.
			i++
		}
	}
	return size, nil
}
