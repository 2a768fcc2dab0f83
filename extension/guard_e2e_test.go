package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/thrift/lib/go/thrift"
	"github.com/osquery/osquery-go/gen/osquery"
	"github.com/osquery/osquery-go/transport"

	"github.com/runkeyhunt/runkeyhunt/tables/runkeypayloads"
	"github.com/runkeyhunt/runkeyhunt/tables/sysmonchain"
)

// generateSource asks the extension, as osqueryd would, for a table's rows
// with source constrained to src.
func generateSource(t *testing.T, client *osquery.ExtensionClient, tableName, src string) *osquery.ExtensionResponse {
	t.Helper()
	qc, _ := json.Marshal(map[string]any{"constraints": []any{map[string]any{
		"name": "source", "affinity": "TEXT",
		"list": []any{map[string]any{"op": 2, "expr": src}},
	}}})
	resp, err := client.Call(context.Background(), "table", tableName, osquery.ExtensionPluginRequest{"action": "generate", "context": string(qc)})
	if err != nil {
		t.Fatalf("generate %s: %v", src, err)
	}
	return resp
}

// Issue 12 item 8: in extension mode a query may name only offline
// sources under an --allow_source prefix; everything else is refused with
// a clear error and one log line, and neither ".." nor a symlink leads out.
func TestExtensionRefusesSourcesOutsideAllowed(t *testing.T) {
	root := t.TempDir()
	allowed := filepath.Join(root, "cases")
	outside := filepath.Join(root, "etc")
	sibling := filepath.Join(root, "cases2") // shares the prefix's spelling
	for _, d := range []string{allowed, outside, sibling} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	inside := regWithRunValues(t, allowed, "host.reg", "Alpha")
	secret := regWithRunValues(t, outside, "secret.reg", "Secret")
	siblingFile := regWithRunValues(t, sibling, "x.reg", "Sibling")
	link := filepath.Join(allowed, "link.reg")
	if err := os.Symlink(secret, link); err != nil {
		t.Fatal(err)
	}
	linkDir := filepath.Join(allowed, "linkdir")
	if err := os.Symlink(outside, linkDir); err != nil {
		t.Fatal(err)
	}

	// A directory under the prefix whose walk (links to directories are
	// followed) would lead out of it.
	walk := filepath.Join(allowed, "walk")
	os.Mkdir(walk, 0o700)
	regWithRunValues(t, walk, "fine.reg", "Fine")
	if err := os.Symlink(outside, filepath.Join(walk, "out")); err != nil {
		t.Fatal(err)
	}
	plainDir := filepath.Join(allowed, "walk2")
	os.Mkdir(plainDir, 0o700)
	regWithRunValues(t, plainDir, "fine.reg", "Fine")

	manager, client, _, stop := startExtension(t, "--allow_source", allowed)
	defer stop()

	resp := generateSource(t, client, runkeypayloads.Name, inside)
	if resp.Status.Code != 0 || len(resp.Response) != 1 || resp.Response[0]["name"] != "Alpha" {
		t.Fatalf("allowed source: %+v %v", resp.Status, resp.Response)
	}
	if resp := generateSource(t, client, runkeypayloads.Name, plainDir); resp.Status.Code != 0 || len(resp.Response) != 1 {
		t.Errorf("allowed directory: %+v %v", resp.Status, resp.Response)
	}
	// Inside the prefix a missing file is an error that says so.
	resp = generateSource(t, client, runkeypayloads.Name, filepath.Join(allowed, "missing.reg"))
	if resp.Status.Code == 0 || !strings.Contains(resp.Status.Message, "no such file") {
		t.Errorf("missing file inside the prefix: %+v", resp.Status)
	}

	refused := []string{
		secret,
		filepath.Join(allowed, "..", "etc", "secret.reg"),
		link,
		filepath.Join(linkDir, "secret.reg"),
		siblingFile,
		inside + "," + secret, // one bad path in a list refuses the list
		walk,
		"/nonexistent/probe.reg",
	}
	for _, tableName := range []string{runkeypayloads.Name, sysmonchain.Name} {
		for _, src := range refused {
			before := settledCount(manager, "source refused")
			resp := generateSource(t, client, tableName, src)
			if resp.Status.Code == 0 || len(resp.Response) != 0 {
				t.Errorf("%s: source %s not refused: %+v %v", tableName, src, resp.Status, resp.Response)
				continue
			}
			if !strings.Contains(resp.Status.Message, "refused") || !strings.Contains(resp.Status.Message, "--allow_source") {
				t.Errorf("%s: refusal of %s does not say why: %q", tableName, src, resp.Status.Message)
			}
			if strings.Contains(resp.Status.Message, "no such file") {
				t.Errorf("refusal tells whether %s exists: %q", src, resp.Status.Message)
			}
			if got := settledCount(manager, "source refused") - before; got != 1 {
				t.Errorf("%s: refusing %s logged %d lines, want 1", tableName, src, got)
			}
		}
	}
	// The live source is always allowed (no live registry off Windows:
	// no rows, no error).
	if resp := generateSource(t, client, runkeypayloads.Name, "live"); resp.Status.Code != 0 {
		t.Errorf("live refused: %+v", resp.Status)
	}
}

func TestExtensionRefusesEveryOfflineSourceByDefault(t *testing.T) {
	src := writeE2EReg(t)
	_, client, _, stop := startExtension(t, "--allow_source=")
	defer stop()
	resp := generateSource(t, client, runkeypayloads.Name, src)
	if resp.Status.Code == 0 || !strings.Contains(resp.Status.Message, "offline sources are off") {
		t.Errorf("default policy: %+v %d rows", resp.Status, len(resp.Response))
	}
}

// bigEventXML writes n Sysmon events (registry writes and network
// connections, unique record ids) as event XML, for work that takes
// seconds.
func bigEventXML(t *testing.T, n int) string {
	t.Helper()
	scenario, err := os.ReadFile(filepath.Join("..", "testdata", "sysmon", "scenario.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var reg, net string
	for _, line := range strings.Split(string(scenario), "\n") {
		switch {
		case reg == "" && strings.Contains(line, "<EventID>13</EventID>"):
			reg = line
		case net == "" && strings.Contains(line, "<EventID>3</EventID>"):
			net = line
		}
	}
	recordID := regexp.MustCompile(`<EventRecordID>\d+</EventRecordID>`)
	path := filepath.Join(t.TempDir(), "big.xml")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i := range n {
		ev := net
		if i%2 == 1 {
			ev = reg
		}
		fmt.Fprintln(f, recordID.ReplaceAllString(ev, fmt.Sprintf("<EventRecordID>%d</EventRecordID>", 100000+i)))
	}
	return path
}

// cpuSeconds is a process's user+system CPU time (Linux /proc).
func cpuSeconds(t *testing.T, pid int) float64 {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	// Fields after the command name, which is in parentheses.
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+2:]))
	utime, _ := strconv.ParseFloat(fields[11], 64)
	stime, _ := strconv.ParseFloat(fields[12], 64)
	return (utime + stime) / 100 // USER_HZ
}

// Issue 12 item 6: when osquery abandons a generate (its client times out
// and drops the connection) the scan stops; and --generate_timeout bounds a
// call whose client stays. CPU time after the cancel stays small.
func TestExtensionStopsAbandonedGenerate(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("CPU time read from /proc")
	}
	if testing.Short() {
		t.Skip("generates a large input")
	}
	big := bigEventXML(t, 80000) // ~100 MB: many seconds of work, cancelled after one or two

	t.Run("client disconnects", func(t *testing.T) {
		_, _, cmd, stop := startExtension(t)
		defer stop()
		sock := cmd.Args[2] + "." + strconv.Itoa(e2eUUID)
		trans, err := transport.Open(sock, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		caller := osquery.NewExtensionClientFactory(trans, thrift.NewTBinaryProtocolFactoryDefault())
		finished := make(chan struct{})
		go func() { generateSourceNoCheck(caller, sysmonchain.Name, big); close(finished) }()
		time.Sleep(1500 * time.Millisecond)
		select {
		case <-finished:
			t.Fatal("generate finished before the disconnect: make the input bigger")
		default:
		}
		busy := cpuSeconds(t, cmd.Process.Pid)
		trans.Close() // osqueryd gives up on the call
		time.Sleep(500 * time.Millisecond)
		after := cpuSeconds(t, cmd.Process.Pid)
		time.Sleep(2 * time.Second)
		spent := cpuSeconds(t, cmd.Process.Pid) - after
		t.Logf("CPU-seconds: %.2f in the 1.5 s before the disconnect, %.2f in the 2 s from 0.5 s after it", busy, spent)
		if spent > 0.3 {
			t.Errorf("the scan went on after the client left: %.2f CPU-seconds in 2 s", spent)
		}
	})

	t.Run("generate_timeout", func(t *testing.T) {
		_, client, cmd, stop := startExtension(t, "--generate_timeout", "1")
		defer stop()
		start := time.Now()
		resp := generateSource(t, client, sysmonchain.Name, big)
		took := time.Since(start)
		if resp.Status.Code == 0 || !strings.Contains(resp.Status.Message, "deadline") {
			t.Errorf("want a deadline error, got %+v after %v", resp.Status, took)
		}
		if took > 3*time.Second {
			t.Errorf("call took %v with --generate_timeout 1", took)
		}
		after := cpuSeconds(t, cmd.Process.Pid)
		time.Sleep(2 * time.Second)
		if spent := cpuSeconds(t, cmd.Process.Pid) - after; spent > 0.3 {
			t.Errorf("%.2f CPU-seconds in the 2 s after the call timed out", spent)
		}
	})
}

func generateSourceNoCheck(client *osquery.ExtensionClient, tableName, src string) {
	qc, _ := json.Marshal(map[string]any{"constraints": []any{map[string]any{
		"name": "source", "affinity": "TEXT",
		"list": []any{map[string]any{"op": 2, "expr": src}},
	}}})
	client.Call(context.Background(), "table", tableName, osquery.ExtensionPluginRequest{"action": "generate", "context": string(qc)})
}

// settledCount counts what the extension logged once its stderr has been
// quiet for 100 ms (at most 5 s): log lines reach the pipe after the call
// that caused them returns, later still on a loaded machine.
func settledCount(m *fakeOsqueryd, what string) int {
	n := strings.Count(m.stderr.String(), what)
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
		next := strings.Count(m.stderr.String(), what)
		if next == n {
			break
		}
		n = next
	}
	return n
}
