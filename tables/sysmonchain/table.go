// Package sysmonchain is the sysmon_reg_net_chain table plugin: it picks the
// events the query asks for (live, or offline input through the source
// column) and the window, runs the chain engine and renders its rows.
package sysmonchain

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/osquery/osquery-go/plugin/table"

	"github.com/runkeyhunt/runkeyhunt/tables/chain"
	"github.com/runkeyhunt/runkeyhunt/tables/input"
	"github.com/runkeyhunt/runkeyhunt/tables/runkeypayloads"
	"github.com/runkeyhunt/runkeyhunt/tables/tablekit"
)

// LiveEvents correlates the running system's Sysmon log.
type LiveEvents func(ctx context.Context, qc table.QueryContext, window time.Duration, warn func(error)) ([]chain.Row, error)

// Options configure the table.
type Options struct {
	DefaultSource string // `runkeyhunt query --source`; empty means live
	Live          LiveEvents
	// InputLimits bound .zip and .gz input; zero fields take
	// input.DefaultLimits.
	InputLimits input.Limits
	// Logger gets warnings, and at Debug level each input file read or
	// skipped and why (`--verbose`).
	Logger hclog.Logger
}

// New returns the table.
func New(opts Options) tablekit.Table {
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
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

// Generate correlates one source with one window. A cancelled ctx stops it
// with ctx's error, whatever was read so far.
func Generate(ctx context.Context, qc table.QueryContext, source string, window time.Duration, opts Options) (rows []chain.Row, err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	defer func() {
		if ctx.Err() != nil {
			rows, err = nil, ctx.Err()
		}
	}()
	log := opts.Logger
	if log == nil {
		log = hclog.NewNullLogger()
	}
	warn := func(err error) { log.Warn("sysmon_reg_net_chain", "source", source, "warning", err.Error()) }
	if source == tablekit.LiveSource {
		if opts.Live == nil {
			log.Warn("no live Sysmon log on this platform; constrain source to read offline input", "table", Name)
			return nil, nil
		}
		return opts.Live(ctx, qc, window, warn)
	}
	files, err := input.ExpandContext(ctx, source, input.Options{Logger: log, Warn: warn, Limits: opts.InputLimits})
	if err != nil {
		return nil, err
	}
	// Autorun commands present in registry input of the same source name
	// payload locations too (SPEC §5).
	var targets []chain.Target
	if len(input.Filter(files, input.RegExport, input.Hive)) > 0 {
		regRows, err := runkeypayloads.ScanFiles(ctx, files, warn)
		if err != nil {
			return nil, err
		}
		targets = chain.AutorunTargets(regRows)
	}
	return chain.Correlate(ctx, files, window, targets, warn)
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
