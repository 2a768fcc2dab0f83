// Package catalog lists the autorun locations: registry keys (and for
// Winlogon, single values) whose data Windows runs at boot or logon. Both
// tables look locations up here, so a location id means the same thing in
// run_key_payloads and sysmon_reg_net_chain.
package catalog

import (
	"strings"

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
	// Defaults are Windows' own values; anything else is flagged (Winlogon).
	Defaults []string
}

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
	{id: "run_services", key: cv + `\RunServices`, machine: true, user: true, wow64: true},
	{id: "run_services_once", key: cv + `\RunServicesOnce`, machine: true, user: true, wow64: true},
	{id: "policies_run", key: cv + `\Policies\Explorer\Run`, machine: true, user: true, wow64: true},
	{id: "terminal_server_run", key: ntcv + `\Terminal Server\Install\Software\Microsoft\Windows\CurrentVersion\Run`, machine: true},
	{id: "terminal_server_run_once", key: ntcv + `\Terminal Server\Install\Software\Microsoft\Windows\CurrentVersion\RunOnce`, machine: true},
	{id: "terminal_server_run_once_ex", key: ntcv + `\Terminal Server\Install\Software\Microsoft\Windows\CurrentVersion\RunOnceEx`, subkeys: true, machine: true},
	{id: "winlogon_shell", key: ntcv + `\Winlogon`, values: []string{"Shell"}, machine: true, user: true,
		defaults: map[string][]string{registry.ScopeMachine: shellDefaults, registry.ScopeUser: shellDefaults}},
	{id: "winlogon_userinit", key: ntcv + `\Winlogon`, values: []string{"Userinit"}, machine: true, user: true,
		defaults: map[string][]string{registry.ScopeMachine: userinitDefaults, registry.ScopeUser: userinitDefaults}},
	{id: "policies_system_shell", key: `Microsoft\Windows\CurrentVersion\Policies\System`, values: []string{"Shell"}, user: true,
		defaults: map[string][]string{registry.ScopeUser: shellDefaults}},
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
	for _, b := range bases {
		for _, scope := range []string{registry.ScopeMachine, registry.ScopeUser} {
			if scope == registry.ScopeMachine && !b.machine || scope == registry.ScopeUser && !b.user {
				continue
			}
			root := "SOFTWARE"
			if scope == registry.ScopeUser {
				root = "Software"
			}
			loc := Location{ID: b.id, Scope: scope, Key: root + `\` + b.key, Values: b.values, Subkeys: b.subkeys, Defaults: b.defaults[scope]}
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
func (l Location) IsDefault(data string) bool {
	if len(l.Defaults) == 0 {
		return true
	}
	d := strings.TrimSpace(data)
	if d == "" {
		return true // an empty value: Windows falls back to the machine's
	}
	for _, want := range l.Defaults {
		if strings.EqualFold(d, want) {
			return true
		}
	}
	return false
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
	keyRel = strings.Trim(keyRel, `\`)
	for _, l := range All {
		if l.Scope != scope {
			continue
		}
		if l.Subkeys {
			parent, _, found := cutLast(keyRel)
			if found && strings.EqualFold(parent, l.Key) {
				return l, true
			}
			continue
		}
		if strings.EqualFold(keyRel, l.Key) && l.MatchesValue(valueName) {
			return l, true
		}
	}
	return Location{}, false
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
