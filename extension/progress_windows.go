package main

import (
	"path/filepath"
	"unsafe"

	"golang.org/x/sys/windows"
)

var procGetProcessIoCounters = windows.NewLazySystemDLL("kernel32.dll").NewProc("GetProcessIoCounters")

// readStats returns the bytes the process has read (GetProcessIoCounters);
// Windows has no cheap view of the process's open files, so it reports no
// per-file progress.
func readStats(func(path string)) (int64, bool) {
	var c windows.IO_COUNTERS
	if r, _, _ := procGetProcessIoCounters.Call(uintptr(windows.CurrentProcess()), uintptr(unsafe.Pointer(&c))); r == 0 {
		return 0, false
	}
	return int64(c.ReadTransferCount), false
}

func absPath(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}
