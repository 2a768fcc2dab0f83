package eventlog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/runkeyhunt/runkeyhunt/tables/chain"
	"github.com/runkeyhunt/runkeyhunt/tables/sysmon"
)

// ErrChannelNotFound is returned when the Sysmon channel does not exist
// (Sysmon is not installed).
var ErrChannelNotFound = errors.New("event log channel not found")

// Querier runs one XPath query against the Sysmon channel and passes each
// matching event to emit in record order, oldest first. emit may return an
// error to stop; the querier returns it.
type Querier func(ctx context.Context, xpath string, emit func(*sysmon.Event) error) error

// Options of one correlation.
type Options struct {
	Window  time.Duration
	Range   TimeRange
	Targets []chain.Target // payload locations named by the live registry's autoruns
}

// Correlate runs the chain engine over the live log with three kinds of
// query, so that memory holds only the events of interest and the network
// events of their processes:
//
//  1. registry events in the range (read twice: once for the payload
//     targets the autorun writes name, once to find the writes of
//     interest and so the processes that matter);
//  2. NetworkConnect and ProcessCreate of those processes only, in the
//     range widened by the window and Sysmon's clock slack;
//  3. the registry events once more, merged in record order with the
//     events of step 2, through the engine's second pass.
func Correlate(ctx context.Context, query Querier, opts Options) ([]*chain.Row, error) {
	regQuery := RegistryQuery(opts.Range)
	final := chain.New(opts.Window)
	final.AddTargets(opts.Targets...)
	scout := chain.New(opts.Window)
	scout.AddTargets(opts.Targets...)
	if err := query(ctx, regQuery, func(ev *sysmon.Event) error {
		final.Collect(ev)
		scout.Collect(ev)
		return nil
	}); err != nil {
		return nil, err
	}
	if err := query(ctx, regQuery, func(ev *sysmon.Event) error {
		scout.Observe(ev)
		return nil
	}); err != nil {
		return nil, err
	}
	interest := scout.Rows()
	if len(interest) == 0 {
		return nil, nil
	}
	procs := make([]Process, 0, len(interest))
	for _, r := range interest {
		procs = append(procs, Process{GUID: r.ProcessGUID, PID: r.ProcessID})
	}
	var related []*sysmon.Event
	seen := map[int64]bool{}
	wide := opts.Range.Widen(opts.Window + clockSlack)
	for _, xp := range ProcessQueries([]int{chain.EventProcessCreate, chain.EventNetwork}, wide, procs) {
		if err := query(ctx, xp, func(ev *sysmon.Event) error {
			if !seen[ev.RecordID] {
				seen[ev.RecordID] = true
				related = append(related, ev)
			}
			return nil
		}); err != nil {
			return nil, err
		}
	}
	sort.SliceStable(related, func(i, j int) bool { return related[i].RecordID < related[j].RecordID })
	next := 0
	if err := query(ctx, regQuery, func(ev *sysmon.Event) error {
		for next < len(related) && related[next].RecordID < ev.RecordID {
			final.Observe(related[next])
			next++
		}
		final.Observe(ev)
		return nil
	}); err != nil {
		return nil, err
	}
	for ; next < len(related); next++ {
		final.Observe(related[next])
	}
	return final.Rows(), nil
}

// ParseRendered parses one event as EvtRender renders it (UTF-16LE XML,
// NUL-terminated) with the offline event-XML parser. Events of other
// providers yield nil.
func ParseRendered(rendered []byte, channel string) (*sysmon.Event, error) {
	text := utf16leToUTF8(rendered)
	var out *sysmon.Event
	err := sysmon.ReadXML(context.Background(), bytes.NewReader(text), channel, sysmon.Filter{}, func(ev *sysmon.Event) error {
		if out == nil {
			out = ev
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("rendered event: %w", err)
	}
	if out != nil {
		// Live rows name no file (SPEC §4), and the engine keys its
		// per-file state on this field.
		out.SourceFile = ""
	}
	return out, nil
}

// utf16leToUTF8 decodes EvtRender's buffer up to its terminating NUL.
func utf16leToUTF8(b []byte) []byte {
	units := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		u := uint16(b[i]) | uint16(b[i+1])<<8
		if u == 0 {
			break
		}
		units = append(units, u)
	}
	var out bytes.Buffer
	out.Grow(len(units))
	for i := 0; i < len(units); i++ {
		r := rune(units[i])
		if r >= 0xD800 && r < 0xDC00 && i+1 < len(units) && units[i+1] >= 0xDC00 && units[i+1] < 0xE000 {
			r = (r-0xD800)<<10 + (rune(units[i+1]) - 0xDC00) + 0x10000
			i++
		} else if r >= 0xD800 && r < 0xE000 {
			r = 0xFFFD
		}
		out.WriteRune(r)
	}
	return out.Bytes()
}
