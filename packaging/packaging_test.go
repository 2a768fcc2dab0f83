package packaging

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"
)

// The MSI UpgradeCode must never change: MajorUpgrade finds the installed
// version by it. It is written in the .wxs and in lib.sh (the namespace of
// the derived product and package codes).
const upgradeCode = "5D6810C1-6B08-41BA-B22C-9AF8154937F5"

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return string(b)
}

func TestUpgradeCodeIsStable(t *testing.T) {
	wxs := read(t, "windows/runkeyhunt.wxs")
	if got := regexp.MustCompile(`UpgradeCode="([^"]+)"`).FindStringSubmatch(wxs); got == nil || got[1] != upgradeCode {
		t.Errorf("runkeyhunt.wxs UpgradeCode = %v, want %s (never change it: upgrades would install side by side)", got, upgradeCode)
	}
	if lib := read(t, "lib.sh"); !strings.Contains(lib, "RKH_UPGRADE_CODE="+upgradeCode+"\n") {
		t.Errorf("lib.sh RKH_UPGRADE_CODE is not %s", upgradeCode)
	}
	if !strings.Contains(wxs, "<MajorUpgrade ") {
		t.Error("runkeyhunt.wxs has no MajorUpgrade: a newer MSI would not replace the installed one")
	}
}

// Component GUIDs are fixed per key path (Windows Installer component
// rules); "*" or a per-build GUID would orphan files on upgrade.
func TestComponentGUIDsAreFixed(t *testing.T) {
	wxs := read(t, "windows/runkeyhunt.wxs")
	comps := regexp.MustCompile(`<Component Id="([^"]+)" Guid="([^"]*)"`).FindAllStringSubmatch(wxs, -1)
	if len(comps) != 5 {
		t.Fatalf("want 5 components (exe, LICENSE, NOTICE, .load, .flags), got %d", len(comps))
	}
	guid := regexp.MustCompile(`^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$`)
	seen := map[string]bool{}
	for _, c := range comps {
		if !guid.MatchString(c[2]) {
			t.Errorf("component %s Guid %q is not a fixed upper-case GUID", c[1], c[2])
		}
		if seen[c[2]] {
			t.Errorf("component %s reuses Guid %s", c[1], c[2])
		}
		seen[c[2]] = true
	}
}

// osqueryd on Windows skips every entry of an autoload list that is not
// plain ASCII (a BOM breaks it), and accepts only paths ending in .exe or
// .ext; on Linux only .ext. The list must name the path the package
// installs.
func TestAutoloadListsNameTheInstalledPath(t *testing.T) {
	win := read(t, "windows/runkeyhunt.load")
	if strings.HasPrefix(win, "\ufeff") {
		t.Error("windows/runkeyhunt.load starts with a BOM")
	}
	for i := 0; i < len(win); i++ {
		if win[i] > 0x7f {
			t.Fatalf("windows/runkeyhunt.load has a non-ASCII byte at offset %d", i)
		}
	}
	if got, want := strings.TrimRight(win, "\r\n"), `C:\Program Files\osquery\extensions\runkeyhunt.exe`; got != want {
		t.Errorf("windows/runkeyhunt.load = %q, want %q", got, want)
	}
	wxs := read(t, "windows/runkeyhunt.wxs")
	for _, want := range []string{
		`<Directory Id="ProgramFiles64Folder">`,
		`<Directory Id="OsqueryDir" Name="osquery">`,
		`<Directory Id="ExtensionsDir" Name="extensions">`,
		`Name="runkeyhunt.exe"`,
	} {
		if !strings.Contains(wxs, want) {
			t.Errorf("runkeyhunt.wxs lacks %s: the .load names a path the MSI does not install", want)
		}
	}

	lin := read(t, "linux/runkeyhunt.load")
	if got, want := strings.TrimRight(lin, "\n"), "/usr/lib/osquery/extensions/runkeyhunt.ext"; got != want {
		t.Errorf("linux/runkeyhunt.load = %q, want %q", got, want)
	}
	nfpm := read(t, "linux/nfpm.yaml")
	if !strings.Contains(nfpm, "dst: "+strings.TrimSpace(lin)+"\n") {
		t.Errorf("linux/nfpm.yaml installs nothing at %s, the path runkeyhunt.load names", strings.TrimSpace(lin))
	}
}

// Each flagfile snippet points --extensions_autoload at the list its
// package installs and requires the extension by the name it registers.
func TestFlagSnippets(t *testing.T) {
	for _, c := range []struct{ file, autoload string }{
		{"linux/runkeyhunt.flags", "/etc/osquery/runkeyhunt.load"},
		{"windows/runkeyhunt.flags", `C:\Program Files\osquery\runkeyhunt.load`},
	} {
		flags := map[string]string{}
		for _, line := range strings.Split(strings.ReplaceAll(read(t, c.file), "\r\n", "\n"), "\n") {
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			k, v, ok := strings.Cut(line, "=")
			if !ok || !strings.HasPrefix(k, "--") {
				t.Errorf("%s: %q is not a --flag=value line", c.file, line)
				continue
			}
			flags[k] = v
		}
		if flags["--extensions_autoload"] != c.autoload {
			t.Errorf("%s: --extensions_autoload=%q, want %q", c.file, flags["--extensions_autoload"], c.autoload)
		}
		if flags["--extensions_require"] != "runkeyhunt" {
			t.Errorf("%s: --extensions_require=%q, want runkeyhunt (the name the extension registers)", c.file, flags["--extensions_require"])
		}
		if flags["--extensions_timeout"] == "" {
			t.Errorf("%s: no --extensions_timeout", c.file)
		}
	}
	ext := read(t, "../extension/serve.go")
	if !strings.Contains(ext, `extensionName = "runkeyhunt"`) {
		t.Error(`extension/serve.go no longer registers as "runkeyhunt": update --extensions_require in the snippets`)
	}
	// The Windows snippet is read by osqueryd on Windows: CRLF, ASCII.
	win := []byte(read(t, "windows/runkeyhunt.flags"))
	if bytes.Count(win, []byte("\n")) != bytes.Count(win, []byte("\r\n")) {
		t.Error("windows/runkeyhunt.flags mixes LF and CRLF line ends")
	}
}
