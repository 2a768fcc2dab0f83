package cmdline

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
)

func TestNormalize(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain line unchanged", `"C:\Program Files\App\app.exe" /background`, `"C:\Program Files\App\app.exe" /background`},
		{"carets", `p^owe^rshell -e^nc AAAA`, `powershell -enc AAAA`},
		{"caret inside quotes kept", `cmd /c "a^b"`, `cmd /c "a^b"`},
		{"double caret", `echo a^^b`, `echo a^b`},
		{"quoted flags", `powershell "-w" "hidden" "-enc" "SQBFAFgA"`, `powershell -w hidden -enc SQBFAFgA`},
		{"quoted path kept", `"C:\x\y.exe" "-a"`, `"C:\x\y.exe" -a`},
		{"backticks", "powershell -c \"(g`p HKCU:\\Software\\x v).v | i`e`x\"", `powershell -c "(gp HKCU:\Software\x v).v | iex"`},
		{"concatenation", `gp ('HKCU:Software\'+'Microsoft') x`, `gp 'HKCU:Software\Microsoft' x`},
		{"three parts", `New-Object ('Net.'+'WebC'+'lient')`, `New-Object 'Net.WebClient'`},
		{"nested", `&(('ie')+'x') $c`, `&'iex' $c`},
		{"call parens kept", `(Get-Item 'HKCU:\x').GetValue('v')`, `(Get-Item 'HKCU:\x').GetValue('v')`},
		{"char codes", `&([char]105+[char]0x65+[char]120) $c`, `&'iex' $c`},
		{"variable", `$a='HKCU:\Software\x'; gp $a v`, `$a='HKCU:\Software\x'; gp 'HKCU:\Software\x' v`},
		{"variable assigned twice kept", `$a='x'; $a='y'; gp $a`, `$a='x'; $a='y'; gp $a`},
		{"variable not literal kept", `$x=$((gp HKCU:\x d).d);powershell -enc $x`, `$x=$((gp HKCU:\x d).d);powershell -enc $x`},
		{"cmd set", `cmd /c "set a=power&& set b=shell&& call %a%%b% -enc AAAA"`, `cmd /c "set a=power&& set b=shell&& call powershell -enc AAAA"`},
		{"cmd delayed expansion", `cmd /v:on /c "set p=powershell&& !p! -enc AAAA"`, `cmd /v:on /c "set p=powershell&& powershell -enc AAAA"`},
		{"inside double-quoted command", `powershell -c "iex (('Ne'+'w-Object') x)"`, `powershell -c "iex ('New-Object' x)"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Normalize(tt.in); got != tt.want {
				t.Errorf("Normalize(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func utf16b64(s string) string {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 0, 2*len(u))
	for _, c := range u {
		b = append(b, byte(c), byte(c>>8))
	}
	return base64.StdEncoding.EncodeToString(b)
}

// TestExtractRefsObfuscated: references hidden by obfuscation are found
// through the normalised line.
func TestExtractRefsObfuscated(t *testing.T) {
	enc := utf16b64(`iex (gp HKCU:\Software\x v).v`)
	tests := []struct {
		name, line string
		kind       Kind
		key, value string
	}{
		{"caret powershell", `cmd /c p^owe^rshell -w hidden -e^nc ` + enc, KindInline, "", ""},
		{"quoted flags", `powershell "-w" "hidden" "-enc" "` + enc + `"`, KindInline, "", ""},
		{"backtick gp", "powershell -c \"iex (g`p HKCU:\\Software\\Kx v).v\"", KindRegistry, `HKCU:\Software\Kx`, "v"},
		{"concatenated key", `powershell -c "iex (gp ('HKCU:Software\'+'Microsoft\Kx') v).v"`, KindRegistry, `HKCU:Software\Microsoft\Kx`, "v"},
		{"variable key", `powershell -c "$a='HKCU:\Software\Kx'; iex (gp $a v).v"`, KindRegistry, `HKCU:\Software\Kx`, "v"},
		{"dosfuscation set", `cmd /c "set a=power&& set b=shell&& call %a%%b% -w hidden -enc ` + enc + `"`, KindInline, "", ""},
		{"dosfuscation substrings", `cmd /c %ProgramData:~3,1%%ProgramData:~5,1%wershell -enc ` + enc, KindInline, "", ""},
		{"regread from powershell", `powershell -c "iex (New-Object -ComObject WScript.Shell).RegRead('HKCU\Software\Kx\cfg')"`, KindRegistry, `HKCU\Software\Kx`, "cfg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			refs := ExtractRefs(tt.line, testEnv)
			checkRefs(t, tt.line, refs)
			for _, r := range refs {
				if r.Kind == tt.kind && (tt.kind != KindRegistry || strings.EqualFold(r.Key, tt.key) && strings.EqualFold(r.ValueName, tt.value)) {
					return
				}
			}
			t.Errorf("ExtractRefs(%q) = %+v, want a %s ref %s %s", tt.line, refs, tt.kind, tt.key, tt.value)
		})
	}
}

// TestNormalizeLargeLines feeds lines just under the normaliser's size
// limit, built to make each pass rescan; every one must stay linear.
func TestNormalizeLargeLines(t *testing.T) {
	if testing.Short() {
		t.Skip("256 KiB inputs")
	}
	const size = maxNormalize - 16
	rep := func(unit string) string { return strings.Repeat(unit, size/len(unit)+1)[:size] }
	for name, line := range map[string]string{
		"concatenations":   rep(`'a'+`),
		"nested parens":    rep(`(('x')+`),
		"open quotes":      "'" + rep(`("`),
		"assignments":      rep(`$a='x';`),
		"uses":             `$a='` + rep("y") + `';` + rep(" $a"),
		"sets":             rep("set a=b&&%a%"),
		"char codes":       rep("[char]105+"),
		"carets and ticks": rep("^`a"),
	} {
		start := time.Now()
		out := Normalize(line)
		if elapsed := time.Since(start); elapsed > 3*time.Second {
			t.Errorf("%s: took %v", name, elapsed)
		}
		if len(out) > 2*len(line)+2*maxGrowth*maxVars {
			t.Errorf("%s: grew %d bytes to %d", name, len(line), len(out))
		}
	}
}
