package autoruns

import (
	"syscall"
	"time"
)

// processCPU is the CPU time (user + system) the process has used: on a
// machine shared with other work, a benchmark's CPU time per op says what
// the code costs where its wall time also counts the waits for a core.
func processCPU() (time.Duration, bool) {
	var r syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &r) != nil {
		return 0, false
	}
	return time.Duration(r.Utime.Nano() + r.Stime.Nano()), true
}
