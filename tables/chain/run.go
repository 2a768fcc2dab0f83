package chain

import (
	"context"
	"fmt"
	"time"

	"github.com/runkeyhunt/runkeyhunt/tables/input"
	"github.com/runkeyhunt/runkeyhunt/tables/sysmon"
)

// EventFormats are the input formats that carry Sysmon events.
var EventFormats = []input.Format{input.EVTX, input.EventXML, input.JSONLines}

// Correlate runs both passes over the event files. A file that fails is an
// error when it is the only one; among several it becomes a warning and the
// other files' rows are still returned.
func Correlate(ctx context.Context, files []input.File, window time.Duration, targets []Target, warn func(error)) ([]Row, error) {
	files = input.Filter(files, EventFormats...)
	e := New(window)
	e.AddTargets(targets...)
	failed := map[string]bool{}
	pass := func(ids map[int]bool, emit func(*sysmon.Event)) error {
		for _, f := range files {
			if failed[f.Path] {
				continue
			}
			err := sysmon.ReadFile(f, sysmon.Filter{EventIDs: ids}, func(ev *sysmon.Event) error {
				emit(ev)
				return ctx.Err()
			}, warn)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				if len(files) == 1 {
					return err
				}
				failed[f.Path] = true
				warn(fmt.Errorf("skipped: %w", err))
			}
		}
		return nil
	}
	if err := pass(RegistryIDs, e.Collect); err != nil {
		return nil, err
	}
	if err := pass(AllIDs, e.Observe); err != nil {
		return nil, err
	}
	return e.Rows(), nil
}
