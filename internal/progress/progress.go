// Package progress draws a one-line progress bar on stderr when it is a
// terminal, for `fleet report` and `query`; it is a no-op otherwise, so
// logs and pipes stay clean.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// Bar shows done of total bytes, a count of Unit (lines, files), the rate
// and, once there is a rate, the time left.
type Bar struct {
	// Unit names what Update counts ("lines", "files").
	Unit string
	// ByteRate shows the rate in bytes per second instead of Unit per
	// second.
	ByteRate bool

	w       io.Writer
	total   int64
	enabled bool
	start   time.Time
	last    time.Time
	drawn   bool
}

// refresh is how often the bar is redrawn at most.
const refresh = 200 * time.Millisecond

// New returns a bar over total bytes (0: unknown) that draws only when
// enabled.
func New(w io.Writer, total int64, enabled bool) *Bar {
	now := time.Now()
	return &Bar{Unit: "lines", w: w, total: total, enabled: enabled, start: now, last: now}
}

// Update redraws the bar for done bytes and count units, at most every
// refresh interval.
func (p *Bar) Update(done, count int64) {
	if !p.enabled {
		return
	}
	now := time.Now()
	if now.Sub(p.last) < refresh {
		return
	}
	p.last = now
	elapsed := now.Sub(p.start).Seconds()
	rate := fmt.Sprintf("%.0f %s/s", float64(count)/elapsed, p.Unit)
	if p.ByteRate {
		rate = Bytes(int64(float64(done)/elapsed)) + "/s"
	}
	if p.total > 0 {
		frac := float64(done) / float64(p.total)
		if frac > 1 {
			frac = 1
		}
		n := int(frac * 30)
		eta := ""
		if done > 0 && frac < 1 {
			left := time.Duration(elapsed * (1 - frac) / frac * float64(time.Second))
			eta = "  ETA " + left.Round(time.Second).String()
		}
		fmt.Fprintf(p.w, "\r[%s%s] %3.0f%%  %d %s  %s%s ", strings.Repeat("#", n), strings.Repeat(" ", 30-n), 100*frac, count, p.Unit, rate, eta)
	} else {
		fmt.Fprintf(p.w, "\r%d %s  %s ", count, p.Unit, rate)
	}
	p.drawn = true
}

// Clear removes the bar before a log line is written.
func (p *Bar) Clear() {
	if p.enabled && p.drawn {
		fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", 79))
		p.drawn = false
	}
}

// Done removes the bar for good.
func (p *Bar) Done() { p.Clear() }

// Bytes prints a byte count in binary units.
func Bytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// IsTerminal tells whether w is a terminal (a character device).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
