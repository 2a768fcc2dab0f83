package cmdline

import (
	"regexp"
	"strconv"
	"strings"
)

// maxNormalize bounds the text Normalize rewrites: command lines are short,
// and decoded multi-megabyte payloads are scanned as they are.
const maxNormalize = 256 << 10

// maxFoldPasses bounds the literal-folding passes ((('i')+'e')+'x' needs
// one per nesting level).
const maxFoldPasses = 8

// Normalize rewrites a command line as attackers obfuscate it into the
// plain form the reference and indicator scans understand, keeping what it
// runs:
//   - cmd caret escapes outside double quotes (p^owe^rshell -e^nc);
//   - flags each in their own quotes ("-w" "hidden" "-enc" "...");
//   - PowerShell backticks before letters and digits (g`p, Ne`w-Ob`ject);
//   - [char] codes ([char]105 -> 'i');
//   - concatenation of string literals ('HKCU:Software\'+'Microsoft',
//     ('Net.'+'WebC'+'lient'), (('ie')+'x')), and parentheses around a
//     single literal;
//   - PowerShell variables assigned a literal once and then used
//     ($a='HKCU:\...'; gp $a);
//   - cmd variables set in the line and expanded later
//     (set a=power&& set b=shell&& call %a%%b% -enc ..., and !a! under
//     cmd /v:on).
//
// The result is for analysis only: the command as stored is what the data
// column shows. Lines longer than 256 KiB come back unchanged.
func Normalize(line string) string {
	norm, _ := normalizeLower(line, "")
	return norm
}

// Lowered is a text and its ASCIILower copy, made once for every scan
// that reads both.
type Lowered struct {
	Text, Lower string
}

// Lower returns s with its ASCIILower copy.
func Lower(s string) Lowered { return Lowered{Text: s, Lower: ASCIILower(s)} }

// NormalizeLowered is Normalize on a lowered text, the result lowered
// too: where Normalize leaves the text as it is, its lowered copy is
// reused, and the copy Normalize makes for its substitutions is kept.
func NormalizeLowered(line Lowered) Lowered {
	norm, lower := normalizeLower(line.Text, line.Lower)
	if lower == "" {
		lower = ASCIILower(norm)
	}
	return Lowered{Text: norm, Lower: lower}
}

// normalizeLower is Normalize(line) and, when known without more work,
// its ASCIILower copy ("" otherwise). lower is line's copy, "" if unknown.
func normalizeLower(line, lower string) (norm, normLower string) {
	if len(line) > maxNormalize || !strings.ContainsAny(line, "^\"`'[(%$!") {
		return line, lower
	}
	s := stripCarets(line)
	s = unquoteFlags(s)
	s = stripBackticks(s)
	s = charCodes(s)
	for range maxFoldPasses {
		next := foldLiterals(s)
		if next == s {
			break
		}
		s = next
	}
	if s != line {
		lower = "" // line's copy is not s's
	}
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '!') < 0 && strings.IndexByte(s, '$') < 0 {
		return s, lower
	}
	if lower == "" {
		lower = ASCIILower(s) // shared by the two substitutions
	}
	if next := substituteCmdSets(s, lower); next != s {
		s, lower = next, ASCIILower(next)
	}
	if next := substitutePSVars(s, lower); next != s {
		return next, ""
	}
	return s, lower
}

// hasFold reports whether s contains sub (lower-case ASCII) in any case,
// without allocating.
func hasFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i]|0x20 == sub[0]|0x20 && strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// stripCarets drops cmd's escape character outside double quotes, where
// cmd removes it before the program sees its command line (^^ is a caret).
func stripCarets(s string) string {
	if strings.IndexByte(s, '^') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	inQuote := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			inQuote = !inQuote
		case c == '^' && !inQuote:
			if i+1 < len(s) {
				i++
				b = append(b, s[i])
			}
			continue
		}
		b = append(b, c)
	}
	return string(b)
}

// isFlagByte is what a quoted flag or flag value may hold for unquoting to
// change nothing but the quotes.
func isFlagByte(c byte) bool {
	return isLetter(c) || isDigit(c) || strings.IndexByte("+/=-._:", c) >= 0
}

// unquoteFlags drops double quotes around a standalone word made of flag
// characters ("-w" "hidden" "-enc" "SQBFAFgA"). Quoted paths and commands
// keep their quotes.
func unquoteFlags(s string) string {
	if strings.IndexByte(s, '"') < 0 {
		return s
	}
	var b strings.Builder
	changed := false
	for i := 0; i < len(s); i++ {
		if s[i] == '"' && (i == 0 || isSpace(s[i-1])) {
			j := i + 1
			for j < len(s) && isFlagByte(s[j]) {
				j++
			}
			if j > i+1 && j < len(s) && s[j] == '"' && (j+1 == len(s) || isSpace(s[j+1])) {
				if !changed {
					b.Grow(len(s))
					b.WriteString(s[:i])
					changed = true
				}
				b.WriteString(s[i+1 : j])
				i = j
				continue
			}
		}
		if changed {
			b.WriteByte(s[i])
		}
	}
	if !changed {
		return s
	}
	return b.String()
}

// stripBackticks drops PowerShell's escape before a letter or digit, which
// outside strings is that character (g`p is gp) and inside them is what
// obfuscators use where no escape sequence is meant.
func stripBackticks(s string) string {
	if strings.IndexByte(s, '`') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '`' && i+1 < len(s) && (isLetter(s[i+1]) || isDigit(s[i+1])) {
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}

var charCode = regexp.MustCompile(`(?i)\[char\]\s*(?:(0x[0-9a-f]{1,4}|[0-9]{1,5})|\(\s*(0x[0-9a-f]{1,4}|[0-9]{1,5})\s*\))`)

// charCodes rewrites [char]105 and [char]0x69 as the literal 'i', for
// printable ASCII other than the quote.
func charCodes(s string) string {
	if strings.IndexByte(s, '[') < 0 || !hasFold(s, "[char]") {
		return s
	}
	return charCode.ReplaceAllStringFunc(s, func(m string) string {
		sub := charCode.FindStringSubmatch(m)
		v, err := strconv.ParseUint(sub[1]+sub[2], 0, 32)
		if err != nil || v < 0x20 || v > 0x7e || v == '\'' {
			return m
		}
		return "'" + string(rune(v)) + "'"
	})
}

// literal reads a PowerShell string literal at i: single-quoted (” is a
// quote), or double-quoted without interpolation or escapes. It returns the
// value and the index after the closing quote.
func literal(s string, i int) (val string, end int, ok bool) {
	if i >= len(s) {
		return "", 0, false
	}
	switch s[i] {
	case '\'':
		// Most literals hold no doubled quote: slice them, build only when
		// one is met.
		j := i + 1
		for {
			k := strings.IndexByte(s[j:], '\'')
			if k < 0 {
				return "", 0, false
			}
			j += k
			if j+1 < len(s) && s[j+1] == '\'' {
				j += 2
				continue
			}
			return strings.ReplaceAll(s[i+1:j], "''", "'"), j + 1, true
		}
	case '"':
		k := strings.IndexByte(s[i+1:], '"')
		if k < 0 {
			return "", 0, false
		}
		v := s[i+1 : i+1+k]
		if strings.ContainsAny(v, "$`") {
			return "", 0, false
		}
		return v, i + 2 + k, true
	}
	return "", 0, false
}

func quoteLiteral(v string) string { return "'" + strings.ReplaceAll(v, "'", "''") + "'" }

func skipSpaces(s string, i int) int {
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	return i
}

// canUnwrap reports whether a parenthesis at i groups an expression rather
// than opening a call's argument list (f('x') keeps its parentheses).
func canUnwrap(s string, i int) bool {
	j := i - 1
	for j >= 0 && isSpace(s[j]) {
		j--
	}
	if j < 0 {
		return true
	}
	return strings.IndexByte("(+=,;&|{", s[j]) >= 0 || j < i-1
}

// mayFold is a cheap test for foldLiterals' work: a quote after '(' or
// on either side of '+'. Most payloads have none, and skip the copy.
func mayFold(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '(' && s[i] != '+' {
			continue
		}
		if n := skipSpaces(s, i+1); n < len(s) && (s[n] == '\'' || s[n] == '"') {
			return true
		}
		if s[i] == '+' {
			j := i - 1
			for j >= 0 && isSpace(s[j]) {
				j--
			}
			if j >= 0 && (s[j] == '\'' || s[j] == '"') {
				return true
			}
		}
	}
	return false
}

// foldLiterals makes one pass joining 'a'+'b' into 'ab' and rewriting
// ('a') as 'a'. Single-quoted literals are skipped whole (their content is
// not code); a double-quoted string that is not joined is scanned inside,
// since it often holds a whole PowerShell command.
func foldLiterals(s string) string {
	if !mayFold(s) {
		return s
	}
	// Only the folds are written: the text between them is copied in one
	// piece, and a pass that folds nothing returns s itself.
	var b strings.Builder
	copied, changed := 0, false
	replace := func(start int, with string, end int) {
		if !changed {
			b.Grow(len(s))
			changed = true
		}
		b.WriteString(s[copied:start])
		b.WriteString(with)
		copied = end
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c == '(' && canUnwrap(s, i) {
			if v, e, ok := literal(s, skipSpaces(s, i+1)); ok {
				if q := skipSpaces(s, e); q < len(s) && s[q] == ')' {
					replace(i, quoteLiteral(v), q+1)
					i = q + 1
					continue
				}
			}
		}
		if c != '\'' && c != '"' {
			// To the next parenthesis or quote: a byte loop, where
			// strings.IndexAny would build its set at every step.
			i++
			for i < len(s) && s[i] != '(' && s[i] != '\'' && s[i] != '"' {
				i++
			}
			continue
		}
		v, e, ok := literal(s, i)
		if !ok {
			i++
			continue
		}
		// Join into a builder: += on a string would copy the growing
		// value once per literal ('a'+'a'+... is quadratic).
		var joined strings.Builder
		for {
			q := skipSpaces(s, e)
			if q >= len(s) || s[q] != '+' {
				break
			}
			w, e2, ok := literal(s, skipSpaces(s, q+1))
			if !ok {
				break
			}
			if joined.Len() == 0 {
				joined.WriteString(v)
			}
			joined.WriteString(w)
			e = e2
		}
		switch {
		case joined.Len() > 0:
			replace(i, quoteLiteral(joined.String()), e)
			i = e
		case c == '\'':
			i = e
		default:
			i++
		}
	}
	if !changed {
		return s
	}
	b.WriteString(s[copied:])
	return b.String()
}

// maxVars bounds the variables substituted per line.
const maxVars = 16

// maxGrowth bounds what substitution adds to a line per variable, so a
// long literal used many times cannot blow the line up.
const maxGrowth = 64 << 10

// psAssignment is `$name = 'literal'` ended by ; or a newline.
type psAssignment struct {
	start, end int // the assignment's span, terminator included
	name, lit  string
}

// psAssignments finds the literal assignments, reading each '$' by hand
// (a regexp here costs more than all the other passes together).
func psAssignments(s, lower string) []psAssignment {
	var out []psAssignment
	for off := 0; len(out) < maxVars; {
		i := strings.IndexByte(s[off:], '$')
		if i < 0 {
			break
		}
		i += off
		off = i + 1
		j := i + 1
		for j < len(s) && (isLetter(s[j]) || s[j] == '_' || j > i+1 && isDigit(s[j])) {
			j++
		}
		if j == i+1 {
			continue
		}
		k := skipSpaces(s, j)
		if k >= len(s) || s[k] != '=' || k+1 < len(s) && s[k+1] == '=' {
			continue
		}
		q := skipSpaces(s, k+1)
		if q >= len(s) || s[q] != '\'' {
			continue
		}
		_, e, ok := literal(s, q)
		if !ok {
			continue
		}
		t := skipSpaces(s, e)
		if t < len(s) && s[t] == '\r' {
			t++
		}
		if t >= len(s) || s[t] != ';' && s[t] != '\n' {
			continue
		}
		out = append(out, psAssignment{start: i, end: t + 1, name: lower[i+1 : j], lit: s[q:e]})
		off = t + 1
	}
	return out
}

// substitutePSVars replaces the uses of a variable assigned a single
// literal, and nothing else anywhere in the line, with that literal. Two
// scans: one counting every variable's assignments, one replacing.
func substitutePSVars(s, lower string) string {
	if strings.IndexByte(s, '$') < 0 || strings.IndexByte(s, '=') < 0 {
		return s
	}
	as := psAssignments(s, lower)
	if len(as) == 0 {
		return s
	}
	lits := make(map[string]psAssignment, len(as))
	for _, a := range as {
		lits[a.name] = a
	}
	assigned := map[string]int{}
	eachVar(lower, func(start, end int) {
		name := lower[start+1 : end]
		if _, ok := lits[name]; !ok {
			return
		}
		j := skipSpaces(lower, end)
		if j < len(lower) && (lower[j] == '=' && (j+1 == len(lower) || lower[j+1] != '=') || strings.HasPrefix(lower[j:], "+=") || strings.HasPrefix(lower[j:], "-=")) {
			assigned[name]++
		}
	})
	var b strings.Builder
	last := 0
	eachVar(lower, func(start, end int) {
		a, ok := lits[lower[start+1:end]]
		if !ok || assigned[a.name] != 1 || start < a.end || b.Len() > len(s)+maxGrowth {
			return
		}
		b.WriteString(s[last:start])
		b.WriteString(a.lit)
		last = end
	})
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// eachVar calls fn with the span of every $name in lower.
func eachVar(lower string, fn func(start, end int)) {
	for off := 0; ; {
		i := strings.IndexByte(lower[off:], '$')
		if i < 0 {
			return
		}
		i += off
		j := i + 1
		for j < len(lower) && (isLetter(lower[j]) || lower[j] == '_' || j > i+1 && isDigit(lower[j])) {
			j++
		}
		off = j
		if j > i+1 && (j == len(lower) || !isIdentByte(lower[j])) {
			fn(i, j)
		}
	}
}

// substituteCmdSets expands %name% after `set name=value` in the same line,
// the way DOSfuscation builds the word powershell. The value is trimmed of
// the space before a following && (set a=x && ... sets "x ").
func substituteCmdSets(s, lower string) string {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '!') < 0 {
		return s
	}
	type set struct{ name, val string }
	var sets []set
	end := 0
	for off := 0; len(sets) < maxVars; {
		i := strings.Index(lower[off:], "set")
		if i < 0 {
			break
		}
		i += off
		off = i + 3
		if i > 0 && (isIdentByte(lower[i-1]) || lower[i-1] == '-' || lower[i-1] == '.') || off >= len(s) || !isSpace(s[off]) {
			continue
		}
		j := skipSpaces(s, off)
		if j < len(s) && s[j] == '"' {
			j++
		}
		n := j
		for n < len(s) && (isLetter(s[n]) || s[n] == '_' || n > j && isDigit(s[n])) {
			n++
		}
		if n == j || n >= len(s) || s[n] != '=' {
			continue
		}
		v := n + 1
		for v < len(s) && strings.IndexByte("&|\"<>\r\n", s[v]) < 0 {
			v++
		}
		sets = append(sets, set{name: s[j:n], val: strings.TrimRight(s[n+1:v], " ")})
		end = v
		off = v
	}
	if len(sets) == 0 {
		return s
	}
	if end < len(s) && s[end] == '"' {
		end++
	}
	rest := s[end:]
	for _, st := range sets {
		rest = replaceFold(rest, "%"+st.name+"%", st.val)
		rest = replaceFold(rest, "!"+st.name+"!", st.val) // cmd /v:on delayed expansion
	}
	return s[:end] + rest
}

// replaceFold replaces old (ASCII, any case) with repl.
func replaceFold(s, old, repl string) string {
	lower, lo := ASCIILower(s), ASCIILower(old)
	if !strings.Contains(lower, lo) {
		return s
	}
	var b strings.Builder
	last := 0
	for off := 0; b.Len() < len(s)+maxGrowth; {
		i := strings.Index(lower[off:], lo)
		if i < 0 {
			break
		}
		i += off
		b.WriteString(s[last:i])
		b.WriteString(repl)
		last = i + len(old)
		off = last
	}
	b.WriteString(s[last:])
	return b.String()
}
