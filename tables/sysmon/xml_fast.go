package sysmon

import (
	"bytes"
	"encoding/xml"
	"unicode/utf8"
)

// decodeXMLEventFast decodes the raw bytes of one top-level event (a span
// scanXMLTags found, at offset base of the text) by scanning its bytes, and
// appends its event, if the filter takes it, to res. It feeds the same
// tokens to the same xmlEventReader as decodeXMLSpan, without
// encoding/xml's reader and allocations. It declines (false, res
// untouched) on anything it does not take exactly as encoding/xml does:
// a comment, CDATA, '\r', a control byte, invalid UTF-8, an entity other
// than the five XML names and plain ASCII character references, a
// prefixed attribute name, a long token, an error of any kind. The
// caller then decodes the span with encoding/xml, which reports errors.
func decodeXMLEventFast(raw []byte, base int64, name string, filter Filter, res *xmlSegment) bool {
	var got *Event
	emitted := 0
	x := xmlEventReader{name: name, filter: filter, segment: true, emit: func(ev *Event) error {
		got = ev
		emitted++
		return nil
	}}
	var attrBuf [4]xml.Attr
	var scratch []byte
	for i := 0; i < len(raw); {
		if raw[i] != '<' {
			j := bytes.IndexByte(raw[i:], '<')
			if j < 0 {
				j = len(raw) - i
			}
			if j > maxXMLToken/2 {
				return false
			}
			text, ok := fastXMLText(raw[i:i+j], &scratch)
			if !ok || x.token(xml.CharData(text), base+int64(i)) != nil {
				return false
			}
			i += j
			continue
		}
		end := bytes.IndexByte(raw[i:], '>')
		if end < 0 || end > maxXMLToken/2 {
			return false
		}
		tag := raw[i+1 : i+end] // without '<' and '>'
		off := base + int64(i)
		i += end + 1
		if len(tag) > 0 && tag[0] == '/' {
			n := plainNameLen(tag[1:])
			if n == 0 {
				return false
			}
			for _, c := range tag[1+n:] {
				if !isXMLSpace(c) {
					return false
				}
			}
			if x.token(xml.EndElement{Name: xml.Name{Local: internXMLName(tag[1 : 1+n])}}, off) != nil {
				return false
			}
			continue
		}
		n := plainNameLen(tag)
		if n == 0 {
			return false
		}
		elem := xml.StartElement{Name: xml.Name{Local: internXMLName(tag[:n])}, Attr: attrBuf[:0]}
		rest := tag[n:]
		selfClosing := false
		for {
			k := 0
			for k < len(rest) && isXMLSpace(rest[k]) {
				k++
			}
			rest = rest[k:]
			if len(rest) == 0 {
				break
			}
			if rest[0] == '/' {
				if len(rest) != 1 {
					return false
				}
				selfClosing = true
				break
			}
			if k == 0 && len(elem.Attr) > 0 {
				// encoding/xml takes attributes without space between them;
				// rare enough to leave to it
				return false
			}
			an := plainNameLen(rest)
			if an == 0 {
				return false
			}
			attrName := rest[:an]
			rest = rest[an:]
			for len(rest) > 0 && isXMLSpace(rest[0]) {
				rest = rest[1:]
			}
			if len(rest) == 0 || rest[0] != '=' {
				return false
			}
			rest = rest[1:]
			for len(rest) > 0 && isXMLSpace(rest[0]) {
				rest = rest[1:]
			}
			if len(rest) == 0 || rest[0] != '"' && rest[0] != '\'' {
				return false
			}
			q := bytes.IndexByte(rest[1:], rest[0])
			if q < 0 {
				return false
			}
			raw := rest[1 : 1+q]
			rest = rest[2+q:]
			value, ok := fastXMLText(raw, &scratch)
			if !ok || bytes.IndexByte(raw, '<') >= 0 {
				return false
			}
			// Only these two names are read (xmlEventReader.token); the others
			// are checked and dropped.
			if string(attrName) == "Name" || string(attrName) == "SystemTime" {
				elem.Attr = append(elem.Attr, xml.Attr{Name: xml.Name{Local: internXMLName(attrName)}, Value: string(value)})
			}
		}
		if x.token(elem, off) != nil {
			return false
		}
		if selfClosing {
			if x.token(xml.EndElement{Name: elem.Name}, off) != nil {
				return false
			}
		}
	}
	if x.ev != nil || x.depth != 0 || len(x.popped) != 0 || emitted > 1 {
		return false
	}
	if got != nil {
		res.events = append(res.events, got)
	}
	return true
}

// plainNameLen is the length of the plain name (isPlainNameByte) b starts
// with, 0 if none or if it runs into a byte encoding/xml would take as
// part of a name (':' or non-ASCII).
func plainNameLen(b []byte) int {
	n := 0
	for n < len(b) && isPlainNameByte(b[n], n == 0) {
		n++
	}
	if n < len(b) && (b[n] == ':' || b[n] >= 0x80) {
		return 0
	}
	return n
}

// internXMLName returns the names of event XML without allocating.
func internXMLName(b []byte) string {
	switch string(b) {
	case "Event":
		return "Event"
	case "System":
		return "System"
	case "Provider":
		return "Provider"
	case "EventID":
		return "EventID"
	case "Version":
		return "Version"
	case "Level":
		return "Level"
	case "Task":
		return "Task"
	case "Opcode":
		return "Opcode"
	case "Keywords":
		return "Keywords"
	case "TimeCreated":
		return "TimeCreated"
	case "EventRecordID":
		return "EventRecordID"
	case "Correlation":
		return "Correlation"
	case "Execution":
		return "Execution"
	case "Channel":
		return "Channel"
	case "Computer":
		return "Computer"
	case "Security":
		return "Security"
	case "EventData":
		return "EventData"
	case "Data":
		return "Data"
	case "Name":
		return "Name"
	case "SystemTime":
		return "SystemTime"
	}
	return string(b)
}

// fastXMLText decodes text or an attribute value as encoding/xml does, for
// the plain case: valid UTF-8 in XML's range without control bytes but tab
// and newline, the five named
// entities and character references to those bytes. Anything else
// declines. The result is b itself when it holds no entity, else in
// *scratch.
func fastXMLText(b []byte, scratch *[]byte) ([]byte, bool) {
	amp := -1
	for i := 0; i < len(b); {
		c := b[i]
		if c >= utf8.RuneSelf {
			// encoding/xml's check: valid UTF-8, in XML's character range
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 || r > 0xFFFD && r < 0x10000 {
				return nil, false
			}
			i += size
			continue
		}
		if c < 0x20 && c != '\t' && c != '\n' {
			return nil, false
		}
		if c == '&' && amp < 0 {
			amp = i
		}
		i++
	}
	if bytes.Contains(b, []byte("]]>")) {
		return nil, false // an error to encoding/xml outside CDATA
	}
	if amp < 0 {
		return b, true
	}
	out := append((*scratch)[:0], b[:amp]...)
	for i := amp; i < len(b); {
		c := b[i]
		if c != '&' {
			out = append(out, c)
			i++
			continue
		}
		semi := bytes.IndexByte(b[i:], ';')
		if semi < 0 || semi > 10 {
			return nil, false
		}
		ref := b[i+1 : i+semi]
		i += semi + 1
		c, ok := xmlEntity(string(ref))
		if !ok {
			c, ok = asciiCharRef(ref)
		}
		if !ok {
			return nil, false
		}
		out = append(out, c)
	}
	*scratch = out
	return out, true
}

// asciiCharRef parses "#65" or "#x41" (no leading zeros beyond a few
// digits) to a printable ASCII byte, tab or newline.
func asciiCharRef(ref []byte) (byte, bool) {
	if len(ref) < 2 || ref[0] != '#' {
		return 0, false
	}
	digits, base := ref[1:], 10
	if digits[0] == 'x' {
		digits, base = digits[1:], 16
	}
	if len(digits) == 0 || len(digits) > 6 {
		return 0, false
	}
	v := 0
	for _, c := range digits {
		var d int
		switch {
		case c >= '0' && c <= '9':
			d = int(c - '0')
		case base == 16 && c >= 'a' && c <= 'f':
			d = int(c-'a') + 10
		case base == 16 && c >= 'A' && c <= 'F':
			d = int(c-'A') + 10
		default:
			return 0, false
		}
		v = v*base + d
	}
	if v >= 0x20 && v < 0x7F || v == '\t' || v == '\n' {
		return byte(v), true
	}
	return 0, false
}
