//go:build windows

package live

import (
	"unsafe"

	"golang.org/x/sys/windows"
)

func unsafePointer(sd *windows.SECURITY_DESCRIPTOR) unsafe.Pointer { return unsafe.Pointer(sd) }
