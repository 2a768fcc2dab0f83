package cmdline

import (
	"runtime"
	"syscall"
	"time"
)

// rusageThread is Linux's RUSAGE_THREAD, which package syscall does not name.
const rusageThread = 1

// measureCPU returns the CPU time fn takes on its own thread: time the
// thread waits for a core on a loaded machine does not count.
func measureCPU(fn func()) time.Duration {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var before, after syscall.Rusage
	if syscall.Getrusage(rusageThread, &before) != nil {
		return measureWall(fn)
	}
	fn()
	if syscall.Getrusage(rusageThread, &after) != nil {
		return measureWall(fn)
	}
	cpu := func(r syscall.Rusage) time.Duration {
		return time.Duration(r.Utime.Nano() + r.Stime.Nano())
	}
	return cpu(after) - cpu(before)
}
