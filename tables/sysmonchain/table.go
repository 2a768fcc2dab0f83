// Package sysmonchain is the sysmon_reg_net_chain table plugin: it opens the
// host of the source the query asks for (live, or offline input through
// the source column), asks it for the chain rows of the window and renders
// them.
package sysmonchain

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/osquery/osquery-go/plugin/table"

	"github.com/runkeyhunt/runkeyhunt/tables/chain"
	"github.com/runkeyhunt/runkeyhunt/tables/host"
	"github.com/runkeyhunt/runkeyhunt/tables/sysmon/eventlog"
	"github.com/runkeyhunt/runkeyhunt/tables/tablekit"
)

// Options configure the table.
type Options struct {
	DefaultSource string // `runkeyhunt query --source`; empty means live
	// Open opens a source's host; nil: host.Options{}.Open (offline input
	// only, default limits, no logging).
	Open host.Opener
}

// New returns the table. Its rows are the host's chain rows themselves,
// rendered a column at a time when read (see rowSet).
func New(opts Options) tablekit.Table {
	return tablekit.Table{Schema: Schema, Generate: func(ctx context.Context, qc table.QueryContext) (tablekit.RowSet, error) {
		sources := tablekit.Sources(qc, opts.DefaultSource)
		windows := tablekit.Equals(qc, "window")
		if len(windows) == 0 {
			windows = []string{strconv.Itoa(int(chain.DefaultWindow / time.Second))}
		}
		out := &rowSet{}
		for _, src := range sources {
			for _, w := range windows {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
				secs, err := strconv.Atoi(w)
				if err != nil || secs <= 0 || int64(secs) > int64(math.MaxInt64/time.Second) {
					return nil, fmt.Errorf("window %q: want a positive number of seconds (at most %d)", w, int64(math.MaxInt64/time.Second))
				}
				rows, err := Generate(ctx, qc, src, time.Duration(secs)*time.Second, opts)
				if err != nil {
					return nil, err
				}
				out.add(rows, secs, src)
			}
		}
		return out, nil
	}}
}

// Generate correlates one source with one window; the live source reads
// the registry events in the range the query's time constraints give (the
// last 24 hours without any). A platform without a live Sysmon log gives
// no rows and a warning. A cancelled ctx stops it with ctx's error,
// whatever was read so far.
func Generate(ctx context.Context, qc table.QueryContext, source string, window time.Duration, opts Options) (rows []*chain.Row, err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	defer func() {
		if ctx.Err() != nil {
			rows, err = nil, ctx.Err()
		}
	}()
	q := host.ChainQuery{Window: window}
	if source == tablekit.LiveSource {
		if q.Range, err = eventlog.RangeFromConstraints(qc); err != nil {
			return nil, err
		}
	}
	open := opts.Open
	if open == nil {
		open = host.Options{}.Open
	}
	h, err := open(ctx, source)
	if err != nil {
		return nil, err
	}
	return h.Chain(ctx, q)
}

// RowMap renders a row as osquery's string map; window and source are
// echoed as the query constrained them.
func RowMap(r *chain.Row, window int, source string) map[string]string {
	p := part{window: strconv.Itoa(window), source: source}
	m := make(map[string]string, len(Schema.Columns))
	for i, c := range Schema.Columns {
		if value := valueAt[i]; value != nil {
			m[c.Name] = value(r, &p)
		}
	}
	return m
}

// rowSet is the rows of one generate call: the host's chain rows of each
// source and window, not copied (the host keeps them for the other
// tables of the query), rendered when read.
type rowSet struct {
	parts []part
	n     int
}

// part is the rows of one source and window.
type part struct {
	rows   []*chain.Row
	first  int    // index of rows[0] in the set
	window string // as the row's window column shows it
	source string
}

func (s *rowSet) add(rows []*chain.Row, window int, source string) {
	if len(rows) == 0 {
		return
	}
	s.parts = append(s.parts, part{rows: rows, first: s.n, window: strconv.Itoa(window), source: source})
	s.n += len(rows)
}

func (s *rowSet) Len() int { return s.n }

func (s *rowSet) Value(row, col int) (string, bool) {
	if col < 0 || col >= len(valueAt) || valueAt[col] == nil || row < 0 || row >= s.n {
		return "", false
	}
	// A query has one part per source and window: a few at most.
	p := &s.parts[0]
	for i := len(s.parts) - 1; i > 0; i-- {
		if row >= s.parts[i].first {
			p = &s.parts[i]
			break
		}
	}
	return valueAt[col](p.rows[row-p.first], p), true
}

// columnValues renders each column of Schema, by name; RowMap and rowSet
// both read it through valueAt (a test holds the two to each other).
var columnValues = map[string]func(r *chain.Row, p *part) string{
	"time":             func(r *chain.Row, _ *part) string { return strconv.FormatInt(r.Time.Unix(), 10) },
	"datetime":         func(r *chain.Row, _ *part) string { return r.Time.UTC().Format("2006-01-02T15:04:05.000Z07:00") },
	"utc_time":         func(r *chain.Row, _ *part) string { return r.UtcTime },
	"computer":         func(r *chain.Row, _ *part) string { return r.Computer },
	"record_id":        func(r *chain.Row, _ *part) string { return strconv.FormatInt(r.RecordID, 10) },
	"event_id":         func(r *chain.Row, _ *part) string { return strconv.Itoa(r.EventID) },
	"event_type":       func(r *chain.Row, _ *part) string { return r.EventType },
	"process_guid":     func(r *chain.Row, _ *part) string { return r.ProcessGUID },
	"process_id":       func(r *chain.Row, _ *part) string { return r.ProcessID },
	"image":            func(r *chain.Row, _ *part) string { return r.Image },
	"user":             func(r *chain.Row, _ *part) string { return r.User },
	"target_object":    func(r *chain.Row, _ *part) string { return r.TargetObject },
	"path":             func(r *chain.Row, _ *part) string { return r.Path },
	"details":          func(r *chain.Row, _ *part) string { return r.Details },
	"role":             func(r *chain.Row, _ *part) string { return r.Role },
	"location":         func(r *chain.Row, _ *part) string { return r.Location },
	"linked_record_id": func(r *chain.Row, _ *part) string { return strconv.FormatInt(r.LinkedRecordID, 10) },
	"net_before":       func(r *chain.Row, _ *part) string { return strconv.Itoa(r.NetBefore) },
	"net_after":        func(r *chain.Row, _ *part) string { return strconv.Itoa(r.NetAfter) },
	"seconds_before":   func(r *chain.Row, _ *part) string { return chain.FormatSeconds(r.SecondsBefore) },
	"seconds_after":    func(r *chain.Row, _ *part) string { return chain.FormatSeconds(r.SecondsAfter) },
	"remote_addresses": func(r *chain.Row, _ *part) string { return r.RemoteAddresses },
	"remote_hostnames": func(r *chain.Row, _ *part) string { return r.RemoteHostnames },
	"indicators":       func(r *chain.Row, _ *part) string { return r.Indicators },
	"score":            func(r *chain.Row, _ *part) string { return strconv.Itoa(r.Score) },
	"verdict":          func(r *chain.Row, _ *part) string { return r.Verdict },
	"window":           func(_ *chain.Row, p *part) string { return p.window },
	"source":           func(_ *chain.Row, p *part) string { return p.source },
	"source_file":      func(r *chain.Row, _ *part) string { return r.SourceFile },
}

// valueAt is columnValues by the index of the column in Schema; nil for a
// column without a renderer (a test says there is none).
var valueAt = func() []func(*chain.Row, *part) string {
	out := make([]func(*chain.Row, *part) string, len(Schema.Columns))
	for i, c := range Schema.Columns {
		out[i] = columnValues[c.Name]
	}
	return out
}()
