package sysmon

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"testing"
)

// readBoth reads every record of chunk with compiled templates and by
// walking alone, with the given per-record budget, and fails on the first
// record where they differ (event, error, work counted, Sysmon or not).
// It returns how many records the compiled templates read.
func readBoth(t testing.TB, chunk []byte, filter Filter, budget int) (compiled, records int) {
	compiledReader, walker := newRecordWalker(filter), newRecordWalker(filter)
	compiledReader.reset(chunk)
	walker.reset(chunk)
	limit := min(int(binary.LittleEndian.Uint32(chunk[48:])), len(chunk))
	left := chunkWorkPerByte * (limit - chunkHeaderSize) // as parseChunk bounds a chunk's work
	for p := chunkHeaderSize; p+recordHeaderSize <= limit && left > 0; {
		size := int(binary.LittleEndian.Uint32(chunk[p+4:]))
		if string(chunk[p:p+4]) != string(recordMagic) || size < recordHeaderSize+recordTrailerSize || size > len(chunk)-p {
			break
		}
		start, end := p+recordHeaderSize, p+size-recordTrailerSize
		p += size
		records++
		compiledReader.begin(7, min(budget, left))
		res := compiledReader.runRecord(start, end)
		walker.begin(7, min(budget, left))
		want, err := walker.walkRecord(start, end)
		left -= walker.used
		if res == runFallback {
			continue
		}
		compiled++
		var got *Event
		if res == runDone {
			got = compiledReader.compiledEvent()
		}
		if err != nil {
			t.Fatalf("record at %d: compiled read it (%v), the walker fails: %v", start, res, err)
		}
		if describe(got) != describe(want) || compiledReader.charged != walker.used || compiledReader.isSysmon() != walker.sysmon {
			t.Fatalf("record at %d:\ncompiled %s (work %d)\nwalker   %s (work %d)", start,
				describe(got), compiledReader.charged, describe(want), walker.used)
		}
	}
	return compiled, records
}

func describe(e *Event) string {
	if e == nil {
		return "none"
	}
	return fmt.Sprintf("%s fields=%d", formatEvent(e), e.NumFields())
}

// TestCompiledTemplatesMatchWalker: on real Sysmon chunks, and with the
// filters the correlation uses, the compiled templates read nearly every
// record and read each as the walker does, work counted included.
func TestCompiledTemplatesMatchWalker(t *testing.T) {
	data, err := os.ReadFile(sharedFile(t, "evtx-corpus/sysmon.evtx"))
	if err != nil {
		t.Fatal(err)
	}
	filters := map[string]Filter{
		"all":       {},
		"registry":  {EventIDs: map[int]bool{12: true, 13: true, 14: true}},
		"process":   {EventIDs: map[int]bool{1: true}},
		"providers": {anyProvider: true, EventIDs: map[int]bool{3: true}},
		"fields":    {EventIDs: map[int]bool{1: true, 13: true}, Fields: map[string]bool{"Image": true, "TargetObject": true}},
	}
	for name, filter := range filters {
		t.Run(name, func(t *testing.T) {
			compiled, records := 0, 0
			for off := fileHeaderSize; off+chunkSize <= len(data); off += chunkSize {
				c, r := readBoth(t, data[off:off+chunkSize], filter, recordTokenBudget)
				compiled, records = compiled+c, records+r
			}
			if records == 0 || compiled*100 < records*99 {
				t.Errorf("compiled templates read %d of %d records, want at least 99%%", compiled, records)
			}
		})
	}
}

// FuzzCompiledTemplates: on any chunk, with any budget, a record read with
// compiled templates is read as the walker reads it.
func FuzzCompiledTemplates(f *testing.F) {
	scenario := builtScenario()
	f.Add(scenario[fileHeaderSize:], uint16(0), uint8(13))
	f.Add(scenario[fileHeaderSize:], uint16(200), uint8(0))
	f.Fuzz(func(t *testing.T, chunk []byte, budget uint16, id uint8) {
		if len(chunk) < chunkHeaderSize || len(chunk) > chunkSize {
			return
		}
		filter := Filter{}
		if id != 0 {
			filter.EventIDs = map[int]bool{int(id &^ 1): true, int(id): true}
		}
		if id&1 != 0 {
			filter.Fields = map[string]bool{"Details": true, "User": true}
		}
		b := recordTokenBudget
		if budget != 0 {
			b = int(budget)
		}
		readBoth(t, chunk, filter, b)
	})
}

// TestFilterFields: with Fields, an EVTX event holds those fields, as a
// full read gives them, and no other.
func TestFilterFields(t *testing.T) {
	data, err := os.ReadFile(sharedFile(t, "evtx-corpus/sysmon.evtx"))
	if err != nil {
		t.Fatal(err)
	}
	read := func(filter Filter) []*Event {
		var events []*Event
		if err := ReadEVTX(context.Background(), bytes.NewReader(data), int64(len(data)), "sysmon.evtx", filter,
			func(e *Event) error { events = append(events, e); return nil }, nil); err != nil {
			t.Fatal(err)
		}
		return events
	}
	wanted := map[string]bool{"Image": true, "ProcessGuid": true, "NoSuchField": true}
	all, some := read(Filter{}), read(Filter{Fields: wanted})
	if len(all) != len(some) || len(all) == 0 {
		t.Fatalf("%d events with Fields, %d without", len(some), len(all))
	}
	kept := 0
	for i, e := range some {
		for name, value := range e.Fields() {
			if !wanted[name] || value != all[i].Field(name) {
				t.Fatalf("event %d: field %s=%q, full read %q", i, name, value, all[i].Field(name))
			}
			kept++
		}
		for name := range wanted {
			if e.Field(name) != all[i].Field(name) {
				t.Fatalf("event %d: %s=%q, full read %q", i, name, e.Field(name), all[i].Field(name))
			}
		}
	}
	if kept == 0 {
		t.Error("no field kept")
	}
}
