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

// New returns the table.
func New(opts Options) tablekit.Table {
	return tablekit.Table{Schema: Schema, Generate: func(ctx context.Context, qc table.QueryContext) ([]map[string]string, error) {
		sources := tablekit.Sources(qc, opts.DefaultSource)
		windows := tablekit.Equals(qc, "window")
		if len(windows) == 0 {
			windows = []string{strconv.Itoa(int(chain.DefaultWindow / time.Second))}
		}
		var out []map[string]string
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
				for _, r := range rows {
					out = append(out, RowMap(r, secs, src))
				}
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
func Generate(ctx context.Context, qc table.QueryContext, source string, window time.Duration, opts Options) (rows []chain.Row, err error) {
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
func RowMap(r chain.Row, window int, source string) map[string]string {
	return map[string]string{
		"time":             strconv.FormatInt(r.Time.Unix(), 10),
		"datetime":         r.Time.UTC().Format("2006-01-02T15:04:05.000Z07:00"),
		"utc_time":         r.UtcTime,
		"computer":         r.Computer,
		"record_id":        strconv.FormatInt(r.RecordID, 10),
		"event_id":         strconv.Itoa(r.EventID),
		"event_type":       r.EventType,
		"process_guid":     r.ProcessGUID,
		"process_id":       r.ProcessID,
		"image":            r.Image,
		"user":             r.User,
		"target_object":    r.TargetObject,
		"path":             r.Path,
		"details":          r.Details,
		"role":             r.Role,
		"location":         r.Location,
		"linked_record_id": strconv.FormatInt(r.LinkedRecordID, 10),
		"net_before":       strconv.Itoa(r.NetBefore),
		"net_after":        strconv.Itoa(r.NetAfter),
		"seconds_before":   chain.FormatSeconds(r.SecondsBefore),
		"seconds_after":    chain.FormatSeconds(r.SecondsAfter),
		"remote_addresses": r.RemoteAddresses,
		"remote_hostnames": r.RemoteHostnames,
		"indicators":       r.Indicators,
		"score":            strconv.Itoa(r.Score),
		"verdict":          r.Verdict,
		"window":           strconv.Itoa(window),
		"source":           source,
		"source_file":      r.SourceFile,
	}
}
