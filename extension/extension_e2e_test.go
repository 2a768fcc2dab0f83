package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/osquery/osquery-go/gen/osquery"
)

// binary is the runkeyhunt executable built once for the end-to-end tests.
var binary string

// e2eVersion is the version the test binary is stamped with.
const e2eVersion = "0.0.7-2-gabc1234"

// TestMain builds the binary, or takes a prebuilt one from
// RUNKEYHUNT_E2E_BINARY (a Windows test binary under Wine has no Go
// toolchain to build with).
func TestMain(m *testing.M) {
	if prebuilt := os.Getenv("RUNKEYHUNT_E2E_BINARY"); prebuilt != "" {
		binary = prebuilt
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "runkeyhunt-e2e")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "runkeyhunt")
	if runtime.GOOS == "windows" {
		binary += ".exe"
	}
	// Stamped as the Makefile stamps it, so the version checks compare a
	// real version rather than the unstamped default.
	build := exec.Command("go", "build", "-ldflags", "-X main.version="+e2eVersion, "-o", binary, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		os.RemoveAll(dir)
		panic("build runkeyhunt: " + err.Error())
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// startExtension runs the binary the way osqueryd does on a Unix socket
// and returns the manager, a client connected to the extension's own
// socket, and a stop func.
func startExtension(t *testing.T, extraArgs ...string) (*fakeOsqueryd, *osquery.ExtensionClient, *exec.Cmd, func()) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("Unix sockets: the Windows pipe transport is tested by TestNamedPipeExtension")
	}
	dir, err := os.MkdirTemp("", "rkh") // short: socket paths are limited to ~100 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return startExtensionAt(t, filepath.Join(dir, "osquery.em"), extraArgs...)
}

func TestExtensionRegistersAndServesRunKeyPayloads(t *testing.T) {
	manager, client, _, stop := startExtension(t)
	checkServesRunKeyPayloads(t, manager, client, "/nonexistent/triage")
	stop()
}
