package host

import (
	"context"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/runkeyhunt/runkeyhunt/tables/input"
)

// Cache shares hosts between the generate calls of extension mode, where
// osqueryd does not say which calls form one SQL statement: a JOIN of
// both tables calls each table's generate in turn, and without sharing an
// event-only source is correlated once per table.
//
// Lifetime: a host is reused by a call that starts while another call
// still holds it (being built or read) or at most Idle after the last call
// that held it ended. It is dropped then, by a timer: nothing outlives the
// window. An offline host is dropped sooner when its source changed: the
// specification expands to other files, or a file's size or modification
// time differs from when the host was opened (for a zip member, the
// archive's). A live host cannot be stamped (the registry and the Sysmon
// log change all the time), so it is reused only inside the window and
// never when it was opened more than LiveMaxAge ago: a live query sees
// data at most that old, the same as if both tables had been read one
// after the other within that time. At most MaxHosts hosts are kept; past
// that the least recently used idle one goes, and when every kept host is
// in use a new one is not kept at all.
//
// The sources a call may name are checked before it opens anything (the
// extension's --allow_source policy, fixed for the process), so a host is
// shared only among calls that were allowed to open it.
type Cache struct {
	Idle       time.Duration // 0: hosts are shared only while held
	LiveMaxAge time.Duration // 0: DefaultLiveMaxAge
	MaxHosts   int           // 0: DefaultMaxHosts

	mu      sync.Mutex
	entries map[string]*cacheEntry
	now     func() time.Time // test hook; nil: time.Now
}

// Defaults of a Cache's fields.
const (
	DefaultCacheIdle  = 2 * time.Second
	DefaultLiveMaxAge = 10 * time.Second
	DefaultMaxHosts   = 2
)

// cacheEntry is one source's host and who holds it.
type cacheEntry struct {
	source  string
	shared  *shared     // the host, opened once
	stamps  []fileStamp // the offline files as opened; nil live
	opened  time.Time
	holders int       // calls holding it now
	idle    time.Time // when the last holder let go
	timer   *time.Timer
}

// fileStamp is what tells a file changed.
type fileStamp struct {
	path  string
	size  int64
	mtime int64 // UnixNano
}

type callKey struct{}

// call is one generate call: the entries it holds until it ends.
type call struct {
	cache *Cache
	mu    sync.Mutex
	held  []*cacheEntry
}

// Call returns a context for one generate call, in which Open shares
// hosts through the cache, and the function that ends the call (letting
// go of the hosts it opened). A nil Cache shares nothing.
func (c *Cache) Call(ctx context.Context) (context.Context, func()) {
	if c == nil {
		return ctx, func() {}
	}
	cl := &call{cache: c}
	return context.WithValue(ctx, callKey{}, cl), cl.end
}

func callOf(ctx context.Context) *call {
	cl, _ := ctx.Value(callKey{}).(*call)
	return cl
}

func (c *Cache) clock() time.Time {
	if c.now != nil {
		return c.now()
	}
	return time.Now()
}

func (c *Cache) maxHosts() int {
	if c.MaxHosts > 0 {
		return c.MaxHosts
	}
	return DefaultMaxHosts
}

func (c *Cache) liveMaxAge() time.Duration {
	if c.LiveMaxAge > 0 {
		return c.LiveMaxAge
	}
	return DefaultLiveMaxAge
}

// open returns the cached host of source or opens one, held by cl until
// it ends.
func (cl *call) open(ctx context.Context, source string, o Options) (Host, error) {
	c := cl.cache
	log := o.logger()
	// Stamp before looking: a change made while this call runs is seen by
	// the next one.
	var stamps []fileStamp
	if source != LiveSource {
		stamps = stampSource(ctx, source, o)
	}
	c.mu.Lock()
	e := c.entries[source]
	if e != nil && !c.fresh(e, stamps) {
		log.Debug("host cache: source changed or window passed, opening it again", "source", source)
		c.dropLocked(e)
		e = nil
	}
	reused := e != nil
	if e == nil {
		e = &cacheEntry{source: source, shared: &shared{}, stamps: stamps, opened: c.clock()}
		if !c.makeRoomLocked() {
			c.mu.Unlock()
			log.Debug("host cache full of hosts in use: not keeping this one", "source", source)
			return o.open(ctx, source)
		}
		if c.entries == nil {
			c.entries = map[string]*cacheEntry{}
		}
		c.entries[source] = e
	}
	e.holders++
	if e.timer != nil {
		e.timer.Stop()
		e.timer = nil
	}
	c.mu.Unlock()
	cl.mu.Lock()
	cl.held = append(cl.held, e)
	cl.mu.Unlock()
	if reused {
		log.Debug("host cache: reusing the host", "source", source)
	}
	sh := e.shared
	sh.once.Do(func() { sh.host, sh.err = o.open(ctx, source) })
	if sh.err != nil {
		// A failed or cancelled open is not kept for the next call.
		c.mu.Lock()
		if c.entries[source] == e {
			c.dropLocked(e)
		}
		c.mu.Unlock()
		return nil, sh.err
	}
	return sh.host, nil
}

// fresh tells whether e may serve a call starting now whose source
// stamps are stamps.
func (c *Cache) fresh(e *cacheEntry, stamps []fileStamp) bool {
	now := c.clock()
	if e.holders == 0 && now.Sub(e.idle) >= c.Idle {
		return false
	}
	if e.source == LiveSource {
		return now.Sub(e.opened) <= c.liveMaxAge()
	}
	return slices.Equal(e.stamps, stamps)
}

// makeRoomLocked drops the least recently used idle entry when the cache
// is full; false when every entry is held.
func (c *Cache) makeRoomLocked() bool {
	for len(c.entries) >= c.maxHosts() {
		var oldest *cacheEntry
		for _, e := range c.entries {
			if e.holders == 0 && (oldest == nil || e.idle.Before(oldest.idle)) {
				oldest = e
			}
		}
		if oldest == nil {
			return false
		}
		c.dropLocked(oldest)
	}
	return true
}

func (c *Cache) dropLocked(e *cacheEntry) {
	if c.entries[e.source] == e {
		delete(c.entries, e.source)
	}
	if e.timer != nil {
		e.timer.Stop()
		e.timer = nil
	}
}

// end lets go of the call's hosts; one no longer held is dropped after
// the idle window unless a call takes it again.
func (cl *call) end() {
	c := cl.cache
	cl.mu.Lock()
	held := cl.held
	cl.held = nil
	cl.mu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range held {
		e.holders--
		if e.holders > 0 || c.entries[e.source] != e {
			continue
		}
		e.idle = c.clock()
		if e.timer != nil {
			e.timer.Stop()
		}
		e.timer = time.AfterFunc(c.Idle, func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			if e.holders == 0 && c.entries[e.source] == e {
				c.dropLocked(e)
			}
		})
	}
}

// stampSource stamps the files an offline specification expands to now.
// An error stamps nothing that could match a host opened without it; the
// open that follows reports it.
func stampSource(ctx context.Context, source string, o Options) []fileStamp {
	files, err := input.ExpandContext(ctx, source, input.Options{Logger: hclog.NewNullLogger(), Warn: func(error) {}, Limits: o.Limits})
	if err != nil {
		return []fileStamp{{path: "\x00error: " + err.Error()}}
	}
	seen := map[string]bool{}
	var out []fileStamp
	for _, f := range files {
		path := f.Path
		if i := strings.Index(path, input.MemberSeparator); i > 0 {
			if _, err := os.Stat(path); err != nil {
				path = path[:i] // a zip member: its archive's stamp
			}
		}
		stamp := fileStamp{path: f.Path}
		if !seen[path] {
			seen[path] = true
			if fi, err := os.Stat(path); err == nil {
				stamp.size, stamp.mtime = fi.Size(), fi.ModTime().UnixNano()
			}
		}
		out = append(out, stamp)
	}
	return out
}
