package report

import (
	"os"
	"testing"

	"github.com/runkeyhunt/runkeyhunt/fleet/resultlog"
)

// BenchmarkReportFile reads the result log named by RKH_BENCH_LOG (for
// example one written by fleet/cmd/genlogs) into the engine.
func BenchmarkReportFile(b *testing.B) {
	path := os.Getenv("RKH_BENCH_LOG")
	if path == "" {
		b.Skip("set RKH_BENCH_LOG to a result log")
	}
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	for b.Loop() {
		e := New()
		if err := resultlog.ReadAll(b.Context(), []string{path}, nil, e.Handler(nil)); err != nil {
			b.Fatal(err)
		}
		e.Report()
	}
}
