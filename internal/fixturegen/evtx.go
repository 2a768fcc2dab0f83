package main

import (
	"github.com/runkeyhunt/runkeyhunt/internal/evtxwrite"
)

// renderEVTX writes the events as a one-chunk EVTX file: each record with
// its own inline template whose System and EventData values are
// substitutions, as Windows writes them; file header, chunk header and
// record checksums filled in as wevtutil leaves them. It panics when
// they do not fit one chunk (the scenarios are small).
func renderEVTX(events []event) []byte {
	c := evtxwrite.NewChunk(evtxwrite.ChunkOptions{HashNames: true})
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
		if !c.Record(uint64(e.recordID), e.created, func(x *evtxwrite.BinXML) {
			evtxwrite.InlineEvent(x, uint32(i+1), t, values)
		}) {
			panic("fixturegen: scenario does not fit one EVTX chunk")
		}
	}
	chunk := c.Finish(1, uint64(c.Records))
	return append(evtxwrite.FileHeader(1, c.LastID+1), chunk...)
}
