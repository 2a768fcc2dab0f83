package host

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/runkeyhunt/runkeyhunt/tables/chain"
)

// debugLines counts a logger's lines containing a text.
type debugLines struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (d *debugLines) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.buf.Write(p)
}

func (d *debugLines) count(s string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return strings.Count(d.buf.String(), s)
}

func debugOptions() (Options, *debugLines) {
	lines := &debugLines{}
	return Options{Logger: hclog.New(&hclog.LoggerOptions{Output: lines, Level: hclog.Debug})}, lines
}

// fakeClock is a Cache's clock that the test moves.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func newTestCache(idle time.Duration) (*Cache, *fakeClock) {
	clock := &fakeClock{now: time.Unix(1700000000, 0)}
	return &Cache{Idle: idle, now: clock.Now}, clock
}

// openIn opens source in a call of its own, runs use with the host, and
// ends the call: one generate call.
func openIn(t *testing.T, c *Cache, o Options, source string, use func(context.Context, Host)) Host {
	t.Helper()
	ctx, end := c.Call(context.Background())
	defer end()
	h, err := o.Open(ctx, source)
	if err != nil {
		t.Fatal(err)
	}
	if use != nil {
		use(ctx, h)
	}
	return h
}

func chainOf(t *testing.T) func(context.Context, Host) {
	return func(ctx context.Context, h Host) {
		if rows, err := h.Chain(ctx, ChainQuery{Window: chain.DefaultWindow}); err != nil || len(rows) == 0 {
			t.Fatalf("chain: %d rows, %v", len(rows), err)
		}
	}
}

func autorunsOf(t *testing.T) func(context.Context, Host) {
	return func(ctx context.Context, h Host) {
		if rows, err := h.Autoruns(ctx); err != nil || len(rows) == 0 {
			t.Fatalf("autoruns: %d rows, %v", len(rows), err)
		}
	}
}

// The generate calls of a JOIN's two tables on an event-only source, one
// after the other within the window, share one host: one correlation.
// Without the cache each call correlates.
func TestCacheSharesCorrelationBetweenCalls(t *testing.T) {
	src := copyScenario(t)
	o, lines := debugOptions()
	c, clock := newTestCache(DefaultCacheIdle)
	a := openIn(t, c, o, src, chainOf(t))
	clock.advance(DefaultCacheIdle / 2)
	b := openIn(t, c, o, src, autorunsOf(t))
	if a != b {
		t.Fatal("a call within the window got a new host")
	}
	if n := lines.count("correlating Sysmon events"); n != 1 {
		t.Errorf("%d correlations for two calls in the window, want 1", n)
	}
	openIn(t, nil, o, src, autorunsOf(t))
	if n := lines.count("correlating Sysmon events"); n != 2 {
		t.Errorf("without a cache: %d correlations in all, want 2", n)
	}
}

// Past the idle window, or once a file of the source changed, a call
// opens the source again.
func TestCacheWindowAndChangedFile(t *testing.T) {
	src := copyScenario(t)
	o, _ := debugOptions()
	c, clock := newTestCache(DefaultCacheIdle)
	a := openIn(t, c, o, src, nil)
	clock.advance(DefaultCacheIdle + time.Millisecond)
	b := openIn(t, c, o, src, nil)
	if a == b {
		t.Fatal("a call after the idle window reused the host")
	}
	// Same size, later mtime: changed.
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(src, later, later); err != nil {
		t.Fatal(err)
	}
	if d := openIn(t, c, o, src, nil); d == b {
		t.Fatal("a call after the file's mtime changed reused the host")
	}
	// A file added to a directory source: a new expansion, a new host.
	dir := filepath.Dir(src)
	e := openIn(t, c, o, dir, nil)
	if err := os.WriteFile(filepath.Join(dir, "more.xml"), []byte("<Events/>\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if f := openIn(t, c, o, dir, nil); f == e {
		t.Fatal("a call after a file was added to the directory reused the host")
	}
}

// A call that starts while another holds the host shares it, whatever the
// window (Idle 0: shared only while held).
func TestCacheSharesWhileHeld(t *testing.T) {
	src := copyScenario(t)
	c, clock := newTestCache(0)
	ctx, end := c.Call(context.Background())
	a, err := Options{}.Open(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	clock.advance(time.Minute)
	b := openIn(t, c, Options{}, src, nil)
	end()
	if a != b {
		t.Fatal("a call while another held the host got a new one")
	}
	if d := openIn(t, c, Options{}, src, nil); d == a {
		t.Fatal("Idle 0: a call after every holder ended reused the host")
	}
}

// At most MaxHosts hosts are kept: the least recently used idle one goes.
// An idle host is dropped by its timer once the window passes.
func TestCacheBoundedAndDropped(t *testing.T) {
	dir, err := os.MkdirTemp("", "host-cache")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	var srcs []string
	for _, name := range []string{"a.xml", "b.xml", "c.xml"} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("<Events/>\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, p)
	}
	c, clock := newTestCache(time.Hour)
	c.MaxHosts = 2
	first := openIn(t, c, Options{}, srcs[0], nil)
	clock.advance(time.Second)
	openIn(t, c, Options{}, srcs[1], nil)
	clock.advance(time.Second)
	openIn(t, c, Options{}, srcs[2], nil)
	c.mu.Lock()
	n, kept := len(c.entries), c.entries[srcs[0]] != nil
	c.mu.Unlock()
	if n != 2 || kept {
		t.Fatalf("%d hosts kept (the oldest kept: %v), want 2 without the oldest", n, kept)
	}
	if again := openIn(t, c, Options{}, srcs[0], nil); again == first {
		t.Fatal("an evicted host came back")
	}

	quick := &Cache{Idle: 10 * time.Millisecond}
	openIn(t, quick, Options{}, srcs[0], nil)
	deadline := time.Now().Add(5 * time.Second)
	for {
		quick.mu.Lock()
		n := len(quick.entries)
		quick.mu.Unlock()
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("an idle host outlived its window")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A live host is reused inside the window but never past LiveMaxAge from
// its open, however often calls come: the live registry is read again.
func TestCacheLiveMaxAge(t *testing.T) {
	c, clock := newTestCache(time.Hour)
	a := openIn(t, c, Options{}, LiveSource, nil)
	for range 3 {
		clock.advance(DefaultLiveMaxAge / 4)
		if b := openIn(t, c, Options{}, LiveSource, nil); b != a {
			t.Fatal("a live call within the window got a new host")
		}
	}
	clock.advance(DefaultLiveMaxAge / 2)
	if b := openIn(t, c, Options{}, LiveSource, nil); b == a {
		t.Fatal("a live host older than LiveMaxAge was reused")
	}
}
