package cmdline

import (
	"strconv"
	"strings"
)

// splitStream splits `C:\dir\file:stream` (also `file:stream:$DATA`,
// `\\?\C:\...`, UNC and relative paths) into the file and the stream name.
// A drive letter's colon is not a stream separator, and neither is the colon
// of a URL scheme, a PowerShell drive (`HKCU:`, `env:`) or `Registry::`: a
// relative file part must contain a path separator or an extension dot.
func splitStream(p string) (file, stream string, ok bool) {
	prefix := 0
	if strings.HasPrefix(p, `\\?\`) || strings.HasPrefix(p, `\\.\`) {
		prefix = 4
	}
	rest := p[prefix:]
	from := 0
	drive := len(rest) >= 2 && isLetter(rest[0]) && rest[1] == ':'
	if drive {
		from = 2
	}
	c := strings.IndexByte(rest[from:], ':')
	if c < 0 {
		return "", "", false
	}
	c += from
	before, after := rest[:c], rest[c+1:]
	if before == "" || (drive && c == 2) || strings.ContainsAny(before, "*?\"<>|") {
		return "", "", false
	}
	if last := before[len(before)-1]; last == '\\' || last == '/' {
		return "", "", false
	}
	if !drive && prefix == 0 && !strings.ContainsAny(before, `\/.`) {
		return "", "", false
	}
	stream, typ, _ := strings.Cut(after, ":")
	if stream == "" || strings.ContainsAny(stream, `\/*?"<>|`) {
		return "", "", false
	}
	if typ != "" && !strings.EqualFold(typ, "$DATA") {
		return "", "", false
	}
	return p[:prefix+c], stream, true
}

// redirectRefs finds stream reads through input redirection: `more < f:s`,
// `more<f:s`, `findstr . < f:s`.
func (sc *scanner) redirectRefs() {
	sc.eachCmdlet("more", func(ws, we int) {
		p := sc.skipSpace(we)
		if p < len(sc.s) && sc.s[p] == '<' {
			p++
		}
		if t, ok := sc.next(p); ok {
			if file, stream, ok := splitStream(t.val); ok {
				sc.add(ws, t.end, Ref{Kind: KindADS, Path: Expand(file+":"+stream, sc.env)})
			}
		}
	})
	for from := 0; from < len(sc.s); {
		k := strings.IndexByte(sc.s[from:], '<')
		if k < 0 {
			return
		}
		at := from + k
		from = at + 1
		if t, ok := sc.next(at + 1); ok {
			if file, stream, ok := splitStream(t.val); ok {
				sc.add(at, t.end, Ref{Kind: KindADS, Path: Expand(file+":"+stream, sc.env)})
			}
		}
	}
}

var contentParams = []param{
	{"path", nil, paramValue}, {"literalpath", []string{"pspath", "lp"}, paramValue},
	{"readcount", nil, paramValue}, {"totalcount", []string{"first", "head"}, paramValue},
	{"tail", []string{"last"}, paramValue}, {"filter", nil, paramValue},
	{"include", nil, paramValue}, {"exclude", nil, paramValue}, {"credential", nil, paramValue},
	{"delimiter", nil, paramValue}, {"encoding", nil, paramValue}, {"stream", nil, paramValue},
	{"force", nil, paramSwitch}, {"wait", nil, paramSwitch}, {"raw", nil, paramSwitch},
	{"asbytestream", nil, paramSwitch}, {"usetransaction", []string{"usetx"}, paramSwitch},
}

// contentRefs finds Get-Content and its aliases (gc, cat, type) reading a
// stream (`-Stream s f`, `f:s`), and Get-Content / gc / cat reading a local
// script file. cmd's `type f:s` parses the same way.
func (sc *scanner) contentRefs() {
	for _, w := range []string{"get-content", "gc", "cat", "type"} {
		sc.eachCmdlet(w, func(ws, we int) {
			a := sc.parseCmdlet(we, contentParams)
			pathTok, ok := a.value("path", 0)
			if !ok {
				pathTok, ok = a.get("literalpath")
			}
			if !ok || pathTok.val == "" {
				return
			}
			if st, ok := a.get("stream"); ok && st.val != "" && !strings.ContainsAny(st.val, `\/:*?"<>|`) && pathTok.val[0] != '$' {
				if _, _, isStream := splitStream(pathTok.val); !isStream {
					sc.add(ws, a.lastEnd, Ref{Kind: KindADS, Path: Expand(pathTok.val+":"+st.val, sc.env)})
					return
				}
			}
			if file, stream, ok := splitStream(pathTok.val); ok {
				sc.add(ws, a.lastEnd, Ref{Kind: KindADS, Path: Expand(file+":"+stream, sc.env)})
				return
			}
			if w != "type" && isLocalPath(pathTok.val) {
				sc.add(ws, a.lastEnd, Ref{Kind: KindFile, Path: Expand(pathTok.val, sc.env)})
			}
		})
	}
}

// isLocalPath is an absolute drive, UNC or explicitly relative path.
func isLocalPath(v string) bool {
	switch {
	case len(v) >= 3 && isLetter(v[0]) && v[1] == ':' && (v[2] == '\\' || v[2] == '/'):
		return true
	case strings.HasPrefix(v, `\\`), strings.HasPrefix(v, `.\`), strings.HasPrefix(v, `..\`), strings.HasPrefix(v, "%"):
		return true
	}
	return false
}

// streamPathRefs is the catch-all for streams: any absolute drive path
// with a stream (`wmic process call create C:\x:y.exe`). A quoted path may
// contain spaces; an unquoted one ends at a space, quote, comma or operator.
func (sc *scanner) streamPathRefs() {
	s := sc.s
	for from := 1; from < len(s); {
		k := strings.IndexByte(s[from:], ':')
		if k < 0 {
			return
		}
		c := from + k
		from = c + 1
		if c+1 >= len(s) || (s[c+1] != '\\' && s[c+1] != '/') || !isLetter(s[c-1]) {
			continue
		}
		start := c - 1
		if start > 0 && (isLetter(s[start-1]) || isDigit(s[start-1])) {
			continue
		}
		end := c + 1
		if start > 0 && (s[start-1] == '"' || s[start-1] == '\'') {
			q := s[start-1]
			limit := min(len(s), start+lookahead)
			if e := strings.IndexByte(s[start:limit], q); e >= 0 && plausibleSpacedPath(s[start:start+e]) {
				end = start + e
			}
		}
		if end == c+1 {
			for end < len(s) && !isBareStop(s[end]) && s[end] != ',' {
				end++
			}
		}
		from = max(from, end)
		if file, stream, ok := splitStream(s[start:end]); ok {
			sc.add(start, end, Ref{Kind: KindADS, Path: Expand(file+":"+stream, sc.env)})
		}
	}
}

// plausibleSpacedPath rejects quoted text that is a command with arguments
// rather than one path with spaces: `"C:\x\app.exe --listen host:80"`.
func plausibleSpacedPath(q string) bool {
	for i := 0; i < len(q); i++ {
		if q[i] != ' ' && q[i] != '\t' {
			continue
		}
		if i+1 < len(q) && (q[i+1] == '-' || q[i+1] == '/') {
			return false
		}
		if hasExt(q[:i], imageExts) {
			return false
		}
	}
	return true
}

// ---- event log ----

var eventLogParams = []param{
	{"logname", []string{"ln"}, paramValue}, {"instanceid", nil, paramValue},
	{"computername", []string{"cn"}, paramValue}, {"newest", nil, paramValue},
	{"after", nil, paramValue}, {"before", nil, paramValue}, {"username", nil, paramValue},
	{"index", nil, paramValue}, {"entrytype", []string{"et"}, paramValue},
	{"source", []string{"abo"}, paramValue}, {"message", []string{"msg"}, paramValue},
	{"asbaseobject", nil, paramSwitch}, {"list", nil, paramSwitch}, {"asstring", nil, paramSwitch},
}

var winEventParams = []param{
	{"logname", nil, paramValue}, {"listlog", nil, paramValue}, {"listprovider", nil, paramValue},
	{"providername", nil, paramValue}, {"path", []string{"pspath"}, paramValue},
	{"maxevents", nil, paramValue}, {"computername", []string{"cn"}, paramValue},
	{"credential", nil, paramValue}, {"filterxpath", nil, paramValue}, {"filterxml", nil, paramValue},
	{"filterhashtable", nil, paramHashtable}, {"force", nil, paramSwitch}, {"oldest", nil, paramSwitch},
}

// defaultLog is the log Get-EventLog loaders read when none is named.
const defaultLog = "Application"

// eventLogRefs finds Get-EventLog and Get-WinEvent reading records back.
func (sc *scanner) eventLogRefs() {
	sc.eachCmdlet("get-eventlog", func(ws, we int) {
		a := sc.parseCmdlet(we, eventLogParams)
		log := defaultLog
		if t, ok := a.value("logname", 0); ok && t.val != "" {
			log = t.val
		}
		end, id := a.lastEnd, 0
		if t, ok := a.value("instanceid", 1); ok {
			id, _ = leadingInt(t.val)
		}
		if id == 0 {
			if n, e, ok := sc.idFilter(a.stop); ok {
				id, end = n, e
			}
		}
		sc.add(ws, end, Ref{Kind: KindEventLog, Log: log, EventID: id})
	})
	sc.eachCmdlet("get-winevent", func(ws, we int) {
		a := sc.parseCmdlet(we, winEventParams)
		log, id := defaultLog, 0
		if t, ok := a.value("logname", 0); ok && t.val != "" {
			log = t.val
		}
		if t, ok := a.get("filterhashtable"); ok {
			for _, part := range strings.FieldsFunc(t.val, func(r rune) bool { return r == ';' || r == '\n' }) {
				k, v, ok := strings.Cut(part, "=")
				if !ok {
					continue
				}
				v = strings.Trim(strings.TrimSpace(v), `@()'"`)
				switch strings.ToLower(strings.TrimSpace(k)) {
				case "logname":
					if first, _, _ := strings.Cut(v, ","); strings.Trim(first, `'" `) != "" {
						log = strings.Trim(first, `'" `)
					}
				case "id", "eventid":
					id, _ = leadingInt(v)
				}
			}
		}
		if t, ok := a.get("filterxpath"); ok {
			l := ASCIILower(t.val)
			if k := strings.Index(l, "eventid"); k >= 0 {
				rest := strings.TrimLeft(l[k+len("eventid"):], " =")
				id, _ = leadingInt(rest)
			}
		}
		end := a.lastEnd
		if id == 0 {
			if n, e, ok := sc.idFilter(a.stop); ok {
				id, end = n, e
			}
		}
		sc.add(ws, end, Ref{Kind: KindEventLog, Log: log, EventID: id})
	})
}

// idFilter finds a pipeline filter on the record id after i:
// `?{$_.eventid -eq 4242}`, `Where-Object InstanceId -eq 4242`, `$_.Id -eq 4242`.
func (sc *scanner) idFilter(i int) (id, end int, ok bool) {
	limit := min(len(sc.lower), i+512)
	for from := i; from < limit; {
		k := strings.Index(sc.lower[from:limit], "-eq")
		if k < 0 {
			return 0, 0, false
		}
		at := from + k
		from = at + 1
		b := at
		for b > i && isSpace(sc.s[b-1]) {
			b--
		}
		prop := sc.lower[i:b]
		if !(strings.HasSuffix(prop, "eventid") || strings.HasSuffix(prop, "instanceid") ||
			strings.HasSuffix(prop, ".id") || strings.HasSuffix(prop, " id")) {
			continue
		}
		p := sc.skipSpace(at + len("-eq"))
		if p < len(sc.s) && (sc.s[p] == '\'' || sc.s[p] == '"') {
			p++
		}
		n, digits := leadingInt(sc.s[p:min(len(sc.s), p+16)])
		if digits == 0 {
			continue
		}
		return n, p + digits, true
	}
	return 0, 0, false
}

// leadingInt parses the decimal digits at the start of s (at most 10).
func leadingInt(s string) (n, digits int) {
	for digits < len(s) && digits < 10 && isDigit(s[digits]) {
		digits++
	}
	if digits == 0 {
		return 0, 0
	}
	v, err := strconv.ParseInt(s[:digits], 10, 64)
	if err != nil || v > 1<<32-1 {
		return 0, 0
	}
	return int(v), digits
}

// ---- inline base64 ----

// minFromBase64Len is the shortest FromBase64String literal taken as a
// payload; short literals are keys, flags or padding tricks, not code.
const minFromBase64Len = 32

// fromBase64Refs finds FromBase64String('...') literals.
func (sc *scanner) fromBase64Refs() {
	const word = "frombase64string"
	if sc.absent(word) {
		return
	}
	for from := 0; from < len(sc.lower); {
		k := strings.Index(sc.lower[from:], word)
		if k < 0 {
			return
		}
		hit := from + k
		from = hit + 1
		p := sc.skipSpace(hit + len(word))
		if p >= len(sc.s) || sc.s[p] != '(' {
			continue
		}
		t, ok := sc.next(p + 1)
		if !ok || !t.quoted || len(t.val) < minFromBase64Len || !isBase64(t.val) {
			continue
		}
		end := t.end
		if q := sc.skipSpace(end); q < len(sc.s) && sc.s[q] == ')' {
			end = q + 1
		}
		sc.add(hit, end, Ref{Kind: KindInline, Data: t.val})
	}
}
