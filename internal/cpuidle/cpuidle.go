// Package cpuidle measures how much of the Go scheduler's processors'
// time is idle, for the benchmarks of the parallel readers: on several
// cores, the time a worker waits for a job or the emitter for a chunk is
// idle time, so the share says how far a pipeline is from using every
// core, whatever else runs on the machine.
package cpuidle

import "runtime/metrics"

// Share starts measuring; the function returned gives the idle share of
// the Ps' time since, in percent.
func Share() func() float64 {
	read := func() (idle, total float64) {
		s := []metrics.Sample{{Name: "/cpu/classes/idle:cpu-seconds"}, {Name: "/cpu/classes/total:cpu-seconds"}}
		metrics.Read(s)
		return s[0].Value.Float64(), s[1].Value.Float64()
	}
	idle0, total0 := read()
	return func() float64 {
		idle, total := read()
		if total <= total0 {
			return 0
		}
		return 100 * (idle - idle0) / (total - total0)
	}
}
