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

// Correlate correlates the event files in one pass (see the package
// doc). A file that fails is an error when it is the only one; among
// several it becomes a warning and the other files' rows are still
// returned. Each distinct warning is given once, however many passes meet
// it, and at most maxWarnings per file; the rest are counted in one line
// at the end. A cancelled ctx stops it with an error that wraps ctx's.
func Correlate(ctx context.Context, files []input.File, window time.Duration, targets []Target, warn func(error)) ([]*Row, error) {
	files = input.Filter(files, EventFormats...)
	warnings := make([]warnings, len(files))
	defer func() {
		for i := range warnings {
			warnings[i].flush(files[i].Path, warn)
		}
	}()
	r := newPasses(ctx, files, warnings, warn)
	e := New(window)
	e.AddTargets(targets...)
	op := newOnePass(e, files)
	if err := r.pass(op.filter(), op.take); err != nil {
		return nil, err
	}
	if len(r.failed) == 0 {
		if err := op.secondLook(r.file); err != nil {
			return nil, err
		}
	}
	if len(r.failed) == 0 {
		if err := op.fillUsers(r.file); err != nil {
			return nil, err
		}
	}
	if len(r.failed) == 0 {
		return e.Rows(), nil
	}
	// A file failed part way. The passes below drop all of its rows while
	// keeping the targets its events named before the break, which one
	// pass cannot undo: read the files again that way (a rare case).
	return correlatePasses(newPasses(ctx, files, warnings, warn), window, targets)
}

// correlatePasses is Correlate in three passes over every file:
// registry events for the payload targets, registry and network events,
// then ProcessCreate for the processes still without a user.
func correlatePasses(r *passes, window time.Duration, targets []Target) ([]*Row, error) {
	e := New(window)
	e.AddTargets(targets...)
	each := func(emit func(*sysmon.Event)) func(int, *sysmon.Event) {
		return func(_ int, ev *sysmon.Event) { emit(ev) }
	}
	if err := r.pass(sysmon.Filter{EventIDs: RegistryIDs}, each(e.Collect)); err != nil {
		return nil, err
	}
	if err := r.pass(sysmon.Filter{EventIDs: ObserveIDs}, each(e.Observe)); err != nil {
		return nil, err
	}
	if guids := e.UserlessGUIDs(); len(guids) > 0 {
		filter := sysmon.Filter{EventIDs: ProcessIDs, Line: lineMentions(guids), Chunk: sysmon.ChunkMentions(guids)}
		if err := r.pass(filter, each(e.FillUser)); err != nil {
			return nil, err
		}
	}
	return e.Rows(), nil
}

// passes reads Correlate's files, pass after pass, skipping from the
// next pass on a file that failed.
type passes struct {
	ctx      context.Context
	files    []input.File
	logs     []*sysmon.Log
	warnings []warnings
	warn     func(error)
	failed   map[string]bool
}

func newPasses(ctx context.Context, files []input.File, w []warnings, warn func(error)) *passes {
	r := &passes{ctx: ctx, files: files, logs: make([]*sysmon.Log, len(files)), warnings: w, warn: warn, failed: map[string]bool{}}
	for i, f := range files {
		r.logs[i] = &sysmon.Log{File: f}
	}
	return r
}

// pass reads every file that has not failed.
func (r *passes) pass(filter sysmon.Filter, emit func(int, *sysmon.Event)) error {
	for i := range r.files {
		if err := r.read(i, filter, emit); err != nil {
			return err
		}
	}
	return nil
}

// file reads one file (for a second look at part of it).
func (r *passes) file(i int, filter sysmon.Filter, emit func(*sysmon.Event)) error {
	return r.read(i, filter, func(_ int, ev *sysmon.Event) { emit(ev) })
}

func (r *passes) read(i int, filter sysmon.Filter, emit func(int, *sysmon.Event)) error {
	ctx, f := r.ctx, r.files[i]
	if r.failed[f.Path] {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("correlating %s: %w", f.Path, err)
	}
	err := r.logs[i].Read(ctx, filter, func(ev *sysmon.Event) error {
		emit(i, ev)
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("%s: record %d: %w", f.Path, ev.RecordID, err)
		}
		return nil
	}, func(err error) { r.warnings[i].add(err, r.warn) })
	if err != nil {
		if ctx.Err() != nil {
			if !errors.Is(err, ctx.Err()) {
				err = fmt.Errorf("%s: %w", f.Path, ctx.Err())
			}
			return err
		}
		if len(r.files) == 1 {
			return err
		}
		r.failed[f.Path] = true
		r.warnings[i].add(fmt.Errorf("skipped: %w", err), r.warn)
	}
	return nil
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
