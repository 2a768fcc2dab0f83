//go:build unix

package input

import "syscall"

func mkfifo(path string) { syscall.Mkfifo(path, 0o600) }
