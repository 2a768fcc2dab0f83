//go:build !windows

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Issue 12 item 12: Ctrl-C stops a long query within a second, exit 130,
// nothing on stdout. Issue 11 item 5: no progress line when stderr is not
// a terminal.
func TestQueryInterruptAndNoProgressWhenPiped(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a large input")
	}
	big := bigEventXML(t, 320000) // ~400 MB: several seconds of work with the fast XML decoder, cancelled after 1.5
	cmd := exec.Command(binary, "query", "--source", big, "SELECT count(*) FROM sysmon_reg_net_chain")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	time.Sleep(1500 * time.Millisecond)
	select {
	case err := <-exited:
		t.Fatalf("query ended before the interrupt (%v): make the input bigger", err)
	default:
	}
	sent := time.Now()
	cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-exited:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 130 {
			t.Errorf("exit: %v, want status 130", err)
		}
		if took := time.Since(sent); took > time.Second {
			t.Errorf("took %v to stop", took)
		}
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		t.Fatal("query did not stop on SIGINT")
	}
	if stdout.Len() != 0 {
		t.Errorf("partial output: %q", stdout.String())
	}
	if got := strings.TrimSpace(stderr.String()); got != "runkeyhunt query: interrupted" {
		t.Errorf("stderr (no progress line when piped): %q", got)
	}
}
