package cmdline

import (
	"encoding/binary"
	"strings"
)

// maxArgTokens bounds how many tokens one command's argument parser reads,
// so a hostile line packed with keywords still costs linear time.
const maxArgTokens = 32

// lookahead bounds how far a follow-up search (a variable's later use, an
// event-id filter, a hashtable's end) reaches past the command it completes.
const lookahead = 4096

// scanner holds one command line and its ASCII-lower-cased copy; the copy
// has the same byte offsets, so keyword hits index the original directly.
type scanner struct {
	s, lower string
	env      map[string]string
	found    []found
	// pairs has a bit set by every two-byte sequence of lower, hashed to
	// 4096 bits (nil for short lines): a keyword with a pair whose bit is
	// clear is not in the line, which spares the finders a strings.Index
	// pass over a long script each.
	pairs *[pairBits / 64]uint64
}

type found struct {
	ref   Ref
	start int
}

// pairFilterMin is the line length from which the scanner builds its
// pairs: on shorter lines strings.Index is as cheap as the table.
const pairFilterMin = 512

func newScanner(line, lower string, env map[string]string) *scanner {
	sc := &scanner{s: line, lower: lower, env: env}
	if len(line) >= pairFilterMin {
		sc.pairs = new([pairBits / 64]uint64)
		low := sc.lower
		prev := low[0]
		for i := 1; i < len(low); i++ {
			c := low[i]
			k := pairBit(prev, c)
			sc.pairs[k/64] |= 1 << (k % 64)
			prev = c
		}
	}
	return sc
}

const pairBits = 4096

// pairBit hashes a two-byte sequence to one of pairBits bits.
func pairBit(a, b byte) uint32 {
	return (uint32(a)<<8 | uint32(b)) * 2654435761 >> (32 - 12)
}

// absent reports that word (lower-case) is surely not in the line: one of
// its two-byte sequences is not. false means it may be.
func (sc *scanner) absent(word string) bool {
	if sc.pairs == nil {
		return false
	}
	for i := 0; i+1 < len(word); i++ {
		k := pairBit(word[i], word[i+1])
		if sc.pairs[k/64]&(1<<(k%64)) == 0 {
			return true
		}
	}
	return false
}

// add records a reference whose text is s[start:end].
func (sc *scanner) add(start, end int, r Ref) {
	if start < 0 || end > len(sc.s) || start >= end {
		return
	}
	r.Text = sc.s[start:end]
	sc.found = append(sc.found, found{ref: r, start: start})
}

// ASCIILower lower-cases ASCII letters only, keeping every byte offset.
// The copy is made once: a stack buffer lowers each piece on its way into
// the result.
func ASCIILower(s string) string {
	i := 0
	for i < len(s) && !('A' <= s[i] && s[i] <= 'Z') {
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	var buf [512]byte
	for i < len(s) {
		n := copy(buf[:], s[i:])
		j := 0
		for ; j+8 <= n; j += 8 {
			binary.LittleEndian.PutUint64(buf[j:], lowerASCII8(binary.LittleEndian.Uint64(buf[j:])))
		}
		for ; j < n; j++ {
			if c := buf[j]; 'A' <= c && c <= 'Z' {
				buf[j] = c + ('a' - 'A')
			}
		}
		b.Write(buf[:n])
		i += n
	}
	return b.String()
}

// lowerASCII8 lowers the ASCII capitals among the eight bytes of v,
// leaving every other byte as it is. Each byte's low seven bits plus a
// bias set bit 7 from 'A' on (ge) and from past 'Z' on (gt), with no carry
// into the next byte; a byte with bit 7 set (non-ASCII) is left alone.
func lowerASCII8(v uint64) uint64 {
	const ones, highs = 0x0101_0101_0101_0101, 0x8080_8080_8080_8080
	low7 := v &^ highs
	ge := low7 + (0x80-'A')*ones
	gt := low7 + (0x80-'Z'-1)*ones
	return v | (ge&^gt&^v&highs)>>2 // 0x80 >> 2 is the case bit 0x20
}

func (sc *scanner) skipSpace(i int) int {
	for i < len(sc.s) && isSpace(sc.s[i]) {
		i++
	}
	return i
}

// token is one argument as a shell or PowerShell would read it.
type token struct {
	val            string // unquoted, escapes resolved
	start, end     int    // raw span, quotes included
	inStart, inEnd int    // raw span of the value, quotes excluded
	quoted         bool
	closes         bool // a bareword that ended at a quote (often the end of an enclosing string)
}

// isBareStop ends a bareword.
func isBareStop(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', '"', '\'', ')', ';', '|', '&', '<', '>':
		return true
	}
	return false
}

// isSeparator ends an argument list.
func isSeparator(c byte) bool {
	switch c {
	case ')', ';', '|', '&', '<', '>', '{', '}':
		return true
	}
	return false
}

// next reads the token at or after i. It returns false at the end of the
// line or at a separator; the returned token's start is then where it stopped.
func (sc *scanner) next(i int) (token, bool) {
	s := sc.s
	i = sc.skipSpace(i)
	if i >= len(s) || isSeparator(s[i]) {
		return token{start: i, end: i}, false
	}
	switch s[i] {
	case '"':
		return sc.readDouble(i), true
	case '\'':
		if i+1 < len(s) && s[i+1] == '\'' {
			if i+2 < len(s) && !isBareStop(s[i+2]) {
				// ''...'': a single-quoted string written inside another
				// single-quoted PowerShell string (Empire's ADS loader).
				if k := strings.Index(s[i+2:], "''"); k >= 0 {
					return token{val: s[i+2 : i+2+k], start: i, end: i + 4 + k, inStart: i + 2, inEnd: i + 2 + k, quoted: true}, true
				}
			}
			return token{start: i, end: i + 2, inStart: i + 1, inEnd: i + 1, quoted: true}, true
		}
		return sc.readSingle(i), true
	case '\\':
		if i+1 < len(s) && s[i+1] == '"' {
			// \"...\": a quoted string inside a quoted command-line argument.
			rest := s[i+2:]
			q := strings.IndexByte(rest, '"')
			if q < 0 {
				return token{val: rest, start: i, end: len(s), inStart: i + 2, inEnd: len(s), quoted: true}, true
			}
			inEnd := i + 2 + q
			if q > 0 && rest[q-1] == '\\' {
				inEnd--
			}
			return token{val: s[i+2 : inEnd], start: i, end: i + 2 + q + 1, inStart: i + 2, inEnd: inEnd, quoted: true}, true
		}
	}
	j := i
	for j < len(s) && !isBareStop(s[j]) {
		j++
	}
	t := token{val: s[i:j], start: i, end: j, inStart: i, inEnd: j}
	if j < len(s) && (s[j] == '"' || s[j] == '\'') {
		t.closes = true
	}
	return t, true
}

// readDouble reads a double-quoted string: PowerShell's backtick and doubled
// quote escapes, and the command line's backslash-quote.
func (sc *scanner) readDouble(i int) token {
	s := sc.s
	var buf []byte
	escaped := false
	j := i + 1
	for j < len(s) {
		c := s[j]
		var lit byte
		switch {
		case c == '`' && j+1 < len(s):
			lit = s[j+1]
		case c == '\\' && j+1 < len(s) && s[j+1] == '"':
			lit = '"'
		case c == '"' && j+1 < len(s) && s[j+1] == '"':
			lit = '"'
		case c == '"':
			t := token{start: i, end: j + 1, inStart: i + 1, inEnd: j, quoted: true}
			if escaped {
				t.val = string(buf)
			} else {
				t.val = s[i+1 : j]
			}
			return t
		default:
			if escaped {
				buf = append(buf, c)
			}
			j++
			continue
		}
		if !escaped {
			buf = append(buf, s[i+1:j]...)
			escaped = true
		}
		buf = append(buf, lit)
		j += 2
	}
	t := token{start: i, end: len(s), inStart: i + 1, inEnd: len(s), quoted: true}
	if escaped {
		t.val = string(buf)
	} else {
		t.val = s[i+1:]
	}
	return t
}

// readSingle reads a single-quoted PowerShell string, where a doubled quote
// is a literal quote.
func (sc *scanner) readSingle(i int) token {
	s := sc.s
	j := i + 1
	doubled := false
	for j < len(s) {
		if s[j] != '\'' {
			j++
			continue
		}
		if j+1 < len(s) && s[j+1] == '\'' {
			doubled = true
			j += 2
			continue
		}
		break
	}
	end := j + 1
	if j >= len(s) {
		j, end = len(s), len(s)
	}
	v := s[i+1 : j]
	if doubled {
		v = strings.ReplaceAll(v, "''", "'")
	}
	return token{val: v, start: i, end: end, inStart: i + 1, inEnd: j, quoted: true}
}

// Word boundaries. A command word (cmdlet, alias) follows the start of the
// line, a space, a quote or a PowerShell/cmd operator; a host program may also
// follow a path separator.
const (
	cmdletBefore = " \t\r\n\"'(;|&{="
	hostBefore   = cmdletBefore + `\/`
)

// eachCmdlet calls fn for every occurrence of word (lower-case) standing as
// a command word followed by a space, '<' or the end of the line.
func (sc *scanner) eachCmdlet(word string, fn func(start, end int)) {
	if sc.absent(word) {
		return
	}
	for from := 0; from < len(sc.lower); {
		j := strings.Index(sc.lower[from:], word)
		if j < 0 {
			return
		}
		start := from + j
		end := start + len(word)
		from = start + 1
		if start > 0 && strings.IndexByte(cmdletBefore, sc.s[start-1]) < 0 {
			continue
		}
		if end < len(sc.s) && !isSpace(sc.s[end]) && sc.s[end] != '<' {
			continue
		}
		fn(start, end)
	}
}

// eachHost calls fn for every occurrence of a program name (lower-case),
// with or without a path and an .exe/.com extension; argStart is where its
// arguments begin (past the closing quote of a quoted image path).
func (sc *scanner) eachHost(word string, fn func(start, argStart int)) {
	if sc.absent(word) {
		return
	}
	for from := 0; from < len(sc.lower); {
		j := strings.Index(sc.lower[from:], word)
		if j < 0 {
			return
		}
		start := from + j
		p := start + len(word)
		from = start + 1
		if start > 0 && strings.IndexByte(hostBefore, sc.s[start-1]) < 0 {
			continue
		}
		if strings.HasPrefix(sc.lower[p:], ".exe") || strings.HasPrefix(sc.lower[p:], ".com") {
			p += 4
		}
		if p < len(sc.s) && strings.IndexByte(" \t\r\n\"';&|)", sc.s[p]) < 0 {
			continue
		}
		if p < len(sc.s) && (sc.s[p] == '"' || sc.s[p] == '\'') && (p+1 == len(sc.s) || isSpace(sc.s[p+1])) {
			p++ // the closing quote of a quoted image path
		}
		fn(start, p)
	}
}

// dashLen returns the byte length of an option prefix at the start of v:
// '-', the en dash, em dash or horizontal bar PowerShell also accepts, and
// '/' when slash is allowed.
func dashLen(v string, slash bool) int {
	if v == "" {
		return 0
	}
	switch v[0] {
	case '-':
		return 1
	case '/':
		if slash {
			return 1
		}
	case 0xE2:
		if len(v) >= 3 && v[1] == 0x80 && (v[2] == 0x93 || v[2] == 0x94 || v[2] == 0x95) {
			return 3
		}
	}
	return 0
}

// optionOf reads a token as an option: its lower-case name and any value
// attached with a colon.
func optionOf(t token, slash bool) (name string, inline string, hasInline, ok bool) {
	if t.quoted {
		return "", "", false, false
	}
	n := dashLen(t.val, slash)
	if n == 0 || n >= len(t.val) || !isLetter(t.val[n]) {
		return "", "", false, false
	}
	name, inline, hasInline = strings.Cut(t.val[n:], ":")
	return ASCIILower(name), inline, hasInline, true
}

func isLetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isIdentByte is a byte of a bare PowerShell member or variable name.
func isIdentByte(c byte) bool { return isLetter(c) || isDigit(c) || c == '_' || c >= 0x80 }

// param is one named parameter of a cmdlet.
type param struct {
	name  string // full name, lower-case
	alias []string
	kind  paramKind
}

type paramKind int

const (
	paramSwitch paramKind = iota
	paramValue
	paramHashtable // a value written as @{...}
)

// commonParams are the parameters every cmdlet takes.
var commonParams = []param{
	{"erroraction", []string{"ea"}, paramValue}, {"warningaction", []string{"wa"}, paramValue},
	{"informationaction", []string{"infa"}, paramValue}, {"errorvariable", []string{"ev"}, paramValue},
	{"warningvariable", []string{"wv"}, paramValue}, {"informationvariable", []string{"iv"}, paramValue},
	{"outvariable", []string{"ov"}, paramValue}, {"outbuffer", []string{"ob"}, paramValue},
	{"pipelinevariable", []string{"pv"}, paramValue}, {"verbose", []string{"vb"}, paramSwitch},
	{"debug", []string{"db"}, paramSwitch},
}

// resolveParam finds a parameter by full name, alias or unambiguous prefix,
// as PowerShell's binder does.
func resolveParam(n string, params []param) (param, bool) {
	for _, set := range [][]param{params, commonParams} {
		for _, p := range set {
			if p.name == n {
				return p, true
			}
			for _, a := range p.alias {
				if a == n {
					return p, true
				}
			}
		}
	}
	var hit param
	count := 0
	for _, set := range [][]param{params, commonParams} {
		for _, p := range set {
			if strings.HasPrefix(p.name, n) {
				hit = p
				count++
			}
		}
	}
	return hit, count == 1
}

type namedArg struct {
	name string
	tok  token
}

// cmdletArgs is a cmdlet's parsed argument list. It keeps the first few
// named and positional arguments in place (the recognised cmdlets use at
// most two positions), so parsing a call allocates nothing.
type cmdletArgs struct {
	named      [6]namedArg
	nNamed     int
	positional [2]token
	nPos       int
	lastEnd    int // end of the last token read
	stop       int // where parsing stopped: a separator, a closing quote, or the end
}

func (a *cmdletArgs) addNamed(n namedArg) {
	if a.nNamed < len(a.named) {
		a.named[a.nNamed] = n
		a.nNamed++
	}
}

func (a *cmdletArgs) get(name string) (token, bool) {
	for _, n := range a.named[:a.nNamed] {
		if n.name == name {
			return n.tok, true
		}
	}
	return token{}, false
}

// value returns a named parameter, else the positional argument at pos.
func (a *cmdletArgs) value(name string, pos int) (token, bool) {
	if t, ok := a.get(name); ok {
		return t, true
	}
	if pos >= 0 && pos < a.nPos {
		return a.positional[pos], true
	}
	return token{}, false
}

// maxCmdletTokens bounds the tokens read for one cmdlet call; the loaders'
// calls have a handful.
const maxCmdletTokens = 12

// parseCmdlet reads a cmdlet's arguments starting at i.
func (sc *scanner) parseCmdlet(i int, params []param) cmdletArgs {
	a := cmdletArgs{lastEnd: i}
	pos := i
	for n := 0; n < maxCmdletTokens; n++ {
		tok, ok := sc.next(pos)
		if !ok {
			a.stop = tok.start
			return a
		}
		pos, a.lastEnd = tok.end, tok.end
		if name, inline, hasInline, isOpt := optionOf(tok, false); isOpt {
			p, known := resolveParam(name, params)
			if !known || p.kind == paramSwitch {
				continue
			}
			if hasInline && inline != "" {
				vs := tok.end - len(inline)
				a.addNamed(namedArg{p.name, token{val: inline, start: vs, end: tok.end, inStart: vs, inEnd: tok.end}})
				continue
			}
			var vt token
			if p.kind == paramHashtable {
				vt, ok = sc.hashtable(pos)
			} else {
				vt, ok = sc.next(pos)
			}
			if !ok {
				a.stop = vt.start
				return a
			}
			pos, a.lastEnd = vt.end, vt.end
			a.addNamed(namedArg{p.name, vt})
			if vt.closes {
				a.stop = vt.end
				return a
			}
			continue
		}
		if a.nPos < len(a.positional) {
			a.positional[a.nPos] = tok
			a.nPos++
		}
		if tok.closes {
			a.stop = tok.end
			return a
		}
	}
	a.stop = sc.skipSpace(pos)
	return a
}

// hashtable reads a @{...} literal; the token's value is the text between
// the braces.
func (sc *scanner) hashtable(i int) (token, bool) {
	i = sc.skipSpace(i)
	if !strings.HasPrefix(sc.s[i:], "@{") {
		return sc.next(i)
	}
	limit := min(len(sc.s), i+lookahead)
	k := strings.IndexByte(sc.s[i:limit], '}')
	if k < 0 {
		return token{start: i, end: i}, false
	}
	return token{val: sc.s[i+2 : i+k], start: i, end: i + k + 1, inStart: i + 2, inEnd: i + k, quoted: true}, true
}

// stringExpr reads a PowerShell string expression at i: a quoted literal,
// $null (empty), or literals joined with '+'.
func (sc *scanner) stringExpr(i int) (val string, end int, ok bool) {
	i = sc.skipSpace(i)
	if strings.HasPrefix(sc.lower[i:], "$null") {
		return "", i + len("$null"), true
	}
	var b strings.Builder
	for n := 0; n < 16; n++ {
		t, ok := sc.next(i)
		if !ok || !t.quoted {
			return "", 0, false
		}
		b.WriteString(t.val)
		end = t.end
		q := sc.skipSpace(end)
		if q >= len(sc.s) || sc.s[q] != '+' {
			break
		}
		i = q + 1
	}
	return b.String(), end, true
}

// closeParen returns the position after the ')' that ends a call whose
// string argument ended at i, skipping further arguments (", $null", ", 0").
func (sc *scanner) closeParen(i int) int {
	limit := min(len(sc.s), i+256)
	if k := strings.IndexByte(sc.s[i:limit], ')'); k >= 0 {
		return i + k + 1
	}
	return i
}

// assignedVar returns the lower-case variable (with '$') that the
// expression starting at i is assigned to: `$r = gp ...`, `$r=$((gp ...`.
func (sc *scanner) assignedVar(i int) string {
	s := sc.s
	k := i - 1
	for steps := 0; k >= 0 && steps < 16 && (isSpace(s[k]) || s[k] == '(' || s[k] == '$'); steps++ {
		k--
	}
	if k < 0 || s[k] != '=' {
		return ""
	}
	k--
	if k >= 0 && strings.IndexByte("+-*/!<>=", s[k]) >= 0 {
		return "" // a compound or comparison operator, not a plain assignment
	}
	for k >= 0 && isSpace(s[k]) {
		k--
	}
	e := k + 1
	for steps := 0; k >= 0 && steps < 64 && (isIdentByte(s[k]) || s[k] == ':'); steps++ {
		k--
	}
	if k < 0 || s[k] != '$' || k+1 == e {
		return ""
	}
	return sc.lower[k:e]
}

// varUse finds `$var<suffix>` after i, within the lookahead window, and
// returns the position after the suffix.
func (sc *scanner) varUse(v, suffix string, i int) (int, bool) {
	limit := min(len(sc.lower), i+lookahead)
	pat := v + suffix
	for from := i; from < limit; {
		k := strings.Index(sc.lower[from:limit], pat)
		if k < 0 {
			return 0, false
		}
		at := from + k
		from = at + 1
		// "$r.x" must not match inside "$rx.x".
		if at > 0 && isIdentByte(sc.s[at-1]) {
			continue
		}
		return at + len(pat), true
	}
	return 0, false
}

// member reads a member name at i: a bare identifier or a quoted name.
func (sc *scanner) member(i int) (name string, end int, ok bool) {
	if i >= len(sc.s) {
		return "", 0, false
	}
	if c := sc.s[i]; c == '\'' || c == '"' {
		t, ok := sc.next(i)
		if !ok || !t.quoted || t.val == "" {
			return "", 0, false
		}
		return t.val, t.end, true
	}
	j := i
	for j < len(sc.s) && isIdentByte(sc.s[j]) {
		j++
	}
	if j == i {
		return "", 0, false
	}
	return sc.s[i:j], j, true
}

// openParenBefore returns the position of a '(' directly before i (spaces
// allowed), or i.
func (sc *scanner) openParenBefore(i int) int {
	k := i - 1
	for k >= 0 && isSpace(sc.s[k]) && i-k < 16 {
		k--
	}
	if k >= 0 && sc.s[k] == '(' {
		return k
	}
	return i
}
