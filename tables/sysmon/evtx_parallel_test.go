package sysmon

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/runkeyhunt/runkeyhunt/tables/input"
)

// TestParallelChunksAgree: the chunks parsed on several cores give the
// same events, in the same order, the same warnings and the same chunk
// notes (so the same later passes) as one core, on every corpus log,
// broken ones included.
func TestParallelChunksAgree(t *testing.T) {
	files, _ := filepath.Glob("../../../shared/data/evtx-corpus/*.evtx")
	files = append(files, seedPath())
	if _, err := os.Stat(seedPath()); err != nil {
		t.Skipf("../shared not present (%v): the test reads the corpus logs", err)
	}
	type result struct {
		events   []Event
		warnings []string
		err      string
		second   int // events of a later pass that uses the notes
	}
	read := func(path string, procs int) result {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		var res result
		log := &Log{File: input.File{Path: path, Format: input.EVTX}}
		err := log.Read(context.Background(), Filter{anyProvider: true}, func(ev *Event) error {
			res.events = append(res.events, *ev)
			return nil
		}, func(err error) { res.warnings = append(res.warnings, err.Error()) })
		if err != nil {
			res.err = err.Error()
		}
		log.Read(context.Background(), Filter{anyProvider: true, EventIDs: map[int]bool{13: true, 4624: true}}, func(*Event) error {
			res.second++
			return nil
		}, nil)
		return res
	}
	for _, path := range files {
		one, four := read(path, 1), read(path, 4)
		if len(one.events) == 0 && one.err == "" {
			t.Logf("%s: no events", path)
		}
		if !reflect.DeepEqual(one, four) {
			t.Errorf("%s: 4 cores differ from one: %d vs %d events, warnings %q vs %q, error %q vs %q, later pass %d vs %d",
				path, len(one.events), len(four.events), one.warnings, four.warnings, one.err, four.err, one.second, four.second)
		}
	}
}

// TestParallelChunksStop: an emit error stops the parallel read at once
// and is returned unchanged, leaving no goroutine behind.
func TestParallelChunksStop(t *testing.T) {
	path := "../../../shared/data/evtx-corpus/security.evtx"
	if _, err := os.Stat(path); err != nil {
		t.Skipf("../shared not present (%v)", err)
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	before := runtime.NumGoroutine()
	stop := os.ErrClosed
	n := 0
	err := ReadFile(context.Background(), input.File{Path: path, Format: input.EVTX}, Filter{anyProvider: true}, func(*Event) error {
		if n++; n == 3 {
			return stop
		}
		return nil
	}, nil)
	if err != stop || n != 3 {
		t.Fatalf("err %v after %d events, want %v after 3", err, n, stop)
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Errorf("%d goroutines after the read, %d before", after, before)
	}
}

// oneAtATime is a ReaderAt that may not be read by two goroutines at once,
// as decompressed content may not.
type oneAtATime struct {
	r       *bytes.Reader
	busy    atomic.Bool
	overlap atomic.Bool
}

func (o *oneAtATime) ReadAt(p []byte, off int64) (int, error) {
	if o.busy.Swap(true) {
		o.overlap.Store(true)
	}
	defer o.busy.Store(false)
	time.Sleep(50 * time.Microsecond) // room for another reader to come in
	return o.r.ReadAt(p, off)
}

// TestParallelReadsInputsOneAtATime: on several cores, an input that
// cannot be read concurrently is read by one goroutine, and gives the
// events a file on disk gives.
func TestParallelReadsInputsOneAtATime(t *testing.T) {
	data, err := os.ReadFile(sharedFile(t, "evtx-corpus/sysmon.evtx"))
	if err != nil {
		t.Fatal(err)
	}
	read := func(r io.ReaderAt, procs int) []string {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		return collect(t, func(emit func(*Event) error) error {
			return ReadEVTX(context.Background(), r, int64(len(data)), "sysmon.evtx", Filter{}, emit, nil)
		})
	}
	serial := &oneAtATime{r: bytes.NewReader(data)}
	want, got := read(bytes.NewReader(data), 1), read(serial, 4)
	if serial.overlap.Load() {
		t.Error("ReadAt called by two goroutines at once")
	}
	if !reflect.DeepEqual(got, want) || len(want) == 0 {
		t.Errorf("%d events read one at a time on 4 cores, %d on one", len(got), len(want))
	}
	if readsConcurrently(serial) || !readsConcurrently(bytes.NewReader(data)) {
		t.Error("readsConcurrently is wrong")
	}
}
