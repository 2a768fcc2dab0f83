package cmdline

import (
	"encoding/base64"
	"strings"
)

// scriptImageExts are script types that run through their file association
// when the autorun value names the script itself as the image.
var scriptImageExts = []string{".bat", ".cmd", ".vbs", ".vbe", ".js", ".jse", ".wsf", ".wsh", ".hta"}

// cmdScriptExts are what `cmd /c FILE` and `start FILE` run as a script.
var cmdScriptExts = scriptImageExts

// imageRefs reports an image that is a script or lives in a stream.
func (sc *scanner) imageRefs() {
	start, end, _ := locateImage(sc.s)
	if start >= end {
		return
	}
	raw := sc.s[start:end]
	if file, stream, ok := splitStream(raw); ok {
		sc.add(start, end, Ref{Kind: KindADS, Path: Expand(file+":"+stream, sc.env)})
		return
	}
	if hasExt(raw, scriptImageExts) {
		sc.add(start, end, Ref{Kind: KindFile, Path: Expand(raw, sc.env)})
	}
}

// hostRefs finds script hosts and interpreters anywhere in the line (the
// image itself or nested in cmd /c and powershell -c strings) and reports
// what they run: script files, streams, and inline -EncodedCommand payloads.
func (sc *scanner) hostRefs() {
	sc.eachHost("powershell", func(_, p int) { sc.powershellArgs(p, false) })
	sc.eachHost("pwsh", func(_, p int) { sc.powershellArgs(p, true) })
	sc.eachHost("wscript", func(_, p int) { sc.wscriptArgs(p) })
	sc.eachHost("cscript", func(_, p int) { sc.wscriptArgs(p) })
	sc.eachHost("mshta", func(_, p int) { sc.mshtaArgs(p) })
	sc.eachHost("cmd", func(_, p int) { sc.cmdArgs(p) })
	sc.eachHost("%comspec%", func(_, p int) { sc.cmdArgs(p) })
	sc.eachHost("rundll32", func(_, p int) { sc.rundll32Args(p) })
	sc.eachHost("regsvr32", func(_, p int) { sc.regsvr32Args(p) })
}

type psParamKind int

const (
	psSwitch psParamKind = iota
	psValue
	psCommand
	psFile
	psEncoded
)

// psValueParams are powershell.exe / pwsh parameters that take a value.
var psValueParams = []string{
	"executionpolicy", "windowstyle", "version", "inputformat", "outputformat",
	"psconsolefile", "configurationname", "settingsfile", "workingdirectory",
	"custompipename", "encodedarguments",
}

// psParam classifies a powershell.exe / pwsh option by name, alias or
// prefix. Windows PowerShell resolves `-e`, `-en`, ... to -EncodedCommand,
// `-c`/`-co` to -Command and `-f` to -File.
func psParam(n string) psParamKind {
	switch n {
	case "e", "ec", "en", "enc":
		return psEncoded
	case "c":
		return psCommand
	case "f":
		return psFile
	case "ep", "ex", "w", "v", "o", "of", "i", "if", "wd", "ea":
		return psValue
	}
	if strings.HasPrefix("encodedcommand", n) {
		return psEncoded
	}
	if strings.HasPrefix("file", n) {
		return psFile
	}
	for _, p := range psValueParams {
		if strings.HasPrefix(p, n) && len(n) >= 2 {
			return psValue
		}
	}
	if strings.HasPrefix("command", n) {
		return psCommand
	}
	return psSwitch
}

// minEncodedLen is the shortest literal taken as an -EncodedCommand payload.
const minEncodedLen = 8

func (sc *scanner) powershellArgs(p int, pwsh bool) {
	for n := 0; n < maxArgTokens; n++ {
		tok, ok := sc.next(p)
		if !ok {
			return
		}
		p = tok.end
		name, inline, hasInline, isOpt := optionOf(tok, true)
		if !isOpt {
			// The first bare argument is the script for pwsh (its default
			// is -File) and the command for Windows PowerShell, which runs a
			// bare .ps1 path too.
			if hasExt(tok.val, []string{".ps1"}) || (pwsh && looksLikePath(tok.val)) {
				sc.addScript(tok)
			}
			return
		}
		kind := psParam(name)
		if kind == psSwitch {
			if tok.closes {
				return
			}
			continue
		}
		if kind == psCommand {
			return // the rest is code; the other finders read it
		}
		val := tok
		if hasInline && inline != "" {
			vs := tok.end - len(inline)
			val = token{val: inline, start: vs, end: tok.end, inStart: vs, inEnd: tok.end}
		} else if val, ok = sc.next(p); !ok {
			return
		}
		p = val.end
		switch kind {
		case psFile:
			sc.addScript(val)
			return
		case psEncoded:
			if len(val.val) >= minEncodedLen && isBase64(val.val) {
				sc.add(tok.start, val.end, Ref{Kind: KindInline, Data: val.val})
			}
			return
		}
		if val.closes {
			return
		}
	}
}

// wscriptArgs reads wscript/cscript: host options (//B, //E:jscript) and then the script.
func (sc *scanner) wscriptArgs(p int) {
	for n := 0; n < maxArgTokens; n++ {
		tok, ok := sc.next(p)
		if !ok {
			return
		}
		p = tok.end
		if !tok.quoted && strings.HasPrefix(tok.val, "/") {
			if tok.closes {
				return
			}
			continue
		}
		if looksLikePath(tok.val) {
			sc.addScript(tok)
		}
		return
	}
}

// mshtaArgs reads mshta's target: a local .hta (or stream) is a script
// file; javascript:/vbscript: code is read by the other finders; a URL is
// not a file.
func (sc *scanner) mshtaArgs(p int) {
	tok, ok := sc.next(p)
	if !ok {
		return
	}
	l := strings.ToLower(tok.val)
	if strings.HasPrefix(l, "javascript:") || strings.HasPrefix(l, "vbscript:") || strings.HasPrefix(l, "about:") || isURL(l) {
		return
	}
	if looksLikePath(tok.val) {
		sc.addScript(tok)
	}
}

// cmdArgs reads cmd's switches up to /c, /k or /r and the command after it.
func (sc *scanner) cmdArgs(p int) {
	for n := 0; n < maxArgTokens; n++ {
		tok, ok := sc.next(p)
		if !ok {
			return
		}
		p = tok.end
		name, _, _, isOpt := optionOf(tok, true)
		if !isOpt || tok.val[0] != '/' {
			return
		}
		if name == "c" || name == "k" || name == "r" {
			target, ok := sc.next(p)
			if !ok {
				return
			}
			if !target.quoted && strings.EqualFold(target.val, "start") {
				sc.startArgs(target.end)
				return
			}
			sc.addCmdScript(target)
			return
		}
	}
}

// addCmdScript reports a batch or script file that cmd runs; a quoted
// command string is cut at its first space when the script name ends there.
func (sc *scanner) addCmdScript(t token) {
	if hasExt(t.val, cmdScriptExts) {
		sc.addScript(t)
		return
	}
	if sp := strings.IndexAny(t.val, " \t"); sp > 0 && t.inEnd-t.inStart == len(t.val) && hasExt(t.val[:sp], cmdScriptExts) {
		sc.addScript(token{val: t.val[:sp], start: t.inStart, end: t.inStart + sp, inStart: t.inStart, inEnd: t.inStart + sp})
	}
}

// startArgs reads `start [options] ["title"] program`.
func (sc *scanner) startArgs(p int) {
	titleSeen := false
	for n := 0; n < maxArgTokens; n++ {
		tok, ok := sc.next(p)
		if !ok {
			return
		}
		p = tok.end
		if tok.quoted && !titleSeen {
			titleSeen = true // start's first quoted argument is the window title
			continue
		}
		if name, _, _, isOpt := optionOf(tok, true); isOpt && tok.val[0] == '/' {
			if name == "d" || name == "affinity" || name == "node" {
				if v, ok := sc.next(p); ok {
					p = v.end
				}
			}
			continue
		}
		sc.addCmdScript(tok)
		return
	}
}

// rundll32Args reports the DLL rundll32 loads, unless it is a Windows
// system DLL (shell32.dll, url.dll, anything in System32) or javascript:
// code. Vendor DLLs outside the Windows directory are reported as files.
func (sc *scanner) rundll32Args(p int) {
	tok, ok := sc.next(p)
	if !ok {
		return
	}
	l := strings.ToLower(tok.val)
	if strings.HasPrefix(l, "javascript:") || strings.HasPrefix(l, "vbscript:") {
		return
	}
	raw := sc.s[tok.inStart:tok.inEnd]
	if c := strings.IndexByte(raw, ','); c >= 0 {
		raw = raw[:c]
	}
	dll := raw
	if tok.quoted && raw != tok.val {
		dll, _, _ = strings.Cut(tok.val, ",")
	}
	dll = strings.TrimSpace(dll)
	if dll == "" || isSystemDLL(dll) {
		return
	}
	sc.addScript(token{val: dll, start: tok.inStart, end: tok.inStart + len(raw), inStart: tok.inStart, inEnd: tok.inStart + len(raw)})
}

// isSystemDLL reports a DLL that Windows itself provides: a bare name
// (found on the system search path) or a path in System32/SysWOW64.
func isSystemDLL(dll string) bool {
	if !strings.ContainsAny(dll, `\/`) {
		return true
	}
	l := strings.ReplaceAll(strings.ToLower(dll), "/", `\`)
	for _, v := range []string{"%%systemroot%%", "%systemroot%", "%windir%"} {
		if strings.HasPrefix(l, v) {
			l = `c:\windows` + l[len(v):]
			break
		}
	}
	if strings.Contains(l, `..`) {
		return false
	}
	for _, d := range []string{`\windows\system32\`, `\windows\syswow64\`, `\windows\sysnative\`} {
		if strings.Contains(l, d) {
			return true
		}
	}
	return false
}

// regsvr32Args reports a local /i: scriptlet target (a URL is not a file).
func (sc *scanner) regsvr32Args(p int) {
	for n := 0; n < maxArgTokens; n++ {
		tok, ok := sc.next(p)
		if !ok {
			return
		}
		p = tok.end
		l := strings.ToLower(tok.val)
		if tok.quoted || !(strings.HasPrefix(l, "/i:") || strings.HasPrefix(l, "-i:")) {
			if tok.closes {
				return
			}
			continue
		}
		target := token{val: tok.val[3:], start: tok.start + 3, end: tok.end, inStart: tok.start + 3, inEnd: tok.end}
		if target.val == "" && tok.closes {
			if target, ok = sc.next(p); !ok {
				return
			}
		}
		if target.val != "" && !isURL(strings.ToLower(target.val)) {
			sc.addScript(target)
		}
		return
	}
}

// addScript reports a script path: a stream when it names one, else a file.
func (sc *scanner) addScript(t token) {
	v := t.val
	if v == "" || v == "-" || v[0] == '$' || isURL(strings.ToLower(v)) {
		return
	}
	if file, stream, ok := splitStream(v); ok {
		sc.add(t.inStart, t.inEnd, Ref{Kind: KindADS, Path: Expand(file+":"+stream, sc.env)})
		return
	}
	sc.add(t.inStart, t.inEnd, Ref{Kind: KindFile, Path: Expand(v, sc.env)})
}

// looksLikePath is true for something that names a file rather than a
// word or an option.
func looksLikePath(v string) bool {
	if v == "" || v[0] == '$' || v[0] == '-' || v[0] == '/' {
		return false
	}
	return strings.ContainsAny(v, `\.:`)
}

func isURL(l string) bool {
	for _, p := range []string{"http://", "https://", "ftp://", "ftps://", "file://"} {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return false
}

// isBase64 reports standard base64 text (padding only at the end).
func isBase64(s string) bool {
	if s == "" {
		return false
	}
	pad := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '=':
			pad++
		case pad > 0:
			return false
		case isLetter(c) || isDigit(c) || c == '+' || c == '/':
		default:
			return false
		}
	}
	return pad <= 2
}

// callOperatorRefs finds PowerShell scripts run with the call or dot-source
// operator inside a command string: `& 'C:\x\y.ps1'`, `. C:\x\y.ps1`.
func (sc *scanner) callOperatorRefs() {
	s := sc.s
	// The next '&' and the next '.', each searched with IndexByte only
	// once passed (strings.IndexAny builds its set on every call).
	amp, dot := strings.IndexByte(s, '&'), strings.IndexByte(s, '.')
	for amp >= 0 || dot >= 0 {
		at := dot
		if dot < 0 || amp >= 0 && amp < dot {
			at = amp
			amp = nextIndexByte(s, at+1, '&')
		} else {
			dot = nextIndexByte(s, at+1, '.')
		}
		if at+1 >= len(s) || !isSpace(s[at+1]) || (at > 0 && strings.IndexByte(cmdletBefore, s[at-1]) < 0) {
			continue
		}
		if t, ok := sc.next(at + 1); ok && hasExt(t.val, []string{".ps1"}) && looksLikePath(t.val) {
			sc.addScript(t)
		}
	}
}

// minLooseEncodedLen is the shortest base64 taken as an -EncodedCommand
// argument when no PowerShell host was recognised.
const minLooseEncodedLen = 16

// looseEncodedRefs finds -EncodedCommand (any abbreviation) with a base64
// argument of UTF-16LE text when the line names no PowerShell host the
// other finders recognise: DOSfuscation builds the word powershell from
// variables or substrings (%ProgramData:~0,1%...), and the payload must be
// decoded anyway.
func (sc *scanner) looseEncodedRefs() {
	for _, f := range sc.found {
		if f.ref.Kind == KindInline {
			return
		}
	}
	for off := 0; off < len(sc.lower); {
		i := strings.Index(sc.lower[off:], "-e")
		if i < 0 {
			return
		}
		i += off
		off = i + 2
		if i > 0 && !isSpace(sc.s[i-1]) && sc.s[i-1] != '"' {
			continue
		}
		tok, ok := sc.next(i)
		if !ok {
			continue
		}
		name, _, _, isOpt := optionOf(tok, true)
		if !isOpt || psParam(name) != psEncoded {
			continue
		}
		val, ok := sc.next(tok.end)
		if !ok {
			continue
		}
		if len(val.val) >= minLooseEncodedLen && isBase64(val.val) && base64UTF16(val.val) {
			sc.add(tok.start, val.end, Ref{Kind: KindInline, Data: val.val})
		}
		off = max(off, val.end)
	}
}

// base64UTF16 decodes the start of s and checks for ASCII text in UTF-16LE:
// a NUL high byte in every code unit.
func base64UTF16(s string) bool {
	s = strings.TrimRight(s, "=")
	s = s[:min(len(s), 128)]
	s = s[:len(s)-len(s)%4]
	b, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil || len(b) < 4 {
		return false
	}
	for i := 0; i+1 < len(b); i += 2 {
		if b[i+1] != 0 || b[i] < 0x09 || b[i] > 0x7e {
			return false
		}
	}
	return true
}

// nextIndexByte is the index of c in s at or after from, or -1.
func nextIndexByte(s string, from int, c byte) int {
	if from >= len(s) {
		return -1
	}
	if i := strings.IndexByte(s[from:], c); i >= 0 {
		return from + i
	}
	return -1
}
