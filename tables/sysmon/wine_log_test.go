package sysmon

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// chainFields are the EventData fields the chain engine reads.
var chainFields = map[string]bool{
	"UtcTime": true, "ProcessGuid": true, "ProcessId": true, "Image": true, "User": true,
	"EventType": true, "TargetObject": true, "Details": true, "NewName": true,
	"DestinationIp": true, "DestinationHostname": true, "DestinationPort": true, "Initiated": true,
}

// TestWriteWineSysmonLog writes the scenario's Sysmon events as an EVTX at
// $RKH_WINE_SYSMON_EVTX, for scripts/wine/test.sh to place at the Sysmon
// channel's path in the Wine prefix, where the live host reads it.
func TestWriteWineSysmonLog(t *testing.T) {
	out := os.Getenv("RKH_WINE_SYSMON_EVTX")
	if out == "" {
		t.Skip("RKH_WINE_SYSMON_EVTX not set (scripts/wine/test.sh sets it)")
	}
	f, err := os.Open("../../testdata/sysmon/scenario.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var events []testEvent
	err = ReadXML(context.Background(), f, "scenario.xml", Filter{}, func(ev *Event) error {
		e := testEvent{id: uint16(ev.EventID), recordID: uint64(ev.RecordID), time: ev.TimeCreated,
			provider: ev.Provider, channel: ev.Channel, computer: ev.Computer}
		names := make([]string, 0, ev.NumFields())
		for name := range ev.Fields() {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			if !chainFields[name] {
				continue // one chunk holds them all
			}
			e.data = append(e.data, [2]string{name, ev.Field(name)})
		}
		events = append(events, e)
		return nil
	})
	if err != nil || len(events) == 0 {
		t.Fatalf("scenario: %d events, %v", len(events), err)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, buildEVTX(events), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d events written to %s", len(events), out)
}
