package sysmon

import (
	"bytes"
	"context"
	"reflect"
	"testing"
)

// TestEVTXEventsOwnTheirFields: the compiled events of one chunk are cut
// from shared slabs; each must keep its own fields after the others are
// read, and setting a field of one must change no other.
func TestEVTXEventsOwnTheirFields(t *testing.T) {
	var events []testEvent
	for i := range 40 { // more than a slab of events
		events = append(events, testEvent{id: 13, recordID: uint64(i + 1), provider: Provider, channel: Channel, computer: "pc",
			data: [][2]string{{"TargetObject", `HKLM\Software\Microsoft\Windows\CurrentVersion\Run\x`}, {"Details", "calc.exe"}}})
	}
	data := buildEVTX(events)
	var got, want []*Event
	err := readEVTX(context.Background(), bytes.NewReader(data), int64(len(data)), "slab.evtx", Filter{anyProvider: true},
		func(e *Event) error {
			got, want = append(got, e), append(want, e.Clone())
			return nil
		}, func(err error) { t.Errorf("warning: %v", err) }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) < 2 {
		t.Fatalf("%d events: the scenario should give several", len(got))
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatal("events changed after later events were read")
	}
	fieldsStayOwn(t, got, want)
}

// fieldsStayOwn sets fields of each of got in turn and fails if another
// event changes: events cut from one slab must not share their fields.
// want is got's clones; both are used up.
func fieldsStayOwn(t testing.TB, got, want []*Event) {
	t.Helper()
	for i, ev := range got {
		ev.SetField("TargetObject", "changed")
		ev.SetField("NewField", "added")
		for j := range got {
			if j != i && !reflect.DeepEqual(got[j], want[j]) {
				t.Fatalf("setting event %d's fields changed event %d", i, j)
			}
		}
		got[i], want[i] = nil, nil
	}
}
