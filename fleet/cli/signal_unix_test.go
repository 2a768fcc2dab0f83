//go:build unix

package cli

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The test binary runs `fleet report` itself when asked, so a real
// process gets a real SIGINT.
func TestMain(m *testing.M) {
	if args, ok := strings.CutPrefix(os.Getenv("RKH_FLEET_CLI_CHILD"), "fleet\x1f"); ok {
		os.Exit(Main(strings.Split(args, "\x1f"), os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func TestReportSIGINT(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "report.txt")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "RKH_FLEET_CLI_CHILD=fleet\x1freport\x1f--output\x1f"+out+"\x1f-")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Once 1 MiB went through the pipe the child is reading, so its
	// signal handler is in place.
	feed := &endlessLog{}
	if _, err := io.CopyN(stdin, feed, 1<<20); err != nil {
		t.Fatal(err)
	}
	go io.Copy(stdin, feed) // keeps the pipe busy until the child exits
	sent := time.Now()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	took := time.Since(sent)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != exitInterrupted {
		t.Fatalf("exit: %v, want %d; stderr: %s", err, exitInterrupted, stderr.String())
	}
	t.Logf("exit 130 %v after SIGINT", took)
	if took > time.Second {
		t.Errorf("exited %v after SIGINT, want under a second", took)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("files left behind: %v", left)
	}
}
