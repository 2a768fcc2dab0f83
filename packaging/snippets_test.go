package packaging

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// Fleet's rules for extensions delivered by fleetd, quoted from Fleet's
// docs ("Agent configuration" > "Extensions") and fleetctl's updates code
// (ee/fleetctl/updates.go: "The convention for Windows extensions is to
// use the extension `.ext.exe`").
var fleetdPlatforms = map[string]string{"macos": ".ext", "linux": ".ext", "windows": ".ext.exe"}

const fleetdTargetPrefix = "extensions/" // "The target name for the TUF server must be named as extensions/<extension_name>"

func TestFleetAgentOptionsSnippet(t *testing.T) {
	text := read(t, "snippets/fleet-agent-options.yml")
	var doc struct {
		AgentOptions struct {
			Extensions map[string]struct {
				Channel  string `yaml:"channel"`
				Platform string `yaml:"platform"`
			} `yaml:"extensions"`
			CommandLineFlags map[string]any `yaml:"command_line_flags"`
		} `yaml:"agent_options"`
	}
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		t.Fatalf("snippets/fleet-agent-options.yml: %v", err)
	}
	exts := doc.AgentOptions.Extensions
	if len(exts) == 0 {
		t.Fatal("no agent_options.extensions")
	}
	add := regexp.MustCompile(`fleetctl updates add .*--target (\S+) --name (\S+) --platform (\S+)`)
	pushed := map[string][]string{}
	for _, m := range add.FindAllStringSubmatch(text, -1) {
		pushed[m[2]] = m[1:]
	}
	platforms := map[string]bool{}
	for name, e := range exts {
		suffix, ok := fleetdPlatforms[e.Platform]
		if !ok || e.Channel == "" {
			t.Errorf("extension %s: platform %q channel %q (platform must be macos, linux or windows)", name, e.Platform, e.Channel)
			continue
		}
		platforms[e.Platform] = true
		cmd, ok := pushed[fleetdTargetPrefix+name]
		if !ok {
			t.Errorf("extension %s: no `fleetctl updates add ... --name %s%s` command", name, fleetdTargetPrefix, name)
			continue
		}
		if cmd[0] != name+suffix || cmd[2] != e.Platform {
			t.Errorf("extension %s on %s: target %q platform %q, want %q", name, e.Platform, cmd[0], cmd[2], name+suffix)
		}
		if !strings.Contains(text, "cp dist/runkeyhunt-X.Y.Z-"+e.Platform+"-amd64") || !strings.Contains(text, " "+name+suffix+"\n") {
			t.Errorf("extension %s: no copy of the release binary to %s", name, name+suffix)
		}
	}
	// extensions_require applies to every host that gets these options;
	// it may name only extensions delivered, and then only in options for
	// hosts of the platforms they are delivered to (a Windows-only fleet).
	req, _ := doc.AgentOptions.CommandLineFlags["extensions_require"].(string)
	if req != "" {
		ext := read(t, "../extension/serve.go")
		for _, name := range strings.Split(req, ",") {
			if _, ok := exts[name]; !ok {
				t.Errorf("extensions_require names %s, which these options do not deliver", name)
			}
			if !strings.Contains(ext, `extensionName = "`+name+`"`) {
				t.Errorf("extensions_require=%s is not the name the extension registers (extension/serve.go)", name)
			}
		}
		if len(platforms) != 1 || !strings.Contains(text, "fleets/") || !strings.Contains(text, "ALL Windows") {
			t.Errorf("extensions_require with extensions for %v: the snippet must be for a fleet of one platform", platforms)
		}
		if strings.Contains(text, "default.yml") && !strings.Contains(text, "in default.yml\n# it would apply to every host") {
			t.Error("the snippet must not suggest default.yml for extensions_require")
		}
	}
}

// Kolide launcher ignores --autoloaded_extension (options.go declares it
// "DEPRECATED" and drops the values) and sets osqueryd's
// --extensions_autoload itself; the docs must not tell users to use it.
func TestNoLauncherAutoloadInstructions(t *testing.T) {
	if _, err := os.Stat("snippets/launcher.flags"); err == nil {
		t.Error("snippets/launcher.flags documents launcher's removed --autoloaded_extension")
	}
	readme := read(t, "README.md")
	i := strings.Index(readme, "## Kolide launcher")
	if i < 0 {
		t.Fatal("README.md has no Kolide launcher section")
	}
	section := readme[i:]
	if j := strings.Index(section[3:], "\n## "); j >= 0 {
		section = section[:j+3]
	}
	if !strings.Contains(strings.ToLower(section), "not supported") || strings.Contains(section, "autoloaded_extension runkeyhunt") {
		t.Errorf("Kolide launcher section must say plainly that it is not supported:\n%s", section)
	}
}
