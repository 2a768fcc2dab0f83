package host

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/runkeyhunt/runkeyhunt/tables/autoruns"
	"github.com/runkeyhunt/runkeyhunt/tables/chain"
	"github.com/runkeyhunt/runkeyhunt/tables/input"
	"github.com/runkeyhunt/runkeyhunt/tables/registry"
	"github.com/runkeyhunt/runkeyhunt/tables/sysmon"
	"github.com/runkeyhunt/runkeyhunt/tables/sysmon/eventlog"
)

const scenario = "../../testdata/sysmon/scenario.xml"

// copyScenario copies the scenario to a file the test may remove.
func copyScenario(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(scenario)
	if err != nil {
		t.Fatal(err)
	}
	// Not t.TempDir: its cleanup fails under Wine 8 (os.RemoveAll:
	// "unlinkat ...: Invalid function"), and scripts/wine/test.sh runs this.
	dir, err := os.MkdirTemp("", "host-test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "sysmon.xml")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// In one scope a source opens one host, whose autorun scan of an
// event-only source is the registry state of the correlation the chain
// table made: the log is correlated once. Outside a scope, and after it
// ends, hosts are not shared.
func TestScopeSharesOneCorrelation(t *testing.T) {
	src := copyScenario(t)
	ctx, end := Scope(context.Background())
	a, err := Options{}.Open(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Options{}.Open(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Fatal("two opens of one source in one scope gave two hosts")
	}
	chainRows, err := a.Chain(ctx, ChainQuery{Window: chain.DefaultWindow})
	if err != nil || len(chainRows) == 0 {
		t.Fatalf("chain: %d rows, %v", len(chainRows), err)
	}
	// Remove the file: the autorun scan must not read it again.
	if err := os.Remove(src); err != nil {
		t.Fatal(err)
	}
	regRows, err := b.Autoruns(ctx)
	if err != nil {
		t.Fatalf("autoruns after the chain, file gone: %v", err)
	}
	if len(regRows) == 0 {
		t.Fatal("no autorun rows from the events' registry state")
	}
	end()
	if _, err := (Options{}).Open(ctx, src); err == nil {
		t.Fatal("after the scope ended, Open reused the host of a file that is gone")
	}
}

// The rows of a shared host are the rows a fresh host makes, whichever
// table asks first.
func TestSharedRowsSameAsFresh(t *testing.T) {
	fresh := func() Host {
		h, err := Options{}.Open(context.Background(), scenario)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	ctx := context.Background()
	wantReg, err := fresh().Autoruns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantChain, err := fresh().Chain(ctx, ChainQuery{Window: chain.DefaultWindow})
	if err != nil {
		t.Fatal(err)
	}
	for _, chainFirst := range []bool{true, false} {
		h := fresh()
		var gotReg []autoruns.Row
		var gotChain []*chain.Row
		if chainFirst {
			gotChain, _ = h.Chain(ctx, ChainQuery{Window: chain.DefaultWindow})
			gotReg, _ = h.Autoruns(ctx)
		} else {
			gotReg, _ = h.Autoruns(ctx)
			gotChain, _ = h.Chain(ctx, ChainQuery{Window: chain.DefaultWindow})
		}
		if !reflect.DeepEqual(gotReg, wantReg) || !reflect.DeepEqual(gotChain, wantChain) {
			t.Errorf("chain first %v: shared rows differ from fresh ones", chainFirst)
		}
	}
}

// A cancelled correlation is not remembered: the next caller gets rows.
func TestCancelledNotRemembered(t *testing.T) {
	h, err := Options{}.Open(context.Background(), scenario)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.Chain(ctx, ChainQuery{Window: chain.DefaultWindow}); err == nil {
		t.Fatal("cancelled correlation gave no error")
	}
	rows, err := h.Chain(context.Background(), ChainQuery{Window: chain.DefaultWindow})
	if err != nil || len(rows) == 0 {
		t.Fatalf("after a cancelled call: %d rows, %v", len(rows), err)
	}
}

// fakeSystem is a live system whose Sysmon channel file is the scenario.
type fakeSystem struct {
	logErr  error // SysmonLog fails with it
	queries int
}

func (fakeSystem) Registry() registry.View     { return registry.StaticView{} }
func (fakeSystem) Resolver() autoruns.Resolver { return nil }
func (s *fakeSystem) SysmonLog() (input.File, error) {
	if s.logErr != nil {
		return input.File{}, s.logErr
	}
	files, err := input.Expand(scenario)
	if err != nil {
		return input.File{}, err
	}
	return files[0], nil
}
func (s *fakeSystem) QueryEvents(context.Context, string, func(*sysmon.Event) error) error {
	s.queries++
	return eventlog.ErrChannelNotFound
}

// The live host reads the channel's file with the offline reader: the
// offline rows, naming no file, kept to the time range; without the file
// it falls back to the Event Log API, whose missing channel is a warning
// and no rows.
func TestLiveReadsChannelFile(t *testing.T) {
	ctx := context.Background()
	offline, err := Options{}.Open(ctx, scenario)
	if err != nil {
		t.Fatal(err)
	}
	want, err := offline.Chain(ctx, ChainQuery{Window: chain.DefaultWindow})
	if err != nil || len(want) < 2 {
		t.Fatalf("offline: %d rows, %v", len(want), err)
	}
	sys := &fakeSystem{}
	open := Options{Live: func(func(error)) (System, error) { return sys, nil }}.Open
	live, err := open(ctx, LiveSource)
	if err != nil {
		t.Fatal(err)
	}
	all := eventlog.TimeRange{From: want[0].Time.Add(-time.Hour)}
	got, err := live.Chain(ctx, ChainQuery{Window: chain.DefaultWindow, Range: all})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("live from the channel file: %d rows, offline %d", len(got), len(want))
	}
	for i := range got {
		w := want[i]
		w.SourceFile = ""
		if !reflect.DeepEqual(got[i], w) {
			t.Errorf("row %d: live %+v, offline %+v", i, got[i], w)
		}
	}
	last := want[len(want)-1].Time
	tail, err := live.Chain(ctx, ChainQuery{Window: chain.DefaultWindow, Range: eventlog.TimeRange{From: last}})
	if err != nil || len(tail) == 0 || len(tail) >= len(want) {
		t.Errorf("range from the last row's time: %d rows (of %d), %v", len(tail), len(want), err)
	}
	if sys.queries != 0 {
		t.Errorf("the Event Log API was queried %d times though the file opened", sys.queries)
	}

	sys = &fakeSystem{logErr: errors.New("sharing violation")}
	var warnings []string
	live, err = Options{Live: func(warn func(error)) (System, error) { return sys, nil }}.Open(ctx, LiveSource)
	if err != nil {
		t.Fatal(err)
	}
	live.(*liveHost).warn = func(err error) { warnings = append(warnings, err.Error()) }
	rows, err := live.Chain(ctx, ChainQuery{Window: chain.DefaultWindow, Range: all})
	if err != nil || len(rows) != 0 {
		t.Fatalf("fallback with no channel: %d rows, %v", len(rows), err)
	}
	if sys.queries == 0 || len(warnings) != 1 || !strings.Contains(warnings[0], "sharing violation") {
		t.Errorf("fallback: %d queries, warnings %q", sys.queries, warnings)
	}
}

// Without a live system the live source warns and gives no rows.
func TestNoLiveSystem(t *testing.T) {
	h, err := Options{}.Open(context.Background(), LiveSource)
	if err != nil {
		t.Fatal(err)
	}
	var warned []string
	h.(*liveHost).warn = func(err error) { warned = append(warned, err.Error()) }
	reg, err1 := h.Autoruns(context.Background())
	rows, err2 := h.Chain(context.Background(), ChainQuery{Window: chain.DefaultWindow})
	if err1 != nil || err2 != nil || len(reg)+len(rows) != 0 || len(warned) != 2 {
		t.Errorf("no live system: %d+%d rows, %v %v, warnings %q", len(reg), len(rows), err1, err2, warned)
	}
}
