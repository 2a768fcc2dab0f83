package chain

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
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
	pass := func(filter sysmon.Filter, emit func(*sysmon.Event)) error {
		for _, f := range files {
			if failed[f.Path] {
				continue
			}
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("correlating %s: %w", f.Path, err)
			}
			err := sysmon.ReadFile(ctx, f, filter, func(ev *sysmon.Event) error {
				emit(ev)
				if err := ctx.Err(); err != nil {
					return fmt.Errorf("%s: record %d: %w", f.Path, ev.RecordID, err)
				}
				return nil
			}, warn)
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
				warn(fmt.Errorf("skipped: %w", err))
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
		needles := make([][]byte, len(guids))
		for i, g := range guids {
			needles[i] = []byte(strings.Trim(g, "{}"))
		}
		mentions := func(line []byte) bool {
			for _, n := range needles {
				if bytes.Contains(line, n) {
					return true
				}
			}
			return false
		}
		if err := pass(sysmon.Filter{EventIDs: ProcessIDs, Line: mentions}, e.FillUser); err != nil {
			return nil, err
		}
	}
	return e.Rows(), nil
}
