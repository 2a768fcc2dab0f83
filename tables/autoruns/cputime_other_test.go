//go:build !linux

package autoruns

import "time"

// processCPU is not read outside Linux: the benchmarks report wall time only.
func processCPU() (time.Duration, bool) { return 0, false }
