//go:build windows

package host

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/windows"
	winreg "golang.org/x/sys/windows/registry"

	"github.com/runkeyhunt/runkeyhunt/tables/autoruns"
	"github.com/runkeyhunt/runkeyhunt/tables/input"
	"github.com/runkeyhunt/runkeyhunt/tables/registry"
	"github.com/runkeyhunt/runkeyhunt/tables/registry/live"
	"github.com/runkeyhunt/runkeyhunt/tables/sysmon"
	"github.com/runkeyhunt/runkeyhunt/tables/sysmon/eventlog"
)

// LiveSystem opens the running Windows system (SPEC §7 "Live").
var LiveSystem func(warn func(error)) (System, error) = openWindows

func openWindows(warn func(error)) (System, error) {
	return windowsSystem{warn: warn}, nil
}

type windowsSystem struct{ warn func(error) }

func (s windowsSystem) Registry() registry.View   { return live.New(s.warn) }
func (windowsSystem) Resolver() autoruns.Resolver { return live.Resolver{} }
func (windowsSystem) QueryEvents(ctx context.Context, xpath string, emit func(*sysmon.Event) error) error {
	return eventlog.SysmonQuerier(ctx, xpath, emit)
}

// defaultSysmonLog is where the Event Log service keeps the channel unless
// its configuration says otherwise.
const defaultSysmonLog = `%SystemRoot%\System32\winevt\Logs\Microsoft-Windows-Sysmon%4Operational.evtx`

// channelConfig are the registry values that may name the channel's file,
// first match wins: the channel's own configuration (what `wevtutil sl
// /lfn` sets), then the EventLog service's key for it.
var channelConfig = []struct{ key, value string }{
	{`SOFTWARE\Microsoft\Windows\CurrentVersion\WINEVT\Channels\` + sysmon.Channel, "File"},
	{`SYSTEM\CurrentControlSet\Services\EventLog\` + sysmon.Channel, "File"},
}

// sysmonLogPath is the channel's configured file, environment variables
// expanded.
func sysmonLogPath() string {
	path := defaultSysmonLog
	for _, c := range channelConfig {
		k, err := winreg.OpenKey(winreg.LOCAL_MACHINE, c.key, winreg.QUERY_VALUE)
		if err != nil {
			continue
		}
		v, _, err := k.GetStringValue(c.value)
		k.Close()
		if err == nil && strings.TrimSpace(v) != "" {
			path = v
			break
		}
	}
	if expanded, err := winreg.ExpandString(path); err == nil {
		path = expanded
	}
	return path
}

// SysmonLog opens the channel's file read-only with full sharing, as the
// Event Log service holds it open for writing (and Velociraptor reads it).
func (windowsSystem) SysmonLog() (input.File, error) {
	path := sysmonLogPath()
	open := func() (input.Content, error) { return openShared(path) }
	c, err := open()
	if err != nil {
		return input.File{}, err
	}
	c.Close()
	return input.NewFile(path, input.EVTX, open), nil
}

func openShared(path string) (input.Content, error) {
	name, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	h, err := windows.CreateFile(name, windows.GENERIC_READ,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE,
		nil, windows.OPEN_EXISTING, windows.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	f := os.NewFile(uintptr(h), path)
	c, err := input.OSContent(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return c, nil
}

// apiUnavailable tells an Event Log API that is not there (Wine's stubs).
func apiUnavailable(err error) bool { return errors.Is(err, eventlog.ErrAPIUnavailable) }
