package sysmon

import (
	"time"

	"github.com/runkeyhunt/runkeyhunt/internal/evtxwrite"
)

// testEvent is the input of buildEVTX.
type testEvent struct {
	id       uint16
	recordID uint64
	time     time.Time
	provider string
	channel  string
	computer string
	data     [][2]string
}

// buildEVTX writes a one-chunk EVTX file holding events, each record with
// its own inline template whose System values and EventData values are
// substitutions, as Windows writes them.
func buildEVTX(events []testEvent) []byte {
	c := evtxwrite.NewChunk(evtxwrite.ChunkOptions{})
	for i, e := range events {
		t := evtxwrite.EventTemplate{Qualifiers: true}
		var data []string
		for _, d := range e.data {
			t.DataNames = append(t.DataNames, d[0])
			data = append(data, d[1])
		}
		values := t.Values(evtxwrite.System{Provider: e.provider, EventID: e.id, Created: e.time,
			RecordID: e.recordID, Channel: e.channel, Computer: e.computer}, data)
		if !c.Record(e.recordID, e.time, func(x *evtxwrite.BinXML) {
			evtxwrite.InlineEvent(x, uint32(i+1), t, values)
		}) {
			panic("buildEVTX: events do not fit one chunk")
		}
	}
	chunk := c.Finish(1, uint64(c.Records))
	return append(evtxwrite.FileHeader(1, c.LastID+1), chunk...)
}
