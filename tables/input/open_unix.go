//go:build unix

package input

import (
	"os"
	"syscall"
)

// openNoBlock opens path read-only without waiting: a FIFO swapped in after
// the mode check opens at once instead of blocking the thread until a
// writer comes, and is then refused by the caller's fstat check.
func openNoBlock(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
}
