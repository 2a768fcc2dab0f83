//go:build windows

package eventlog

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unsafe"

	"github.com/osquery/osquery-go/plugin/table"
	"golang.org/x/sys/windows"

	"github.com/runkeyhunt/runkeyhunt/tables/chain"
	"github.com/runkeyhunt/runkeyhunt/tables/sysmon"
)

var (
	modwevtapi    = windows.NewLazySystemDLL("wevtapi.dll")
	procEvtQuery  = modwevtapi.NewProc("EvtQuery")
	procEvtNext   = modwevtapi.NewProc("EvtNext")
	procEvtRender = modwevtapi.NewProc("EvtRender")
	procEvtClose  = modwevtapi.NewProc("EvtClose")
)

// winevt.h values.
const (
	evtQueryChannelPath      = 0x1
	evtQueryReverseDirection = 0x200
	evtRenderEventXML        = 1
	infinite                 = 0xFFFFFFFF

	errorEvtChannelNotFound windows.Errno = 15007
	errorEvtInvalidQuery    windows.Errno = 15001
	errorNoMoreItems                      = windows.ERROR_NO_MORE_ITEMS
	errorInsufficientBuffer               = windows.ERROR_INSUFFICIENT_BUFFER
	errorCallNotImplemented windows.Errno = 120
)

// ErrAPIUnavailable is returned when wevtapi.dll or its functions are
// missing or not implemented (Wine's Event Log API is a stub).
var ErrAPIUnavailable = errors.New("Windows Event Log API unavailable")

// batchSize is how many event handles one EvtNext call returns.
const batchSize = 64

// maxRenderBytes bounds one rendered event; Sysmon events are a few KiB.
const maxRenderBytes = 16 << 20

type evtHandle uintptr

func evtClose(h evtHandle) {
	if h != 0 {
		procEvtClose.Call(uintptr(h))
	}
}

// callErr turns a failed call's error into the package's errors.
func callErr(name string, err error) error {
	var errno windows.Errno
	if errors.As(err, &errno) {
		switch errno {
		case 0:
			// Failed without saying why: Wine's stubs do this.
			return fmt.Errorf("%s failed without an error code: %w", name, ErrAPIUnavailable)
		case errorEvtChannelNotFound:
			return ErrChannelNotFound
		case errorCallNotImplemented:
			return fmt.Errorf("%s: %w", name, ErrAPIUnavailable)
		}
	}
	return fmt.Errorf("%s: %w", name, err)
}

// QueryRendered runs an XPath query on a channel and passes each event's
// rendered XML (UTF-16LE, as EvtRender returns it) to fn; newestFirst
// reverses the order. fn's buffer is reused: copy what is kept.
func QueryRendered(ctx context.Context, channel, xpath string, newestFirst bool, fn func(rendered []byte) error) error {
	if err := modwevtapi.Load(); err != nil {
		return fmt.Errorf("%w: %v", ErrAPIUnavailable, err)
	}
	for _, p := range []*windows.LazyProc{procEvtQuery, procEvtNext, procEvtRender, procEvtClose} {
		if err := p.Find(); err != nil {
			return fmt.Errorf("%w: %v", ErrAPIUnavailable, err)
		}
	}
	path, err := windows.UTF16PtrFromString(channel)
	if err != nil {
		return fmt.Errorf("channel %q: %w", channel, err)
	}
	query, err := windows.UTF16PtrFromString(xpath)
	if err != nil {
		return fmt.Errorf("query %q: %w", xpath, err)
	}
	flags := uintptr(evtQueryChannelPath)
	if newestFirst {
		flags |= evtQueryReverseDirection
	}
	r, _, callErrno := procEvtQuery.Call(0, uintptr(unsafe.Pointer(path)), uintptr(unsafe.Pointer(query)), flags)
	if r == 0 {
		if errors.Is(callErrno, errorEvtInvalidQuery) {
			return fmt.Errorf("EvtQuery %s: invalid query %q", channel, xpath)
		}
		return callErr("EvtQuery "+channel, callErrno)
	}
	results := evtHandle(r)
	defer evtClose(results)

	var handles [batchSize]evtHandle
	buf := make([]byte, 16<<10)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		var returned uint32
		ok, _, nextErr := procEvtNext.Call(uintptr(results), batchSize, uintptr(unsafe.Pointer(&handles[0])), infinite, 0, uintptr(unsafe.Pointer(&returned)))
		if ok == 0 {
			if errors.Is(nextErr, errorNoMoreItems) {
				return nil
			}
			return callErr("EvtNext "+channel, nextErr)
		}
		var stop error
		for i := 0; i < int(returned); i++ {
			if stop == nil {
				var rendered []byte
				rendered, buf, stop = render(handles[i], buf)
				if stop == nil {
					stop = fn(rendered)
				}
			}
			evtClose(handles[i])
		}
		if stop != nil {
			return stop
		}
	}
}

// render renders one event as XML into buf, growing it when needed.
func render(event evtHandle, buf []byte) ([]byte, []byte, error) {
	for {
		var used, props uint32
		ok, _, err := procEvtRender.Call(0, uintptr(event), evtRenderEventXML, uintptr(len(buf)),
			uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&used)), uintptr(unsafe.Pointer(&props)))
		if ok != 0 {
			return buf[:min(int(used), len(buf))], buf, nil
		}
		if !errors.Is(err, errorInsufficientBuffer) || int(used) <= len(buf) {
			return nil, buf, callErr("EvtRender", err)
		}
		if used > maxRenderBytes {
			return nil, buf, fmt.Errorf("EvtRender: event of %d bytes exceeds %d", used, maxRenderBytes)
		}
		buf = make([]byte, used)
	}
}

// SysmonQuerier queries the live Sysmon channel and parses each rendered
// event with the offline XML parser.
func SysmonQuerier(ctx context.Context, xpath string, emit func(*sysmon.Event) error) error {
	return QueryRendered(ctx, sysmon.Channel, xpath, false, func(rendered []byte) error {
		ev, err := ParseRendered(rendered, sysmon.Channel)
		if err != nil {
			return err
		}
		if ev == nil {
			return nil
		}
		return emit(ev)
	})
}

// Live correlates the running system's Sysmon log: the time range comes
// from the query's time constraints (the last 24 hours without any), the
// targets from the live registry's autorun commands. A missing channel
// (Sysmon not installed) or an Event Log API that is not there gives no
// rows and one warning.
func Live(ctx context.Context, qc table.QueryContext, window time.Duration, targets []chain.Target, warn func(error)) ([]*chain.Row, error) {
	r, err := RangeFromConstraints(qc)
	if err != nil {
		return nil, err
	}
	rows, err := Correlate(ctx, SysmonQuerier, Options{Window: window, Range: r, Targets: targets})
	switch {
	case errors.Is(err, ErrChannelNotFound):
		warn(fmt.Errorf("%s: %w (is Sysmon installed?)", sysmon.Channel, err))
		return nil, nil
	case errors.Is(err, ErrAPIUnavailable):
		warn(fmt.Errorf("read %s: %w", sysmon.Channel, err))
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("read %s: %w", sysmon.Channel, err)
	}
	return rows, nil
}
