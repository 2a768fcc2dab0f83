package cmdline

import (
	"sort"
	"strconv"
	"strings"

	"github.com/runkeyhunt/runkeyhunt/tables/registry"
)

// Kind is where a payload lives.
type Kind string

// Payload kinds; the payload_kind column carries them.
const (
	KindRegistry Kind = "registry"
	KindADS      Kind = "ads"
	KindEventLog Kind = "eventlog"
	KindFile     Kind = "file"
	KindInline   Kind = "inline"
)

// Ref is one payload reference found in a command.
//
// Text is always an exact substring of the line given to ExtractRefs: no
// normalisation is applied before matching, so the payload_ref column shows
// what the command really says.
type Ref struct {
	Kind      Kind
	Text      string // the reference exactly as written in the command (becomes the payload_ref column)
	Key       string // registry: the key as written, any spelling (HKCU:Software\..., HKEY_CURRENT_USER\\..., Registry::..., [Microsoft.Win32.Registry]::CurrentUser + OpenSubKey path -> give "HKCU\<subkey>")
	ValueName string // registry: the value name; "" means the key's default value ("(default)", "", '@' forms)
	Path      string // ads: `C:\dir\file:stream`; file: the script path (env-expanded where env given)
	Log       string // eventlog: log name, e.g. "Application"
	EventID   int    // eventlog: record event id; 0 when the command names none
	Data      string // inline: the base64 text (from -EncodedCommand in any abbreviation, or a FromBase64String('...') literal)
}

// ExtractRefs returns every payload reference in a command line, in order of
// appearance, without duplicates.
//
// Two references are duplicates when they name the same location: the same
// registry value (keys compared in canonical form, names ignoring case), the
// same stream or file (ignoring case), the same log and event id, or the
// same inline text. The first occurrence is kept.
//
// References inside inline base64 payloads are not looked for: the caller
// decodes them and calls ExtractRefs again on the decoded text.
func ExtractRefs(line string, env map[string]string) []Ref {
	if strings.TrimSpace(line) == "" {
		return nil
	}
	return ExtractRefsNormalized(line, Normalize(line), env)
}

// ExtractRefsNormalized is ExtractRefs for a caller that has normalised
// the line already (norm is Normalize(line)), to share that work with the
// indicator scan of the same text.
func ExtractRefsNormalized(line, norm string, env map[string]string) []Ref {
	l := Lower(line)
	n := l
	if norm != line {
		n = Lower(norm)
	}
	return ExtractRefsLowered(l, n, env)
}

// ExtractRefsLowered is ExtractRefsNormalized for a line and its
// normalised form (NormalizeLowered(line)) lowered already, so the scans
// of one text share one lowered copy.
func ExtractRefsLowered(line, norm Lowered, env map[string]string) []Ref {
	if strings.TrimSpace(line.Text) == "" {
		return nil
	}
	found := scanLine(line, env)
	// The normalised line (carets, quoted flags, backticks, concatenated
	// literals, variables resolved) is scanned too; what only it reveals
	// comes after the references of the line as written.
	if norm.Text != line.Text {
		found = append(found, scanLine(norm, env)...)
	}
	if len(found) == 0 {
		return nil
	}
	seen := make(map[string]bool, len(found))
	refs := make([]Ref, 0, len(found))
	for _, f := range found {
		id := identity(f.ref)
		if seen[id] {
			continue
		}
		seen[id] = true
		refs = append(refs, f.ref)
	}
	return refs
}

// scanLine runs every finder over one line, in order of appearance.
func scanLine(line Lowered, env map[string]string) []found {
	return scanWith(newScanner(line.Text, line.Lower, env))
}

// scanWith runs the finders with sc.
func scanWith(sc *scanner) []found {
	sc.imageRefs()
	sc.hostRefs()
	sc.callOperatorRefs()
	sc.itemPropertyRefs()
	sc.getItemRefs()
	sc.dotnetRegistryRefs()
	sc.regQueryRefs()
	sc.regReadRefs()
	sc.redirectRefs()
	sc.contentRefs()
	sc.eventLogRefs()
	sc.fromBase64Refs()
	sc.streamPathRefs()
	sc.looseEncodedRefs()
	sort.SliceStable(sc.found, func(i, j int) bool { return sc.found[i].start < sc.found[j].start })
	return sc.found
}

// identity names the location a reference points at, for deduplication.
func identity(r Ref) string {
	switch r.Kind {
	case KindRegistry:
		return "registry\x00" + strings.ToLower(registry.Canonical(r.Key)) + "\x00" + strings.ToLower(r.ValueName)
	case KindADS, KindFile:
		return string(r.Kind) + "\x00" + strings.ToLower(r.Path)
	case KindEventLog:
		return "eventlog\x00" + strings.ToLower(r.Log) + "\x00" + strconv.Itoa(r.EventID)
	default:
		return string(r.Kind) + "\x00" + r.Data
	}
}

// normValueName maps the spellings of a key's default value to "".
func normValueName(n string) string {
	if n == "@" || strings.EqualFold(n, "(default)") {
		return ""
	}
	return n
}

// validKey reports whether k is a registry key the caller can resolve.
func validKey(k string) bool {
	if strings.TrimSpace(k) == "" {
		return false
	}
	_, ok := registry.ParsePath(k)
	return ok
}

// ---- PowerShell registry reads ----

var itemPropertyParams = []param{
	{"path", nil, paramValue}, {"literalpath", []string{"pspath", "lp"}, paramValue},
	{"name", nil, paramValue}, {"filter", nil, paramValue}, {"include", nil, paramValue},
	{"exclude", nil, paramValue}, {"credential", nil, paramValue},
	{"usetransaction", []string{"usetx"}, paramSwitch},
}

var getItemParams = []param{
	{"path", nil, paramValue}, {"literalpath", []string{"pspath", "lp"}, paramValue},
	{"filter", nil, paramValue}, {"include", nil, paramValue}, {"exclude", nil, paramValue},
	{"credential", nil, paramValue}, {"stream", nil, paramValue},
	{"force", nil, paramSwitch}, {"usetransaction", []string{"usetx"}, paramSwitch},
}

// itemPropertyRefs finds gp / Get-ItemProperty / gpv / Get-ItemPropertyValue.
func (sc *scanner) itemPropertyRefs() {
	for _, w := range []string{"get-itempropertyvalue", "get-itemproperty", "gpv", "gp"} {
		sc.eachCmdlet(w, func(ws, we int) {
			a := sc.parseCmdlet(we, itemPropertyParams)
			keyTok, ok := a.value("path", 0)
			if !ok {
				keyTok, ok = a.get("literalpath")
			}
			if !ok || !validKey(keyTok.val) {
				return
			}
			start, end := ws, a.lastEnd
			nameTok, hasName := a.get("name")
			if !hasName {
				nameTok, hasName = a.value("", 1)
			}
			name := nameTok.val
			// (gp KEY [NAME]).NAME
			if m, e, ok := sc.memberAfterGroup(a.stop); ok && (!hasName || strings.EqualFold(m, name)) {
				name, hasName, end = m, true, e
				start = sc.openParenBefore(ws)
			} else if !hasName {
				if m, e, ok := sc.pipelineMember(a.stop); ok {
					name, hasName, end = m, true, e
				} else if v := sc.assignedVar(ws); v != "" {
					if e, ok := sc.varUse(v, ".", a.lastEnd); ok {
						if m, _, ok := sc.member(e); ok {
							name, hasName = m, true
						}
					}
				}
			}
			if !hasName || strings.HasPrefix(name, "$") {
				// Every value of the key, or a name held in a variable: no
				// single payload location to follow.
				return
			}
			sc.add(start, end, Ref{Kind: KindRegistry, Key: keyTok.val, ValueName: normValueName(name)})
		})
	}
}

// memberAfterGroup reads `).Name` at i.
func (sc *scanner) memberAfterGroup(i int) (string, int, bool) {
	if i+1 >= len(sc.s) || sc.s[i] != ')' || sc.s[i+1] != '.' {
		return "", 0, false
	}
	m, e, ok := sc.member(i + 2)
	if !ok || strings.EqualFold(m, "getvalue") || strings.EqualFold(m, "opensubkey") {
		return "", 0, false
	}
	return m, e, true
}

var selectParams = []param{
	{"property", nil, paramValue}, {"expandproperty", nil, paramValue},
	{"excludeproperty", nil, paramValue}, {"first", nil, paramValue}, {"last", nil, paramValue},
	{"skip", nil, paramValue}, {"index", nil, paramValue}, {"unique", nil, paramSwitch},
}

// pipelineMember reads `| select -exp NAME`, `| Select-Object -ExpandProperty
// NAME`, `| % NAME` and `| %{$_.NAME}` at i.
func (sc *scanner) pipelineMember(i int) (string, int, bool) {
	s := sc.s
	if i >= len(s) || s[i] != '|' {
		return "", 0, false
	}
	p := sc.skipSpace(i + 1)
	j := p
	for j < len(s) && (isLetter(s[j]) || s[j] == '-' || s[j] == '%') {
		j++
	}
	switch sc.lower[p:j] {
	case "select", "select-object":
		a := sc.parseCmdlet(j, selectParams)
		if t, ok := a.get("expandproperty"); ok && t.val != "" {
			return t.val, t.end, true
		}
		if t, ok := a.value("property", 0); ok && t.val != "" && !strings.ContainsAny(t.val, "*,") {
			return t.val, t.end, true
		}
	case "%", "foreach", "foreach-object":
		q := sc.skipSpace(j)
		if q < len(s) && s[q] == '{' {
			limit := min(len(s), q+lookahead)
			body := sc.lower[q:limit]
			if c := strings.IndexByte(body, '}'); c >= 0 {
				body = body[:c]
			}
			for _, v := range []string{"$_.", "$psitem."} {
				if k := strings.Index(body, v); k >= 0 {
					if m, e, ok := sc.member(q + k + len(v)); ok {
						return m, sc.closeBrace(e), true
					}
				}
			}
			return "", 0, false
		}
		if q > j || j == len(s) {
			if m, e, ok := sc.member(q); ok {
				return m, e, true
			}
		}
	}
	return "", 0, false
}

// closeBrace returns the position after the '}' that closes a script block
// continuing at i, or i.
func (sc *scanner) closeBrace(i int) int {
	limit := min(len(sc.s), i+256)
	if k := strings.IndexByte(sc.s[i:limit], '}'); k >= 0 {
		return i + k + 1
	}
	return i
}

// getItemRefs finds (Get-Item KEY).GetValue('n'), with OpenSubKey steps.
func (sc *scanner) getItemRefs() {
	for _, w := range []string{"get-item", "gi"} {
		sc.eachCmdlet(w, func(ws, we int) {
			a := sc.parseCmdlet(we, getItemParams)
			keyTok, ok := a.value("path", 0)
			if !ok {
				keyTok, ok = a.get("literalpath")
			}
			if !ok || !validKey(keyTok.val) {
				return
			}
			if a.stop < len(sc.s) && sc.s[a.stop] == ')' {
				subs, p := sc.subKeyChain(a.stop + 1)
				if name, end, ok := sc.getValueCall(p); ok {
					sc.add(sc.openParenBefore(ws), end, Ref{Kind: KindRegistry, Key: joinKey(keyTok.val, subs), ValueName: name})
					return
				}
			}
			if v := sc.assignedVar(ws); v != "" {
				if e, ok := sc.varUse(v, ".getvalue(", a.lastEnd); ok {
					if name, _, ok := sc.stringExpr(e); ok {
						sc.add(ws, a.lastEnd, Ref{Kind: KindRegistry, Key: keyTok.val, ValueName: normValueName(name)})
					}
				}
			}
		})
	}
}

// subKeyChain reads `.OpenSubKey('a').OpenSubKey('b')` at i.
func (sc *scanner) subKeyChain(i int) ([]string, int) {
	var subs []string
	for n := 0; n < 16 && strings.HasPrefix(sc.lower[i:], ".opensubkey("); n++ {
		v, e, ok := sc.stringExpr(i + len(".opensubkey("))
		if !ok {
			break
		}
		subs = append(subs, v)
		i = sc.closeParen(e)
	}
	return subs, i
}

// getValueCall reads `.GetValue('n'[, ...])` at i.
func (sc *scanner) getValueCall(i int) (name string, end int, ok bool) {
	if !strings.HasPrefix(sc.lower[i:], ".getvalue(") {
		return "", 0, false
	}
	v, e, ok := sc.stringExpr(i + len(".getvalue("))
	if !ok {
		return "", 0, false
	}
	return normValueName(v), sc.closeParen(e), true
}

func joinKey(key string, subs []string) string {
	for _, s := range subs {
		s = strings.Trim(s, `\`)
		if s == "" {
			continue
		}
		key = strings.TrimRight(key, `\`) + `\` + s
	}
	return key
}

// dotnetRoots maps RegistryHive / Registry property names to root spellings.
var dotnetRoots = map[string]string{
	"currentuser": "HKCU", "localmachine": "HKLM", "users": "HKU",
	"classesroot": "HKCR", "currentconfig": "HKCC",
}

// dotnetRegistryRefs finds [Microsoft.Win32.Registry]::GetValue(key, name, def),
// [Microsoft.Win32.Registry]::CurrentUser.OpenSubKey(...).GetValue(...) and
// [Microsoft.Win32.RegistryKey]::OpenBaseKey(hive, view).OpenSubKey(...).GetValue(...).
func (sc *scanner) dotnetRegistryRefs() {
	if sc.absent("registry") {
		return
	}
	for from := 0; from < len(sc.lower); {
		k := strings.Index(sc.lower[from:], "registry")
		if k < 0 {
			return
		}
		hit := from + k
		from = hit + 1
		p := hit + len("registry")
		var root string
		switch {
		case strings.HasPrefix(sc.lower[p:], "]::getvalue("):
			sc.staticGetValue(hit, p+len("]::getvalue("))
			continue
		case strings.HasPrefix(sc.lower[p:], "key]::openbasekey("):
			r, e, ok := sc.baseKeyArg(p + len("key]::openbasekey("))
			if !ok {
				continue
			}
			root, p = r, sc.closeParen(e)
		case strings.HasPrefix(sc.lower[p:], "]::"):
			q := p + 3
			j := q
			for j < len(sc.s) && isLetter(sc.s[j]) {
				j++
			}
			r, ok := dotnetRoots[sc.lower[q:j]]
			if !ok {
				continue
			}
			root, p = r, j
		default:
			continue
		}
		start := sc.bracketStart(hit)
		subs, q := sc.subKeyChain(p)
		if name, end, ok := sc.getValueCall(q); ok {
			sc.add(start, end, Ref{Kind: KindRegistry, Key: joinKey(root, subs), ValueName: name})
			continue
		}
		if len(subs) == 0 {
			continue
		}
		if v := sc.assignedVar(start); v != "" {
			if e, ok := sc.varUse(v, ".getvalue(", q); ok {
				if name, _, ok := sc.stringExpr(e); ok {
					sc.add(start, q, Ref{Kind: KindRegistry, Key: joinKey(root, subs), ValueName: normValueName(name)})
				}
			}
		}
	}
}

// bracketStart returns the '[' that opens the type name around hit.
func (sc *scanner) bracketStart(hit int) int {
	for k := hit - 1; k >= 0 && hit-k <= 24; k-- {
		if sc.s[k] == '[' {
			return k
		}
		if !isLetter(sc.s[k]) && !isDigit(sc.s[k]) && sc.s[k] != '.' {
			break
		}
	}
	return hit
}

// staticGetValue reads the arguments of Registry::GetValue(key, name, default).
func (sc *scanner) staticGetValue(hit, p int) {
	key, e, ok := sc.stringExpr(p)
	if !ok || !validKey(key) {
		return
	}
	q := sc.skipSpace(e)
	if q >= len(sc.s) || sc.s[q] != ',' {
		return
	}
	name, e, ok := sc.stringExpr(q + 1)
	if !ok {
		return
	}
	sc.add(sc.bracketStart(hit), sc.closeParen(e), Ref{Kind: KindRegistry, Key: key, ValueName: normValueName(name)})
}

// baseKeyArg reads OpenBaseKey's hive: 'CurrentUser' or
// [Microsoft.Win32.RegistryHive]::CurrentUser.
func (sc *scanner) baseKeyArg(p int) (root string, end int, ok bool) {
	if v, e, ok := sc.stringExpr(p); ok {
		r, ok := dotnetRoots[strings.ToLower(v)]
		return r, e, ok
	}
	limit := min(len(sc.lower), p+64)
	k := strings.Index(sc.lower[p:limit], "registryhive]::")
	if k < 0 {
		return "", 0, false
	}
	q := p + k + len("registryhive]::")
	j := q
	for j < len(sc.s) && isLetter(sc.s[j]) {
		j++
	}
	r, ok := dotnetRoots[sc.lower[q:j]]
	return r, j, ok
}

// regQueryRefs finds `reg query KEY /v NAME` and `/ve`.
func (sc *scanner) regQueryRefs() {
	sc.eachHost("reg", func(ws, p int) {
		q, ok := sc.next(p)
		if !ok || q.quoted || !strings.EqualFold(q.val, "query") {
			return
		}
		var key token
		haveKey, haveName := false, false
		name := ""
		end := q.end
		pos := q.end
		for n := 0; n < maxArgTokens; n++ {
			t, ok := sc.next(pos)
			if !ok {
				break
			}
			pos = t.end
			if opt, _, _, isOpt := optionOf(t, true); isOpt {
				switch opt {
				case "v":
					v, ok := sc.next(pos)
					if !ok {
						return
					}
					pos, end = v.end, v.end
					name, haveName = v.val, true
				case "ve":
					name, haveName, end = "", true, t.end
				case "f", "t", "se", "d":
					if v, ok := sc.next(pos); ok {
						pos = v.end
					}
				}
			} else if !haveKey {
				key, haveKey, end = t, true, t.end
			}
			if t.closes {
				break
			}
		}
		if !haveKey || !haveName || !validKey(key.val) {
			return
		}
		sc.add(ws, end, Ref{Kind: KindRegistry, Key: key.val, ValueName: normValueName(name)})
	})
}

// ---- WScript.Shell RegRead in JavaScript / VBScript ----

// regReadRefs finds RegRead("HKCU\\...\\name"): the last path element is
// the value name, a trailing backslash the key's default value.
func (sc *scanner) regReadRefs() {
	if sc.absent("regread") {
		return
	}
	for from := 0; from < len(sc.lower); {
		k := strings.Index(sc.lower[from:], "regread")
		if k < 0 {
			return
		}
		hit := from + k
		from = hit + 1
		p := sc.skipSpace(hit + len("regread"))
		if p >= len(sc.s) || sc.s[p] != '(' {
			continue
		}
		val, e, ok := sc.scriptStringExpr(sc.skipSpace(p + 1))
		if !ok {
			continue
		}
		cut := strings.LastIndexByte(val, '\\')
		if cut <= 0 || !validKey(val[:cut]) {
			continue
		}
		end := e
		if q := sc.skipSpace(e); q < len(sc.s) && sc.s[q] == ')' {
			end = q + 1
		}
		sc.add(hit, end, Ref{Kind: KindRegistry, Key: val[:cut], ValueName: val[cut+1:]})
	}
}

// scriptStringExpr reads a JavaScript or VBScript string expression: literals
// joined with '+' or '&'.
func (sc *scanner) scriptStringExpr(i int) (string, int, bool) {
	var b strings.Builder
	end := i
	for n := 0; n < 16; n++ {
		v, e, ok := sc.scriptString(sc.skipSpace(i))
		if !ok {
			if n == 0 {
				return "", 0, false
			}
			break
		}
		b.WriteString(v)
		end = e
		q := sc.skipSpace(e)
		if q >= len(sc.s) || (sc.s[q] != '+' && sc.s[q] != '&') {
			break
		}
		i = q + 1
	}
	return b.String(), end, true
}

// scriptString reads one string literal at i. JavaScript strings use
// backslash escapes; VBScript strings have none and double their quotes. A
// double-quoted literal is taken as JavaScript when it contains a doubled
// backslash (a registry path in JavaScript must double every one), else as
// VBScript, whose single backslashes are literal.
func (sc *scanner) scriptString(i int) (string, int, bool) {
	s := sc.s
	if i >= len(s) {
		return "", 0, false
	}
	switch {
	case strings.HasPrefix(s[i:], `""`) && i+2 < len(s) && s[i+2] != '"' && s[i+2] != ')':
		// VBScript inside a VBScript string: ""...""
		k := strings.Index(s[i+2:], `""`)
		if k < 0 {
			return "", 0, false
		}
		return s[i+2 : i+2+k], i + 4 + k, true
	case strings.HasPrefix(s[i:], `\"`):
		k := strings.Index(s[i+2:], `\"`)
		if k < 0 {
			return "", 0, false
		}
		raw := s[i+2 : i+2+k]
		if strings.Contains(raw, `\\`) {
			raw = jsUnescape(raw)
		}
		return raw, i + 4 + k, true
	case s[i] == '"' || s[i] == '\'':
		q := s[i]
		k := strings.IndexByte(s[i+1:], q)
		if k < 0 {
			return "", 0, false
		}
		if raw := s[i+1 : i+1+k]; !strings.Contains(raw, `\\`) {
			// Without doubled backslashes the literal is not JavaScript's
			// (where a registry path must double every backslash): a
			// double-quoted one is VBScript's (or escape-free JavaScript),
			// a single-quoted one PowerShell's (RegRead on a COM object
			// from PowerShell). In both, backslashes are literal and a
			// doubled quote is a quote.
			j := i + 1 + k
			for j+1 < len(s) && s[j+1] == q {
				n := strings.IndexByte(s[j+2:], q)
				if n < 0 {
					return "", 0, false
				}
				j = j + 2 + n
			}
			return strings.ReplaceAll(s[i+1:j], string([]byte{q, q}), string(q)), j + 1, true
		}
		j := i + 1
		for j < len(s) && s[j] != q {
			if s[j] == '\\' {
				j++
			}
			j++
		}
		if j >= len(s) {
			return "", 0, false
		}
		return jsUnescape(s[i+1 : j]), j + 1, true
	}
	return "", 0, false
}

// jsUnescape resolves JavaScript string escapes.
func jsUnescape(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b = append(b, c)
			continue
		}
		i++
		switch e := s[i]; e {
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case '0':
			b = append(b, 0)
		case 'x', 'u':
			n := 2
			if e == 'u' {
				n = 4
			}
			if i+n < len(s) {
				if v, err := strconv.ParseUint(s[i+1:i+1+n], 16, 32); err == nil {
					b = append(b, string(rune(v))...)
					i += n
					continue
				}
			}
			b = append(b, e)
		default:
			b = append(b, e)
		}
	}
	return string(b)
}
