package host

import (
	"os/exec"
	"strings"
	"testing"
)

// A table plugin is a package under tables/ that builds a tablekit.Table;
// no plugin may depend on another (shared work lives below them: host,
// autoruns, chain). `go list -deps` of each plugin names no other plugin.
func TestNoPluginImportsAnotherPlugin(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not in PATH")
	}
	const module = "github.com/runkeyhunt/runkeyhunt/"
	out, err := exec.Command(goTool, "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "../...").Output()
	if err != nil {
		t.Fatalf("go list ../...: %v", err)
	}
	var plugins []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		for _, imp := range fields[1:] {
			if imp == module+"tables/tablekit" {
				plugins = append(plugins, fields[0])
			}
		}
	}
	isPlugin := map[string]bool{}
	for _, p := range plugins {
		isPlugin[p] = true
	}
	for _, want := range []string{"tables/runkeypayloads", "tables/sysmonchain"} {
		if !isPlugin[module+want] {
			t.Fatalf("%s not found as a plugin (plugins: %v)", want, plugins)
		}
	}
	for _, p := range plugins {
		deps, err := exec.Command(goTool, "list", "-deps", p).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", p, err)
		}
		for _, dep := range strings.Fields(string(deps)) {
			if dep != p && isPlugin[dep] {
				t.Errorf("plugin %s depends on plugin %s", p, dep)
			}
		}
	}
}
