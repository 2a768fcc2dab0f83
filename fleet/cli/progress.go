package cli

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progress draws a one-line bar on stderr when it is a terminal; it is a
// no-op otherwise, so logs and pipes stay clean.
type progress struct {
	w       io.Writer
	total   int64
	enabled bool
	start   time.Time
	last    time.Time
	drawn   bool
}

func newProgress(w io.Writer, total int64, enabled bool) *progress {
	now := time.Now()
	return &progress{w: w, total: total, enabled: enabled, start: now, last: now}
}

func (p *progress) update(bytesRead, lines int64) {
	if !p.enabled {
		return
	}
	now := time.Now()
	if now.Sub(p.last) < 200*time.Millisecond {
		return
	}
	p.last = now
	rate := float64(lines) / now.Sub(p.start).Seconds()
	if p.total > 0 {
		frac := float64(bytesRead) / float64(p.total)
		if frac > 1 {
			frac = 1
		}
		n := int(frac * 30)
		fmt.Fprintf(p.w, "\r[%s%s] %3.0f%%  %d lines  %.0f lines/s ", strings.Repeat("#", n), strings.Repeat(" ", 30-n), 100*frac, lines, rate)
	} else {
		fmt.Fprintf(p.w, "\r%d lines  %.0f lines/s ", lines, rate)
	}
	p.drawn = true
}

// clear removes the bar before a log line is written.
func (p *progress) clear() {
	if p.enabled && p.drawn {
		fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", 72))
		p.drawn = false
	}
}

func (p *progress) done() { p.clear() }
