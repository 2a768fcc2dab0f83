package query

import (
	"context"
	"fmt"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/runkeyhunt/runkeyhunt/tables/host"
	"github.com/runkeyhunt/runkeyhunt/tables/runkeypayloads"
	"github.com/runkeyhunt/runkeyhunt/tables/sysmonchain"
)

// writeBusyLog writes a busy host's event log: n processes, each created,
// connecting out twice and writing three autorun values (agents rewriting
// their Run values again and again, as on the bench's busy mix), every
// record id, time and process unique and increasing. It gives 3n chain
// rows.
func writeBusyLog(tb testing.TB, n int) string {
	tb.Helper()
	event, done := eventLogWriter(tb, "busy.xml", "WIN-BUSY01")
	start := time.Date(2024, 3, 12, 9, 0, 0, 0, time.UTC)
	for p := 0; p < n; p++ {
		at := start.Add(time.Duration(p) * time.Second)
		guid := fmt.Sprintf("{7E4A21B0-%04X-65F0-%04X-000000002200}", p>>16&0xFFFF, p&0xFFFF)
		proc := fmt.Sprintf("<Data Name='ProcessGuid'>%s</Data><Data Name='ProcessId'>%d</Data><Data Name='Image'>C:\\Program Files\\Agent\\agent%d.exe</Data>", guid, 1000+p, p%40)
		event(1, at, proc+fmt.Sprintf("<Data Name='CommandLine'>agent%d.exe --svc</Data><Data Name='User'>WIN-BUSY01\\user%d</Data>", p%40, p%20))
		for c := 0; c < 2; c++ {
			event(3, at.Add(time.Duration(c+1)*100*time.Millisecond), proc+fmt.Sprintf("<Data Name='Protocol'>tcp</Data><Data Name='DestinationIp'>198.51.%d.%d</Data><Data Name='DestinationPort'>443</Data><Data Name='DestinationHostname'>update%d.example</Data>", p%250, c+1, p%30))
		}
		for v := 0; v < 3; v++ {
			key := fmt.Sprintf(`HKU\S-1-5-21-1-2-3-%d\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\Agent%d_%d`, 1000+p%20, p%50, v)
			event(13, at.Add(time.Duration(300+100*v)*time.Millisecond), proc+fmt.Sprintf("<Data Name='EventType'>SetValue</Data><Data Name='TargetObject'>%s</Data><Data Name='Details'>\"C:\\Program Files\\Agent\\agent%d.exe\" --task %d --profile C:\\ProgramData\\Agent\\p%d.json</Data>", key, p%40, v, p%50))
		}
	}
	return done()
}

// BenchmarkChainQueryMemory runs the chain query of scripts/bench.sh over
// a generated busy log at two sizes and reports, per chain row, the peak
// live heap above the engine's (sampled every millisecond) and the heap
// the statement's rows still hold when it is done (the host keeps them for
// the other tables of the query). The per-row figures of the two sizes
// should agree: memory grows with the rows, not with the input.
func BenchmarkChainQueryMemory(b *testing.B) {
	const q = "SELECT count(*) AS rows, sum(net_before) AS net_before, sum(net_after) AS net_after FROM sysmon_reg_net_chain"
	for _, n := range []int{1000, 4000} {
		src := writeBusyLog(b, n)
		b.Run(strconv.Itoa(3*n)+"rows", func(b *testing.B) {
			var peakPerRow, heldPerRow float64
			for b.Loop() {
				engine, err := Open(context.Background(),
					runkeypayloads.New(runkeypayloads.Options{DefaultSource: src, Open: host.Options{}.Open}),
					sysmonchain.New(sysmonchain.Options{DefaultSource: src, Open: host.Options{}.Open}))
				if err != nil {
					b.Fatal(err)
				}
				runtime.GC()
				base := heapLive()
				stop := samplePeakHeap()
				ctx, end := host.Scope(context.Background())
				res, err := engine.Run(ctx, q)
				high := stop()
				runtime.GC()
				held := heapLive()
				end()
				engine.Close()
				if err != nil {
					b.Fatal(err)
				}
				rows, _ := strconv.Atoi(res.Rows[0][0])
				if rows != 3*n {
					b.Fatalf("%d rows, want %d", rows, 3*n)
				}
				// The last samples predate the rows' rendering: held counts too.
				peakPerRow = float64(max(high, held)-base) / float64(rows)
				heldPerRow = float64(int64(held)-int64(base)) / float64(rows)
			}
			b.ReportMetric(peakPerRow, "peak-B/row")
			b.ReportMetric(heldPerRow, "held-B/row")
		})
	}
}

// heapLive is the heap marked live by the last collection: what peak RSS
// follows (about twice it, at the default GOGC), without the garbage of
// the moment.
func heapLive() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// samplePeakHeap samples heapLive until stop, which returns the highest
// value seen.
func samplePeakHeap() func() uint64 {
	var peak atomic.Uint64
	var done atomic.Bool
	var wg sync.WaitGroup
	wg.Go(func() {
		for !done.Load() {
			if h := heapLive(); h > peak.Load() {
				peak.Store(h)
			}
			time.Sleep(time.Millisecond)
		}
	})
	return func() uint64 {
		done.Store(true)
		wg.Wait()
		if h := heapLive(); h > peak.Load() {
			peak.Store(h)
		}
		return peak.Load()
	}
}
