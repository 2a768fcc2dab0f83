package autoruns

import (
	"strings"

	"github.com/runkeyhunt/runkeyhunt/tables/registry"
)

// DefaultEnv is the environment of a default Windows installation, used to
// expand %VAR% in images and paths when the host's own is not known
// (offline input). User variables follow the hive's user name.
func DefaultEnv(h registry.HiveInfo) map[string]string {
	env := map[string]string{
		"SYSTEMROOT":              `C:\Windows`,
		"WINDIR":                  `C:\Windows`,
		"SYSTEMDRIVE":             `C:`,
		"PROGRAMFILES":            `C:\Program Files`,
		"PROGRAMFILES(X86)":       `C:\Program Files (x86)`,
		"PROGRAMW6432":            `C:\Program Files`,
		"COMMONPROGRAMFILES":      `C:\Program Files\Common Files`,
		"COMMONPROGRAMFILES(X86)": `C:\Program Files (x86)\Common Files`,
		"PROGRAMDATA":             `C:\ProgramData`,
		"ALLUSERSPROFILE":         `C:\ProgramData`,
		"PUBLIC":                  `C:\Users\Public`,
		"COMSPEC":                 `C:\Windows\system32\cmd.exe`,
	}
	if h.Scope == registry.ScopeUser && h.Username != "" {
		profile := `C:\Users\` + h.Username
		env["USERPROFILE"] = profile
		env["HOMEDRIVE"] = `C:`
		env["HOMEPATH"] = `\Users\` + h.Username
		env["USERNAME"] = h.Username
		env["APPDATA"] = profile + `\AppData\Roaming`
		env["LOCALAPPDATA"] = profile + `\AppData\Local`
		env["TEMP"] = profile + `\AppData\Local\Temp`
		env["TMP"] = env["TEMP"]
	}
	return env
}

// userWritableDirs are folders an unprivileged user can write to: an
// autorun image there can be replaced without admin rights.
var userWritableDirs = []string{
	`\appdata\`, `\temp\`, `\users\public\`, `\programdata\`, `\windows\temp\`, `\downloads\`, `\desktop\`,
	`\windows\tasks\`, `\recycle`,
}

// UserWritable reports whether an image path lies in a user-writable folder.
func UserWritable(image string) bool {
	p := strings.ToLower(strings.ReplaceAll(image, "/", `\`))
	for _, d := range userWritableDirs {
		if strings.Contains(p, d) {
			return true
		}
	}
	return false
}
