// Package host turns a source (the running system, or an offline input
// specification: files, folders, zips, drive-layout collections) into a
// Host: its registry view, payload resolver, Sysmon event stream and file
// access, live and offline behind one interface. It is the only place that
// knows where bytes come from: the table plugins take an Opener and ask a
// Host for autorun rows and chain rows, never "live or offline?".
//
// A Host remembers what it computed (the autorun scan, each correlation),
// so the two tables of a JOIN that share a host parse the source once. A
// host is shared inside a Scope (one `runkeyhunt query` statement) and,
// in extension mode, through a Cache (generate calls that follow each
// other within a short window: see Cache); without either every Open
// makes a fresh host, which lives for one generate call.
package host

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/runkeyhunt/runkeyhunt/tables/autoruns"
	"github.com/runkeyhunt/runkeyhunt/tables/chain"
	"github.com/runkeyhunt/runkeyhunt/tables/evidence"
	"github.com/runkeyhunt/runkeyhunt/tables/input"
	"github.com/runkeyhunt/runkeyhunt/tables/registry"
	"github.com/runkeyhunt/runkeyhunt/tables/registry/offline"
	"github.com/runkeyhunt/runkeyhunt/tables/sysmon"
	"github.com/runkeyhunt/runkeyhunt/tables/sysmon/eventlog"
)

// LiveSource is the source value of the running system.
const LiveSource = "live"

// ChainQuery is one correlation: the window, and for the live Sysmon log
// the time range of the registry events (offline input is read whole; the
// query engine filters on time itself).
type ChainQuery struct {
	Window time.Duration
	Range  eventlog.TimeRange
}

// Host is one source, opened.
type Host interface {
	// Source is the specification the host was opened for.
	Source() string
	// Files are the offline input files the source expands to; nil live.
	Files() []input.File
	// Registry is the registry the source holds: the live registry,
	// offline hives and .reg files, or for a source with Sysmon events but
	// no registry input the registry state its events wrote. nil when the
	// platform has no live registry. Call the returned release when done
	// reading (hive files stay open until then).
	Registry(ctx context.Context) (view registry.View, release func(), err error)
	// Resolver reads the payloads autorun commands name outside the
	// registry; nil: only registry payloads resolve.
	Resolver() autoruns.Resolver
	// Images inspects the files autoruns run (hash, signature, version
	// resource); nil: no image evidence for this source.
	Images() evidence.ImageInspector
	// Events streams the source's Sysmon events, file by file in order.
	Events(ctx context.Context, filter sysmon.Filter, emit func(*sysmon.Event) error) error
	// Autoruns is the autorun scan of Registry with Resolver
	// (run_key_payloads rows), computed once.
	Autoruns(ctx context.Context) ([]autoruns.Row, error)
	// Chain correlates the source's Sysmon events with the payload targets
	// its registry names (sysmon_reg_net_chain rows), computed once per
	// query.
	Chain(ctx context.Context, q ChainQuery) ([]*chain.Row, error)
}

// Opener opens the host of a source.
type Opener func(ctx context.Context, source string) (Host, error)

// Options configure Open.
type Options struct {
	// Live opens the running system; nil where there is none (anything
	// but Windows): the live source then gives no rows and a warning.
	Live func(warn func(error)) (System, error)
	// Limits bound .zip and .gz input; zero fields take
	// input.DefaultLimits.
	Limits input.Limits
	// Logger gets warnings, and at Debug level each input file read or
	// skipped and why (`--verbose`).
	Logger hclog.Logger
}

// ErrNoLive is what a live host's methods return where the platform has no
// live registry or Sysmon log; the tables turn it into a warning and no
// rows.
var ErrNoLive = errors.New("no live registry or Sysmon log on this platform; constrain source to read offline input")

// Open returns the host of source: the one already opened in ctx's Scope
// for the same source, or the one a Cache.Call context shares, else a new
// one. Offline sources are expanded here, so a missing file is Open's
// error, naming it.
func (o Options) Open(ctx context.Context, source string) (Host, error) {
	if s := scopeOf(ctx); s != nil {
		return s.open(ctx, source, o)
	}
	if cl := callOf(ctx); cl != nil {
		return cl.open(ctx, source, o)
	}
	return o.open(ctx, source)
}

func (o Options) logger() hclog.Logger {
	if o.Logger == nil {
		return hclog.NewNullLogger()
	}
	return o.Logger
}

func (o Options) open(ctx context.Context, source string) (Host, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	log := o.logger()
	warn := func(err error) { log.Warn("source", "source", source, "warning", err.Error()) }
	if source == LiveSource {
		if o.Live == nil {
			return &liveHost{warn: warn}, nil
		}
		sys, err := o.Live(warn)
		if err != nil {
			return nil, fmt.Errorf("open the live system: %w", err)
		}
		return &liveHost{sys: sys, warn: warn}, nil
	}
	files, err := input.ExpandContext(ctx, source, input.Options{Logger: log, Warn: warn, Limits: o.Limits})
	if err != nil {
		return nil, err
	}
	return &offlineHost{source: source, files: files, warn: warn, log: log}, nil
}

// memo holds what a host computed. Only successes are kept: a cancelled
// or failed computation is tried again by the next caller.
type memo struct {
	scanMu   sync.Mutex // held while scanning: one scan at a time
	autoruns []autoruns.Row
	scanned  bool
	chainMu  sync.Mutex // not held while correlating
	chains   map[ChainQuery][]*chain.Row
}

func (m *memo) rows(ctx context.Context, scan func(context.Context) ([]autoruns.Row, error)) ([]autoruns.Row, error) {
	m.scanMu.Lock()
	defer m.scanMu.Unlock()
	if m.scanned {
		return m.autoruns, nil
	}
	rows, err := scan(ctx)
	if err == nil && ctx.Err() == nil {
		m.autoruns, m.scanned = rows, true
	}
	return rows, err
}

func (m *memo) chain(ctx context.Context, q ChainQuery, correlate func(context.Context, ChainQuery) ([]*chain.Row, error)) ([]*chain.Row, error) {
	m.chainMu.Lock()
	if rows, ok := m.chains[q]; ok {
		m.chainMu.Unlock()
		return rows, nil
	}
	m.chainMu.Unlock()
	// Not held while correlating: the registry view of an event-only
	// source is itself a correlation, asked for from inside this one's
	// targets.
	rows, err := correlate(ctx, q)
	if err == nil && ctx.Err() == nil {
		m.chainMu.Lock()
		if m.chains == nil {
			m.chains = map[ChainQuery][]*chain.Row{}
		}
		m.chains[q] = rows
		m.chainMu.Unlock()
	}
	return rows, err
}

// offlineHost is an offline input specification, expanded.
type offlineHost struct {
	source string
	files  []input.File
	warn   func(error)
	log    hclog.Logger
	memo   memo
}

func (h *offlineHost) Source() string      { return h.source }
func (h *offlineHost) Files() []input.File { return h.files }

// hasRegistry tells whether the source holds registry input (.reg, hives).
func (h *offlineHost) hasRegistry() bool {
	return len(input.Filter(h.files, input.RegExport, input.Hive)) > 0
}

// Registry reads the source's .reg and hive files; a source with Sysmon
// events but none is read as the registry state its events wrote (with
// the default window: the state does not depend on it), so a JOIN with
// sysmon_reg_net_chain on path finds the command. That correlation is the
// one the chain table makes with the default window, shared.
func (h *offlineHost) Registry(ctx context.Context) (registry.View, func(), error) {
	if !h.hasRegistry() {
		rows, err := h.Chain(ctx, ChainQuery{Window: chain.DefaultWindow})
		if err != nil {
			return nil, nil, err
		}
		return chain.RegistryState(rows), func() {}, nil
	}
	view, warnings, err := offline.Load(ctx, h.files)
	if err != nil {
		return nil, nil, err
	}
	for _, w := range warnings {
		h.warn(w)
	}
	release := func() {}
	if c, ok := view.(io.Closer); ok {
		release = func() { c.Close() }
	}
	return view, release, nil
}

// Resolver reads payload files inside the drive layouts of the input,
// never on the machine running the query.
func (h *offlineHost) Resolver() autoruns.Resolver {
	if colls := input.Collections(h.files); len(colls) > 0 {
		return collectionResolver(colls)
	}
	return nil
}

// Images inspects image files inside the drive layouts of the input.
func (h *offlineHost) Images() evidence.ImageInspector {
	if colls := input.Collections(h.files); len(colls) > 0 {
		return evidence.NewOffline(colls)
	}
	return nil
}

func (h *offlineHost) Events(ctx context.Context, filter sysmon.Filter, emit func(*sysmon.Event) error) error {
	for _, f := range input.Filter(h.files, chain.EventFormats...) {
		if err := sysmon.ReadFile(ctx, f, filter, emit, h.warn); err != nil {
			return err
		}
	}
	return nil
}

func (h *offlineHost) Autoruns(ctx context.Context) ([]autoruns.Row, error) {
	return h.memo.rows(ctx, func(ctx context.Context) ([]autoruns.Row, error) {
		return scan(ctx, h, h.warn)
	})
}

// Chain correlates the event files; autorun commands present in registry
// input of the same source name payload locations too (SPEC §5).
func (h *offlineHost) Chain(ctx context.Context, q ChainQuery) ([]*chain.Row, error) {
	return h.memo.chain(ctx, q, func(ctx context.Context, q ChainQuery) ([]*chain.Row, error) {
		var targets []chain.Target
		if h.hasRegistry() {
			rows, err := h.Autoruns(ctx)
			if err != nil {
				return nil, err
			}
			targets = chain.AutorunTargets(autoruns.VisibleRows(rows, nil))
		}
		// One line per correlation: with --verbose it shows whether the
		// tables of a JOIN shared it (tests count it).
		h.log.Debug("correlating Sysmon events", "source", h.source, "window", q.Window.String())
		return chain.Correlate(ctx, h.files, q.Window, targets, h.warn)
	})
}

// scan runs the autoruns scanner over a host's registry and resolver.
func scan(ctx context.Context, h Host, warn func(error)) ([]autoruns.Row, error) {
	view, release, err := h.Registry(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	// Flood rows too: run_key_payloads shows them when asked by location.
	scanner := autoruns.Scanner{View: view, Resolver: h.Resolver(), Images: h.Images(), Warn: warn, KeepFlood: true}
	return scanner.Scan(ctx)
}

// collectionResolver reads the files autorun commands name
// (C:\Users\Public\x.ps1, an alternate data stream) inside the drive
// layouts of the offline input, never on the host. Event-log payloads are
// not read from collections.
type collectionResolver []*input.Collection

func (r collectionResolver) ReadFile(path string, limit int64) ([]byte, error) {
	for _, c := range r {
		content, err := c.Open(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		defer content.Close()
		data, err := io.ReadAll(io.LimitReader(content, limit))
		if err != nil {
			return nil, fmt.Errorf("%s in %s: %w", path, c.Root, err)
		}
		return data, nil
	}
	return nil, autoruns.ErrPayloadNotFound
}

func (collectionResolver) ReadEventLog(string, int, int64) ([]byte, error) {
	return nil, autoruns.ErrPayloadNotFound
}
