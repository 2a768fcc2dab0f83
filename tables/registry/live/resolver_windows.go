//go:build windows

package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/windows"

	"github.com/runkeyhunt/runkeyhunt/tables/autoruns"
	"github.com/runkeyhunt/runkeyhunt/tables/sysmon/eventlog"
)

// Reparse tags (winnt.h) and the name-surrogate bit: a tag with that bit
// set names another place in the namespace.
const (
	reparseTagMountPoint  = 0xA0000003
	reparseTagSymlink     = 0xA000000C
	reparseNameSurrogate  = 0x20000000
	fileFlagSequentialRun = windows.FILE_FLAG_SEQUENTIAL_SCAN
)

// Resolver reads payloads outside the registry on the running system. It
// implements autoruns.Resolver.
type Resolver struct{}

var _ autoruns.Resolver = Resolver{}

// ReadFile reads at most limit bytes of a file or `file:stream`. Only
// drive-letter paths are read; a path through a symbolic link, or through
// any reparse point that leads off the path's own volume, is refused.
func (Resolver) ReadFile(path string, limit int64) ([]byte, error) {
	pp, err := parsePayloadPath(path)
	if err != nil {
		return nil, err
	}
	if err := checkReparsePoints(pp.File); err != nil {
		return nil, err
	}
	name, err := windows.UTF16PtrFromString(pp.OpenName())
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errPathRefused, err)
	}
	h, err := windows.CreateFile(name, windows.GENERIC_READ,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE,
		nil, windows.OPEN_EXISTING, fileFlagSequentialRun, 0)
	if err != nil {
		if notFound(err) {
			return nil, autoruns.ErrPayloadNotFound
		}
		return nil, fmt.Errorf("open %s: %w", pp.OpenName(), err)
	}
	f := os.NewFile(uintptr(h), pp.OpenName())
	defer f.Close()
	var info windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(h, &info); err != nil {
		return nil, fmt.Errorf("stat %s: %w", pp.OpenName(), err)
	}
	if info.FileAttributes&windows.FILE_ATTRIBUTE_DIRECTORY != 0 {
		return nil, fmt.Errorf("%w: %s is a directory", errPathRefused, pp.File)
	}
	serial, err := volumeSerial(pp.Drive + `\`)
	if err != nil {
		return nil, fmt.Errorf("volume of %s: %w", pp.Drive, err)
	}
	if serial != info.VolumeSerialNumber {
		return nil, fmt.Errorf("%w: %s resolves to another volume", errPathRefused, pp.OpenName())
	}
	data, err := io.ReadAll(io.LimitReader(f, limit))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", pp.OpenName(), err)
	}
	return data, nil
}

func notFound(err error) bool {
	return errors.Is(err, windows.ERROR_FILE_NOT_FOUND) || errors.Is(err, windows.ERROR_PATH_NOT_FOUND) ||
		errors.Is(err, windows.ERROR_INVALID_NAME)
}

func volumeSerial(root string) (uint32, error) {
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

// checkReparsePoints walks the path from the drive root without following
// anything: FindFirstFile describes each component itself, with its
// reparse tag. Symbolic links may lead anywhere (another volume, a share
// whose server would see the agent authenticate) and are refused; other
// name surrogates except mount points (junctions, always local) too. A
// junction to another local volume is caught by the volume check after
// the open.
func checkReparsePoints(file string) error {
	parts := strings.Split(file[3:], `\`)
	prefix := file[:2]
	for _, part := range parts {
		if part == "" || part == "." || part == ".." {
			return fmt.Errorf("%w: %q has an empty, . or .. component", errPathRefused, file)
		}
		prefix += `\` + part
		if strings.ContainsAny(part, "*?") {
			return fmt.Errorf("%w: wildcard in %q", errPathRefused, file)
		}
		p, err := windows.UTF16PtrFromString(prefix)
		if err != nil {
			return fmt.Errorf("%w: %v", errPathRefused, err)
		}
		var fd windows.Win32finddata
		h, err := windows.FindFirstFile(p, &fd)
		if err != nil {
			if notFound(err) || errors.Is(err, windows.ERROR_NO_MORE_FILES) {
				return autoruns.ErrPayloadNotFound
			}
			return fmt.Errorf("look up %s: %w", prefix, err)
		}
		windows.FindClose(h)
		if fd.FileAttributes&windows.FILE_ATTRIBUTE_REPARSE_POINT == 0 {
			continue
		}
		tag := fd.Reserved0
		if tag == reparseTagSymlink || tag&reparseNameSurrogate != 0 && tag != reparseTagMountPoint {
			return fmt.Errorf("%w: %s is a link (reparse tag 0x%x)", errPathRefused, prefix, tag)
		}
	}
	return nil
}

// ReadEventLog returns the binary data of the newest record with the event
// id in the log (what Get-EventLog's `.Data` shows), at most limit bytes.
func (Resolver) ReadEventLog(log string, eventID int, limit int64) ([]byte, error) {
	if log == "" || strings.ContainsAny(log, "\x00\\") {
		return nil, fmt.Errorf("event log name %q refused", log)
	}
	xpath := "*[System[EventID=" + strconv.Itoa(eventID) + "]]"
	var data []byte
	found := false
	errFound := errors.New("found")
	err := eventlog.QueryRendered(context.Background(), log, xpath, true, func(rendered []byte) error {
		d, ok, err := RecordData([]byte(renderedText(rendered)), limit)
		if err != nil {
			return err
		}
		if ok {
			data, found = d, true
		}
		// Only the newest record counts, data or not: that is what the
		// loader reads.
		return errFound
	})
	switch {
	case errors.Is(err, errFound) || err == nil:
	case errors.Is(err, eventlog.ErrChannelNotFound):
		return nil, autoruns.ErrPayloadNotFound
	default:
		return nil, fmt.Errorf("query %s for event %d: %w", log, eventID, err)
	}
	if !found {
		return nil, autoruns.ErrPayloadNotFound
	}
	return data, nil
}

// renderedText decodes EvtRender's UTF-16LE buffer up to its NUL.
func renderedText(b []byte) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		c := uint16(b[i]) | uint16(b[i+1])<<8
		if c == 0 {
			break
		}
		u = append(u, c)
	}
	return windows.UTF16ToString(u)
}
