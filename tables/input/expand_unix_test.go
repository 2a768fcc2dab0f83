//go:build unix

package input

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A FIFO named as source, or met while walking, must not block: before the
// fix Expand opened it and waited for a writer forever.
func TestExpandRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.reg")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	reg := writeFile(t, filepath.Join(dir, "a.reg"), regText)
	type result struct {
		files []File
		err   error
	}
	run := func(spec string) result {
		done := make(chan result, 1)
		go func() {
			files, err := Expand(spec)
			done <- result{files, err}
		}()
		select {
		case r := <-done:
			return r
		case <-time.After(5 * time.Second):
			// Unblock the stuck open so the test binary can exit.
			if w, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
				w.Close()
			}
			t.Fatalf("Expand(%s) blocked on the FIFO", spec)
			return result{}
		}
	}
	r := run(fifo)
	if r.err == nil || !strings.Contains(r.err.Error(), fifo) || !strings.Contains(r.err.Error(), "named pipe") {
		t.Errorf("named FIFO: want an error naming it as a named pipe, got %v", r.err)
	}
	r = run(dir)
	if r.err != nil || !reflect.DeepEqual(paths(r.files), []string{reg}) {
		t.Errorf("walk with a FIFO: got %v %v, want only %s", paths(r.files), r.err, reg)
	}
	if fi, err := os.Stat("/dev/null"); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		t.Logf("/dev/null is not a character device here (%v): device case not checked", err)
	} else if _, err := Expand("/dev/null"); err == nil || !strings.Contains(err.Error(), "device") {
		t.Errorf("device: want an error naming a device, got %v", err)
	}
	// File.Open refuses a FIFO swapped in after Expand.
	if _, err := (File{Path: fifo, Format: RegExport}).Open(); err == nil || !errors.Is(err, errSpecial) {
		t.Errorf("File.Open of a FIFO: %v", err)
	}
}

func TestOpenNoBlockFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "p")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		f, err := openNoBlock(fifo)
		if err == nil {
			f.Close()
		}
		done <- err
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		if w, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			w.Close()
		}
		t.Fatal("openNoBlock blocked on a FIFO")
	}
}
