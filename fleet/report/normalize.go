package report

import (
	"regexp"
	"strings"
)

// Placeholders replace the parts of a command that differ between hosts
// running the same thing, so identical autoruns stack together. Each rule
// has a cheap guard: most commands need none of the regular expressions.
var normalizers = []struct {
	guard func(s, lower string) bool
	re    *regexp.Regexp
	with  string
}{
	// Base64 blobs first: they may contain anything below.
	{func(s, _ string) bool { return hasRun(s, 40, isBase64Char) }, regexp.MustCompile(`[A-Za-z0-9+/]{40,}={0,2}`), "<base64>"},
	{func(_, l string) bool { return strings.Contains(l, "s-1-") }, regexp.MustCompile(`(?i)\bS-1-\d+(-\d+)+\b`), "<sid>"},
	{func(s, _ string) bool { return strings.Count(s, "-") >= 4 }, regexp.MustCompile(`(?i)\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?`), "<guid>"},
	{func(_, l string) bool { return strings.Contains(l, `\users\`) }, regexp.MustCompile(`(?i)(\\users\\)[^\\"]+`), "${1}<user>"},
	{func(_, l string) bool { return strings.Contains(l, `\documents and settings\`) }, regexp.MustCompile(`(?i)(\\documents and settings\\)[^\\"]+`), "${1}<user>"},
	{hasDottedNumber, regexp.MustCompile(`\b\d+(\.\d+){2,}\b`), "<version>"},
	{func(s, _ string) bool { return hasRun(s, 32, isHexChar) }, regexp.MustCompile(`\b[0-9a-fA-F]{32,}\b`), "<hex>"},
}

func isBase64Char(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/'
}

func isHexChar(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hasRun(s string, n int, in func(byte) bool) bool {
	run := 0
	for i := 0; i < len(s); i++ {
		if in(s[i]) {
			if run++; run >= n {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

// hasDottedNumber: digit '.' digit '.' digit somewhere.
func hasDottedNumber(s, _ string) bool {
	for i := 0; i+4 < len(s); i++ {
		if s[i] == '.' && i > 0 && isDigit(s[i-1]) && isDigit(s[i+1]) {
			j := i + 1
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			if j+1 < len(s) && s[j] == '.' && isDigit(s[j+1]) {
				return true
			}
		}
	}
	return false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// NormalizeCommand turns an autorun command into its stacking pattern:
// lower case, with user names, SIDs, GUIDs, versions, long hex and base64
// blobs replaced by placeholders.
func NormalizeCommand(cmd string) string {
	s := strings.TrimSpace(cmd)
	lower := strings.ToLower(s)
	for _, n := range normalizers {
		if n.guard(s, lower) {
			if t := n.re.ReplaceAllString(s, n.with); t != s {
				s, lower = t, strings.ToLower(t)
			}
		}
	}
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}
