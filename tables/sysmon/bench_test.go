package sysmon

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"testing"

	"github.com/runkeyhunt/runkeyhunt/internal/cpuidle"
)

// BenchmarkReadEVTX measures EVTX throughput from memory. Compare with
// `time evtxexport -f xml FILE > /dev/null` (see the package report).
func BenchmarkReadEVTX(b *testing.B) {
	cases := []struct {
		name, file string
		filter     Filter
	}{
		{"seed", "seed/registryautorun.evtx", Filter{}},
		{"sysmon/all-ids", "evtx-corpus/sysmon.evtx", Filter{}},
		{"sysmon/chain-ids", "evtx-corpus/sysmon.evtx", Filter{EventIDs: map[int]bool{3: true, 12: true, 13: true, 14: true}}},
		{"security/sysmon-only", "evtx-corpus/security.evtx", Filter{}},
		{"security/every-provider", "evtx-corpus/security.evtx", Filter{anyProvider: true}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			data, err := os.ReadFile(sharedFile(b, c.file))
			if err != nil {
				b.Fatal(err)
			}
			r := bytes.NewReader(data)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				n = 0
				if err := ReadEVTX(context.Background(), r, int64(len(data)), c.file, c.filter, func(*Event) error { n++; return nil }, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n), "events/op")
		})
	}
}

// jsonBenchInput repeats the NXLog and ECS fixtures to about 8 MiB.
func jsonBenchInput(b *testing.B, name string) []byte {
	line := fixture(b, name)
	var buf bytes.Buffer
	for buf.Len() < 8<<20 {
		buf.Write(line)
	}
	return buf.Bytes()
}

// BenchmarkReadJSONLines measures JSON lines throughput with the chain
// query's filter. Compare with `jq -c 'select(.EventID==13)' FILE`.
func BenchmarkReadJSONLines(b *testing.B) {
	for _, name := range []string{"scenario.nxlog.jsonl", "scenario.ecs.jsonl"} {
		b.Run(name, func(b *testing.B) {
			data := jsonBenchInput(b, name)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			filter := Filter{EventIDs: map[int]bool{13: true}}
			for b.Loop() {
				if err := ReadJSONLines(context.Background(), bytes.NewReader(data), name, filter, func(*Event) error { return nil }, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkReadXML measures event XML throughput.
func BenchmarkReadXML(b *testing.B) {
	data := jsonBenchInput(b, "scenario.wevtutil.xml")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if err := ReadXML(context.Background(), bytes.NewReader(data), "x", Filter{}, func(*Event) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadEVTXFile reads the large EVTX named by RUNKEYHUNT_BENCH_EVTX
// (e.g. one scripts/bench.sh builds) with the chain's filter and a no-op
// emit, on 1 and 2 cores: the reader alone, without the correlation.
func BenchmarkReadEVTXFile(b *testing.B) {
	path := os.Getenv("RUNKEYHUNT_BENCH_EVTX")
	if path == "" {
		b.Skip("set RUNKEYHUNT_BENCH_EVTX to a large EVTX file")
	}
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		b.Fatal(err)
	}
	filter := Filter{EventIDs: map[int]bool{1: true, 3: true, 12: true, 13: true, 14: true}}
	for _, procs := range []int{1, 2} {
		b.Run(fmt.Sprintf("procs=%d", procs), func(b *testing.B) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			b.SetBytes(info.Size())
			b.ReportAllocs()
			n := 0
			idle := cpuidle.Share()
			for b.Loop() {
				n = 0
				if err := ReadEVTX(context.Background(), f, info.Size(), path, filter, func(*Event) error { n++; return nil }, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n), "events/op")
			b.ReportMetric(idle(), "idle-%")
		})
	}
}
