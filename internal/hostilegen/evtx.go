package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/runkeyhunt/runkeyhunt/internal/evtxwrite"
)

// EVTX layout.
const (
	evtxHeaderSize = evtxwrite.FileHeaderSize
	evtxChunkSize  = evtxwrite.ChunkSize
	// Chunk fill level past which no further record is started.
	chunkFill = evtxChunkSize - 2048
)

// newChunk is a chunk whose names are written once, as Windows writes.
func newChunk() *evtxwrite.Chunk {
	return evtxwrite.NewChunk(evtxwrite.ChunkOptions{ShareNames: true})
}

// recordTime is when record recordID was written.
func recordTime(recordID uint64) time.Time {
	return xmlEpoch.Add(time.Duration(recordID) * time.Millisecond)
}

// finish writes the chunk header; event record numbers are the record ids.
func finish(c *evtxwrite.Chunk) []byte { return c.Finish(c.FirstID, c.LastID) }

func writeChunks(path string, chunks func(i int) []byte, n int, lastRecord uint64) error {
	w, finish, err := createBuffered(path)
	if err != nil {
		return err
	}
	w.Write(evtxwrite.FileHeader(n, lastRecord+1))
	for i := 0; i < n; i++ {
		w.Write(chunks(i))
	}
	return finish()
}

func chunksFor(size int64) int { return max(1, min(int((size-evtxHeaderSize)/evtxChunkSize), 0xFFFF)) }

// sysmonTemplate is the template Windows defines once per chunk for
// Sysmon's registry value event: System values and EventData values are
// substitutions.
var sysmonTemplate = evtxwrite.EventTemplate{DataNames: sysmonDataNames}

var sysmonDataNames = []string{"RuleName", "EventType", "UtcTime", "ProcessGuid", "ProcessId", "Image", "TargetObject", "Details"}

// sysmonValues are the substitution values of record i.
func sysmonValues(x *evtxwrite.BinXML, i int, recordID uint64) {
	at := xmlEpoch.Add(time.Duration(i) * 100 * time.Millisecond)
	proc := i / 2 % 500
	target := fmt.Sprintf(`HKLM\SOFTWARE\Vendor%d\App%d\Settings\Value%d`, proc%40, proc, i)
	details := fmt.Sprintf("DWORD (0x%08x)", i)
	if i%1000 == 0 {
		target = fmt.Sprintf(`HKU\S-1-5-21-1111111111-2222222222-3333333333-1001\Software\Microsoft\Windows\CurrentVersion\Run\Updater%d`, i)
		details = fmt.Sprintf(`C:\Users\alice\AppData\Roaming\Updater%d\update.exe /silent`, i)
	}
	x.Values(sysmonTemplate.Values(evtxwrite.System{
		Provider: "Microsoft-Windows-Sysmon", EventID: 13, Created: at, RecordID: recordID,
		Channel: "Microsoft-Windows-Sysmon/Operational", Computer: "WIN-REL01",
	}, []string{
		"-", "SetValue", at.Add(-time.Second).Format("2006-01-02 15:04:05.000"),
		fmt.Sprintf("{7E4A21B0-0F3A-65F0-%04X-%012X}", proc, 0x2200+proc),
		fmt.Sprint(4000 + proc),
		fmt.Sprintf(`C:\Program Files\Vendor%d\app%d.exe`, proc%40, proc),
		target, details,
	}))
}

// synthNormalChunk is a chunk as Windows writes Sysmon's log: the template
// defined by the first record, referred to by the others, each record with
// its own substitution values and a unique record id.
func synthNormalChunk(nextRecord *uint64, nextEvent *int) []byte {
	c := newChunk()
	def := 0
	for c.Free < chunkFill {
		id, i := *nextRecord, *nextEvent
		ok := c.Record(id, recordTime(id), func(x *evtxwrite.BinXML) {
			x.FragmentHeader()
			def = x.TemplateInstance(1, def, func() { sysmonTemplate.Write(x) })
			sysmonValues(x, i, id)
			x.EOF() // end of fragment
		})
		if !ok {
			break
		}
		*nextRecord += 1 + uint64(i%3) // gaps: other event ids of the log
		*nextEvent++
	}
	return finish(c)
}

// craftedChunk spends the reader's token budget: one template whose
// EventData holds leafRefs instances of a leaf template of leafTokens
// one-byte tokens, and as many tiny records referring to it as fit.
func craftedChunk(nextRecord *uint64) []byte {
	const (
		leafRefs   = 96
		leafTokens = 1024
	)
	c := newChunk()
	mainDef := 0
	for c.Free < chunkFill {
		id := *nextRecord
		ok := c.Record(id, recordTime(id), func(x *evtxwrite.BinXML) {
			x.FragmentHeader()
			mainDef = x.TemplateInstance(2, mainDef, func() {
				x.FragmentHeader()
				x.Element("Event")
				x.Element("System")
				x.Open("Provider", true)
				x.Attr("Name")
				x.Text("Microsoft-Windows-Sysmon")
				x.CloseEmpty()
				x.LiteralElement("EventID", "13")
				x.LiteralElement("Computer", "WIN-REL01")
				x.End() // </System>
				x.Element("EventData")
				x.Open("Data", true)
				x.Attr("Name")
				x.Text("TargetObject")
				x.CloseStart()
				leafDef := 0
				for r := 0; r < leafRefs; r++ {
					leafDef = x.TemplateInstance(3, leafDef, func() {
						x.B = append(x.B, bytes.Repeat([]byte{0x02}, leafTokens)...)
						x.EOF()
					})
					x.U32(0) // no values
				}
				x.End() // </Data>
				x.End() // </EventData>
				x.End() // </Event>
				x.EOF()
			})
			x.U32(0) // no values
			x.EOF()
		})
		if !ok {
			break
		}
		*nextRecord++
	}
	return finish(c)
}

func writeCraftedEVTX(path string, size int64) error {
	next := uint64(1)
	n := chunksFor(size)
	return writeChunks(path, func(int) []byte { return craftedChunk(&next) }, n, uint64(n)*1500)
}

// writeNormalEVTX writes a real-shaped EVTX of size bytes: the real
// chunks of the seed log and the public Sysmon sample in shared (as
// internal/evtxgen does) when they are there, else synthesized chunks. kindPath
// receives which one it is.
func writeNormalEVTX(path, kindPath string, size int64, shared string) error {
	n := chunksFor(size)
	var real [][]byte
	if shared != "" {
		var err error
		real, err = realChunks(filepath.Join(shared, "seed", "registryautorun.evtx"), filepath.Join(shared, "evtx-corpus", "sysmon.evtx"))
		if err != nil {
			fmt.Fprintf(os.Stderr, "hostilegen: %v: synthesizing the normal EVTX\n", err)
		}
	}
	kind := "synthesized Sysmon chunks"
	var chunk func(i int) []byte
	if len(real) > 0 {
		kind = fmt.Sprintf("real chunks (%d distinct, repeated)", len(real))
		chunk = func(i int) []byte { return real[i%len(real)] }
	} else {
		nextRecord, nextEvent := uint64(1), 0
		chunk = func(int) []byte { return synthNormalChunk(&nextRecord, &nextEvent) }
	}
	if err := writeChunks(path, chunk, n, uint64(n)*200); err != nil {
		return err
	}
	return os.WriteFile(kindPath, []byte(kind+"\n"), 0o644)
}

func realChunks(paths ...string) ([][]byte, error) {
	var chunks [][]byte
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		for off := evtxHeaderSize; off+evtxChunkSize <= len(data); off += evtxChunkSize {
			if string(data[off:off+8]) == "ElfChnk\x00" {
				chunks = append(chunks, data[off:off+evtxChunkSize])
			}
		}
	}
	if len(chunks) == 0 {
		return nil, errors.New("no chunks in the real EVTX files")
	}
	return chunks, nil
}
