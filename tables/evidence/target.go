package evidence

import (
	"strings"

	"github.com/runkeyhunt/runkeyhunt/tables/cmdline"
)

// Target is the file that really runs for an autorun command.
type Target struct {
	Path   string // Windows path, environment expanded; empty when the command names no file
	Script bool   // a script (hashed, existence checked, no signature)
	Via    string // the proxy that runs it (`rundll32`, `cmd /c start`, ...), empty for the image itself
}

// proxyTarget finds the inner target of the system tools whose own binary
// is not what the autorun runs. A short list of what Run keys use; the
// LOLBin catalog in tables/catalog is the fuller list (to dedupe with).
func proxyTarget(name string, cmd cmdline.Command, env map[string]string, depth int) (Target, bool) {
	switch name {
	case "rundll32", "regsvr32":
		return dllTarget(cmd, env)
	case "cmd":
		return cmdTarget(cmd, env, depth)
	case "pcalua":
		return pcaluaTarget(cmd, env)
	case "conhost", "explorer", "mshta":
		return firstArgTarget(cmd, env)
	case "wscript", "cscript":
		t, ok := firstArgTarget(cmd, env)
		t.Script = ok
		return t, ok
	case "powershell", "pwsh":
		return powershellFile(cmd, env)
	}
	return Target{}, false
}

// proxyNames are the tools proxyTarget knows, which cmd finds by bare name.
var proxyNames = map[string]bool{
	"rundll32": true, "regsvr32": true, "cmd": true, "pcalua": true, "conhost": true, "explorer": true,
	"mshta": true, "wscript": true, "cscript": true, "powershell": true, "pwsh": true,
}

// scriptExts are run by a script host or Explorer's association: no
// Authenticode to check in the file (a signature block in a script is
// not read here).
var scriptExts = []string{".ps1", ".psm1", ".bat", ".cmd", ".vbs", ".vbe", ".js", ".jse", ".wsf", ".wsh", ".hta", ".sct"}

// maxProxyDepth bounds proxies of proxies (`cmd /c start rundll32 x.dll`).
const maxProxyDepth = 4

// ImageTarget picks the file an autorun really runs: the image itself,
// the DLL of rundll32/regsvr32, the inner target of `cmd /c [start]`,
// `pcalua -a` and `conhost`, the script of a script host or of
// `powershell -File`. A bare name (`rundll32.exe`, `shell32.dll`) is
// taken from System32, where Windows finds such names first.
func ImageTarget(data string, env map[string]string) Target {
	return targetOf(cmdline.Split(data, env), env, 0)
}

func targetOf(cmd cmdline.Command, env map[string]string, depth int) Target {
	image := qualify(cmd.Image, env)
	if image == "" {
		return Target{}
	}
	name := toolName(image)
	// A proxy is Windows' own tool; a cmd.exe under AppData is what runs.
	if depth < maxProxyDepth && strings.Contains(strings.ToLower(image), `\windows\`) {
		if t, ok := proxyTarget(name, cmd, env, depth); ok {
			if t.Via == "" {
				t.Via = name
			}
			return t
		}
	}
	return Target{Path: image, Script: isScript(image)}
}

// toolName is a path's base name, lower case, without .exe.
func toolName(p string) string {
	if i := strings.LastIndexAny(p, `\/`); i >= 0 {
		p = p[i+1:]
	}
	return strings.TrimSuffix(strings.ToLower(p), ".exe")
}

func isScript(p string) bool {
	lp := strings.ToLower(p)
	for _, e := range scriptExts {
		if strings.HasSuffix(lp, e) {
			return true
		}
	}
	return false
}

// qualify expands env and places a bare name in System32; a name without
// an extension gets .exe, as CreateProcess does.
func qualify(p string, env map[string]string) string {
	p = strings.TrimSpace(strings.Trim(cmdline.Expand(p, env), `"`))
	if p == "" || strings.Contains(p, "://") || strings.Contains(p, "%") {
		return p
	}
	if !strings.ContainsAny(p, `\/`) {
		root := `C:\Windows`
		if v, ok := lookup(env, "SYSTEMROOT"); ok {
			root = v
		}
		p = root + `\System32\` + p
	}
	if i, j := strings.LastIndexAny(p, `\/`), strings.LastIndexByte(p, '.'); j <= i {
		p += ".exe"
	}
	return p
}

func lookup(env map[string]string, name string) (string, bool) {
	for k, v := range env {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

// dllTarget: `rundll32 x.dll,Entry` and `regsvr32 /s /i:... x.dll` run the
// DLL. `rundll32 javascript:...` names no file (the image stays).
func dllTarget(cmd cmdline.Command, env map[string]string) (Target, bool) {
	for _, a := range cmd.Args {
		if strings.HasPrefix(a, "/") || strings.HasPrefix(a, "-") {
			continue
		}
		dll := a
		if i := strings.IndexByte(dll, ','); i >= 0 {
			dll = dll[:i]
		}
		dll = strings.TrimSpace(dll)
		if dll == "" || strings.Contains(dll, ":") && !(len(dll) > 2 && dll[1] == ':') {
			return Target{}, false
		}
		p := qualify(dll, env)
		return Target{Path: p, Script: isScript(p)}, true
	}
	return Target{}, false
}

// cmdTarget: `cmd /c X`, `cmd /k X`, `cmd /c start [/min ...] ["title"] X`.
func cmdTarget(cmd cmdline.Command, env map[string]string, depth int) (Target, bool) {
	rest := cmd.Arguments
	for {
		w, after := nextWord(rest)
		if w == "" {
			return Target{}, false
		}
		lw := strings.ToLower(w)
		if lw == "/c" || lw == "/k" || lw == "/r" {
			rest = after
			break
		}
		if !strings.HasPrefix(w, "/") {
			return Target{}, false
		}
		rest = after
	}
	via := "cmd"
	if w, after := nextWord(rest); strings.EqualFold(w, "start") {
		via = "cmd /c start"
		rest = after
		for {
			w, after := nextWord(rest)
			if !strings.HasPrefix(w, "/") {
				break
			}
			rest = after
		}
		// start takes a first quoted argument as the window title.
		if t := strings.TrimSpace(rest); strings.HasPrefix(t, `"`) {
			if end := strings.IndexByte(t[1:], '"'); end >= 0 && strings.TrimSpace(t[end+2:]) != "" {
				rest = t[end+2:]
			}
		}
	}
	line := strings.TrimSpace(rest)
	if len(line) > 1 && line[0] == '"' && line[len(line)-1] == '"' && strings.Count(line, `"`) == 2 && strings.ContainsAny(line, " \t") {
		// cmd /c "X args": cmd strips the outer quotes.
		if inner := cmdline.Split(line, env); inner.Arguments == "" && !strings.HasSuffix(strings.ToLower(inner.Image), ".exe") {
			line = line[1 : len(line)-1]
		}
	}
	inner := cmdline.Split(line, env)
	if inner.Image == "" || !strings.ContainsAny(inner.Image, `\/.`) && !proxyNames[strings.ToLower(inner.Image)] {
		// A bare word is a cmd built-in (echo, set, del) or a PATH
		// lookup cmd would make: cmd itself is the image then.
		return Target{}, false
	}
	t := targetOf(inner, env, depth+1)
	if t.Path == "" {
		return Target{}, false
	}
	if t.Via == "" {
		t.Via = via
	}
	return t, true
}

// pcaluaTarget: `pcalua.exe -a X [-c args]`.
func pcaluaTarget(cmd cmdline.Command, env map[string]string) (Target, bool) {
	for i, a := range cmd.Args {
		if strings.EqualFold(a, "-a") && i+1 < len(cmd.Args) {
			p := qualify(cmd.Args[i+1], env)
			return Target{Path: p, Script: isScript(p)}, true
		}
	}
	return Target{}, false
}

// firstArgTarget: the first argument that is not an option is the file
// (`conhost --headless X`, `explorer X`, `mshta X.hta`); a URL or inline
// script names none.
func firstArgTarget(cmd cmdline.Command, env map[string]string) (Target, bool) {
	for _, a := range cmd.Args {
		if strings.HasPrefix(a, "-") || strings.HasPrefix(a, "/") {
			continue
		}
		la := strings.ToLower(a)
		if strings.Contains(la, "://") || strings.HasPrefix(la, "javascript:") || strings.HasPrefix(la, "vbscript:") || strings.HasPrefix(la, "about:") {
			return Target{}, false
		}
		if !strings.ContainsAny(a, `\/.`) {
			return Target{}, false
		}
		p := qualify(a, env)
		return Target{Path: p, Script: isScript(p)}, true
	}
	return Target{}, false
}

// powershellFile: `powershell -File x.ps1` runs the script; `-Command`
// and `-EncodedCommand` name no file (the payload columns cover them).
func powershellFile(cmd cmdline.Command, env map[string]string) (Target, bool) {
	for i, a := range cmd.Args {
		la := strings.ToLower(a)
		if (la == "-file" || la == "-f" || la == "/file") && i+1 < len(cmd.Args) {
			p := qualify(cmd.Args[i+1], env)
			return Target{Path: p, Script: true, Via: toolName(cmd.Image)}, true
		}
	}
	return Target{}, false
}

// nextWord returns the first space-separated word of s and what follows.
func nextWord(s string) (string, string) {
	s = strings.TrimLeft(s, " \t")
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i:]
}
