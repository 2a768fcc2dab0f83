package sysmon

import (
	"context"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/Velocidex/ordereddict"
	"www.velocidex.com/golang/evtx"

	"github.com/runkeyhunt/runkeyhunt/tables/input"
)

// TestEVTXAgreesWithVelocidex cross-checks our bounded BinXML reader against
// www.velocidex.com/golang/evtx (SPEC §2's EVTX library) on real logs: the
// same Sysmon records, event ids, times and string event data. We read EVTX
// ourselves because that library's work is unbounded on hostile input (a
// template value that points back at itself expands exponentially), which
// the extension cannot afford; on well-formed logs the two must agree.
func TestEVTXAgreesWithVelocidex(t *testing.T) {
	files := []string{seedPath(), "../../../shared/data/evtx-corpus/sysmon.evtx"}
	for _, path := range files {
		if _, err := os.Stat(path); err != nil {
			t.Skipf("../shared not present (%v): the oracle test reads the seed and corpus logs", err)
		}
		want := velocidexSysmon(t, path)
		got := map[int64]*Event{}
		err := ReadFile(context.Background(), input.File{Path: path, Format: input.EVTX}, Filter{}, func(ev *Event) error {
			got[ev.RecordID] = ev
			return nil
		}, func(err error) { t.Logf("warning: %v", err) })
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) || len(want) == 0 {
			t.Errorf("%s: %d Sysmon records, velocidex has %d", path, len(got), len(want))
		}
		compared := 0
		for rid, w := range want {
			g := got[rid]
			if g == nil {
				t.Errorf("%s: record %d missing", path, rid)
				continue
			}
			if g.EventID != w.eventID {
				t.Errorf("%s: record %d event id %d, velocidex %d", path, rid, g.EventID, w.eventID)
			}
			if d := math.Abs(float64(g.TimeCreated.UnixNano())/1e9 - w.created); d > 1e-5 {
				t.Errorf("%s: record %d TimeCreated %v, velocidex %.7f", path, rid, g.TimeCreated, w.created)
			}
			for k, v := range w.data {
				gv := g.Field(k)
				if strings.Contains(strings.ToLower(k), "guid") {
					gv, v = strings.Trim(gv, "{}"), strings.Trim(v, "{}")
				}
				if !strings.EqualFold(gv, v) {
					t.Errorf("%s: record %d %s = %q, velocidex %q", path, rid, k, gv, v)
				}
				compared++
			}
		}
		if compared == 0 {
			t.Errorf("%s: no fields compared", path)
		}
	}
}

func seedPath() string { return "../../../shared/data/seed/registryautorun.evtx" }

type oracleEvent struct {
	eventID int
	created float64
	data    map[string]string // string-valued EventData only
}

func velocidexSysmon(t *testing.T, path string) map[int64]oracleEvent {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunks, err := evtx.GetChunks(f)
	if err != nil {
		t.Fatalf("velocidex %s: %v", path, err)
	}
	out := map[int64]oracleEvent{}
	for _, c := range chunks {
		records, err := c.Parse(0)
		if err != nil {
			continue
		}
		for _, r := range records {
			root, _ := r.Event.(*ordereddict.Dict)
			ev := dict(root, "Event")
			sys := dict(ev, "System")
			if name, _ := dict(sys, "Provider").GetString("Name"); name != Provider {
				continue
			}
			o := oracleEvent{data: map[string]string{}}
			if id, ok := dict(sys, "EventID").Get("Value"); ok {
				o.eventID = toInt(id)
			}
			if tc, ok := dict(sys, "TimeCreated").Get("SystemTime"); ok {
				o.created, _ = tc.(float64)
			}
			data := dict(ev, "EventData")
			if data != nil {
				for _, k := range data.Keys() {
					if v, ok := data.GetString(k); ok {
						o.data[k] = v
					}
				}
			}
			// System/EventRecordID, not the record header's id: exported
			// logs (the seed) renumber headers but keep the event's own.
			rid, _ := sys.Get("EventRecordID")
			out[int64(toInt(rid))] = o
		}
	}
	return out
}

func dict(d *ordereddict.Dict, key string) *ordereddict.Dict {
	if d == nil {
		return nil
	}
	v, _ := d.Get(key)
	sub, _ := v.(*ordereddict.Dict)
	return sub
}

func toInt(v any) int {
	switch n := v.(type) {
	case uint64:
		return int(n)
	case int64:
		return int(n)
	case uint16:
		return int(n)
	case uint32:
		return int(n)
	case int:
		return n
	}
	return -1
}
