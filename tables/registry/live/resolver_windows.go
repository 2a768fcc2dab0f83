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
	"github.com/runkeyhunt/runkeyhunt/tables/winfs"
)

const fileFlagSequentialRun = windows.FILE_FLAG_SEQUENTIAL_SCAN

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
	if err := payloadLinks.Check(pp.File); err != nil {
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
		if winfs.NotFound(err) {
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
	serial, err := winfs.VolumeSerial(pp.Drive + `\`)
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

// payloadLinks is the link check of payload paths: besides links, empty,
// . and .. components and wildcards are refused.
var payloadLinks = winfs.LinkCheck{Refused: errPathRefused, Missing: autoruns.ErrPayloadNotFound,
	Component: func(file, part string) error {
		if part == "" || part == "." || part == ".." {
			return fmt.Errorf("%w: %q has an empty, . or .. component", errPathRefused, file)
		}
		if strings.ContainsAny(part, "*?") {
			return fmt.Errorf("%w: wildcard in %q", errPathRefused, file)
		}
		return nil
	}}

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
