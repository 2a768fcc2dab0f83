package sysmon

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
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
// number.
func ReadJSONLines(ctx context.Context, r io.Reader, name string, filter Filter, emit func(*Event) error, warn func(error)) (err error) {
	if warn == nil {
		warn = func(error) {}
	}
	if w := jsonWorkers(); w > 1 && bufferSize(r, 2*jsonBlockSize) == 2*jsonBlockSize {
		return readJSONLinesParallel(ctx, r, name, filter, emit, warn, w)
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
var idKeys = [][]byte{[]byte(`EventID"`), []byte(`event_id"`), []byte(`code"`)}

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
	for _, key := range idKeys {
		for rest := line; ; {
			i := bytes.Index(rest, key)
			if i < 0 {
				break
			}
			rest = rest[i+len(key):]
			v := bytes.TrimLeft(rest, " \t:\"")
			end := 0
			for end < len(v) && isDigit(v[end]) {
				end++
			}
			if end == 0 {
				continue
			}
			// A line carries one event id: its value decides.
			for _, id := range ids {
				if bytes.Equal(v[:end], id) {
					return true
				}
			}
			return false
		}
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

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// nxlogMeta are NXLog's own top-level fields, which are not event data.
var nxlogMeta = map[string]bool{
	"EventTime": true, "EventReceivedTime": true, "Hostname": true, "Keywords": true,
	"SeverityValue": true, "Severity": true, "EventID": true, "SourceName": true,
	"ProviderGuid": true, "Version": true, "Task": true, "OpcodeValue": true,
	"RecordNumber": true, "ProcessID": true, "ThreadID": true, "Channel": true,
	"Domain": true, "AccountName": true, "UserID": true, "AccountType": true,
	"Category": true, "Opcode": true, "Message": true, "SourceModuleName": true,
	"SourceModuleType": true, "@timestamp": true, "@version": true, "ActivityID": true,
	"RelatedActivityID": true, "TimeCreated": true, "ProviderName": true, "Provider": true,
	"Computer": true, "EventRecordID": true, "Level": true,
}

// nxlogSeverity are the values of NXLog's EventType; any other EventType
// is Sysmon's own field (SetValue, CreateKey, ...).
var nxlogSeverity = map[string]bool{
	"INFO": true, "WARNING": true, "ERROR": true, "CRITICAL": true, "VERBOSE": true,
	"AUDIT_SUCCESS": true, "AUDIT_FAILURE": true, "DEBUG": true,
}

// jsonLineParser turns one JSON line into an Event.
type jsonLineParser struct {
	s jsonScanner

	hasWinlog                                          bool
	eventID, recordID, computer, channel, provider     string
	eventCode, eventProvider, hostName                 string
	timestamp, eventTime, timeCreated                  string
	nxEventID, nxRecord, nxHost, nxChannel, nxProvider string
	winlogData, flat                                   []kv
}

type kv struct{ k, v string }

func (p *jsonLineParser) reset() {
	*p = jsonLineParser{winlogData: p.winlogData[:0], flat: p.flat[:0]}
}

func (p *jsonLineParser) parse(line []byte, filter Filter) (*Event, error) {
	p.reset()
	p.s = jsonScanner{b: line}
	s := &p.s
	s.ws()
	if s.i == len(s.b) {
		return nil, nil // blank line
	}
	err := s.object(0, func(key string) error {
		switch key {
		case "winlog":
			p.hasWinlog = true
			return s.object(1, p.winlogMember)
		case "event":
			return s.object(1, func(k string) error {
				switch k {
				case "code":
					return s.scalar(&p.eventCode)
				case "provider":
					return s.scalar(&p.eventProvider)
				}
				return s.skip(2)
			})
		case "host":
			return s.object(1, func(k string) error {
				if k == "name" {
					return s.scalar(&p.hostName)
				}
				return s.skip(2)
			})
		case "@timestamp":
			return s.scalar(&p.timestamp)
		case "EventTime":
			return s.scalar(&p.eventTime)
		case "TimeCreated":
			return s.scalar(&p.timeCreated)
		case "EventID":
			return s.scalar(&p.nxEventID)
		case "RecordNumber", "EventRecordID":
			return s.scalar(&p.nxRecord)
		case "Hostname", "Computer":
			return s.scalar(&p.nxHost)
		case "Channel":
			return s.scalar(&p.nxChannel)
		case "SourceName", "ProviderName":
			return s.scalar(&p.nxProvider)
		}
		var v string
		if ok, err := s.scalarOK(&v); err != nil || !ok {
			return err
		}
		if !nxlogMeta[key] && !(key == "EventType" && nxlogSeverity[v]) {
			p.flat = append(p.flat, kv{key, v})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.ws()
	if s.i != len(s.b) {
		return nil, fmt.Errorf("offset %d: text after the JSON object", s.i)
	}
	ev := &Event{}
	data := p.flat
	if p.hasWinlog {
		ev.Provider = first(p.provider, p.eventProvider)
		ev.Channel = p.channel
		ev.Computer = first(p.computer, p.hostName)
		if v, ok := parseInt(first(p.eventID, p.eventCode)); ok {
			ev.EventID = int(v)
		}
		if v, ok := parseInt(p.recordID); ok {
			ev.RecordID = v
		}
		ev.TimeCreated, _ = parseEventTime(first(p.timestamp, p.timeCreated, p.eventTime))
		data = p.winlogData
	} else {
		ev.Provider = first(p.nxProvider, p.eventProvider)
		ev.Channel = p.nxChannel
		ev.Computer = first(p.nxHost, p.hostName)
		if v, ok := parseInt(first(p.nxEventID, p.eventCode)); ok {
			ev.EventID = int(v)
		}
		if v, ok := parseInt(p.nxRecord); ok {
			ev.RecordID = v
		}
		ev.TimeCreated, _ = parseEventTime(first(p.eventTime, p.timeCreated, p.timestamp))
	}
	if !filter.accepts(ev) {
		return nil, nil
	}
	for _, f := range data {
		ev.SetField(f.k, f.v)
	}
	return ev, nil
}

func (p *jsonLineParser) winlogMember(key string) error {
	s := &p.s
	switch key {
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
		return s.object(2, func(k string) error {
			var v string
			if ok, err := s.scalarOK(&v); err != nil || !ok {
				return err
			}
			p.winlogData = append(p.winlogData, kv{k, v})
			return nil
		})
	}
	return s.skip(2)
}

func first(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// jsonScanner is a small JSON reader for one line: it decodes the members
// and scalars asked for and skips the rest, without building a tree.
type jsonScanner struct {
	b   []byte
	i   int
	buf []byte
}

var errJSONDepth = errors.New("JSON nested too deeply")

func (s *jsonScanner) ws() {
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
// the value; member must consume the value.
func (s *jsonScanner) object(depth int, member func(key string) error) error {
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
		key, err := s.str()
		if err != nil {
			return err
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

// scalar reads a string, number or boolean as text into *dst; null leaves
// it alone; objects and arrays are skipped.
func (s *jsonScanner) scalar(dst *string) error {
	_, err := s.scalarOK(dst)
	return err
}

func (s *jsonScanner) scalarOK(dst *string) (bool, error) {
	s.ws()
	if s.i >= len(s.b) {
		return false, s.errorf("expected a value")
	}
	switch c := s.b[s.i]; {
	case c == '"':
		v, err := s.str()
		*dst = v
		return err == nil, err
	case c == '-' || isDigit(c):
		start := s.i
		for s.i < len(s.b) && (isDigit(s.b[s.i]) || bytes.IndexByte([]byte("+-.eE"), s.b[s.i]) >= 0) {
			s.i++
		}
		num := s.b[start:s.i]
		if _, err := strconv.ParseFloat(string(num), 64); err != nil {
			return false, s.errorf("bad number %q", num)
		}
		*dst = string(num)
		return true, nil
	case c == 't' || c == 'f' || c == 'n':
		for _, lit := range []string{"true", "false", "null"} {
			if bytes.HasPrefix(s.b[s.i:], []byte(lit)) {
				s.i += len(lit)
				if lit == "null" {
					return false, nil
				}
				*dst = lit
				return true, nil
			}
		}
		return false, s.errorf("bad literal")
	case c == '{' || c == '[':
		return false, s.skip(1)
	}
	return false, s.errorf("unexpected character %q", s.b[s.i])
}

// skip passes over one value of any kind.
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
		return s.object(depth+1, func(string) error { return s.skip(depth + 1) })
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
	}
	var v string
	_, err := s.scalarOK(&v) // never recurses: the value is not { or [
	return err
}

// str reads a JSON string.
func (s *jsonScanner) str() (string, error) {
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return "", s.errorf("expected a string")
	}
	s.i++
	start := s.i
	// Fast path: no escapes.
	for s.i < len(s.b) {
		c := s.b[s.i]
		if c == '"' {
			v := string(s.b[start:s.i])
			s.i++
			return v, nil
		}
		if c == '\\' || c < 0x20 {
			break
		}
		s.i++
	}
	s.buf = append(s.buf[:0], s.b[start:s.i]...)
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return string(s.buf), nil
		case c < 0x20:
			return "", s.errorf("control character in string")
		case c != '\\':
			s.buf = append(s.buf, c)
			s.i++
			continue
		}
		if s.i+1 >= len(s.b) {
			break
		}
		e := s.b[s.i+1]
		s.i += 2
		switch e {
		case '"', '\\', '/':
			s.buf = append(s.buf, e)
		case 'b':
			s.buf = append(s.buf, '\b')
		case 'f':
			s.buf = append(s.buf, '\f')
		case 'n':
			s.buf = append(s.buf, '\n')
		case 'r':
			s.buf = append(s.buf, '\r')
		case 't':
			s.buf = append(s.buf, '\t')
		case 'u':
			r, ok := s.hex4()
			if !ok {
				return "", s.errorf("bad \\u escape")
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
			s.buf = utf8.AppendRune(s.buf, r)
		default:
			return "", s.errorf("bad escape \\%c", e)
		}
	}
	return "", s.errorf("unterminated string")
}

func (s *jsonScanner) hex4() (rune, bool) {
	if s.i+4 > len(s.b) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(s.b[s.i:s.i+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	s.i += 4
	return rune(v), true
}
