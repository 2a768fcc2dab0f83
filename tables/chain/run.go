package chain

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/runkeyhunt/runkeyhunt/tables/input"
	"github.com/runkeyhunt/runkeyhunt/tables/sysmon"
)

// EventFormats are the input formats that carry Sysmon events.
var EventFormats = []input.Format{input.EVTX, input.EventXML, input.JSONLines}

// Correlate runs both passes over the event files. A file that fails is an
// error when it is the only one; among several it becomes a warning and the
// other files' rows are still returned. Each distinct warning is given
// once, however many passes meet it, and at most maxWarnings per file; the
// rest are counted in one line at the end. A cancelled ctx stops it with
// an error that wraps ctx's.
func Correlate(ctx context.Context, files []input.File, window time.Duration, targets []Target, warn func(error)) ([]Row, error) {
	files = input.Filter(files, EventFormats...)
	e := New(window)
	e.AddTargets(targets...)
	logs := make([]*sysmon.Log, len(files))
	warnings := make([]warnings, len(files))
	for i, f := range files {
		logs[i] = &sysmon.Log{File: f}
	}
	defer func() {
		for i := range warnings {
			warnings[i].flush(files[i].Path, warn)
		}
	}()
	failed := map[string]bool{}
	pass := func(filter sysmon.Filter, emit func(*sysmon.Event)) error {
		for i, f := range files {
			if failed[f.Path] {
				continue
			}
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("correlating %s: %w", f.Path, err)
			}
			err := logs[i].Read(ctx, filter, func(ev *sysmon.Event) error {
				emit(ev)
				if err := ctx.Err(); err != nil {
					return fmt.Errorf("%s: record %d: %w", f.Path, ev.RecordID, err)
				}
				return nil
			}, func(err error) { warnings[i].add(err, warn) })
			if err != nil {
				if ctx.Err() != nil {
					if !errors.Is(err, ctx.Err()) {
						err = fmt.Errorf("%s: %w", f.Path, ctx.Err())
					}
					return err
				}
				if len(files) == 1 {
					return err
				}
				failed[f.Path] = true
				warnings[i].add(fmt.Errorf("skipped: %w", err), warn)
			}
		}
		return nil
	}
	if err := pass(sysmon.Filter{EventIDs: RegistryIDs}, e.Collect); err != nil {
		return nil, err
	}
	if err := pass(sysmon.Filter{EventIDs: ObserveIDs}, e.Observe); err != nil {
		return nil, err
	}
	if guids := e.UserlessGUIDs(); len(guids) > 0 {
		filter := sysmon.Filter{EventIDs: ProcessIDs, Line: lineMentions(guids), Chunk: sysmon.ChunkMentions(guids)}
		if err := pass(filter, e.FillUser); err != nil {
			return nil, err
		}
	}
	return e.Rows(), nil
}

// maxWarnings is how many distinct warnings one file may give; the rest
// are counted.
const maxWarnings = 20

// maxRemembered bounds the warnings remembered to count each once.
const maxRemembered = 1 << 16

// warnings passes on one file's distinct warnings, up to maxWarnings.
type warnings struct {
	seen   map[uint64]bool // hashes of the messages met
	said   int
	unsaid int
}

func (w *warnings) add(err error, warn func(error)) {
	h := fnv.New64a()
	h.Write([]byte(err.Error()))
	key := h.Sum64()
	if w.seen[key] {
		return // an earlier pass met it
	}
	if w.seen == nil {
		w.seen = map[uint64]bool{}
	}
	if len(w.seen) < maxRemembered {
		w.seen[key] = true
	}
	if w.said == maxWarnings {
		w.unsaid++
		return
	}
	w.said++
	warn(err)
}

// flush says how many warnings were left unsaid.
func (w *warnings) flush(path string, warn func(error)) {
	if w.unsaid > 0 {
		warn(fmt.Errorf("%s: %d more warnings not shown (the first %d are)", path, w.unsaid, maxWarnings))
	}
}
