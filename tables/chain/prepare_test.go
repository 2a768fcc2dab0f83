package chain

import (
	"context"
	"math/rand/v2"
	"os"
	"reflect"
	"runtime"
	"testing"

	"github.com/runkeyhunt/runkeyhunt/tables/input"
	"github.com/runkeyhunt/runkeyhunt/tables/sysmon"
)

// TestPreparedAgrees: the events the readers' workers prepare on several
// cores (prepareFilter) give the rows the engine gives when it does that
// work itself on one core, on a busy host's log as EVTX and JSON lines
// (large enough to be read in parallel) and on a random log with late
// payload targets.
func TestPreparedAgrees(t *testing.T) {
	var busy []*sysmon.Event
	chunks := busyChunks(600)
	for _, c := range chunks {
		busy = append(busy, c...)
	}
	random := randomLog(rand.New(rand.NewPCG(3, 4)), 3000)
	var randomChunks [][]*sysmon.Event
	for i, e := range random {
		if i%15 == 0 {
			randomChunks = append(randomChunks, nil)
		}
		randomChunks[len(randomChunks)-1] = append(randomChunks[len(randomChunks)-1], e)
	}
	jsonPath := writeJSONLines(t, busy)
	if info, err := os.Stat(jsonPath); err != nil || info.Size() < 2<<20 {
		t.Fatalf("the JSON lines are too small to be read in parallel (%v)", err)
	}
	for _, f := range []input.File{
		{Path: writeEVTX(t, chunks), Format: input.EVTX},
		{Path: jsonPath, Format: input.JSONLines},
		{Path: writeEVTX(t, randomChunks), Format: input.EVTX},
	} {
		correlate := func(procs int) []*Row {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			rows, err := Correlate(context.Background(), []input.File{f}, DefaultWindow, nil, func(err error) { t.Errorf("%s: %v", f.Path, err) })
			if err != nil {
				t.Fatal(err)
			}
			return rows
		}
		one, four := correlate(1), correlate(4)
		if len(one) == 0 || !reflect.DeepEqual(one, four) {
			t.Errorf("%s: %d rows on one core, %d on four, or they differ", f.Path, len(one), len(four))
		}
	}
}

// TestPrepareIsTheEnginesWork: a prepared event is what prepOf makes of
// it without a reader's help.
func TestPrepareIsTheEnginesWork(t *testing.T) {
	events := randomLog(rand.New(rand.NewPCG(5, 6)), 400)
	for _, c := range busyChunks(2) {
		events = append(events, c...)
	}
	pp := &preparer{}
	e := New(DefaultWindow)
	for i, ev := range events {
		own := *e.prepOf(ev)
		own.key = append([]byte(nil), own.key...)
		c := *ev
		c.Prepared = pp.prepare(ev)
		if got := *e.prepOf(&c); !reflect.DeepEqual(got, own) {
			t.Fatalf("event %d: prepared %+v, the engine's own %+v", i, got, own)
		}
	}
}
