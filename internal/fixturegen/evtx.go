package main

import (
	"github.com/runkeyhunt/runkeyhunt/internal/evtxwrite"
)

// renderEVTX writes the events as an EVTX file: each record with its own
// inline template whose System and EventData values are substitutions, as
// Windows writes them; a record that does not fit its chunk starts the
// next one; file header, chunk headers and record checksums filled in as
// wevtutil leaves them.
func renderEVTX(events []event) []byte {
	var chunks [][]byte
	c := evtxwrite.NewChunk(evtxwrite.ChunkOptions{HashNames: true})
	number := uint64(1) // the event record number of the chunk's first record
	var lastID uint64
	for i, e := range events {
		name, _ := providerOf(e)
		t := evtxwrite.EventTemplate{Qualifiers: true, Optional: true}
		data := make([]string, len(e.data))
		for j, d := range e.data {
			t.DataNames = append(t.DataNames, d.K)
			data[j] = d.V.(string)
		}
		values := t.Values(evtxwrite.System{Provider: name, EventID: uint16(e.eventID), Created: e.created,
			RecordID: uint64(e.recordID), Channel: e.channel, Computer: computer}, data)
		body := func(x *evtxwrite.BinXML) { evtxwrite.InlineEvent(x, uint32(i+1), t, values) }
		if !c.Record(uint64(e.recordID), e.created, body) {
			if c.Records == 0 {
				panic("fixturegen: an event does not fit an empty EVTX chunk")
			}
			chunks = append(chunks, c.Finish(number, number+uint64(c.Records)-1))
			number += uint64(c.Records)
			c = evtxwrite.NewChunk(evtxwrite.ChunkOptions{HashNames: true})
			if !c.Record(uint64(e.recordID), e.created, body) {
				panic("fixturegen: an event does not fit an empty EVTX chunk")
			}
		}
		lastID = c.LastID
	}
	chunks = append(chunks, c.Finish(number, number+uint64(c.Records)-1))
	out := evtxwrite.FileHeader(len(chunks), lastID+1)
	for _, ch := range chunks {
		out = append(out, ch...)
	}
	return out
}
