package registry

import "strings"

// Root names a top-level registry root.
type Root string

const (
	HKLM Root = "HKEY_LOCAL_MACHINE"
	HKU  Root = "HKEY_USERS"
	HKCU Root = "HKEY_CURRENT_USER"
	// HKCR is accepted as a spelling only: ParsePath maps it to
	// HKEY_LOCAL_MACHINE\SOFTWARE\Classes, so no Path has it as Root.
	HKCR Root = "HKEY_CLASSES_ROOT"
	HKCC Root = "HKEY_CURRENT_CONFIG"
)

var kernelRoots = map[string]Root{"machine": HKLM, "user": HKU}

var rootAliases = map[string]Root{
	"hkey_local_machine": HKLM, "hklm": HKLM,
	"hkey_users": HKU, "hku": HKU,
	"hkey_current_user": HKCU, "hkcu": HKCU,
	"hkey_classes_root": HKCR, "hkcr": HKCR,
	"hkey_current_config": HKCC, "hkcc": HKCC,
}

// Path is a registry key path split into its root and the rest.
type Path struct {
	Root Root
	Rel  string // without leading or trailing backslash; may be empty
}

// String renders the canonical form, osquery's: `HKEY_LOCAL_MACHINE\...`.
func (p Path) String() string {
	if p.Rel == "" {
		return string(p.Root)
	}
	return string(p.Root) + `\` + p.Rel
}

// ParsePath accepts every spelling of SPEC §3: HKLM\, HKU\, HKCU\,
// \REGISTRY\MACHINE\, \REGISTRY\USER\, PowerShell drives (HKCU:, HKCU:\,
// HKLM:Software), Registry:: and Microsoft.PowerShell.Core\Registry::
// prefixes, any case, doubled or trailing separators.
//
// Only a backslash separates keys: `/` is a character of key names
// (`Print\Monitors\Standard TCP/IP Port`), in .reg exports, Sysmon's
// TargetObject and reg.exe alike. PowerShell's provider paths alone (a
// drive or Registry::) also take `/` as a separator.
//
// The class views map to the hives that hold them: HKEY_CLASSES_ROOT\X is
// HKEY_LOCAL_MACHINE\SOFTWARE\Classes\X (Windows merges the user's classes
// over it; offline, the machine's is the one meaning a path can have), and
// HKEY_USERS\<SID>_Classes\X, the user's classes hive (UsrClass.dat), is
// HKEY_USERS\<SID>\Software\Classes\X, where Windows links it.
func ParsePath(s string) (Path, bool) {
	p, ok := parsePath(s)
	if !ok {
		return p, false
	}
	return classesView(p), true
}

// MachineClassesKey (under HKEY_LOCAL_MACHINE) and UserClassesKey (under
// HKEY_USERS\<SID>) are the keys the class views show.
const (
	MachineClassesKey = `SOFTWARE\Classes`
	UserClassesKey    = `Software\Classes`
	classesSuffix     = "_classes"
)

// classesView maps HKEY_CLASSES_ROOT and HKEY_USERS\<SID>_Classes paths
// to the keys they show.
func classesView(p Path) Path {
	switch p.Root {
	case HKCR:
		return Path{Root: HKLM, Rel: joinRel(MachineClassesKey, p.Rel)}
	case HKU:
		sid, rest := SplitUser(p.Rel)
		stripped := sid
		// A name ending in _Classes twice is stripped of both, so that the
		// canonical form parses back to itself.
		for len(stripped) > len(classesSuffix) && strings.HasSuffix(asciiLower(stripped), classesSuffix) {
			stripped = stripped[:len(stripped)-len(classesSuffix)]
		}
		if stripped != sid {
			return Path{Root: HKU, Rel: stripped + `\` + joinRel(UserClassesKey, rest)}
		}
	}
	return p
}

func joinRel(a, b string) string {
	if b == "" {
		return a
	}
	return a + `\` + b
}

func parsePath(s string) (Path, bool) {
	// Byte offsets found in the lowered text index s itself: only ASCII
	// is lowered (strings.ToLower may change a string's length).
	if i := strings.Index(asciiLower(s), "registry::"); i >= 0 && providerQualifier(s[:i]) {
		s = strings.ReplaceAll(s[i+len("registry::"):], "/", `\`)
	}
	// Collapse doubled separators (JavaScript and C# string escapes).
	for strings.Contains(s, `\\`) {
		s = strings.ReplaceAll(s, `\\`, `\`)
	}
	// Quotes, blanks and separators around the path are never part of it;
	// trimming them all at once keeps the canonical form a fixed point.
	s = strings.Trim(s, pathTrim)
	lower := asciiLower(s)
	// "\REGISTRY\MACHINE" spellings (the leading backslash is already gone).
	if strings.HasPrefix(lower, `registry\`) {
		rest := s[len(`registry\`):]
		head, tail, _ := strings.Cut(rest, `\`)
		r, ok := kernelRoots[strings.ToLower(head)]
		if !ok {
			return Path{}, false
		}
		return Path{Root: r, Rel: cleanRel(tail)}, true
	}
	head, tail, hasSep := strings.Cut(s, `\`)
	// PowerShell drive: "HKCU:" possibly followed directly by the path.
	if i := strings.IndexByte(head, ':'); i >= 0 {
		r, ok := rootAliases[strings.ToLower(head[:i])]
		if !ok {
			return Path{}, false
		}
		rest := head[i+1:]
		if hasSep {
			if rest != "" {
				rest += `\` + tail
			} else {
				rest = tail
			}
		}
		// A `/` turned separator may end the path: trim as above.
		return Path{Root: r, Rel: cleanRel(strings.Trim(strings.ReplaceAll(rest, "/", `\`), pathTrim))}, true
	}
	r, ok := rootAliases[strings.ToLower(head)]
	if !ok {
		return Path{}, false
	}
	return Path{Root: r, Rel: cleanRel(tail)}, true
}

// pathTrim is what surrounds a path in a command and is never part of it.
const pathTrim = " \t\r\n\"'\\"

// providerQualifier tells whether the text before a "Registry::" is what
// may stand there in PowerShell: nothing (quotes and blanks aside) or a
// module name (`Microsoft.PowerShell.Core\`). A "Registry::" further into
// a path is part of a key or value name, so the canonical form of such a
// path parses back to itself.
func providerQualifier(before string) bool {
	before = strings.TrimLeft(before, " \t\r\n\"'")
	if before == "" {
		return true
	}
	module, ok := strings.CutSuffix(before, `\`)
	if !ok || !strings.Contains(module, ".") {
		return false
	}
	for _, c := range module {
		if !(c == '.' || c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// asciiLower lowers ASCII letters only, keeping every byte offset.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func cleanRel(s string) string {
	s = strings.Trim(s, `\`)
	for strings.Contains(s, `\\`) {
		s = strings.ReplaceAll(s, `\\`, `\`)
	}
	return s
}

// Canonical rewrites any accepted spelling into the canonical form; it
// returns the input unchanged when it is not a registry path.
func Canonical(s string) string {
	p, ok := ParsePath(s)
	if !ok {
		return s
	}
	return p.String()
}

// SplitUser splits an HKEY_USERS relative path into the SID and the rest.
func SplitUser(rel string) (sid, rest string) {
	sid, rest, _ = strings.Cut(rel, `\`)
	return sid, rest
}
