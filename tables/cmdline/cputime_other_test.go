//go:build !linux

package cmdline

import "time"

// measureCPU falls back to wall time where no per-thread CPU clock is read.
func measureCPU(fn func()) time.Duration { return measureWall(fn) }
