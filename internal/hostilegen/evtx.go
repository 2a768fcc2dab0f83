package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"time"
	"unicode/utf16"
)

// EVTX layout.
const (
	evtxHeaderSize  = 4096
	evtxChunkSize   = 65536
	chunkHeaderSize = 512
	recordHeader    = 24
	// Chunk fill level past which no further record is started.
	chunkFill = evtxChunkSize - 2048
)

// BinXML value types used here.
const (
	tNull     = 0x00
	tString   = 0x01
	tUint16   = 0x06
	tUint64   = 0x0A
	tFileTime = 0x11
)

// binxml appends BinXML tokens; pos is the chunk offset of b[0], so that
// inline names and template definitions can point at themselves.
type binxml struct {
	b   []byte
	pos int
	// names already written in the chunk, by name: later references point
	// at them instead of repeating them inline, as Windows writes.
	names map[string]int
	// open elements: where their data size and attribute list size (-1:
	// none) are, patched when they close, as libevtx reads them.
	elems []openElem
}

type openElem struct{ size, attrSize int }

func (x *binxml) off() int     { return x.pos + len(x.b) }
func (x *binxml) u8(v byte)    { x.b = append(x.b, v) }
func (x *binxml) u16(v uint16) { x.b = binary.LittleEndian.AppendUint16(x.b, v) }
func (x *binxml) u32(v uint32) { x.b = binary.LittleEndian.AppendUint32(x.b, v) }
func (x *binxml) utf16(s string) {
	for _, u := range utf16.Encode([]rune(s)) {
		x.u16(u)
	}
}

func (x *binxml) name(name string) {
	if at, ok := x.names[name]; ok {
		x.u32(uint32(at))
		return
	}
	at := x.off() + 4
	x.names[name] = at
	x.u32(uint32(at))
	x.u32(0) // next string
	x.u16(0) // hash (not checked)
	x.u16(uint16(len(utf16.Encode([]rune(name)))))
	x.utf16(name)
	x.u16(0)
}

func (x *binxml) open(name string, attrs bool) {
	if attrs {
		x.u8(0x41)
	} else {
		x.u8(0x01)
	}
	x.u16(0xFFFF) // dependency id
	e := openElem{size: len(x.b), attrSize: -1}
	x.u32(0) // data size, patched at the end
	x.name(name)
	if attrs {
		e.attrSize = len(x.b)
		x.u32(0) // attribute list size, patched at the end of the start tag
	}
	x.elems = append(x.elems, e)
}

func (x *binxml) patch(at int) { binary.LittleEndian.PutUint32(x.b[at:], uint32(len(x.b)-at-4)) }

// closeStart ends a start tag whose content follows.
func (x *binxml) closeStart() {
	if e := x.elems[len(x.elems)-1]; e.attrSize >= 0 {
		x.patch(e.attrSize)
	}
	x.u8(0x02)
}

// closeEmpty ends an element without content.
func (x *binxml) closeEmpty() {
	e := x.elems[len(x.elems)-1]
	x.elems = x.elems[:len(x.elems)-1]
	if e.attrSize >= 0 {
		x.patch(e.attrSize)
	}
	x.u8(0x03)
	x.patch(e.size)
}

// end writes an end element token.
func (x *binxml) end() {
	e := x.elems[len(x.elems)-1]
	x.elems = x.elems[:len(x.elems)-1]
	x.u8(0x04)
	x.patch(e.size)
}

func (x *binxml) attr(name string) { x.u8(0x06); x.name(name) }

func (x *binxml) text(s string) {
	x.u8(0x05)
	x.u8(0x01)
	x.u16(uint16(len(utf16.Encode([]rune(s)))))
	x.utf16(s)
}

func (x *binxml) sub(id uint16, typ byte) { x.u8(0x0E); x.u16(id); x.u8(typ) }

// textElement writes <name>%id%</name>.
func (x *binxml) textElement(name string, id uint16, typ byte) {
	x.open(name, false)
	x.closeStart()
	x.sub(id, typ)
	x.end()
}

// templateStart writes a template instance token; when def is 0 the
// definition follows inline (and its offset is returned), otherwise the
// instance refers to the definition at def. body writes the template body.
func (x *binxml) templateStart(id uint32, def int, body func()) int {
	x.u8(0x0C)
	x.u8(1)
	x.u32(id)
	if def != 0 {
		x.u32(uint32(def))
		return def
	}
	def = x.off() + 4
	x.u32(uint32(def))
	x.u32(0)                               // next template
	x.b = append(x.b, make([]byte, 16)...) // GUID
	sizeAt := len(x.b)
	x.u32(0)
	start := len(x.b)
	body()
	binary.LittleEndian.PutUint32(x.b[sizeAt:], uint32(len(x.b)-start))
	return def
}

// chunkWriter fills one chunk with records.
type chunkWriter struct {
	chunk     []byte
	p         int
	first     uint64
	last      uint64
	lastStart int
	names     map[string]int
}

func newChunk() *chunkWriter {
	c := &chunkWriter{chunk: make([]byte, evtxChunkSize), p: chunkHeaderSize, names: map[string]int{}}
	copy(c.chunk, "ElfChnk\x00")
	return c
}

// record starts a record at the chunk's end: body writes its BinXML.
func (c *chunkWriter) record(recordID uint64, body func(x *binxml)) bool {
	x := &binxml{pos: c.p + recordHeader, names: c.names}
	body(x)
	size := recordHeader + len(x.b) + 4
	if c.p+size > evtxChunkSize {
		return false
	}
	copy(c.chunk[c.p:], "**\x00\x00")
	binary.LittleEndian.PutUint32(c.chunk[c.p+4:], uint32(size))
	binary.LittleEndian.PutUint64(c.chunk[c.p+8:], recordID)
	binary.LittleEndian.PutUint64(c.chunk[c.p+16:], filetimeOf(xmlEpoch.Add(time.Duration(recordID)*time.Millisecond)))
	copy(c.chunk[c.p+recordHeader:], x.b)
	binary.LittleEndian.PutUint32(c.chunk[c.p+size-4:], uint32(size))
	if c.first == 0 {
		c.first = recordID
	}
	c.last, c.lastStart = recordID, c.p
	c.p += size
	return true
}

// finish writes the chunk header: record numbers, offsets and CRCs.
func (c *chunkWriter) finish() []byte {
	h := c.chunk
	binary.LittleEndian.PutUint64(h[8:], c.first)
	binary.LittleEndian.PutUint64(h[16:], c.last)
	binary.LittleEndian.PutUint64(h[24:], c.first)
	binary.LittleEndian.PutUint64(h[32:], c.last)
	binary.LittleEndian.PutUint32(h[40:], 128)
	binary.LittleEndian.PutUint32(h[44:], uint32(c.lastStart))
	binary.LittleEndian.PutUint32(h[48:], uint32(c.p))
	binary.LittleEndian.PutUint32(h[52:], crc32.ChecksumIEEE(h[chunkHeaderSize:c.p]))
	crc := crc32.NewIEEE()
	crc.Write(h[:120])
	crc.Write(h[128:chunkHeaderSize])
	binary.LittleEndian.PutUint32(h[124:], crc.Sum32())
	return h
}

func filetimeOf(t time.Time) uint64 {
	return uint64(t.Unix()+11644473600)*1e7 + uint64(t.Nanosecond()/100)
}

// evtxHeader is the file header for n chunks.
func evtxHeader(n int, lastRecord uint64) []byte {
	h := make([]byte, evtxHeaderSize)
	copy(h, "ElfFile\x00")
	binary.LittleEndian.PutUint64(h[16:], uint64(n-1))
	binary.LittleEndian.PutUint64(h[24:], lastRecord+1)
	binary.LittleEndian.PutUint32(h[32:], 128)
	binary.LittleEndian.PutUint16(h[36:], 1)
	binary.LittleEndian.PutUint16(h[38:], 3)
	binary.LittleEndian.PutUint16(h[40:], evtxHeaderSize)
	binary.LittleEndian.PutUint16(h[42:], uint16(n))
	binary.LittleEndian.PutUint32(h[124:], crc32.ChecksumIEEE(h[:120]))
	return h
}

func writeChunks(path string, chunks func(i int) []byte, n int, lastRecord uint64) error {
	w, finish, err := createBuffered(path)
	if err != nil {
		return err
	}
	w.Write(evtxHeader(n, lastRecord))
	for i := 0; i < n; i++ {
		w.Write(chunks(i))
	}
	return finish()
}

func chunksFor(size int64) int { return max(1, min(int((size-evtxHeaderSize)/evtxChunkSize), 0xFFFF)) }

// sysmonTemplate is the body of the template Windows defines once per
// chunk for Sysmon's registry value event: System values and EventData
// values are substitutions.
func sysmonTemplate(x *binxml) {
	x.b = append(x.b, 0x0F, 1, 1, 0)
	x.open("Event", true)
	x.attr("xmlns")
	x.text("http://schemas.microsoft.com/win/2004/08/events/event")
	x.closeStart()
	x.open("System", false)
	x.closeStart()
	x.open("Provider", true)
	x.attr("Name")
	x.sub(0, tString)
	x.closeEmpty()
	x.textElement("EventID", 1, tUint16)
	x.open("TimeCreated", true)
	x.attr("SystemTime")
	x.sub(2, tFileTime)
	x.closeEmpty()
	x.textElement("EventRecordID", 3, tUint64)
	x.textElement("Channel", 4, tString)
	x.textElement("Computer", 5, tString)
	x.end() // </System>
	x.open("EventData", false)
	x.closeStart()
	for j, name := range sysmonDataNames {
		x.open("Data", true)
		x.attr("Name")
		x.text(name)
		x.closeStart()
		x.sub(uint16(6+j), tString)
		x.end()
	}
	x.end() // </EventData>
	x.end() // </Event>
	x.u8(0x00)
}

var sysmonDataNames = []string{"RuleName", "EventType", "UtcTime", "ProcessGuid", "ProcessId", "Image", "TargetObject", "Details"}

// sysmonValues are the substitution values of record i.
func sysmonValues(x *binxml, i int, recordID uint64) {
	at := xmlEpoch.Add(time.Duration(i) * 100 * time.Millisecond)
	proc := i / 2 % 500
	target := fmt.Sprintf(`HKLM\SOFTWARE\Vendor%d\App%d\Settings\Value%d`, proc%40, proc, i)
	details := fmt.Sprintf("DWORD (0x%08x)", i)
	if i%1000 == 0 {
		target = fmt.Sprintf(`HKU\S-1-5-21-1111111111-2222222222-3333333333-1001\Software\Microsoft\Windows\CurrentVersion\Run\Updater%d`, i)
		details = fmt.Sprintf(`C:\Users\alice\AppData\Roaming\Updater%d\update.exe /silent`, i)
	}
	str := func(s string) []byte {
		var v binxml
		v.utf16(s)
		return v.b
	}
	values := [][]byte{
		str("Microsoft-Windows-Sysmon"),
		binary.LittleEndian.AppendUint16(nil, 13),
		binary.LittleEndian.AppendUint64(nil, filetimeOf(at)),
		binary.LittleEndian.AppendUint64(nil, recordID),
		str("Microsoft-Windows-Sysmon/Operational"),
		str("WIN-REL01"),
		str("-"), str("SetValue"), str(at.Add(-time.Second).Format("2006-01-02 15:04:05.000")),
		str(fmt.Sprintf("{7E4A21B0-0F3A-65F0-%04X-%012X}", proc, 0x2200+proc)),
		str(fmt.Sprint(4000 + proc)),
		str(fmt.Sprintf(`C:\Program Files\Vendor%d\app%d.exe`, proc%40, proc)),
		str(target), str(details),
	}
	types := []byte{tString, tUint16, tFileTime, tUint64, tString, tString}
	x.u32(uint32(len(values)))
	for j, v := range values {
		typ := byte(tString)
		if j < len(types) {
			typ = types[j]
		}
		x.u16(uint16(len(v)))
		x.u8(typ)
		x.u8(0)
	}
	for _, v := range values {
		x.b = append(x.b, v...)
	}
}

// synthNormalChunk is a chunk as Windows writes Sysmon's log: the template
// defined by the first record, referred to by the others, each record with
// its own substitution values and a unique record id.
func synthNormalChunk(nextRecord *uint64, nextEvent *int) []byte {
	c := newChunk()
	def := 0
	for c.p < chunkFill {
		id, i := *nextRecord, *nextEvent
		ok := c.record(id, func(x *binxml) {
			x.b = append(x.b, 0x0F, 1, 1, 0)
			def = x.templateStart(1, def, func() { sysmonTemplate(x) })
			sysmonValues(x, i, id)
			x.u8(0x00) // end of fragment
		})
		if !ok {
			break
		}
		*nextRecord += 1 + uint64(i%3) // gaps: other event ids of the log
		*nextEvent++
	}
	return c.finish()
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
	for c.p < chunkFill {
		id := *nextRecord
		ok := c.record(id, func(x *binxml) {
			x.b = append(x.b, 0x0F, 1, 1, 0)
			mainDef = x.templateStart(2, mainDef, func() {
				x.b = append(x.b, 0x0F, 1, 1, 0)
				x.open("Event", false)
				x.closeStart()
				x.open("System", false)
				x.closeStart()
				x.open("Provider", true)
				x.attr("Name")
				x.text("Microsoft-Windows-Sysmon")
				x.closeEmpty()
				x.open("EventID", false)
				x.closeStart()
				x.text("13")
				x.end()
				x.open("Computer", false)
				x.closeStart()
				x.text("WIN-REL01")
				x.end()
				x.end() // </System>
				x.open("EventData", false)
				x.closeStart()
				x.open("Data", true)
				x.attr("Name")
				x.text("TargetObject")
				x.closeStart()
				leafDef := 0
				for r := 0; r < leafRefs; r++ {
					leafDef = x.templateStart(3, leafDef, func() {
						x.b = append(x.b, bytes.Repeat([]byte{0x02}, leafTokens)...)
						x.u8(0x00)
					})
					x.u32(0) // no values
				}
				x.end() // </Data>
				x.end() // </EventData>
				x.end() // </Event>
				x.u8(0x00)
			})
			x.u32(0) // no values
			x.u8(0x00)
		})
		if !ok {
			break
		}
		*nextRecord++
	}
	return c.finish()
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
