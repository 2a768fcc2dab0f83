package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestBar(t *testing.T) {
	var buf bytes.Buffer
	p := New(&buf, 1000, true)
	p.start = time.Now().Add(-2 * time.Second)
	p.last = time.Time{}
	p.update(t, 500, 10)
	if s := buf.String(); !strings.Contains(s, " 50%") || !strings.Contains(s, "10 lines") || !strings.Contains(s, "ETA 2s") {
		t.Errorf("bar: %q", s)
	}
	buf.Reset()
	p.Unit, p.ByteRate = "files", true
	p.last = time.Time{}
	p.update(t, 1000, 3)
	if s := buf.String(); !strings.Contains(s, "100%") || !strings.Contains(s, "3 files") || !strings.Contains(s, "B/s") || strings.Contains(s, "ETA") {
		t.Errorf("bytes bar: %q", s)
	}
	buf.Reset()
	p.Clear()
	if !strings.HasPrefix(buf.String(), "\r ") {
		t.Errorf("clear: %q", buf.String())
	}
	buf.Reset()
	off := New(&buf, 1000, false)
	off.last = time.Time{}
	off.Update(500, 10)
	off.Clear()
	if buf.Len() != 0 {
		t.Errorf("bar drawn when disabled: %q", buf.String())
	}
}

func (p *Bar) update(t *testing.T, done, count int64) {
	t.Helper()
	p.Update(done, count)
}

func TestBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 5 << 20: "5.0 MiB", 3 << 30: "3.0 GiB"} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
}
