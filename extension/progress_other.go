//go:build !linux && !windows

package main

import "path/filepath"

// readStats has no I/O counters to read on this platform.
func readStats(func(path string)) (int64, bool) { return 0, false }

func absPath(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}
