//go:build windows

package winfs

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sys/windows"
)

// Reparse tags (winnt.h) and the name-surrogate bit: a tag with that bit
// set names another place in the namespace.
const (
	reparseTagMountPoint = 0xA0000003
	reparseTagSymlink    = 0xA000000C
	reparseNameSurrogate = 0x20000000
)

// NotFound reports whether err from a file API means the path does not
// exist (or cannot name a file).
func NotFound(err error) bool {
	return errors.Is(err, windows.ERROR_FILE_NOT_FOUND) || errors.Is(err, windows.ERROR_PATH_NOT_FOUND) ||
		errors.Is(err, windows.ERROR_INVALID_NAME)
}

// VolumeSerial is the serial number of the volume at root (`C:\`).
func VolumeSerial(root string) (uint32, error) {
	p, err := windows.UTF16PtrFromString(root)
	if err != nil {
		return 0, err
	}
	var serial uint32
	if err := windows.GetVolumeInformation(p, nil, 0, &serial, nil, nil, nil, 0); err != nil {
		return 0, err
	}
	return serial, nil
}

// LinkCheck walks a drive-letter path (`C:\dir\file`) from the drive
// root without following anything: FindFirstFile describes each
// component itself, with its reparse tag. Symbolic links may lead
// anywhere (another volume, a share whose server would see the agent
// authenticate) and are refused; other name surrogates except mount
// points (junctions, always local) too. A junction to another local
// volume is for the caller's volume check after the open.
type LinkCheck struct {
	// Refused is wrapped by the errors of refused paths.
	Refused error
	// Missing is returned when a component does not exist.
	Missing error
	// Component, when set, checks each component before it is looked up;
	// its error is returned as is.
	Component func(file, part string) error
}

// Check walks file.
func (c LinkCheck) Check(file string) error {
	prefix := file[:2]
	for _, part := range strings.Split(file[3:], `\`) {
		if c.Component != nil {
			if err := c.Component(file, part); err != nil {
				return err
			}
		}
		prefix += `\` + part
		p, err := windows.UTF16PtrFromString(prefix)
		if err != nil {
			return fmt.Errorf("%w: %v", c.Refused, err)
		}
		var fd windows.Win32finddata
		h, err := windows.FindFirstFile(p, &fd)
		if err != nil {
			if NotFound(err) || errors.Is(err, windows.ERROR_NO_MORE_FILES) {
				return c.Missing
			}
			return fmt.Errorf("look up %s: %w", prefix, err)
		}
		windows.FindClose(h)
		if fd.FileAttributes&windows.FILE_ATTRIBUTE_REPARSE_POINT == 0 {
			continue
		}
		tag := fd.Reserved0
		if tag == reparseTagSymlink || tag&reparseNameSurrogate != 0 && tag != reparseTagMountPoint {
			return fmt.Errorf("%w: %s is a link (reparse tag 0x%x)", c.Refused, prefix, tag)
		}
	}
	return nil
}
