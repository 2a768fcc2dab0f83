package chain

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/runkeyhunt/runkeyhunt/internal/cpuidle"
	"github.com/runkeyhunt/runkeyhunt/tables/input"
)

// BenchmarkCorrelateFile correlates the large log named by
// RUNKEYHUNT_BENCH_LOG (an EVTX, JSON lines ending in .jsonl or event XML in .xml, e.g. the
// ones scripts/bench.sh builds) on 1 and 2 cores: compare the ns/op of
// cores=2 with cores=1 in one run (the goal is 1.7x). idle-% is the share
// of the Ps' time no goroutine ran: the time workers waited for jobs or
// the engine for events, whatever else the machine runs.
func BenchmarkCorrelateFile(b *testing.B) {
	path := os.Getenv("RUNKEYHUNT_BENCH_LOG")
	if path == "" {
		b.Skip("set RUNKEYHUNT_BENCH_LOG to a large EVTX or .jsonl file")
	}
	info, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	f := input.File{Path: path, Format: input.EVTX}
	switch {
	case strings.HasSuffix(path, ".jsonl"):
		f.Format = input.JSONLines
	case strings.HasSuffix(path, ".xml"):
		f.Format = input.EventXML
	}
	for _, cores := range []int{1, 2} {
		b.Run(fmt.Sprintf("cores=%d", cores), func(b *testing.B) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(cores))
			b.SetBytes(info.Size())
			b.ReportAllocs()
			idle := cpuidle.Share()
			var rows []*Row
			for b.Loop() {
				if rows, err = Correlate(context.Background(), []input.File{f}, DefaultWindow, nil, func(error) {}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(rows)), "rows/op")
			b.ReportMetric(idle(), "idle-%")
		})
	}
}
