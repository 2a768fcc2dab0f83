//go:build unix

package cli

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// --output naming a FIFO (as /dev/null or a pipe to a pager is) is written
// through, not replaced by a regular file renamed over it: the rename
// once turned this machine's /dev/null into a plain file.
func TestReportOutputToSpecialFileWritesThrough(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	got := make(chan string, 1)
	go func() {
		f, err := os.Open(fifo)
		if err != nil {
			got <- "open: " + err.Error()
			return
		}
		defer f.Close()
		b, _ := io.ReadAll(f)
		got <- string(b)
	}()
	stdin := strings.NewReader(resultLine("h", 1, "malicious"))
	if code, _, stderr := run(t, environment{stdin: stdin}, "report", "--format", "json", "--output", fifo, "-"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("the FIFO was replaced by a renamed file: %v", err)
	}
	select {
	case b := <-got:
		if !strings.Contains(b, `"hosts_reporting": 1`) {
			t.Errorf("read from the FIFO: %.200s", b)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("nothing was written to the FIFO")
	}
}

// --output naming a link replaces the file the link names; the link stays.
func TestReportOutputThroughLink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real.json")
	link := filepath.Join(dir, "link.json")
	os.WriteFile(target, []byte("previous"), 0o644)
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("symlink: %v", err)
	}
	stdin := strings.NewReader(resultLine("h", 1, "malicious"))
	if code, _, stderr := run(t, environment{stdin: stdin}, "report", "--format", "json", "--output", link, "-"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v", err)
	}
	if b, _ := os.ReadFile(target); !strings.Contains(string(b), `"hosts_reporting": 1`) {
		t.Errorf("target: %.200s", b)
	}
}
