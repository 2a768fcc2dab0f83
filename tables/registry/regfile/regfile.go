// Package regfile parses regedit .reg exports (REGEDIT4 and "Windows
// Registry Editor Version 5.00", UTF-16LE with BOM or 8-bit) into in-memory
// hives, one per registry root: the machine hive, one per HKEY_USERS\<SID>,
// and one for HKEY_CURRENT_USER.
//
// Values are stored as the registry stores them (strings as NUL-terminated
// UTF-16LE), so a value read from a .reg equals the same value read from a
// hive file. A .reg carries no timestamps: every key's ModTime is the zero
// time, and rows read from a .reg report mtime 0.
package regfile

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/runkeyhunt/runkeyhunt/tables/registry"
)

// MaxFileBytes bounds the size of a .reg file Parse accepts (Parse keeps
// every key in memory; Open streams files of any size).
const MaxFileBytes = 1 << 30

// MaxLineBytes bounds one line of a .reg file: a longer line is skipped
// with a warning, never held in memory whole. It holds the longest ASCII
// string value (registry.MaxValueBytes of UTF-16LE data is half as many
// characters); regedit wraps hex data at 80 columns. Decoding one line
// takes a few times its size, which keeps a maximal line well inside
// osquery's 200 MB extension limit.
const MaxLineBytes = registry.MaxValueBytes/2 + 64<<10

// maxLineWarnings bounds the warnings said about bad lines of one file;
// the rest are counted in one more.
const maxLineWarnings = 20

const (
	headerV5       = "Windows Registry Editor Version 5.00"
	headerV5Prefix = "Windows Registry Editor Version "
	headerV4       = "REGEDIT4"
)

// Parse reads a whole .reg export into memory and returns its hives: the
// machine hive (Root HKEY_LOCAL_MACHINE) first, then HKEY_CURRENT_USER,
// then one hive per HKEY_USERS\<SID> in SID order. Keys under
// HKEY_CLASSES_ROOT are the machine's SOFTWARE\Classes and those under
// HKEY_USERS\<SID>_Classes the user's Software\Classes (registry.ParsePath);
// HKEY_CURRENT_CONFIG is a view of SYSTEM and is skipped. name is used in
// errors and as each hive's SourceFile.
//
// A bad line is a warning naming the file and line, and every good value
// is still read; err is for input that is not a .reg export at all. Open
// reads big files without holding them.
func Parse(r io.Reader, name string) (hives []*registry.MemHive, warnings []error, err error) {
	raw, err := io.ReadAll(io.LimitReader(r, MaxFileBytes+1))
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(raw) > MaxFileBytes {
		return nil, nil, fmt.Errorf("read %s: larger than %d bytes", name, MaxFileBytes)
	}
	ctx := context.Background()
	enc, skip, err := detectEncoding(ctx, bytes.NewReader(raw))
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", name, err)
	}
	p := newParser(ctx, name, newTextReader(bytes.NewReader(raw[skip:]), enc), nil)
	p.warn = func(e error) { warnings = append(warnings, e) }
	if err := p.run(); err != nil {
		return nil, warnings, err
	}
	return p.result(), warnings, nil
}

type parser struct {
	ctx   context.Context
	name  string
	lines *lineReader
	line  int // number of the line last read
	ansi  bool
	hives map[string]*registry.MemHive

	// keep decides what of each hive a pass keeps; nil keeps everything.
	keep func(registry.HiveInfo) *keySet
	// charge is told the bytes each kept value and key costs, and says
	// whether the pass may keep them; nil keeps without a limit.
	charge func(n int) bool

	warn     func(error) // bad lines; nil drops them
	badLines int
	tooLong  bool // the line last read was longer than MaxLineBytes

	// The key values are written to; hive is nil when values are discarded
	// (a skipped root, a key the pass does not keep, after a key deletion).
	hive  *registry.MemHive
	rel   string
	inKey bool
}

func newParser(ctx context.Context, name string, text io.Reader, keep func(registry.HiveInfo) *keySet) *parser {
	return &parser{ctx: ctx, name: name, lines: newLineReader(ctx, text), hives: map[string]*registry.MemHive{}, keep: keep}
}

// nextLine returns the next physical line without its line ending. A line
// longer than MaxLineBytes is returned empty with tooLong set.
func (p *parser) nextLine() (string, bool, error) {
	line, tooLong, ok, err := p.lines.next()
	if err != nil {
		return "", false, fmt.Errorf("read %s line %d: %w", p.name, p.line+1, err)
	}
	if !ok {
		return "", false, nil
	}
	p.line++
	p.tooLong = tooLong
	return line, true, nil
}

func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("parse %s line %d: %w", p.name, p.line, fmt.Errorf(format, args...))
}

// bad reports a bad line; the parse goes on with the next one.
func (p *parser) bad(err error) {
	p.badLines++
	if p.warn != nil && p.badLines <= maxLineWarnings {
		p.warn(err)
	}
}

func (p *parser) run() error {
	if err := p.readHeader(); err != nil {
		return err
	}
	for {
		if p.line%1024 == 0 {
			if err := p.ctx.Err(); err != nil {
				return fmt.Errorf("parse %s line %d: %w", p.name, p.line, err)
			}
		}
		line, ok, err := p.nextLine()
		if err != nil {
			return err
		}
		if !ok {
			if p.warn != nil && p.badLines > maxLineWarnings {
				p.warn(fmt.Errorf("parse %s: %d more bad lines", p.name, p.badLines-maxLineWarnings))
			}
			return nil
		}
		if p.tooLong {
			p.bad(p.errorf("line longer than %d bytes; skipped", MaxLineBytes))
			// A continued value's next lines stand alone now; the value
			// they belonged to is lost with this line.
			continue
		}
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "", strings.HasPrefix(trimmed, ";"):
		case strings.HasPrefix(trimmed, "["):
			if err := p.keyLine(trimmed); err != nil {
				p.bad(err)
			}
		case strings.HasPrefix(trimmed, `"`), strings.HasPrefix(trimmed, "@"):
			if err := p.valueLine(trimmed); err != nil {
				if errors.Is(err, p.ctx.Err()) && p.ctx.Err() != nil {
					return err
				}
				p.bad(err)
			}
		default:
			p.bad(p.errorf("expected [key] or a value, got %q", clip(trimmed)))
		}
	}
}

func (p *parser) readHeader() error {
	for {
		line, ok, err := p.nextLine()
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("parse %s: no REGEDIT4 or Windows Registry Editor header", p.name)
		}
		if p.tooLong {
			return p.errorf("expected %q or %q header, got a line longer than %d bytes", headerV5, headerV4, MaxLineBytes)
		}
		trimmed := strings.TrimSpace(line)
		if trimmed == "" {
			continue
		}
		switch {
		case trimmed == headerV4:
			p.ansi = true
			return nil
		case strings.HasPrefix(trimmed, headerV5Prefix):
			return nil
		}
		return p.errorf("expected %q or %q header, got %q", headerV5, headerV4, clip(trimmed))
	}
}

// keyLine handles "[KEY]" and "[-KEY]". After a bad key line, the values
// that follow are dropped with it.
func (p *parser) keyLine(trimmed string) error {
	p.inKey = true
	p.hive = nil
	end := strings.LastIndexByte(trimmed, ']')
	if end < 0 {
		return p.errorf("key line without closing ]")
	}
	path := trimmed[1:end]
	del := strings.HasPrefix(path, "-")
	if del {
		path = path[1:]
	}
	hive, rel, skip, err := p.route(path, !del)
	if err != nil {
		return err
	}
	if skip {
		return nil
	}
	if del {
		if hive != nil {
			hive.DeleteKey(rel)
		}
		return nil
	}
	if p.keep == nil {
		hive.CreateKey(rel, time.Time{})
		p.hive, p.rel = hive, rel
		return nil
	}
	ks := p.keep(hive.Info())
	if ks == nil {
		return nil
	}
	n, values := ks.plan(strings.ToLower(rel))
	if n < 0 {
		return nil
	}
	create := firstComponents(rel, n)
	if ks.created(create) && p.charge != nil && !p.charge(len(create)+keyCost) {
		return nil
	}
	hive.CreateKey(create, time.Time{})
	if values {
		p.hive, p.rel = hive, rel
	}
	return nil
}

// keyCost is what a kept key costs beyond its path, in bytes.
const keyCost = 128

// firstComponents is the first n backslash-separated components of rel.
func firstComponents(rel string, n int) string {
	if n == 0 {
		return ""
	}
	for i := 0; i < len(rel); i++ {
		if rel[i] == '\\' {
			if n--; n == 0 {
				return rel[:i]
			}
		}
	}
	return rel
}

// route finds the hive a key belongs to; with create, a missing hive is
// made. skip reports keys this package does not keep.
func (p *parser) route(path string, create bool) (hive *registry.MemHive, rel string, skip bool, err error) {
	parsed, ok := registry.ParsePath(path)
	if !ok {
		return nil, "", false, p.errorf("key %q has no known registry root", clip(path))
	}
	info := registry.HiveInfo{SourceFile: p.name}
	switch parsed.Root {
	case registry.HKLM:
		info.Root, info.Scope = string(registry.HKLM), registry.ScopeMachine
		rel = parsed.Rel
	case registry.HKCU:
		info.Root, info.Scope = string(registry.HKCU), registry.ScopeUser
		rel = parsed.Rel
	case registry.HKU:
		sid, rest := registry.SplitUser(parsed.Rel)
		if sid == "" {
			return nil, "", true, nil // HKEY_USERS itself holds no values
		}
		info.Root, info.Scope, info.SID = string(registry.HKU)+`\`+sid, registry.ScopeUser, sid
		rel = rest
	default:
		return nil, "", true, nil
	}
	key := strings.ToLower(info.Root)
	hive = p.hives[key]
	if hive == nil && create {
		hive = registry.NewMemHive(info)
		p.hives[key] = hive
	}
	return hive, rel, false, nil
}

func (p *parser) valueLine(trimmed string) error {
	name, rest, err := p.valueName(trimmed)
	if err != nil {
		return err
	}
	rest = strings.TrimLeft(rest, " \t")
	if !strings.HasPrefix(rest, "=") {
		return p.errorf("value %q: expected =", clip(name))
	}
	data := strings.TrimLeft(rest[1:], " \t")
	if !p.inKey {
		return p.errorf("value %q before any [key] line", clip(name))
	}
	if data == "-" || strings.HasPrefix(data, "-;") || strings.HasPrefix(data, "- ") {
		if p.hive != nil {
			p.hive.DeleteValue(p.rel, name)
		}
		return nil
	}
	if p.hive == nil && p.keep != nil && p.warn == nil {
		// Not kept, and its lines were checked by an earlier pass: only
		// the lines of a continued value need reading, and only hex data
		// continues (as valueData reads it: a bad hex type continues
		// nothing, so its next line stands alone).
		if hasPrefixFold(data, "hex") {
			if _, body, err := p.hexType(name, data); err == nil {
				p.skipContinuation(body)
			}
		}
		return nil
	}
	v, err := p.valueData(name, data)
	if err != nil {
		return err
	}
	if p.hive == nil || p.charge != nil && !p.charge(len(v.Name)+len(v.Data)+valueCost) {
		return nil
	}
	p.hive.SetValue(p.rel, v)
	return nil
}

// valueCost is what a kept value costs beyond its name and data, in bytes.
const valueCost = 64

// skipContinuation reads past the continuation lines of a value whose data
// starts with data, without decoding them.
func (p *parser) skipContinuation(data string) {
	more := strings.HasSuffix(strings.TrimSpace(data), `\`)
	for more {
		next, ok, err := p.nextLine()
		if err != nil || !ok {
			return
		}
		more = !p.tooLong && strings.HasSuffix(strings.TrimSpace(next), `\`)
	}
}

// valueName reads `@` or a quoted name and returns the rest of the line.
func (p *parser) valueName(s string) (name, rest string, err error) {
	if strings.HasPrefix(s, "@") {
		return "", s[1:], nil
	}
	name, n, ok := unquote(s)
	if !ok {
		return "", "", p.errorf("unterminated value name %q", clip(s))
	}
	return name, s[n:], nil
}

// unquote reads a regedit string starting at s[0] == '"': `\\` and `\"`
// are escapes, any other backslash is kept as written. It returns the
// string and the number of bytes consumed.
func unquote(s string) (string, int, bool) {
	// Most strings hold no escape: the text up to the closing quote.
	if i := strings.IndexAny(s[1:], `"\`); i >= 0 && s[1+i] == '"' {
		return s[1 : 1+i], i + 2, true
	}
	var sb strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			return sb.String(), i + 1, true
		case '\\':
			if i+1 < len(s) && (s[i+1] == '\\' || s[i+1] == '"') {
				sb.WriteByte(s[i+1])
				i++
				continue
			}
			sb.WriteByte(c)
		default:
			sb.WriteByte(c)
		}
	}
	return "", 0, false
}

func (p *parser) valueData(name, data string) (registry.Value, error) {
	v := registry.Value{Name: name}
	switch {
	case strings.HasPrefix(data, `"`):
		s, n, ok := unquote(data)
		if !ok {
			return v, p.errorf("value %q: unterminated string", clip(name))
		}
		if err := p.trailing(name, data[n:]); err != nil {
			return v, err
		}
		v.Type, v.Data = registry.RegSZ, registry.EncodeUTF16(s)
	case hasPrefixFold(data, "dword:"):
		digits := strings.TrimSpace(data[len("dword:"):])
		if i := strings.IndexByte(digits, ';'); i >= 0 {
			digits = strings.TrimSpace(digits[:i])
		}
		if len(digits) == 0 || len(digits) > 8 {
			return v, p.errorf("value %q: dword needs 1 to 8 hex digits, got %q", clip(name), clip(digits))
		}
		n, err := strconv.ParseUint(digits, 16, 32)
		if err != nil {
			return v, p.errorf("value %q: bad dword %q", clip(name), clip(digits))
		}
		v.Type, v.Data = registry.RegDWORD, binary.LittleEndian.AppendUint32(nil, uint32(n))
	case hasPrefixFold(data, "hex"):
		typ, body, err := p.hexType(name, data)
		if err != nil {
			return v, err
		}
		b, err := p.hexBytes(name, body)
		if err != nil {
			return v, err
		}
		// REGEDIT4 writes string types as ANSI bytes; the registry holds UTF-16LE.
		if p.ansi && (typ == registry.RegSZ || typ == registry.RegExpandSZ || typ == registry.RegMultiSZ) {
			b = encodeUTF16Raw(decodeWindows1252(b))
		}
		v.Type, v.Data = typ, b
	default:
		return v, p.errorf("value %q: unsupported data %q", clip(name), clip(data))
	}
	if len(v.Data) > registry.MaxValueBytes {
		return v, p.errorf("value %q: data larger than %d bytes", clip(name), registry.MaxValueBytes)
	}
	return v, nil
}

// hasPrefixFold is strings.HasPrefix(strings.ToLower(s), prefix) for an
// ASCII prefix none of whose letters is another rune's lower case, without
// lowering the whole of s (a value's data may be megabytes).
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// trailing accepts only whitespace or a comment after a value's data.
func (p *parser) trailing(name, s string) error {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasPrefix(s, ";") {
		return nil
	}
	return p.errorf("value %q: unexpected %q after data", clip(name), clip(s))
}

// hexType reads "hex:" (REG_BINARY) or "hex(N):" with N in hex.
func (p *parser) hexType(name, data string) (uint32, string, error) {
	rest := data[len("hex"):]
	if strings.HasPrefix(rest, ":") {
		return registry.RegBinary, rest[1:], nil
	}
	if !strings.HasPrefix(rest, "(") {
		return 0, "", p.errorf("value %q: unsupported data %q", clip(name), clip(data))
	}
	end := strings.Index(rest, "):")
	if end < 0 {
		return 0, "", p.errorf("value %q: hex type without closing \"):\"", clip(name))
	}
	t, err := strconv.ParseUint(strings.TrimSpace(rest[1:end]), 16, 32)
	if err != nil {
		return 0, "", p.errorf("value %q: bad hex type %q", clip(name), clip(rest[1:end]))
	}
	return uint32(t), rest[end+2:], nil
}

// hexBytes reads comma-separated hex bytes, following line continuations
// (a trailing backslash; the next line's leading whitespace is ignored).
// After an error the rest of the value's lines are read past, so they are
// not taken for lines of their own.
func (p *parser) hexBytes(name, body string) ([]byte, error) {
	var out []byte
	for {
		s := strings.TrimSpace(body)
		more := strings.HasSuffix(s, `\`)
		if more {
			s = s[:len(s)-1]
		} else if i := strings.IndexByte(s, ';'); i >= 0 {
			s = s[:i]
		}
		for len(s) > 0 {
			tok := s
			if i := strings.IndexByte(s, ','); i >= 0 {
				tok, s = s[:i], s[i+1:]
			} else {
				s = ""
			}
			tok = strings.TrimSpace(tok)
			if tok == "" {
				continue
			}
			b, ok := hexByte(tok)
			if !ok {
				err := p.errorf("value %q: bad hex byte %q", clip(name), clip(tok))
				p.skipContinuation(body)
				return nil, err
			}
			if len(out) >= registry.MaxValueBytes {
				err := p.errorf("value %q: data larger than %d bytes", clip(name), registry.MaxValueBytes)
				p.skipContinuation(body)
				return nil, err
			}
			out = append(out, b)
		}
		if !more {
			return out, nil
		}
		next, ok, err := p.nextLine()
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, p.errorf("value %q: file ends inside a continued line", clip(name))
		}
		if p.tooLong {
			return nil, p.errorf("value %q: continued line longer than %d bytes", clip(name), MaxLineBytes)
		}
		body = next
	}
}

func hexByte(tok string) (byte, bool) {
	if len(tok) > 2 {
		return 0, false
	}
	var b byte
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		b = b<<4 | c
	}
	return b, true
}

func (p *parser) result() []*registry.MemHive {
	out := make([]*registry.MemHive, 0, len(p.hives))
	for _, h := range p.hives {
		out = append(out, h)
	}
	rank := func(h *registry.MemHive) int {
		switch h.Info().Root {
		case string(registry.HKLM):
			return 0
		case string(registry.HKCU):
			return 1
		}
		return 2
	}
	sort.Slice(out, func(i, j int) bool {
		ri, rj := rank(out[i]), rank(out[j])
		if ri != rj {
			return ri < rj
		}
		return out[i].Info().Root < out[j].Info().Root
	})
	return out
}

// clip shortens text quoted in error messages.
func clip(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}
