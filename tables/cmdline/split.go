// Package cmdline splits Windows command lines the way Windows does and
// finds the payload references in autorun loaders: the registry value,
// alternate data stream, event-log record, script file or inline base64 that
// a short Run-key command reads and executes.
//
// Everything here works on text only: nothing touches the file system or the
// registry, so the same code runs on live hosts and on offline evidence.
//
// What a reference's Text covers, always an exact substring of the line:
//   - registry: the reading expression, e.g. `(gp KEY NAME).NAME`,
//     `(Get-Item 'KEY').GetValue('n')`, `reg query KEY /v NAME`,
//     `RegRead("...")`; when the value name comes from a later `$var.NAME`,
//     only the call that reads the key;
//   - ads: the reader and its path (`more < f:s`, `gc f -Stream s`), or just
//     the path when a script host runs the stream;
//   - eventlog: from the cmdlet through the event-id filter;
//   - file: the script path as written, without quotes;
//   - inline: the option and its value (`-enc AAAA`), or `FromBase64String('...')`.
//
// Choices where the loaders leave room:
//   - a registry read whose value name cannot be determined (`gp KEY | fl`,
//     a name in a variable) yields no reference;
//   - rundll32 on a DLL in System32/SysWOW64 or named without a path
//     (shell32.dll, url.dll, LogiLDA.dll in System32) yields none; a DLL
//     elsewhere, including Program Files, is a file reference;
//   - an image that is itself a script (.vbs, .js, .hta, .bat, ...) is a
//     file reference, because Explorer runs it through its association;
//   - `Get-EventLog` without an id filter yields EventID 0 and, without a
//     log name, the Application log;
//   - `type f` without a stream is not a reference, `gc f` of a local path is
//     a file reference (it reads code to pipe into iex).
package cmdline

import "strings"

// Command is a split command line.
type Command struct {
	Image     string   // the executable, unquoted, %VAR% / Sysmon's %%VAR%% expanded with env where known
	Arguments string   // the rest of the line after the image, as written (trimmed)
	Args      []string // the arguments split by the Windows CommandLineToArgvW rules
}

// maxImagePieces bounds how many space-separated pieces an unquoted image
// path may span ("C:\Program Files\Common Files\...").
const maxImagePieces = 8

// imageExts end an unquoted image path: what CreateProcess runs, plus the
// script types Explorer starts through their file association.
var imageExts = []string{".exe", ".com", ".bat", ".cmd", ".scr", ".pif", ".vbs", ".vbe", ".js", ".jse", ".wsf", ".wsh", ".hta"}

// systemTools are extensionless image names that end the image at once,
// even when a later piece ends in .exe (`C:\Windows\System32\mshta C:\x\y.exe`).
var systemTools = map[string]bool{
	"cmd": true, "powershell": true, "pwsh": true, "wscript": true, "cscript": true,
	"mshta": true, "rundll32": true, "regsvr32": true, "reg": true, "explorer": true,
	"msiexec": true, "conhost": true, "userinit": true, "schtasks": true, "wmic": true,
	"certutil": true, "bitsadmin": true, "forfiles": true, "msbuild": true, "installutil": true,
}

// Split splits a command line the way Windows does: a quoted image, or an
// unquoted image containing spaces ("C:\Program Files\x\y.exe /a" resolves
// by finding the first prefix that ends in .exe/.com/.bat/.cmd/.scr/.pif or
// an existing extensionless system tool name like rundll32), etc.
//
// Winlogon's comma-separated Userinit list is honoured: an image ending in an
// executable extension followed by a comma ends there, and the comma is not
// part of Arguments.
func Split(line string, env map[string]string) Command {
	start, end, rest := locateImage(line)
	args := strings.TrimSpace(line[rest:])
	return Command{
		Image:     Expand(line[start:end], env),
		Arguments: args,
		Args:      splitArgs(args),
	}
}

// locateImage finds the raw image (without quotes) and where the arguments
// begin.
func locateImage(line string) (start, end, rest int) {
	i := 0
	for i < len(line) && isSpace(line[i]) {
		i++
	}
	if i == len(line) {
		return i, i, i
	}
	if line[i] == '"' {
		// The quoted image ends at the next quote, no matter what.
		j := strings.IndexByte(line[i+1:], '"')
		if j < 0 {
			return i + 1, len(line), len(line)
		}
		return i + 1, i + 1 + j, i + 1 + j + 1
	}
	e := wordEnd(line, i)
	first := line[i:e]
	if c := execBeforeComma(first); c >= 0 {
		return i, i + c, i + c + 1
	}
	if hasExt(first, imageExts) || !strings.ContainsAny(first, `\/`) || systemTools[strings.ToLower(baseName(first))] {
		return i, e, e
	}
	// An unquoted path with spaces: Windows tries each space-separated
	// prefix in turn; without the file system, the first one ending in an
	// executable extension is the best guess. A piece that looks like an
	// option or a second path ends the search.
	end = e
	for n := 0; n < maxImagePieces && end < len(line); n++ {
		p := end
		for p < len(line) && isSpace(line[p]) {
			p++
		}
		if p >= len(line) {
			break
		}
		pe := wordEnd(line, p)
		piece := line[p:pe]
		if strings.IndexByte(`-/"'`, piece[0]) >= 0 || strings.ContainsAny(piece, `":`) {
			break
		}
		if c := execBeforeComma(piece); c >= 0 {
			return i, p + c, p + c + 1
		}
		if hasExt(piece, imageExts) {
			return i, pe, pe
		}
		end = pe
	}
	return i, e, e
}

// execBeforeComma returns the index of the first comma in word when the text
// before it ends in an executable extension (Winlogon's Userinit list), or -1.
func execBeforeComma(word string) int {
	c := strings.IndexByte(word, ',')
	if c > 0 && hasExt(word[:c], imageExts) {
		return c
	}
	return -1
}

func wordEnd(s string, i int) int {
	for i < len(s) && !isSpace(s[i]) {
		i++
	}
	return i
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `\/`); i >= 0 {
		return p[i+1:]
	}
	return p
}

// hasExt reports whether s ends in one of exts (lower-case, with the dot),
// ignoring case.
func hasExt(s string, exts []string) bool {
	for _, e := range exts {
		if len(s) > len(e) && strings.EqualFold(s[len(s)-len(e):], e) {
			return true
		}
	}
	return false
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// splitArgs splits arguments by CommandLineToArgvW's rules for everything
// after argv[0] (Wine's reimplementation documents them): 2n backslashes
// before a quote give n backslashes and toggle quoting, 2n+1 give n and a
// literal quote, other backslashes are literal, and inside quotes a doubled
// quote gives a literal quote and ends the quoted part.
func splitArgs(s string) []string {
	var args []string
	var cur []byte
	inArg := false
	quotes := 0 // Wine's qcount: 0 outside quotes, 1 inside
	backslashes := 0
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case (c == ' ' || c == '\t') && quotes == 0:
			if inArg {
				args = append(args, string(cur))
				cur = cur[:0]
				inArg = false
			}
			backslashes = 0
			i++
		case c == '\\':
			cur = append(cur, c)
			backslashes++
			inArg = true
			i++
		case c == '"':
			inArg = true
			if backslashes%2 == 0 {
				cur = cur[:len(cur)-backslashes/2]
				quotes++
			} else {
				cur = cur[:len(cur)-backslashes/2-1]
				cur = append(cur, '"')
			}
			backslashes = 0
			i++
			for i < len(s) && s[i] == '"' {
				quotes++
				if quotes == 3 {
					cur = append(cur, '"')
					quotes = 0
				}
				i++
			}
			if quotes == 2 {
				quotes = 0
			}
		default:
			cur = append(cur, c)
			backslashes = 0
			inArg = true
			i++
		}
	}
	if inArg {
		args = append(args, string(cur))
	}
	return args
}

// Expand replaces %VAR% and %%VAR%% (case-insensitive names) from env;
// unknown variables stay as written.
func Expand(s string, env map[string]string) string {
	if len(env) == 0 || strings.IndexByte(s, '%') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	i := 0
	for i < len(s) {
		j := strings.IndexByte(s[i:], '%')
		if j < 0 {
			b.WriteString(s[i:])
			break
		}
		j += i
		b.WriteString(s[i:j])
		if j+1 < len(s) && s[j+1] == '%' {
			// Sysmon's doubled form: %%NAME%%.
			if k := strings.Index(s[j+2:], "%%"); k > 0 {
				if v, ok := lookupEnv(env, s[j+2:j+2+k]); ok {
					b.WriteString(v)
					i = j + 2 + k + 2
					continue
				}
			}
			b.WriteByte('%')
			i = j + 1
			continue
		}
		k := strings.IndexByte(s[j+1:], '%')
		if k < 0 {
			b.WriteString(s[j:])
			break
		}
		name := s[j+1 : j+1+k]
		if v, ok := lookupEnv(env, name); ok {
			b.WriteString(v)
			i = j + 1 + k + 1
			continue
		}
		// Unknown: keep "%NAME" and resume at the closing percent, which
		// may open the next variable (ExpandEnvironmentStrings does the same).
		b.WriteByte('%')
		b.WriteString(name)
		i = j + 1 + k
	}
	return b.String()
}

// maxEnvName bounds variable names; longer runs between percents are text.
const maxEnvName = 255

func lookupEnv(env map[string]string, name string) (string, bool) {
	if name == "" || len(name) > maxEnvName || strings.ContainsAny(name, "%\r\n\x00") {
		return "", false
	}
	if v, ok := env[name]; ok {
		return v, true
	}
	// Case-insensitive fallback; of several spellings, the lexically
	// smallest wins so the result does not depend on map order.
	found, value := "", ""
	for k, v := range env {
		if strings.EqualFold(k, name) && (found == "" || k < found) {
			found, value = k, v
		}
	}
	return value, found != ""
}
