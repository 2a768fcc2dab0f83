//go:build !unix

package input

import "os"

// openNoBlock opens path read-only. Windows has no FIFOs in the file
// system; the caller's mode checks refuse other special files.
func openNoBlock(path string) (*os.File, error) {
	return os.Open(path)
}
