package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/osquery/osquery-go/gen/osquery"

	"github.com/runkeyhunt/runkeyhunt/tables/runkeypayloads"
	"github.com/runkeyhunt/runkeyhunt/tables/sysmonchain"
)

// correlationLine is the Debug line the host logs once per correlation.
const correlationLine = "correlating Sysmon events"

// countLines counts the extension's log lines with s once at least want
// of them are in (its stderr is copied by another goroutine, so a line
// written before a call returned may arrive just after), and a moment
// later, so that one too many is counted too.
func countLines(stderr *lockedBuffer, s string, want int) int {
	deadline := time.Now().Add(5 * time.Second)
	for strings.Count(stderr.String(), s) < want && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	return strings.Count(stderr.String(), s)
}

// A JOIN of both tables on an event-only source reaches the extension as
// two generate calls, one after the other: within --share_window they
// share one host, so the log is correlated once; a changed file is read
// again. With --share_window 0 every call correlates.
func TestExtensionJoinCallsShareOneCorrelation(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "testdata", "sysmon", "scenario.xml"))
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(t.TempDir(), "sysmon.xml")
	if err := os.WriteFile(src, data, 0o600); err != nil {
		t.Fatal(err)
	}
	join := func(client *osquery.ExtensionClient) {
		t.Helper()
		for _, table := range []string{sysmonchain.Name, runkeypayloads.Name} {
			resp := generateSource(t, client, table, src)
			if resp.Status.Code != 0 || len(resp.Response) == 0 {
				t.Fatalf("%s: %+v (%d rows)", table, resp.Status, len(resp.Response))
			}
		}
	}

	manager, client, _, stop := startExtension(t, "--share_window", "30")
	join(client)
	if n := countLines(manager.stderr, correlationLine, 1); n != 1 {
		t.Errorf("one JOIN correlated %d times, want once:\n%s", n, manager.stderr)
	}
	// The same size, a later mtime: the next call reads the file again.
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(src, later, later); err != nil {
		t.Fatal(err)
	}
	join(client)
	if n := countLines(manager.stderr, correlationLine, 2); n != 2 {
		t.Errorf("after the file changed: %d correlations in all, want 2", n)
	}
	stop()

	manager, client, _, stop = startExtension(t, "--share_window", "0")
	join(client)
	if n := countLines(manager.stderr, correlationLine, 2); n != 2 {
		t.Errorf("--share_window 0: %d correlations for two calls, want 2", n)
	}
	stop()
}
