package payload

import (
	"encoding/base64"
	"regexp"
	"slices"
	"strings"

	"github.com/runkeyhunt/runkeyhunt/tables/cmdline"
	"github.com/runkeyhunt/runkeyhunt/tables/indicators"
)

// TextIndicators returns the indicator ids (constants from tables/indicators)
// whose patterns match text: a command line or a decoded payload. Matching is
// case-insensitive and ignores PowerShell backtick and cmd caret escapes;
// Unicode dashes count as '-', as PowerShell parses them. The ids come back
// sorted, without duplicates; nil when nothing matches. The text is scanned
// as written and, when obfuscated, in the form cmdline.Normalize gives it
// (concatenated literals joined, [char] codes and variables resolved).
func TextIndicators(text string) []string {
	return textIndicatorsOf(text, cmdline.Normalize(text))
}

// TextIndicatorsNormalized is TextIndicators for a caller that has
// normalised the text already (norm is cmdline.Normalize(text)).
func TextIndicatorsNormalized(text, norm string) []string {
	return textIndicatorsOf(text, norm)
}

// TextIndicatorsLowered is TextIndicators for a caller that has lowered
// the text and normalised it (norm is cmdline.NormalizeLowered(text)).
func TextIndicatorsLowered(text, norm cmdline.Lowered) []string {
	return textIndicatorsOfLowered(text, norm)
}

// textIndicatorsOf scans text and, when it differs, its normalised form.
func textIndicatorsOf(text, norm string) []string {
	return textIndicatorsOfLowered(cmdline.Lowered{Text: text}, cmdline.Lowered{Text: norm})
}

// textIndicatorsOfLowered is textIndicatorsOf with the lowered copies
// where the caller has them ("" Lower: not made yet).
func textIndicatorsOfLowered(text, norm cmdline.Lowered) []string {
	ids := textIndicatorsLowered(text)
	if norm.Text != text.Text {
		for _, id := range textIndicatorsLowered(norm) {
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
		slices.Sort(ids)
	}
	return ids
}

func textIndicators(text string) []string {
	return textIndicatorsLowered(cmdline.Lowered{Text: text})
}

// textIndicatorsLowered is textIndicators of text.Text, whose ASCIILower
// copy text.Lower is, when not "".
func textIndicatorsLowered(text cmdline.Lowered) []string {
	orig, low := normalizeLowered(text)
	hits := textLits.scan(low)
	params := scanParams(orig, low, hits)
	var ids []string
	add := func(id string, matched bool) {
		if matched {
			ids = append(ids, id)
		}
	}
	add(indicators.EncodedCommand, params.encodedArg)
	add(indicators.HiddenWindow, matchHiddenWindow(params, low, hits))
	add(indicators.NoProfile, params.noProfile)
	add(indicators.ExecPolicyBypass, params.policyBypass || hits.any(setPolicyLits))
	add(indicators.DownloadCradle, matchDownloadCradle(low, hits))
	add(indicators.InvokeExpression, matchInvokeExpression(low, hits))
	add(indicators.ReflectionLoad, matchReflectionLoad(low, hits))
	add(indicators.AMSIBypass, hits.any(amsiLits))
	add(indicators.ScriptblockLoggingBypass, hits.any(loggingBypassLits))
	add(indicators.LolbinScript, matchLolbinScript(low, hits))
	add(indicators.CompressedPayload, hits.any(compressionLits))
	slices.Sort(ids)
	return ids
}

// normalize drops backticks and carets (PowerShell and cmd escapes that do
// not change what runs) and maps the dashes PowerShell accepts for
// parameters to '-'. low is orig with ASCII letters lowered, byte for byte,
// so offsets found in low index orig.
func normalize(text string) (orig, low string) {
	// ContainsAny with non-ASCII characters in the set decodes every rune;
	// the dashes all start with the byte 0xE2, so look for that instead.
	return normalizeLowered(cmdline.Lowered{Text: text})
}

// normalizeLowered is normalize, reusing text.Lower (when not "") where
// there is nothing to strip.
func normalizeLowered(text cmdline.Lowered) (orig, low string) {
	s := text.Text
	if strings.IndexByte(s, '`') >= 0 || strings.IndexByte(s, '^') >= 0 || strings.IndexByte(s, 0xE2) >= 0 && strings.ContainsAny(s, "\u2013\u2014\u2015") {
		s = escapeStripper.Replace(s)
	}
	if s == text.Text && text.Lower != "" {
		return s, text.Lower
	}
	return s, cmdline.ASCIILower(s)
}

var escapeStripper = strings.NewReplacer("`", "", "^", "", "\u2013", "-", "\u2014", "-", "\u2015", "-")

// The literals the rules look for, found in one pass (textLits.scan)
// rather than one strings.Index per literal.
var (
	textLits          litTable
	powerShellLits    = textLits.add("powershell", "pwsh")
	setPolicyLits     = textLits.add("set-executionpolicy")
	amsiLits          = textLits.add("amsiutils", "amsiinitfailed", "amsiscanbuffer")
	loggingBypassLits = textLits.add("cachedgrouppolicysettings", "scriptblocklogging", "scriptblockinvocationlogging")
	compressionLits   = textLits.add("io.compression.deflatestream", "io.compression.gzipstream")
)

func init() {
	for _, rules := range [][]anchoredRule{hiddenWindowRules, downloadCradleRules, invokeExpressionRules, reflectionLoadRules, lolbinScriptRules} {
		for i := range rules {
			rules[i].bit = textLits.add(rules[i].lit)
		}
	}
}

// isWordByte is the regexp \w class on lower-cased text.
func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_'
}

func isSpaceByte(c byte) bool { return c < 0x80 && isSpace(c) }

// A parameter token stands alone: it follows the start, whitespace, a quote
// or a statement separator, never another dash or a letter, so
// "--enable-features" or "foo-e" hold no parameter.
func isParamBoundary(c byte) bool { return paramBoundary[c] }

// isArgEnd reports whether c ends a parameter value.
func isArgEnd(c byte) bool { return argEnd[c] }

// paramBoundary and argEnd are the two byte sets, one lookup a byte.
var paramBoundary, argEnd = byteSet(`"'(;|&,{`), byteSet(`"';|&)`)

// byteSet is the set of white space and the bytes of chars.
func byteSet(chars string) (set [256]bool) {
	for c := range 256 {
		set[c] = isSpaceByte(byte(c)) || strings.IndexByte(chars, byte(c)) >= 0
	}
	return set
}

// isAbbrev reports whether name abbreviates word to at least minLen letters,
// as powershell.exe accepts its parameters.
func isAbbrev(name, word string, minLen int) bool {
	return len(name) >= minLen && strings.HasPrefix(word, name)
}

// paramFlags are the PowerShell host parameters found in a text.
type paramFlags struct {
	encodedArg   bool // -EncodedCommand with a plausible argument
	windowHidden bool // -WindowStyle Hidden
	windowOne    bool // -WindowStyle 1
	noProfile    bool
	policyBypass bool // -ExecutionPolicy Bypass|Unrestricted
}

// scanParams walks every "-name" and "/name" token once. Parsing tokens by
// hand rather than with regexps keeps TextIndicators linear and fast on
// multi-megabyte payloads.
func scanParams(orig, low string, hits litHits) paramFlags {
	var f paramFlags
	psContext := hits.any(powerShellLits)
	var next nextOf
	for off := 0; off < len(low); {
		p := next.dashOrSlash(low, off)
		if p < 0 {
			break
		}
		off = p + 1
		if p > 0 && !isParamBoundary(low[p-1]) {
			continue
		}
		j := p + 1
		for j < len(low) && low[j] >= 'a' && low[j] <= 'z' {
			j++
		}
		name := low[p+1 : j]
		if name == "" {
			continue
		}
		switch {
		case isAbbrev(name, "encodedcommand", 1) || name == "ec":
			if start, end, ok := paramValue(low, j, false); ok && plausibleEncodedArg(orig[start:end], low[start:end], psContext) {
				f.encodedArg = true
			}
		case isAbbrev(name, "windowstyle", 1):
			if start, end, ok := paramValue(low, j, true); ok {
				v := low[start:end]
				f.windowHidden = f.windowHidden || isAbbrev(v, "hidden", 1)
				f.windowOne = f.windowOne || v == "1"
			}
		case isAbbrev(name, "noprofile", 3):
			f.noProfile = f.noProfile || j == len(low) || isArgEnd(low[j])
		case isAbbrev(name, "executionpolicy", 2) || name == "ep":
			if start, end, ok := paramValue(low, j, true); ok {
				v := low[start:end]
				f.policyBypass = f.policyBypass || v == "bypass" || v == "unrestricted"
			}
		}
	}
	return f
}

// nextOf finds the next '-' or '/' of a text, searching for each byte with
// strings.IndexByte only when the search passes the last one found: far
// cheaper than strings.IndexAny's byte-by-byte set test.
type nextOf struct {
	dash, slash int // position + 1 of the last found (0: not searched); -1: none left
}

// dashOrSlash returns the first '-' or '/' of s at or after off, or -1.
func (n *nextOf) dashOrSlash(s string, off int) int {
	n.dash = nextByte(s, off, '-', n.dash)
	n.slash = nextByte(s, off, '/', n.slash)
	switch {
	case n.dash < 0 && n.slash < 0:
		return -1
	case n.dash < 0:
		return n.slash - 1
	case n.slash < 0:
		return n.dash - 1
	}
	return min(n.dash, n.slash) - 1
}

// nextByte refreshes a nextOf position (last) of c for a search from off.
func nextByte(s string, off int, c byte, last int) int {
	if last < 0 || last-1 >= off {
		return last
	}
	i := strings.IndexByte(s[off:], c)
	if i < 0 {
		return -1
	}
	return off + i + 1
}

// paramValue finds the value after a parameter name ending at j: whitespace
// (or a colon when allowed), an optional quote, then the token up to the
// next delimiter.
func paramValue(low string, j int, colon bool) (start, end int, ok bool) {
	k := j
	for k < len(low) && (isSpaceByte(low[k]) || colon && low[k] == ':') {
		k++
	}
	if k == j || k == len(low) {
		return 0, 0, false
	}
	if low[k] == '"' || low[k] == '\'' {
		k++
	}
	end = k
	for end < len(low) && !isArgEnd(low[end]) {
		end++
	}
	return k, end, end > k
}

// Encodings that "-en"/"-enc" abbreviate on cmdlets (Get-Content -Encoding).
var encodingNames = map[string]bool{
	"ascii": true, "utf8": true, "utf-8": true, "utf8bom": true, "utf8nobom": true, "unicode": true,
	"utf7": true, "utf32": true, "bigendianunicode": true, "bigendianutf32": true, "default": true,
	"oem": true, "byte": true, "string": true, "unknown": true, "latin1": true,
}

// plausibleEncodedArg accepts what an -EncodedCommand argument can be: a
// PowerShell variable, or base64 that either sits in a PowerShell command or
// decodes to UTF-16LE text by itself. That keeps "-e config" of other
// programs and "-enc utf8" of cmdlets out.
func plausibleEncodedArg(arg, lowArg string, psContext bool) bool {
	switch {
	case encodingNames[lowArg]:
		return false
	case arg[0] == '$':
		return true
	case !isBase64Token(arg):
		return false
	default:
		return psContext || base64OfUTF16(arg)
	}
}

func isBase64Token(s string) bool {
	if len(s) < 4 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=') {
			return false
		}
	}
	return true
}

// base64OfUTF16 decodes the start of s and checks for UTF-16LE text.
func base64OfUTF16(s string) bool {
	s = strings.TrimRight(s, "=")
	s = s[:min(len(s), 256)]
	s = s[:len(s)-len(s)%4]
	b, err := base64.RawStdEncoding.DecodeString(s)
	return err == nil && len(b) >= 2 && looksUTF16LE(b)
}

// anchorBudget bounds the bytes one rule hands to its regexp per call, so a
// text crafted with many anchors cannot make matching quadratic.
const anchorBudget = 1 << 20

// anchoredRule finds lit, checks the byte before it, and runs re (anchored
// with ^ at the literal) over at most window bytes. Go's regexp has no
// literal-free fast path, so anchoring keeps it off most of the text.
type anchoredRule struct {
	lit    string
	bit    litGroup        // lit in textLits, set by init
	before func(byte) bool // the byte before lit, when there is one; nil: any
	re     *regexp.Regexp  // nil: the literal alone matches
	window int
}

func (r anchoredRule) match(low string) bool {
	budget := anchorBudget
	for off := 0; budget > 0; {
		i := strings.Index(low[off:], r.lit)
		if i < 0 {
			return false
		}
		i += off
		off = i + 1
		if i > 0 && r.before != nil && !r.before(low[i-1]) {
			continue
		}
		if r.re == nil {
			return true
		}
		end := min(len(low), i+r.window)
		budget -= end - i
		if r.re.MatchString(low[i:end]) {
			return true
		}
	}
	return false
}

// anyRule runs the rules whose literal occurs in low (hits).
func anyRule(low string, hits litHits, rules []anchoredRule) bool {
	for _, r := range rules {
		if hits.any(r.bit) && r.match(low) {
			return true
		}
	}
	return false
}

func notWord(c byte) bool { return !isWordByte(c) }

func notWordOrDash(c byte) bool { return !isWordByte(c) && c != '-' }

func oneOf(set string) func(byte) bool {
	return func(c byte) bool { return isSpaceByte(c) || strings.IndexByte(set, c) >= 0 }
}

// prefixes returns the regexp alternation of every prefix of word that is at
// least minLen long, longest first.
func prefixes(word string, minLen int) string {
	alts := make([]string, 0, len(word)-minLen+1)
	for n := len(word); n >= minLen; n-- {
		alts = append(alts, regexp.QuoteMeta(word[:n]))
	}
	return strings.Join(alts, "|")
}

const scriptHosts = `(?:powershell|pwsh|wscript|cscript|mshta|cmd|rundll32|regsvr32)`

var hiddenWindowRules = []anchoredRule{
	// start [/options] /min|/b [/options] <script host>
	{lit: "start", before: notWord, window: 1 << 10, re: regexp.MustCompile(
		`^start(?:\s+(?:/[a-z]+|"[^"]*"))*?\s+/(?:min|b)\b(?:\s+(?:/[a-z]+|"[^"]*"))*\s+["']?(?:[^\s"']*[\\/])?` + scriptHosts + `(?:\.exe)?\b`)},
	// WScript.Shell .Run(command, 0 ...) or VBScript .Run command, 0
	{lit: ".run", window: 16 << 10, re: regexp.MustCompile(
		`^\.run(?:\s*\(|\s+)\s*(?:"(?:[^"]|"")*"|'[^']*'|\([^()]*\)|[^,()"'\n])*?,\s*0\s*(?:[,):]|$|\s)`)},
	{lit: "processwindowstyle]::hidden"},
}

func matchHiddenWindow(params paramFlags, low string, hits litHits) bool {
	return params.windowHidden || params.windowOne && hits.any(powerShellLits) || anyRule(low, hits, hiddenWindowRules)
}

var urlScriptHost = regexp.MustCompile(`^(?:mshta|wscript|cscript|regsvr32)(?:\.exe)?\b[^\n]*?(?:https?|ftp)://`)

var downloadCradleRules = []anchoredRule{
	{lit: "iwr", before: oneOf(`(;|&{=`), window: 8, re: regexp.MustCompile(`^iwr(?:$|[\s(])`)},
	{lit: "bitsadmin", before: notWord, window: 4 << 10, re: regexp.MustCompile(`^bitsadmin(?:\.exe)?\b[^\n]*?[-/]transfer\b`)},
	{lit: "certutil", before: notWord, window: 4 << 10, re: regexp.MustCompile(`^certutil(?:\.exe)?\b[^\n]*?[-/]urlcache\b`)},
	{lit: "mshta", before: notWord, window: 4 << 10, re: urlScriptHost},
	{lit: "wscript", before: notWord, window: 4 << 10, re: urlScriptHost},
	{lit: "cscript", before: notWord, window: 4 << 10, re: urlScriptHost},
	{lit: "regsvr32", before: notWord, window: 4 << 10, re: urlScriptHost},
}

var downloadCradleLits = textLits.add("net.webclient", "downloadstring", "downloaddata", "downloadfile",
	"invoke-webrequest", "start-bitstransfer", "xmlhttp", "script:http")

func matchDownloadCradle(low string, hits litHits) bool {
	return hits.any(downloadCradleLits) || anyRule(low, hits, downloadCradleRules)
}

var invokeExpressionRules = []anchoredRule{
	// IEX as a command: not part of a word, variable, or file name.
	{lit: "iex", before: oneOf(`(;|&{="'[,`), window: 8, re: regexp.MustCompile(`^iex(?:$|[\s("'$;|)])`)},
	// Invoke-Command/icm with -ScriptBlock (any abbreviation) or a literal block.
	{lit: "invoke-command", before: notWordOrDash, window: 4 << 10, re: invokeCommand("invoke-command")},
	{lit: "icm", before: notWordOrDash, window: 4 << 10, re: invokeCommand("icm")},
	{lit: "eval", before: notWord, window: 64, re: regexp.MustCompile(`^eval\s*\(`)},
	{lit: "execute", before: notWord, window: 64, re: regexp.MustCompile(`^execute(?:global)?\s*\(|^executeglobal\s`)},
}

func invokeCommand(name string) *regexp.Regexp {
	return regexp.MustCompile(`^` + name + `(?:\s*\{|\s[^;\n|]*?[-/](?:` + prefixes("scriptblock", 2) + `)(?:$|[\s{:]))`)
}

var blockInvokeLits = textLits.add(".invoke")

var blockInvoke = regexp.MustCompile(`^\.invoke(?:returnasis)?\s*\(`)

// matchBlockInvoke finds "{ ... }.Invoke(": a literal script block run in
// place. The block's closing brace is found by looking back from ".invoke".
func matchBlockInvoke(low string, hits litHits) bool {
	if !hits.any(blockInvokeLits) {
		return false
	}
	for off := 0; ; {
		i := strings.Index(low[off:], ".invoke")
		if i < 0 {
			return false
		}
		i += off
		off = i + 1
		j := i - 1
		for j >= 0 && isSpaceByte(low[j]) {
			j--
		}
		if j >= 0 && low[j] == ')' {
			j--
			for j >= 0 && isSpaceByte(low[j]) {
				j--
			}
		}
		if j >= 0 && low[j] == '}' && blockInvoke.MatchString(low[i:min(len(low), i+64)]) {
			return true
		}
	}
}

var invokeExpressionLits = textLits.add("invoke-expression", "scriptblock]::create", "invokecommand.invokescript")

func matchInvokeExpression(low string, hits litHits) bool {
	return hits.any(invokeExpressionLits) || anyRule(low, hits, invokeExpressionRules) || matchBlockInvoke(low, hits)
}

var reflectionLoadRules = []anchoredRule{
	{lit: "reflection.assembly]", window: 128, re: regexp.MustCompile(`^reflection\.assembly\]\s*::\s*load(?:file|from)?\s*\(`)},
	{lit: "currentdomain.load", window: 64, re: regexp.MustCompile(`^currentdomain\.load\s*\(`)},
	// Add-Type compiling code: positional source, or -TypeDefinition /
	// -MemberDefinition in any abbreviation (not -AssemblyName, -Path).
	{lit: "add-type", before: notWordOrDash, window: 4 << 10, re: regexp.MustCompile(
		`^add-type\s+(?:@?["']|\$)|^add-type\b[^;\n|]*?\s[-/](?:` + prefixes("typedefinition", 1) + `|` + prefixes("memberdefinition", 1) + `)(?:$|[\s:])`)},
}

var reflectionLoadLits = textLits.add("virtualalloc", "getdelegateforfunctionpointer")

func matchReflectionLoad(low string, hits litHits) bool {
	return hits.any(reflectionLoadLits) || anyRule(low, hits, reflectionLoadRules)
}

var scriptURI = regexp.MustCompile(`^(?:mshta|rundll32)(?:\.exe)?\b[^\n]*?\b(?:javascript|vbscript):`)

var lolbinScriptRules = []anchoredRule{
	{lit: "mshta", before: notWord, window: 8 << 10, re: scriptURI},
	{lit: "rundll32", before: notWord, window: 8 << 10, re: scriptURI},
	{lit: "regsvr32", before: notWord, window: 8 << 10, re: regexp.MustCompile(`^regsvr32(?:\.exe)?\b[^\n]*?(?:[-/]i:[^\n]*?scrobj|scrobj[^\n]*?[-/]i:)`)},
}

var lolbinScriptLits = textLits.add("activexobject", "wscript.shell")

func matchLolbinScript(low string, hits litHits) bool {
	return hits.any(lolbinScriptLits) || anyRule(low, hits, lolbinScriptRules)
}
