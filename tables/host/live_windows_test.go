//go:build windows

package host

import (
	"context"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/runkeyhunt/runkeyhunt/tables/chain"
	"github.com/runkeyhunt/runkeyhunt/tables/sysmon/eventlog"
)

// The live host finds the Sysmon channel's file where the channel's
// configuration (or the default) puts it, opens it shared while the Event
// Log service may hold it, and gives the rows the offline reader gives for
// the same file, naming no file. scripts/wine/test.sh places a Sysmon EVTX
// at the channel's path in the prefix and sets RKH_WINE_SYSMON=1.
func TestLiveChainReadsChannelFile(t *testing.T) {
	ctx := context.Background()
	warn := func(err error) { t.Log("warning:", err) }
	sys, err := LiveSystem(warn)
	if err != nil {
		t.Fatal(err)
	}
	file, err := sys.SysmonLog()
	if err != nil {
		if os.Getenv("RKH_WINE_SYSMON") == "1" {
			t.Fatalf("channel file: %v", err)
		}
		t.Skipf("Sysmon channel file not readable here (%v)", err)
	}
	t.Logf("channel file %s", file.Path)
	offline, err := Options{}.Open(ctx, file.Path)
	if err != nil {
		t.Fatal(err)
	}
	want, err := offline.Chain(ctx, ChainQuery{Window: chain.DefaultWindow})
	if err != nil {
		t.Fatal(err)
	}
	live, err := Options{Live: LiveSystem}.Open(ctx, LiveSource)
	if err != nil {
		t.Fatal(err)
	}
	since2000 := eventlog.TimeRange{From: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)}
	got, err := live.Chain(ctx, ChainQuery{Window: chain.DefaultWindow, Range: since2000})
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("RKH_WINE_SYSMON") == "1" && len(want) == 0 {
		t.Fatal("the scenario log placed by test.sh gave no rows")
	}
	if len(got) != len(want) {
		t.Fatalf("live: %d rows, offline reader on the same file: %d", len(got), len(want))
	}
	for i := range got {
		w := want[i]
		w.SourceFile = ""
		if !reflect.DeepEqual(got[i], w) {
			t.Errorf("row %d: live %+v, offline %+v", i, got[i], w)
		}
	}
	t.Logf("%d rows from the live channel file", len(got))
}
