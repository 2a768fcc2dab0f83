package sysmon

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/runkeyhunt/runkeyhunt/internal/evtxwrite"
	"github.com/runkeyhunt/runkeyhunt/tables/input"
)

// multiChunkEVTX is an EVTX file of chunks chunks, perChunk Sysmon
// registry writes each (record ids 1, 2, ...).
func multiChunkEVTX(chunks, perChunk int) []byte {
	var body []byte
	rid := uint64(0)
	at := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	for range chunks {
		c := evtxwrite.NewChunk(evtxwrite.ChunkOptions{})
		first := rid + 1
		for i := range perChunk {
			rid++
			at = at.Add(time.Second)
			t := evtxwrite.EventTemplate{Qualifiers: true, DataNames: []string{"EventType", "TargetObject", "ProcessGuid"}}
			values := t.Values(evtxwrite.System{Provider: Provider, EventID: 13, Created: at, RecordID: rid, Channel: Channel, Computer: "PC1"},
				[]string{"SetValue", fmt.Sprintf(`HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\V%d`, rid), "{5770385F-0000-0000-0000-0010CF391110}"})
			if !c.Record(rid, at, func(x *evtxwrite.BinXML) { evtxwrite.InlineEvent(x, uint32(i+1), t, values) }) {
				panic("multiChunkEVTX: events do not fit one chunk")
			}
		}
		body = append(body, c.Finish(first, rid)...)
	}
	return append(evtxwrite.FileHeader(chunks, rid+1), body...)
}

// preparedRecord is what the test's Prepare gives an event: its record id
// and target, seen where the event was decoded.
type preparedRecord struct {
	rid    int64
	target string
}

// countingPrepare is a Filter.Prepare that counts the preparers made.
func countingPrepare(made *int, mu *sync.Mutex) func() func(*Event) any {
	return func() func(*Event) any {
		mu.Lock()
		*made++
		mu.Unlock()
		return func(ev *Event) any { return preparedRecord{ev.RecordID, ev.Field("TargetObject")} }
	}
}

// TestPrepareOnWorkers: the parallel EVTX and JSON-lines readers run
// Filter.Prepare's function on every event they emit, one preparer per
// worker, and keep its result in Prepared; the readers on one core leave
// Prepared nil (their emit does the work). The events are otherwise those
// of one core.
func TestPrepareOnWorkers(t *testing.T) {
	dir := t.TempDir()
	evtxPath := filepath.Join(dir, "x.evtx")
	if err := os.WriteFile(evtxPath, multiChunkEVTX(24, 40), 0o644); err != nil {
		t.Fatal(err)
	}
	var lines bytes.Buffer
	for i := 1; i <= 30000; i++ {
		fmt.Fprintf(&lines, `{"EventID":13,"SourceName":"Microsoft-Windows-Sysmon","RecordNumber":%d,"TargetObject":"HKLM\\Run\\V%d"}`+"\n", i, i)
	}
	jsonPath := filepath.Join(dir, "x.jsonl")
	if err := os.WriteFile(jsonPath, lines.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, f := range []input.File{{Path: evtxPath, Format: input.EVTX}, {Path: jsonPath, Format: input.JSONLines}} {
		read := func(procs int) (events []Event, made int) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			var mu sync.Mutex
			filter := Filter{EventIDs: map[int]bool{13: true}, Prepare: countingPrepare(&made, &mu)}
			err := ReadFile(context.Background(), f, filter, func(ev *Event) error {
				events = append(events, *ev)
				return nil
			}, func(err error) { t.Errorf("%s: warning %v", f.Path, err) })
			if err != nil {
				t.Fatal(err)
			}
			return events, made
		}
		one, madeOne := read(1)
		four, madeFour := read(4)
		if len(one) < 900 || len(four) != len(one) {
			t.Fatalf("%s: %d events on one core, %d on four", f.Path, len(one), len(four))
		}
		if madeOne != 0 || madeFour < 1 || madeFour > 4 {
			t.Errorf("%s: %d preparers on one core, %d on four (want 0, and 1 to 4)", f.Path, madeOne, madeFour)
		}
		for i := range four {
			if one[i].Prepared != nil {
				t.Fatalf("%s: one core prepared event %d", f.Path, i)
			}
			want := preparedRecord{four[i].RecordID, four[i].Field("TargetObject")}
			if four[i].Prepared != want {
				t.Fatalf("%s: event %d prepared as %v, want %v", f.Path, i, four[i].Prepared, want)
			}
			four[i].Prepared = nil
			if fmt.Sprint(four[i]) != fmt.Sprint(one[i]) {
				t.Fatalf("%s: event %d differs on four cores: %v, one core %v", f.Path, i, four[i], one[i])
			}
		}
	}
}
