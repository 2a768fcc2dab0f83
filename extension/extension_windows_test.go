//go:build windows

package main

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/apache/thrift/lib/go/thrift"
	"github.com/osquery/osquery-go/transport"
)

// TestNamedPipeExtension runs runkeyhunt.exe the way osqueryd does on
// Windows: osqueryd's extension manager listens on a named pipe (osqueryd
// passes --socket \\.\pipe\osquery.em), the extension dials it, registers,
// and serves its own tables on the pipe <socket>.<uuid>, where osqueryd
// connects to it as a client. The fake manager is the Thrift server over
// osquery-go's pipe transport (a go-winio ListenPipe listener); the client
// is osquery-go's pipe dialer (go-winio DialPipe).
func TestNamedPipeExtension(t *testing.T) {
	if os.Getenv("RKH_WINE") == "1" {
		if gaps := wineNamedPipeGaps(t); gaps != "" {
			t.Skip(gaps)
		}
	}
	pipe := fmt.Sprintf(`\\.\pipe\rkh-test-%d`, os.Getpid())
	manager, client, _, stop := startExtensionAt(t, pipe)
	checkServesRunKeyPayloads(t, manager, client, `C:\nonexistent\triage`)
	stop()
}

// wineNamedPipeGaps checks for the Wine (8.0) named-pipe behaviours that
// break osquery-go's pipe transport, and describes the ones it finds.
//
// 1. go-winio's ListenPipe first creates a placeholder pipe instance
// (NtCreateNamedPipeFile with SYNCHRONIZE-only access), which Windows keeps
// disconnected so no client can connect to it; Accept serves clients on
// the instances it creates next (ConnectNamedPipe). Wine lets a client
// connect to the placeholder, even while an Accept is pending, and nothing
// ever reads from it: runkeyhunt.exe's DialPipe to the manager succeeds,
// the manager's Accept never returns, and the extension gives up with
// "registering extension: i/o timeout" after --timeout. Probe: dial a
// fresh listener before any Accept; on Windows that times out.
//
// 2. A zero-byte WriteFile on a byte-mode pipe completes the peer's pending
// ReadFile with 0 bytes, which go-winio reads as io.EOF. Thrift's binary
// protocol writes an empty string as its length and then a zero-byte
// write, so the first generate response with an empty column breaks the
// connection ("error reading field 0: EOF"). Probe: write 0 bytes, then
// one byte, and read.
func wineNamedPipeGaps(t *testing.T) string {
	t.Helper()
	probe := fmt.Sprintf(`\\.\pipe\rkh-probe-%d`, os.Getpid())
	server, err := transport.OpenServer(probe, 0)
	if err != nil {
		t.Fatalf("open probe pipe server: %v", err)
	}
	if err := server.Listen(); err != nil {
		t.Fatalf("listen on probe pipe %s: %v", probe, err)
	}
	defer server.Close()
	var gaps []string

	placeholder, err := transport.Open(probe, 500*time.Millisecond)
	if err == nil {
		// Held open until the end, so the next dial gets a real instance.
		defer placeholder.Close()
		gaps = append(gaps, fmt.Sprintf("transport.Open (winio.DialPipe) %s connected to go-winio ListenPipe's "+
			"placeholder instance with no Accept pending (Windows keeps it disconnected), so a go-winio "+
			"listener's first client is never accepted: runkeyhunt.exe fails with \"registering extension: i/o timeout\"", probe))
	}

	accepted := make(chan thrift.TTransport, 1)
	go func() {
		conn, err := server.Accept()
		if err != nil {
			conn = nil
		}
		accepted <- conn
	}()
	client, err := transport.Open(probe, 2*time.Second)
	if err != nil {
		t.Fatalf("dial probe pipe %s: %v", probe, err)
	}
	defer client.Close()
	var conn thrift.TTransport
	select {
	case conn = <-accepted:
	case <-time.After(5 * time.Second):
	}
	if conn == nil {
		gaps = append(gaps, "probe pipe: Accept did not return the connected client")
		return "Wine named pipes fall short: " + strings.Join(gaps, "; ")
	}
	defer conn.Close()
	// The writes block until read (go-winio pipes have no buffer).
	go func() {
		conn.Write(nil)
		conn.Write([]byte{'x'})
	}()
	buf := make([]byte, 1)
	if n, err := client.Read(buf); n != 1 || buf[0] != 'x' {
		gaps = append(gaps, fmt.Sprintf("after a zero-byte write the peer's Read returned (%d, %v), not the next byte: "+
			"Thrift's zero-byte write of an empty string ends the connection (generate: \"error reading field 0: EOF\")", n, err))
	}
	if len(gaps) == 0 {
		return ""
	}
	return "Wine named pipes fall short: " + strings.Join(gaps, "; ")
}
