package host

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/runkeyhunt/runkeyhunt/tables/autoruns"
	"github.com/runkeyhunt/runkeyhunt/tables/chain"
	"github.com/runkeyhunt/runkeyhunt/tables/evidence"
	"github.com/runkeyhunt/runkeyhunt/tables/input"
	"github.com/runkeyhunt/runkeyhunt/tables/registry"
	"github.com/runkeyhunt/runkeyhunt/tables/sysmon"
	"github.com/runkeyhunt/runkeyhunt/tables/sysmon/eventlog"
)

// System is the running machine, one method per source of bytes; the
// Windows implementation is in live_windows.go.
type System interface {
	// Registry is the live registry, read-only.
	Registry() registry.View
	// Resolver reads payload files, alternate data streams and event-log
	// records on the machine.
	Resolver() autoruns.Resolver
	// SysmonLog is the Sysmon channel's own .evtx file, opened through the
	// channel's configured path; an error when it cannot be opened.
	SysmonLog() (input.File, error)
	// QueryEvents runs an Event Log API query (the fallback when the file
	// cannot be opened).
	QueryEvents(ctx context.Context, xpath string, emit func(*sysmon.Event) error) error
}

// liveHost is the running system; sys nil: a platform without one.
type liveHost struct {
	sys  System
	warn func(error)
	memo memo
}

func (h *liveHost) Source() string      { return LiveSource }
func (h *liveHost) Files() []input.File { return nil }

func (h *liveHost) Registry(context.Context) (registry.View, func(), error) {
	if h.sys == nil {
		return nil, nil, ErrNoLive
	}
	return h.sys.Registry(), func() {}, nil
}

func (h *liveHost) Resolver() autoruns.Resolver {
	if h.sys == nil {
		return nil
	}
	return h.sys.Resolver()
}

// Images inspects the live host's files (cached for the process lifetime).
func (h *liveHost) Images() evidence.ImageInspector {
	if h.sys == nil {
		return nil
	}
	return evidence.LiveInspector()
}

// Events streams the channel file's events; without the file, the Event
// Log API's events of the last day.
func (h *liveHost) Events(ctx context.Context, filter sysmon.Filter, emit func(*sysmon.Event) error) error {
	if h.sys == nil {
		return ErrNoLive
	}
	if f, err := h.sys.SysmonLog(); err == nil {
		return sysmon.ReadFile(ctx, f, filter, emit, h.warn)
	}
	return h.sys.QueryEvents(ctx, eventlog.RegistryQuery(eventlog.TimeRange{Last: eventlog.DefaultRange}), func(ev *sysmon.Event) error {
		if len(filter.EventIDs) == 0 || filter.EventIDs[ev.EventID] {
			return emit(ev)
		}
		return nil
	})
}

// Autoruns scans the live registry; a platform without one gives no rows
// and a warning.
func (h *liveHost) Autoruns(ctx context.Context) ([]autoruns.Row, error) {
	if h.sys == nil {
		h.warn(ErrNoLive)
		return nil, nil
	}
	return h.memo.rows(ctx, func(ctx context.Context) ([]autoruns.Row, error) {
		return scan(ctx, h, h.warn)
	})
}

// Chain correlates the live Sysmon log; the payload locations the live
// registry's autorun commands name are targets too (SPEC §5: "present in
// the live registry"). The channel's file is read with the offline EVTX
// reader (the tested, fast path) and its rows kept to q.Range; when it
// cannot be opened the Event Log API is queried instead. A missing channel
// or API, or a platform without a live Sysmon log, gives no rows and one
// warning.
func (h *liveHost) Chain(ctx context.Context, q ChainQuery) ([]*chain.Row, error) {
	if h.sys == nil {
		h.warn(ErrNoLive)
		return nil, nil
	}
	return h.memo.chain(ctx, q, func(ctx context.Context, q ChainQuery) ([]*chain.Row, error) {
		regRows, err := h.Autoruns(ctx)
		if err != nil {
			return nil, err
		}
		targets := chain.AutorunTargets(autoruns.VisibleRows(regRows, nil))
		file, openErr := h.sys.SysmonLog()
		if openErr == nil {
			rows, err := chain.Correlate(ctx, []input.File{file}, q.Window, targets, h.warn)
			if err != nil {
				return nil, err
			}
			return liveRows(rows, q.Range, time.Now()), nil
		}
		rows, err := eventlog.Correlate(ctx, h.sys.QueryEvents, eventlog.Options{Window: q.Window, Range: q.Range, Targets: targets})
		switch {
		case errors.Is(err, eventlog.ErrChannelNotFound):
			h.warn(fmt.Errorf("%s: %w (is Sysmon installed?); its log file: %v", sysmon.Channel, err, openErr))
			return nil, nil
		case apiUnavailable(err):
			h.warn(fmt.Errorf("read %s: %w; its log file: %v", sysmon.Channel, err, openErr))
			return nil, nil
		case err != nil:
			return nil, fmt.Errorf("read %s: %w", sysmon.Channel, err)
		}
		return rows, nil
	})
}

// liveRows keeps the rows whose registry event is in the range, as the
// Event Log API query selects them, and names no file: live rows name none
// (SPEC §4).
func liveRows(rows []*chain.Row, r eventlog.TimeRange, now time.Time) []*chain.Row {
	out := rows[:0:0]
	for _, row := range rows {
		if !inRange(row.Time, r, now) {
			continue
		}
		row.SourceFile = ""
		out = append(out, row)
	}
	return out
}

// inRange tells whether t is in r: From inclusive, Until exclusive, Last
// counted back from now.
func inRange(t time.Time, r eventlog.TimeRange, now time.Time) bool {
	if r.Last > 0 {
		return !t.Before(now.Add(-r.Last))
	}
	if !r.From.IsZero() && t.Before(r.From) {
		return false
	}
	if !r.Until.IsZero() && !t.Before(r.Until) {
		return false
	}
	return true
}
