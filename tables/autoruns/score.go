package autoruns

import (
	"strings"

	"github.com/runkeyhunt/runkeyhunt/tables/catalog"
	"github.com/runkeyhunt/runkeyhunt/tables/cmdline"
	"github.com/runkeyhunt/runkeyhunt/tables/indicators"
	"github.com/runkeyhunt/runkeyhunt/tables/payload"
	"github.com/runkeyhunt/runkeyhunt/tables/registry"
)

// ValueIndicators is the verdict engine both tables share: every indicator
// an autorun value shows by itself, from its location, name and command,
// with no payload read (registry payloads count as references only; an
// -EncodedCommand is decoded). sysmon_reg_net_chain scores the value a
// write sets with it; a run_key_payloads row of the same value whose
// payloads do not resolve has the same indicators. info is the hive written
// (scope and user name pick the environment); writer is the image of the
// process that wrote the value ("" when unknown: run_key_payloads).
func ValueIndicators(loc catalog.Location, info registry.HiveInfo, valueName, data, writer string) indicators.Set {
	if loc.IsItemDefault(data) {
		return indicators.Set{} // Windows' own value for the item, as run_key_payloads
	}
	env := DefaultEnv(info)
	var s Scanner
	common, scored := commonIndicators(loc, valueName, dllPath(loc.Kind, data), env, nil)
	set := indicators.Set{}
	set.Add(common.Sorted()...)
	binaryDataWriter(set, loc, data, writer)
	for _, f := range s.followCommand(nil, nil, env, scored, func(error) {}) {
		f.apply(&Row{}, set)
	}
	for _, ref := range profileRefs(scored, env) {
		for _, f := range s.resolve(nil, nil, ref, func(error) {}) {
			f.apply(&Row{}, set)
		}
	}
	dropAdminScript(set, scored, env)
	return set
}

// command is one command line as scored, analysed once: every check of a
// value (its indicators, references, profile scripts, the admin-script
// rule) reads these instead of normalising and splitting it again.
type command struct {
	line           string
	norm           string          // cmdline.Normalize(line)
	text, normText cmdline.Lowered // line and norm with their lowered copies
	split          cmdline.Command // cmdline.Split(line, env)
	normSplit      cmdline.Command // cmdline.Split(norm, env)
	ps             payload.PowerShellRun
}

func analyze(line string, env map[string]string) *command {
	c := &command{line: line, text: cmdline.Lower(line)}
	c.normText = cmdline.NormalizeLowered(c.text)
	c.norm = c.normText.Text
	c.split = cmdline.Split(line, env)
	if c.norm == line {
		c.normSplit = c.split
	} else {
		c.normSplit = cmdline.Split(c.norm, env)
	}
	c.ps = payload.ParsePowerShellSplit(c.normSplit)
	return c
}

// commonIndicators are the indicators every row of a value shares, and the
// command as scored: the data with the variables of the registry's
// Environment keys (indirect) expanded.
func commonIndicators(loc catalog.Location, valueName, data string, env, indirect map[string]string) (indicators.Set, *command) {
	set := indicators.Set{}
	line := data
	if exp, ok := expandIndirect(data, indirect); ok {
		line = exp
		set.Add(indicators.EnvIndirection)
	}
	scored := analyze(line, env)
	set.Add(payload.CommandIndicatorsLowered(valueName, scored.text, scored.normText, scored.normSplit, env)...)
	if UserWritable(scored.split.Image) {
		set.Add(indicators.UserWritableImage)
	}
	if hiddenName(valueName) {
		set.Add(indicators.HiddenValueName)
	}
	if !loc.IsDefault(data) || loc.Defaulted && loc.Kind == catalog.KindList && data == sysmonBinaryData {
		set.Add(loc.Changed)
	}
	if loc.IsStrong() {
		set.Add(indicators.StrongLocation)
	}
	if loc.Shadowing {
		set.Add(indicators.ShadowedMachineCLSID)
	}
	if scored.ps.FileWithoutPath {
		set.Add(indicators.FileWithoutPath)
	}
	return set, scored
}

// sysmonBinaryData is what Sysmon logs for a REG_MULTI_SZ (or binary)
// write: a list location's items are unknown, so commonIndicators counts a
// write there as a change of Windows' defaults, and binaryDataWriter
// settles it from the writer.
const sysmonBinaryData = "Binary Data"

// binaryDataWriter scores a Sysmon "Binary Data" write to a list location
// (BootExecute, the LSA packages) from the process that made it, the only
// evidence the event holds: Windows' servicing and installer processes
// (catalog.ServicingWriters) change these lists on every update, so their
// write is no change of Windows' own; a registry editor, a script host or a
// binary in a user-writable folder is how Mimikatz's mimilib and password
// filters are installed (Atomic T1547.005, T1556.002), and adds
// unusual_writer; any other writer keeps default_changed alone.
func binaryDataWriter(set indicators.Set, loc catalog.Location, data, writer string) {
	if data != sysmonBinaryData || !loc.Defaulted || loc.Kind != catalog.KindList {
		return
	}
	switch catalog.ClassifyWriter(writer) {
	case catalog.WriterServicing:
		delete(set, loc.Changed)
	case catalog.WriterTool, catalog.WriterUserWritable:
		set.Add(loc.Changed, indicators.UnusualWriter)
	}
}

// profileRefs are the profile scripts a PowerShell started with no
// command and no -NoProfile runs: its code lives there (PowerSploit
// Add-Persistence profile mode), so each is a file payload.
func profileRefs(line *command, env map[string]string) []cmdline.Ref {
	ps := line.ps
	if !ps.IsPowerShell || !ps.NoCommand || ps.NoProfile {
		return nil
	}
	pwsh := strings.HasPrefix(strings.ToLower(baseName(line.split.Image)), "pwsh")
	var out []cmdline.Ref
	for _, p := range payload.Profiles(pwsh, env["USERPROFILE"]) {
		out = append(out, cmdline.Ref{Kind: cmdline.KindFile, Text: p, Path: p})
	}
	return out
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `\/`); i >= 0 {
		return p[i+1:]
	}
	return p
}

// adminScriptIndicators are what a management agent's or logon script's
// own line shows: `powershell -ExecutionPolicy Bypass -WindowStyle Hidden
// -NoProfile -File <script>`.
var adminScriptIndicators = []string{
	indicators.ExecPolicyBypass, indicators.HiddenWindow, indicators.NoProfile, indicators.ScriptFilePayload,
}

// dropAdminScript clears the indicators of a PowerShell line that runs a
// script from an admin folder (Program Files, Windows, NETLOGON/SYSVOL)
// when nothing else fires: that is how agents and logon scripts run.
func dropAdminScript(set indicators.Set, line *command, env map[string]string) {
	ps := line.ps
	if !ps.IsPowerShell || ps.Script == "" || !payload.AdminScriptFolder(cmdline.Expand(ps.Script, env)) {
		return
	}
	for id := range set {
		if !isAdminScriptIndicator(id) {
			return
		}
	}
	for _, id := range adminScriptIndicators {
		delete(set, id)
	}
}

func isAdminScriptIndicator(id string) bool {
	for _, a := range adminScriptIndicators {
		if a == id {
			return true
		}
	}
	return false
}

// expandIndirect expands %NAME% where NAME is a variable of the
// registry's Environment keys that Windows does not define itself
// (SharPersist's env method keeps the command there). ok is false when the
// data names none.
func expandIndirect(data string, indirect map[string]string) (string, bool) {
	if len(indirect) == 0 || !strings.Contains(data, "%") {
		return data, false
	}
	var b strings.Builder
	found := false
	for i := 0; i < len(data); {
		if data[i] != '%' {
			b.WriteByte(data[i])
			i++
			continue
		}
		end := strings.IndexByte(data[i+1:], '%')
		if end < 0 {
			b.WriteString(data[i:])
			break
		}
		name := strings.ToUpper(data[i+1 : i+1+end])
		if v, ok := indirect[name]; ok {
			b.WriteString(v)
			found = true
			i += end + 2
			continue
		}
		b.WriteString(data[i : i+1+end])
		i += end + 1
	}
	return b.String(), found
}

// standardVariables are the names Windows and common installers set in
// the Environment keys; a Run value using them is not indirection.
var standardVariables = map[string]bool{
	"PATH": true, "PATHEXT": true, "TEMP": true, "TMP": true, "WINDIR": true, "SYSTEMROOT": true, "COMSPEC": true,
	"OS": true, "PSMODULEPATH": true, "NUMBER_OF_PROCESSORS": true, "DRIVERDATA": true, "ONEDRIVE": true,
	"ONEDRIVECONSUMER": true, "ONEDRIVECOMMERCIAL": true, "USERNAME": true, "USERPROFILE": true,
	"PROCESSOR_ARCHITECTURE": true, "PROCESSOR_IDENTIFIER": true, "PROCESSOR_LEVEL": true, "PROCESSOR_REVISION": true,
	"JAVA_HOME": true, "CLASSPATH": true, "PYTHONPATH": true, "GOPATH": true, "CHOCOLATEYINSTALL": true,
}

// maxIndirectValue bounds an Environment value taken for expansion.
const maxIndirectValue = 32 << 10

// indirectEnv reads the variables of the Environment keys that apply to a
// hive (the user's own for a user hive, the machine's for every hive) that
// are not standard, their own %VAR% expanded with env.
func indirectEnv(hives []registry.Hive, h registry.Hive, env map[string]string) map[string]string {
	out := map[string]string{}
	read := func(c registry.Hive, rel string) {
		k, err := c.Key(rel)
		if err != nil {
			return
		}
		for _, v := range k.Values {
			name := strings.ToUpper(v.Name)
			if name == "" || standardVariables[name] || env[name] != "" || isNumeric(v.Type) {
				continue
			}
			if s := v.String(); s != "" && len(s) <= maxIndirectValue {
				if _, seen := out[name]; !seen {
					out[name] = cmdline.Expand(s, env)
				}
			}
		}
	}
	if h.Info().Scope == registry.ScopeUser {
		read(h, catalog.UserEnvironmentKey)
	}
	for _, c := range hivesOfScope(hives, registry.ScopeMachine) {
		for _, rel := range catalog.MachineEnvironmentKeys {
			read(c, rel)
		}
	}
	return out
}
