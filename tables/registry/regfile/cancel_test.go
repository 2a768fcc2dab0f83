package regfile

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/runkeyhunt/runkeyhunt/tables/registry"
)

// endless yields a .reg header, then body forever; after cancelAfter
// bytes it cancels ctx. A reader that does not check ctx never ends.
type endless struct {
	header      string
	body        []byte
	sent        int
	cancelAfter int
	cancel      context.CancelFunc
}

func (e *endless) Read(p []byte) (int, error) {
	if e.header != "" {
		n := copy(p, e.header)
		e.header = e.header[n:]
		return n, nil
	}
	n := 0
	for n < len(p) {
		n += copy(p[n:], e.body[(e.sent+n)%len(e.body):])
	}
	e.sent += n
	if e.sent > e.cancelAfter {
		e.cancel()
	}
	return n, nil
}

var _ io.Reader = (*endless)(nil)

// TestCancelStopsParse: a pass over endless input, of short lines or of
// one endless line, stops with the context's error once it is cancelled.
func TestCancelStopsParse(t *testing.T) {
	for _, tt := range []struct {
		name string
		body string
		enc  encoding
	}{
		{"keys", "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Vendor\\App]\r\n\"v\"=hex:01,02,\\\r\n  03\r\n", encUTF8},
		{"one endless line", "x", encUTF8},
		{"ansi", "[HKCU\\A]\r\n\"v\"=\"caf\xe9\"\r\n", encANSI},
		{"utf16le", "\x5b\x00\x41\x00\x5d\x00\x0d\x00\x0a\x00", encUTF16LE},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			header := "Windows Registry Editor Version 5.00\r\n[HKCU\\A]\r\n"
			if tt.enc == encUTF16LE {
				header = "W\x00i\x00n\x00d\x00o\x00w\x00s\x00 \x00R\x00e\x00g\x00i\x00s\x00t\x00r\x00y\x00 \x00E\x00d\x00i\x00t\x00o\x00r\x00 \x00V\x00e\x00r\x00s\x00i\x00o\x00n\x00 \x005\x00.\x000\x000\x00\r\x00\n\x00"
			}
			src := &endless{header: header, body: []byte(tt.body), cancelAfter: 4 << 20, cancel: cancel}
			p := newParser(ctx, "endless.reg", newTextReader(src, tt.enc), func(registry.HiveInfo) *keySet { return newKeySet() })
			err := p.run()
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want context.Canceled", err)
			}
		})
	}
}

// TestOpenCancelled: Open with a done context stops with its error.
func TestOpenCancelled(t *testing.T) {
	path := t.TempDir() + "/x.reg"
	if err := os.WriteFile(path, []byte("Windows Registry Editor Version 5.00\r\n"+strings.Repeat("[HKCU\\A]\r\n\"v\"=\"1\"\r\n", 10000)), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := Open(ctx, path, nil); !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), path) {
		t.Fatalf("err = %v, want context.Canceled naming the file", err)
	}
}
