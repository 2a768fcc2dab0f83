package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/runkeyhunt/runkeyhunt/internal/progress"
	"github.com/runkeyhunt/runkeyhunt/tables/input"
)

// queryProgress shows how far `runkeyhunt query` has read its --source on
// a terminal: files opened of the total, bytes read, rate and ETA. The
// tables read through their own readers, so the figures come from the
// process's I/O counters (readStats, per platform); a table that reads a
// file twice counts it twice, so the bar can reach 100% before the end.
type queryProgress struct {
	mu   sync.Mutex
	bar  *progress.Bar
	out  io.Writer
	quit chan struct{}
	done chan struct{}
}

// startQueryProgress starts drawing on stderr when enabled and there is an
// offline source to measure; it is a no-op otherwise.
func startQueryProgress(ctx context.Context, stderr io.Writer, spec string, enabled bool) *queryProgress {
	p := &queryProgress{out: stderr, quit: make(chan struct{}), done: make(chan struct{})}
	if !enabled || spec == "" {
		close(p.done)
		return p
	}
	go p.run(ctx, spec)
	return p
}

func (p *queryProgress) run(ctx context.Context, spec string) {
	defer close(p.done)
	files, err := input.ExpandContext(ctx, spec, input.Options{})
	if err != nil {
		return // the query reports it
	}
	paths := map[string]bool{}
	var total int64
	for _, f := range files {
		if st, err := os.Stat(f.Path); err == nil {
			total += st.Size()
		}
		paths[absPath(f.Path)] = true
	}
	base, _ := readStats(nil)
	seen := map[string]bool{}
	p.mu.Lock()
	p.bar = progress.New(p.out, total, true)
	p.bar.Unit, p.bar.ByteRate = fmt.Sprintf("of %d files", len(files)), true
	p.mu.Unlock()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-p.quit:
			return
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		read, ok := readStats(func(open string) {
			if paths[open] {
				seen[open] = true
			}
		})
		opened := int64(len(seen))
		if !ok {
			opened = int64(len(files)) // no per-file view here: say how many there are
		}
		p.mu.Lock()
		p.bar.Update(read-base, opened)
		p.mu.Unlock()
	}
}

// stop ends the drawing and clears the line.
func (p *queryProgress) stop() {
	select {
	case <-p.quit:
	default:
		close(p.quit)
	}
	<-p.done
	p.mu.Lock()
	if p.bar != nil {
		p.bar.Done()
	}
	p.mu.Unlock()
}

// logWriter is stderr for the logger: a log line first clears the bar, so
// the two never share a line.
func (p *queryProgress) logWriter() io.Writer { return clearingWriter{p} }

type clearingWriter struct{ p *queryProgress }

func (w clearingWriter) Write(b []byte) (int, error) {
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	if w.p.bar != nil {
		w.p.bar.Clear()
	}
	return w.p.out.Write(b)
}

func isTerminal(w io.Writer) bool { return progress.IsTerminal(w) }
