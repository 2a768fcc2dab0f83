// Package catalog lists the autorun locations: registry keys (and for
// Winlogon, single values) whose data Windows runs at boot or logon. Both
// tables look locations up here, so a location id means the same thing in
// run_key_payloads and sysmon_reg_net_chain.
package catalog

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/runkeyhunt/runkeyhunt/tables/indicators"
	"github.com/runkeyhunt/runkeyhunt/tables/registry"
)

// Location is one autorun location.
type Location struct {
	ID    string
	Scope string // registry.ScopeMachine or registry.ScopeUser
	// Key is relative to the hive root: `SOFTWARE\...` for the machine,
	// `Software\...` for a user hive.
	Key string
	// Values, when set, limits the location to these value names (Winlogon).
	Values []string
	// Subkeys: the autorun values live one level below Key (RunOnceEx\0001).
	Subkeys bool
	// Approved is the StartupApproved key (relative to the same hive) whose
	// binary value of the same name marks the autorun disabled.
	Approved string
	// Defaults are Windows' own values; anything else is flagged. A default
	// may hold `*` (any run of characters: a user's profile folder).
	Defaults []string
	// Defaulted: the location has defaults, possibly none at all (an empty
	// AppInit_DLLs); locations without are never "changed".
	Defaulted bool
	// Suffix is the path below each wildcard subkey that holds the values
	// (`Services\*\Parameters`: Suffix Parameters). Only with Subkeys.
	Suffix string
	// Kind says what Windows does with the data (KindCommand, ...).
	Kind string
	// Changed is the indicator a value that is not a default adds.
	Changed string
	// Strong lists the subkeys (items, lower case; "*" any) whose mere use
	// is a strong signal: an IFEO Debugger on an accessibility binary, a
	// per-user ms-settings handler.
	Strong []string
	// Flood: Windows and common software put thousands of benign items
	// there (services, COM, App Paths); the scanner gives a row only for a
	// value that is not benign, unless the query asks for the location.
	Flood bool
	// Item is the wildcard subkey a matched value is in (set by Match and
	// by the scanner per key; "" without subkeys).
	Item string
	// Shadows is the machine key whose subkey of the same Item a per-user
	// item overrides (per-user COM: SOFTWARE\Classes\CLSID): shadowing an
	// existing machine class is the COM-hijack signal.
	Shadows string
	// Shadowing is set by the scanner when the machine has the item.
	Shadowing bool
	// ItemDefaults are Windows' own values per item (lower case), compared
	// literally (`"%1" %*` is Windows' argument list, not a pattern): the
	// machine's exefile, batfile, ... handlers. An item without an entry
	// has none to differ from.
	ItemDefaults map[string][]string
	// Mask, for a KindFlags location: the bits of the number that make it
	// an autostart (IFEO GlobalFlag 0x200); a value without them is none.
	Mask uint32
	// Follow, in order, are where Windows finds what the value points at
	// (a class's server, the monitor a GlobalFlag arms): the scanner
	// scores the first one found in place of the data.
	Follow []Follow
}

// Follow is where Windows finds what a location's value points at. Key is
// relative to the root of a hive of Scope (the user's own hive for
// ScopeUser); `{data}` stands for the value's data, `{item}` for the
// location's item.
type Follow struct {
	Scope, Key, Value string
	// Strong: that the target exists is a strong signal by itself (a
	// GlobalFlag that arms a SilentProcessExit monitor).
	Strong bool
}

// What Windows does with a location's data.
const (
	KindCommand = "command"  // a command line it starts
	KindDLL     = "dll"      // a DLL path it loads
	KindDLLList = "dll_list" // DLL names separated by spaces or commas
	KindList    = "list"     // a REG_MULTI_SZ list, one item (command or package) a line
	KindFolder  = "folder"   // a folder whose files it starts
	KindCLSID   = "clsid"    // a COM class id whose InprocServer32 DLL it loads
	KindFlags   = "flags"    // a number whose Mask bits arm what Follow names
)

const (
	cv       = `Microsoft\Windows\CurrentVersion`
	ntcv     = `Microsoft\Windows NT\CurrentVersion`
	approved = cv + `\Explorer\StartupApproved\`
)

// base describes a location once; All expands it per scope and view.
type base struct {
	id       string
	key      string // below SOFTWARE / Software (and below WOW6432Node for the 32-bit twin)
	values   []string
	subkeys  bool
	approved string // StartupApproved subkey name (Run, Run32) for the 64-bit view
	defaults map[string][]string
	machine  bool
	user     bool
	wow64    bool
	// abs: key is relative to the hive root (SYSTEM\..., Environment),
	// not below SOFTWARE / Software.
	abs     bool
	suffix  string
	kind    string
	changed string
	strong  []string
	flood   bool
	shadows string
	// itemDefaults, mask, follow: Location's ItemDefaults, Mask, Follow.
	itemDefaults map[string][]string
	mask         uint32
	follow       []Follow
}

// shellDefaults and userinitDefaults are the Winlogon values Windows
// itself writes. A user's Winlogon and Policies\System have no Shell or
// Userinit by default, so there too anything else is flagged. Sources:
// learn.microsoft.com "Winlogon" (Shell = explorer.exe, Userinit =
// userinit.exe,), and Windows Server Core, whose default shell starts cmd
// and runs the alternate-shell RunOnce entries.
var (
	shellDefaults = []string{
		"explorer.exe", `C:\Windows\explorer.exe`, `%SystemRoot%\explorer.exe`,
		`cmd.exe /c "cd /d "%USERPROFILE%" & start cmd.exe /k runonce.exe /AlternateShellStartup"`,
		`cmd.exe`,
	}
	userinitDefaults = []string{`C:\Windows\system32\userinit.exe,`, `C:\Windows\system32\userinit.exe`, `userinit.exe,`, `userinit.exe`,
		`%SystemRoot%\system32\userinit.exe,`, `%SystemRoot%\system32\userinit.exe`}
)

var bases = []base{
	{id: "run", key: cv + `\Run`, approved: "Run", machine: true, user: true, wow64: true},
	{id: "run_once", key: cv + `\RunOnce`, machine: true, user: true, wow64: true},
	{id: "run_once_ex", key: cv + `\RunOnceEx`, subkeys: true, machine: true, user: true, wow64: true},
	// T1547.001 (the ATT&CK page's example; Atomic T1547.001 test 2; Oddvar
	// Moe, "Persistence using RunOnceEx", 2018): DLLs RunOnceEx loads, two
	// levels down.
	{id: "run_once_ex_depend", key: cv + `\RunOnceEx`, subkeys: true, suffix: "Depend", kind: KindDLL, machine: true, user: true, wow64: true},
	{id: "run_services", key: cv + `\RunServices`, machine: true, user: true, wow64: true},
	{id: "run_services_once", key: cv + `\RunServicesOnce`, machine: true, user: true, wow64: true},
	{id: "policies_run", key: cv + `\Policies\Explorer\Run`, machine: true, user: true, wow64: true},
	{id: "terminal_server_run", key: ntcv + `\Terminal Server\Install\Software\Microsoft\Windows\CurrentVersion\Run`, machine: true},
	{id: "terminal_server_run_once", key: ntcv + `\Terminal Server\Install\Software\Microsoft\Windows\CurrentVersion\RunOnce`, machine: true},
	{id: "terminal_server_run_once_ex", key: ntcv + `\Terminal Server\Install\Software\Microsoft\Windows\CurrentVersion\RunOnceEx`, subkeys: true, machine: true},
	{id: "winlogon_shell", key: ntcv + `\Winlogon`, values: []string{"Shell"}, machine: true, user: true,
		defaults: map[string][]string{registry.ScopeMachine: shellDefaults, registry.ScopeUser: shellDefaults}, changed: indicators.WinlogonModified},
	{id: "winlogon_userinit", key: ntcv + `\Winlogon`, values: []string{"Userinit"}, machine: true, user: true,
		defaults: map[string][]string{registry.ScopeMachine: userinitDefaults, registry.ScopeUser: userinitDefaults}, changed: indicators.WinlogonModified},
	{id: "policies_system_shell", key: `Microsoft\Windows\CurrentVersion\Policies\System`, values: []string{"Shell"}, user: true,
		defaults: map[string][]string{registry.ScopeUser: shellDefaults}, changed: indicators.WinlogonModified},
	{id: "windows_load", key: ntcv + `\Windows`, values: []string{"Load", "Run"}, user: true},
}

// UserEnvironmentKey and MachineEnvironmentKeys hold the variables Windows
// adds to a logon's environment (HKCU\Environment; HKLM\SYSTEM\...\Session
// Manager\Environment): a Run value's %NAME% can point there (SharPersist
// env method). Relative to the hive root; offline SYSTEM hives name the
// control set, .reg exports and the live registry CurrentControlSet.
const UserEnvironmentKey = `Environment`

// MachineEnvironmentKeys: see UserEnvironmentKey.
var MachineEnvironmentKeys = []string{
	`SYSTEM\CurrentControlSet\Control\Session Manager\Environment`,
	`SYSTEM\ControlSet001\Control\Session Manager\Environment`,
}

// All is every autorun location, machine and user, 64-bit and WOW6432Node.
var All = build()

func build() []Location {
	var out []Location
	for _, b := range append(append([]base(nil), bases...), asepBases...) {
		for _, scope := range []string{registry.ScopeMachine, registry.ScopeUser} {
			if scope == registry.ScopeMachine && !b.machine || scope == registry.ScopeUser && !b.user {
				continue
			}
			root := "SOFTWARE"
			if scope == registry.ScopeUser {
				root = "Software"
			}
			key := root + `\` + b.key
			if b.abs {
				key = b.key
			}
			defaults, defaulted := b.defaults[scope]
			loc := Location{ID: b.id, Scope: scope, Key: key, Values: b.values, Subkeys: b.subkeys, Defaults: defaults, Defaulted: defaulted,
				Suffix: b.suffix, Kind: b.kind, Changed: b.changed, Strong: b.strong, Flood: b.flood, Shadows: b.shadows,
				ItemDefaults: b.itemDefaults, Mask: b.mask, Follow: b.follow}
			if loc.Kind == "" {
				loc.Kind = KindCommand
			}
			if loc.Changed == "" {
				loc.Changed = indicators.DefaultChanged
			}
			if b.approved != "" {
				loc.Approved = root + `\` + approved + b.approved
			}
			out = append(out, loc)
			if b.wow64 {
				twin := loc
				twin.ID = b.id + "_wow64"
				twin.Key = root + `\WOW6432Node\` + b.key
				if b.approved != "" {
					twin.Approved = root + `\` + approved + b.approved + "32"
				}
				out = append(out, twin)
			}
		}
	}
	return out
}

// ForScope returns the locations that apply to a hive of the given scope.
func ForScope(scope string) []Location {
	var out []Location
	for _, l := range All {
		if l.Scope == scope {
			out = append(out, l)
		}
	}
	return out
}

// IsDefault reports whether data is one of the location's Windows defaults.
// Locations without defaults have none to differ from.
// A list (REG_MULTI_SZ, one item a line; a DLL list) is compared item by
// item: every item must be a default.
func (l Location) IsDefault(data string) bool {
	d := strings.TrimSpace(data)
	if _, ok := l.ItemDefaults[strings.ToLower(l.Item)]; ok {
		return d == "" || l.IsItemDefault(d)
	}
	if !l.Defaulted {
		return true
	}
	if d == "" {
		return true // an empty value: Windows falls back to the machine's
	}
	switch l.Kind {
	case KindList:
		for _, item := range strings.Split(d, "\n") {
			if item = strings.TrimSpace(item); item != "" && !l.isDefaultItem(item) {
				return false
			}
		}
		return true
	case KindDLLList:
		for _, item := range strings.FieldsFunc(d, func(r rune) bool { return r == ' ' || r == ',' }) {
			if !l.isDefaultItem(item) {
				return false
			}
		}
		return true
	}
	return l.isDefaultItem(d)
}

// IsItemDefault reports whether data is literally Windows' own value for
// the location's item (ItemDefaults): the machine's htafile handler runs
// mshta, and that is no sign of anything.
func (l Location) IsItemDefault(data string) bool {
	defs, ok := l.ItemDefaults[strings.ToLower(l.Item)]
	d := strings.TrimSpace(data)
	return ok && d != "" && slices.ContainsFunc(defs, func(def string) bool { return strings.EqualFold(def, d) })
}

func (l Location) isDefaultItem(item string) bool {
	for _, want := range l.Defaults {
		if globFold(want, item) {
			return true
		}
	}
	return false
}

// globFold matches s against pattern, case-insensitively; `*` in pattern
// matches any run of characters, backslashes included.
func globFold(pattern, s string) bool {
	pattern, s = strings.ToLower(pattern), strings.ToLower(s)
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(s, mid)
		if i < 0 {
			return false
		}
		s = s[i+len(mid):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

// IsStrong reports whether using the location for its Item is a strong
// signal by itself.
func (l Location) IsStrong() bool {
	for _, s := range l.Strong {
		if s == "*" || strings.EqualFold(s, l.Item) {
			return true
		}
	}
	return false
}

// ItemOf is the wildcard subkey's name of a key path of the location (""
// for a location without subkeys).
func (l Location) ItemOf(keyPath string) string {
	if !l.Subkeys {
		return ""
	}
	rest := keyPath
	if l.Suffix != "" {
		rest, _, _ = cutSuffixFold(keyPath, `\`+l.Suffix)
	}
	_, item, _ := cutLast(rest)
	return item
}

// MatchesValue reports whether a value name belongs to the location.
func (l Location) MatchesValue(name string) bool {
	if len(l.Values) == 0 {
		return true
	}
	for _, v := range l.Values {
		if strings.EqualFold(v, name) {
			return true
		}
	}
	return false
}

// Match finds the location of a full key path relative to a hive root
// (`SOFTWARE\...` or `Software\...`) and value name, as a registry event
// names it. ok is false when the value is not an autorun.
func Match(scope, keyRel, valueName string) (Location, bool) {
	keyRel = CurrentControlSet(strings.Trim(keyRel, `\`))
	if ix := index(); ix.usable && isASCII(keyRel) {
		return ix.lookup(All, scope, keyRel, valueName)
	}
	return matchLinear(All, scope, keyRel, valueName)
}

// matchLinear is Match trying every location in order: the reference the
// index agrees with, and the path for non-ASCII key paths.
func matchLinear(locs []Location, scope, keyRel, valueName string) (Location, bool) {
	for _, l := range locs {
		if m, ok := matchAt(l, scope, keyRel, valueName); ok {
			return m, true
		}
	}
	return Location{}, false
}

// matchAt tells whether keyRel (trimmed, CurrentControlSet spelling) and
// valueName are location l's, with its Item set.
func matchAt(l Location, scope, keyRel, valueName string) (Location, bool) {
	if l.Scope != scope {
		return Location{}, false
	}
	if l.Subkeys {
		rest := keyRel
		if l.Suffix != "" {
			head, suffix, found := cutSuffixFold(keyRel, `\`+l.Suffix)
			if !found || suffix == "" {
				return Location{}, false
			}
			rest = head
		}
		parent, item, found := cutLast(rest)
		// A key name is never empty: `Classes\\shell` names no item.
		if found && item != "" && strings.EqualFold(parent, l.Key) && l.MatchesValue(valueName) {
			l.Item = item
			return l, true
		}
		return Location{}, false
	}
	if strings.EqualFold(keyRel, l.Key) && l.MatchesValue(valueName) {
		return l, true
	}
	return Location{}, false
}

func cutSuffixFold(s, suffix string) (head, tail string, ok bool) {
	if len(s) < len(suffix) || !strings.EqualFold(s[len(s)-len(suffix):], suffix) {
		return s, "", false
	}
	return s[:len(s)-len(suffix)], s[len(s)-len(suffix):], true
}

// CurrentControlSet names a SYSTEM key path by CurrentControlSet, as the
// catalog does: an offline SYSTEM hive names ControlSet001 (and others).
func CurrentControlSet(keyRel string) string {
	const pre = `SYSTEM\ControlSet00`
	if len(keyRel) > len(pre) && strings.EqualFold(keyRel[:len(pre)], pre) && keyRel[len(pre)] >= '0' && keyRel[len(pre)] <= '9' &&
		(len(keyRel) == len(pre)+1 || keyRel[len(pre)+1] == '\\') {
		return `SYSTEM\CurrentControlSet` + keyRel[len(pre)+1:]
	}
	return keyRel
}

// ControlSetKeys are the paths a location key may be read at: a SYSTEM
// key also at ControlSet001 (an offline hive has no CurrentControlSet).
func ControlSetKeys(key string) []string {
	const ccs = `SYSTEM\CurrentControlSet\`
	if len(key) > len(ccs) && strings.EqualFold(key[:len(ccs)], ccs) {
		return []string{key, `SYSTEM\ControlSet001\` + key[len(ccs):]}
	}
	return []string{key}
}

func cutLast(s string) (head, tail string, ok bool) {
	i := strings.LastIndexByte(s, '\\')
	if i < 0 {
		return "", s, false
	}
	return s[:i], s[i+1:], true
}

// Enabled reads a StartupApproved value: Windows writes 02 or 06 in the
// first byte for enabled entries and 03 or 07 (odd) for disabled ones.
func Enabled(approvedData []byte) bool {
	if len(approvedData) == 0 {
		return true
	}
	return approvedData[0]&1 == 0
}

// Doc is one location as the README's generated table shows it.
type Doc struct {
	ID, Scope, Key, Values, Kind, Defaults string
	WOW64, Flood                           bool
	Strong                                 string
}

// Docs lists every declared location once (a WOW6432Node twin is a flag),
// in declaration order, with `*` for the per-item subkey.
func Docs() []Doc {
	var out []Doc
	for _, b := range append(append([]base(nil), bases...), asepBases...) {
		key := b.key
		if !b.abs {
			key = `SOFTWARE\` + key
			if !b.machine {
				key = `Software\` + b.key
			}
		}
		if b.subkeys {
			key += `\*`
			if b.suffix != "" {
				key += `\` + b.suffix
			}
		}
		var scopes []string
		if b.machine {
			scopes = append(scopes, registry.ScopeMachine)
		}
		if b.user {
			scopes = append(scopes, registry.ScopeUser)
		}
		values := "every value"
		if len(b.values) > 0 {
			names := make([]string, len(b.values))
			for i, v := range b.values {
				names[i] = valueDoc(v)
			}
			values = strings.Join(names, ", ")
		}
		kind := b.kind
		if kind == "" {
			kind = KindCommand
		}
		if b.mask != 0 {
			values += fmt.Sprintf(" (bit 0x%x)", b.mask)
		}
		if len(b.follow) > 0 {
			var at []string
			for _, f := range b.follow {
				if f.Value != "" {
					at = append(at, "`"+f.Key+`\`+f.Value+"`")
				} else {
					at = append(at, "`"+f.Key+"`")
				}
			}
			kind += ", followed to " + strings.Join(at, " then ")
		}
		d := Doc{ID: b.id, Scope: strings.Join(scopes, "+"), Key: key, Values: values, Kind: kind, WOW64: b.wow64, Flood: b.flood, Strong: strings.Join(b.strong, ", ")}
		for _, scope := range scopes {
			if defs, ok := b.defaults[scope]; ok {
				d.Defaults = "empty"
				if len(defs) > 0 {
					d.Defaults = strings.Join(defs, "; ")
				}
				break
			}
		}
		if len(b.itemDefaults) > 0 {
			var items []string
			for _, item := range slices.Sorted(maps.Keys(b.itemDefaults)) {
				items = append(items, item+": "+strings.Join(b.itemDefaults[item], " or "))
			}
			d.Defaults = strings.Join(items, "; ")
		}
		out = append(out, d)
	}
	return out
}

// valueDoc names a value as the README does: the default value (Default).
func valueDoc(name string) string {
	if name == "" {
		return "(Default)"
	}
	return name
}
