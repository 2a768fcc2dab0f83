package resultlog

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// A hand-written scanner for result lines: encoding/json into maps was
// slower than jq on a fleet's logs. Values are substrings of the line (one
// allocation per line); only strings with escapes are copied.

type scanner struct {
	s     string
	i     int
	arena *[]Field // rows are cut from this shared slab when set
}

// arenaChunk is the size of a fresh slab of fields.
const arenaChunk = 4096

var errEnd = errors.New("truncated JSON (line ends inside the object)")

func (p *scanner) fail(format string, args ...any) error {
	return fmt.Errorf("invalid JSON at byte %d: %s", p.i, fmt.Sprintf(format, args...))
}

func (p *scanner) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\r', '\n':
			p.i++
		default:
			return
		}
	}
}

func (p *scanner) expect(c byte) error {
	p.ws()
	if p.i >= len(p.s) {
		return errEnd
	}
	if p.s[p.i] != c {
		return p.fail("want %q, found %q", c, p.s[p.i])
	}
	p.i++
	return nil
}

// peek returns the next non-space byte (0 at the end).
func (p *scanner) peek() byte {
	p.ws()
	if p.i >= len(p.s) {
		return 0
	}
	return p.s[p.i]
}

// str reads a JSON string at the cursor.
func (p *scanner) str() (string, error) {
	if err := p.expect('"'); err != nil {
		return "", err
	}
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			v := p.s[start:p.i]
			p.i++
			return v, nil
		case c == '\\':
			return p.strEscaped(start)
		case c < 0x20:
			return "", p.fail("control character in string")
		}
		p.i++
	}
	return "", errEnd
}

func (p *scanner) strEscaped(start int) (string, error) {
	buf := make([]byte, 0, p.i-start+16)
	buf = append(buf, p.s[start:p.i]...)
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return string(buf), nil
		case c < 0x20:
			return "", p.fail("control character in string")
		case c != '\\':
			buf = append(buf, c)
			p.i++
			continue
		}
		p.i++
		if p.i >= len(p.s) {
			return "", errEnd
		}
		e := p.s[p.i]
		p.i++
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, err := p.hex4()
			if err != nil {
				return "", err
			}
			if utf16.IsSurrogate(r) {
				r2 := rune(utf8.RuneError)
				if p.i+1 < len(p.s) && p.s[p.i] == '\\' && p.s[p.i+1] == 'u' {
					p.i += 2
					lo, err := p.hex4()
					if err != nil {
						return "", err
					}
					r2 = utf16.DecodeRune(r, lo)
				}
				r = r2
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return "", p.fail("bad escape \\%c", e)
		}
	}
	return "", errEnd
}

func (p *scanner) hex4() (rune, error) {
	if p.i+4 > len(p.s) {
		return 0, errEnd
	}
	v, err := strconv.ParseUint(p.s[p.i:p.i+4], 16, 32)
	if err != nil {
		return 0, p.fail("bad \\u escape")
	}
	p.i += 4
	return rune(v), nil
}

// rawStr reads a JSON string without decoding escapes: the text between
// the quotes, and whether it holds a backslash.
func (p *scanner) rawStr() (string, bool, error) {
	if err := p.expect('"'); err != nil {
		return "", false, err
	}
	start := p.i
	escaped := false
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			v := p.s[start:p.i]
			p.i++
			return v, escaped, nil
		case c == '\\':
			escaped = true
			p.i++
			if p.i >= len(p.s) {
				return "", false, errEnd
			}
			if !strings.ContainsRune(`"\\/bfnrtu`, rune(p.s[p.i])) {
				return "", false, p.fail("bad escape \\%c", p.s[p.i])
			}
		case c < 0x20:
			return "", false, p.fail("control character in string")
		}
		p.i++
	}
	return "", false, errEnd
}

// unescape decodes a string body that rawStr returned with escaped set.
func unescape(raw string) string {
	p := scanner{s: raw + `"`}
	v, err := p.strEscaped(0)
	if err != nil {
		return raw
	}
	return v
}

// scalar reads any scalar as text (strings unquoted, null empty); an
// object or array is kept as its JSON text.
func (p *scanner) scalar() (string, error) {
	switch c := p.peek(); {
	case c == 0:
		return "", errEnd
	case c == '"':
		return p.str()
	case c == '{' || c == '[':
		start := p.i
		if err := p.skip(0); err != nil {
			return "", err
		}
		return p.s[start:p.i], nil
	default:
		start := p.i
		for p.i < len(p.s) {
			switch p.s[p.i] {
			case ',', '}', ']', ' ', '\t', '\r', '\n':
				goto done
			}
			p.i++
		}
	done:
		lit := p.s[start:p.i]
		switch {
		case lit == "null":
			return "", nil
		case lit == "true" || lit == "false":
			return lit, nil
		case len(lit) > 0 && (lit[0] == '-' || (lit[0] >= '0' && lit[0] <= '9')):
			if _, err := strconv.ParseFloat(lit, 64); err != nil {
				return "", p.fail("bad number %q", truncate(lit, 20))
			}
			return lit, nil
		case p.i >= len(p.s):
			return "", errEnd
		}
		return "", p.fail("unexpected %q", truncate(lit, 20))
	}
}

const maxDepth = 64

// skip passes over one value of any kind.
func (p *scanner) skip(depth int) error {
	if depth > maxDepth {
		return p.fail("nesting deeper than %d", maxDepth)
	}
	switch p.peek() {
	case 0:
		return errEnd
	case '{':
		return p.object(func(string) error { return p.skip(depth + 1) })
	case '[':
		return p.array(func() error { return p.skip(depth + 1) })
	}
	_, err := p.scalar()
	return err
}

// object walks an object, calling field for each key with the cursor on
// its value; field must consume the value.
func (p *scanner) object(field func(key string) error) error {
	if err := p.expect('{'); err != nil {
		return err
	}
	if p.peek() == '}' {
		p.i++
		return nil
	}
	for {
		key, err := p.str()
		if err != nil {
			return err
		}
		if err := p.expect(':'); err != nil {
			return err
		}
		if err := field(key); err != nil {
			return err
		}
		switch p.peek() {
		case ',':
			p.i++
		case '}':
			p.i++
			return nil
		case 0:
			return errEnd
		default:
			return p.fail("want ',' or '}' in object, found %q", p.s[p.i])
		}
	}
}

func (p *scanner) array(elem func() error) error {
	if err := p.expect('['); err != nil {
		return err
	}
	if p.peek() == ']' {
		p.i++
		return nil
	}
	for {
		if err := elem(); err != nil {
			return err
		}
		switch p.peek() {
		case ',':
			p.i++
		case ']':
			p.i++
			return nil
		case 0:
			return errEnd
		default:
			return p.fail("want ',' or ']' in array, found %q", p.s[p.i])
		}
	}
}

// row reads an object of columns; null is an absent row.
func (p *scanner) row() (Row, error) {
	if p.peek() == 'n' {
		_, err := p.scalar()
		return nil, err
	}
	if p.arena == nil {
		local := make([]Field, 0, 32)
		p.arena = &local
	}
	a := *p.arena
	start := len(a)
	push := func(f Field) {
		if len(a) == cap(a) {
			partial := a[start:]
			fresh := make([]Field, len(partial), max(arenaChunk, 2*len(partial)+8))
			copy(fresh, partial)
			a, start = fresh, 0
		}
		a = append(a, f)
	}
	err := p.object(func(key string) error {
		if p.peek() == '"' {
			v, escaped, err := p.rawStr()
			if err != nil {
				return fmt.Errorf("column %q: %w", truncate(key, 40), err)
			}
			push(Field{Key: key, raw: v, escaped: escaped})
			return nil
		}
		v, err := p.scalar()
		if err != nil {
			return fmt.Errorf("column %q: %w", truncate(key, 40), err)
		}
		push(Field{Key: key, raw: v})
		return nil
	})
	*p.arena = a
	return Row(a[start:len(a):len(a)]), err
}

func (p *scanner) rows() ([]Row, error) {
	if p.peek() == 'n' {
		_, err := p.scalar()
		return nil, err
	}
	var out []Row
	err := p.array(func() error {
		r, err := p.row()
		if r != nil {
			out = append(out, r)
		}
		return err
	})
	return out, err
}
