package payload

import (
	"strings"

	"github.com/runkeyhunt/runkeyhunt/tables/catalog"
	"github.com/runkeyhunt/runkeyhunt/tables/cmdline"
)

// PowerShellRun is what a powershell.exe / pwsh command line runs, read
// from its arguments by the rules of the host's own parser.
type PowerShellRun struct {
	// IsPowerShell: the image is powershell or pwsh.
	IsPowerShell bool
	// NoCommand: no -Command, -File, -EncodedCommand and no bare argument:
	// the host runs its profiles and nothing else (PowerSploit
	// Add-Persistence's profile mode hides its code there).
	NoCommand bool
	// NoProfile: -NoProfile was given, so no profile runs.
	NoProfile bool
	// FileWithoutPath: -File is the last argument, with no script after it.
	FileWithoutPath bool
	// Script is the -File argument (or pwsh's bare first argument), "" if none.
	Script string
}

// ParsePowerShell reads a command line as powershell.exe would; a line
// whose image is not PowerShell gives IsPowerShell false.
func ParsePowerShell(line string, env map[string]string) PowerShellRun {
	return ParsePowerShellSplit(cmdline.Split(cmdline.Normalize(line), env))
}

// ParsePowerShellSplit is ParsePowerShell for a caller that has split the
// normalised line already (cmd is cmdline.Split(cmdline.Normalize(line),
// env)), so the line is normalised and split once for all its checks.
func ParsePowerShellSplit(cmd cmdline.Command) PowerShellRun {
	base := strings.ToLower(baseOf(cmd.Image))
	base = strings.TrimSuffix(base, ".exe")
	if base != "powershell" && base != "pwsh" {
		return PowerShellRun{}
	}
	run := PowerShellRun{IsPowerShell: true}
	args := cmd.Args
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "" {
			continue
		}
		if a[0] != '-' && a[0] != '/' {
			// The first bare argument is a command for Windows PowerShell
			// and a script for pwsh.
			if base == "pwsh" || strings.HasSuffix(strings.ToLower(a), ".ps1") {
				run.Script = a
			}
			return run
		}
		name := strings.ToLower(strings.TrimLeft(a, "-/"))
		if j := strings.IndexByte(name, ':'); j >= 0 {
			name = name[:j]
		}
		switch psKind(name) {
		case psKindCommand:
			return run
		case psKindFile:
			if i+1 >= len(args) || strings.TrimSpace(args[i+1]) == "" {
				run.FileWithoutPath = true
				return run
			}
			run.Script = args[i+1]
			return run
		case psKindValue:
			i++
		case psKindNoProfile:
			run.NoProfile = true
		}
	}
	run.NoCommand = true
	return run
}

type psArgKind int

const (
	psKindSwitch psArgKind = iota
	psKindValue
	psKindCommand
	psKindFile
	psKindNoProfile
)

// psValueNames are the host parameters that take a value (Windows
// PowerShell 5.1 and PowerShell 7 `-?`).
var psValueNames = []string{
	"executionpolicy", "windowstyle", "version", "inputformat", "outputformat", "psconsolefile",
	"configurationname", "custompipename", "workingdirectory", "settingsfile", "encodedarguments",
}

func psKind(n string) psArgKind {
	switch n {
	case "e", "ec", "en", "enc", "c", "command", "commandwithargs", "cwa":
		return psKindCommand
	case "f":
		return psKindFile
	case "ep", "ex", "w", "v", "o", "of", "i", "if", "wd":
		return psKindValue
	case "nop":
		return psKindNoProfile
	}
	if len(n) >= 3 && strings.HasPrefix("noprofile", n) {
		return psKindNoProfile
	}
	if strings.HasPrefix("encodedcommand", n) || strings.HasPrefix("command", n) {
		return psKindCommand
	}
	if strings.HasPrefix("file", n) {
		return psKindFile
	}
	for _, p := range psValueNames {
		if len(n) >= 2 && strings.HasPrefix(p, n) {
			return psKindValue
		}
	}
	return psKindSwitch
}

// Profiles are the profile scripts a PowerShell started without
// -NoProfile runs, in the order it runs them: all users (under $PSHOME),
// then the current user (under Documents). userProfile is the user's
// profile folder; "" keeps %USERPROFILE% unexpanded.
func Profiles(pwsh bool, userProfile string) []string {
	if userProfile == "" {
		userProfile = `%USERPROFILE%`
	}
	home, docs := `C:\Windows\System32\WindowsPowerShell\v1.0`, userProfile+`\Documents\WindowsPowerShell`
	if pwsh {
		home, docs = `C:\Program Files\PowerShell\7`, userProfile+`\Documents\PowerShell`
	}
	return []string{
		home + `\profile.ps1`,
		home + `\Microsoft.PowerShell_profile.ps1`,
		docs + `\profile.ps1`,
		docs + `\Microsoft.PowerShell_profile.ps1`,
	}
}

// AdminScriptFolder reports whether a script path lies where management
// agents and logon scripts keep theirs and users cannot write: Program
// Files, the Windows folder (not its writable Temp, Tasks, Tracing), or a
// domain's NETLOGON / SYSVOL share.
func AdminScriptFolder(script string) bool {
	l := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(script), "/", `\`))
	if strings.HasPrefix(l, `\\`) {
		parts := strings.SplitN(l[2:], `\`, 3)
		return len(parts) == 3 && parts[0] != "" && (parts[1] == "netlogon" || parts[1] == "sysvol") && !strings.Contains(parts[2], `..`)
	}
	if strings.Contains(l, `..`) {
		return false
	}
	dir, _ := splitImage(script)
	if dir == "" || catalog.InUserWritableFolder(dir) || stagingFolder(dir, "x.ps1") && dir != `\windows\` {
		return false
	}
	for _, p := range []string{`\program files\`, `\program files (x86)\`, `\windows\`} {
		if strings.HasPrefix(dir, p) {
			return !strings.HasPrefix(dir, `\windows\tracing\`) && !strings.HasPrefix(dir, `\windows\debug\`)
		}
	}
	return false
}
