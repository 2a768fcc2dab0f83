package main

import (
	"encoding/binary"
	"hash/crc32"
	"time"
	"unicode/utf16"
)

// A small EVTX writer for the scenarios: one chunk, each record with its
// own inline template whose System and EventData values are
// substitutions, as Windows writes them; file header, chunk header and
// record checksums filled in as wevtutil leaves them. It follows the
// builder in tables/sysmon's tests (and internal/evtxgen's header
// rewriting).

const (
	evtxFileHeaderSize   = 4096
	evtxChunkSize        = 65536
	evtxChunkHeaderSize  = 512
	evtxRecordHeaderSize = 24

	bxNull     = 0x00
	bxString   = 0x01
	bxUint16   = 0x06
	bxUint64   = 0x0A
	bxFileTime = 0x11
)

type binxml struct {
	b      []byte
	pos    int   // chunk offset of b[0], for inline names that point at themselves
	sizes  []int // offsets of the size fields of the open elements
	attrAt int   // offset of the attribute list size of the last start tag
}

func (x *binxml) off() int                { return x.pos + len(x.b) }
func (x *binxml) u8(v byte)               { x.b = append(x.b, v) }
func (x *binxml) u16(v uint16)            { x.b = binary.LittleEndian.AppendUint16(x.b, v) }
func (x *binxml) u32(v uint32)            { x.b = binary.LittleEndian.AppendUint32(x.b, v) }
func (x *binxml) sub(id uint16, typ byte) { x.u8(0x0E); x.u16(id); x.u8(typ) }
func (x *binxml) attr(name string)        { x.u8(0x06); x.inlineName(name) }

// optSub is an optional substitution: a null value drops the element or attribute.
func (x *binxml) optSub(id uint16, typ byte) { x.u8(0x0D); x.u16(id); x.u8(typ) }

func (x *binxml) utf16(s string) {
	for _, c := range utf16.Encode([]rune(s)) {
		x.u16(c)
	}
}

func (x *binxml) inlineName(name string) {
	x.u32(uint32(x.off() + 4))
	x.u32(0) // next name in the hash bucket
	var h uint32
	for _, c := range utf16.Encode([]rune(name)) {
		h = h*65599 + uint32(c)
	}
	x.u16(uint16(h))
	x.u16(uint16(len(utf16.Encode([]rune(name)))))
	x.utf16(name)
	x.u16(0)
}

// open starts an element; its sizes are filled in by endAttrs and close.
func (x *binxml) open(name string, attrs bool) {
	if attrs {
		x.u8(0x41)
	} else {
		x.u8(0x01)
	}
	x.u16(0xFFFF) // dependency id
	x.sizes = append(x.sizes, len(x.b))
	x.u32(0) // element size
	x.inlineName(name)
	if attrs {
		x.attrAt = len(x.b)
		x.u32(0) // attribute list size
	}
}

// endAttrs closes the start tag: 0x02, or 0x03 for an empty element.
func (x *binxml) endAttrs(tok byte, hasAttrs bool) {
	if hasAttrs {
		binary.LittleEndian.PutUint32(x.b[x.attrAt:], uint32(len(x.b)-x.attrAt-4))
	}
	x.u8(tok)
	if tok == 0x03 {
		x.closeSize()
	}
}

// close writes the end-element token and the element's size.
func (x *binxml) close() {
	x.u8(0x04)
	x.closeSize()
}

func (x *binxml) closeSize() {
	at := x.sizes[len(x.sizes)-1]
	x.sizes = x.sizes[:len(x.sizes)-1]
	binary.LittleEndian.PutUint32(x.b[at:], uint32(len(x.b)-at-4))
}

func (x *binxml) text(s string) {
	x.u8(0x05)
	x.u8(0x01)
	x.u16(uint16(len(utf16.Encode([]rune(s)))))
	x.utf16(s)
}

func (x *binxml) textElement(name string, id uint16, typ byte) {
	x.open(name, false)
	x.endAttrs(0x02, false)
	x.sub(id, typ)
	x.close()
}

func fileTime(t time.Time) uint64 {
	return uint64(t.Unix()+11644473600)*1e7 + uint64(t.Nanosecond()/100)
}

// renderEVTX writes the events as a one-chunk EVTX file. It panics when
// they do not fit one chunk (the scenarios are small).
func renderEVTX(events []event) []byte {
	file := make([]byte, evtxFileHeaderSize+evtxChunkSize)
	copy(file, "ElfFile\x00")
	chunk := file[evtxFileHeaderSize:]
	copy(chunk, "ElfChnk\x00")
	p, last := evtxChunkHeaderSize, 0
	for i, e := range events {
		name, _ := providerOf(e)
		rec := &binxml{pos: p + evtxRecordHeaderSize}
		rec.b = append(rec.b, 0x0F, 1, 1, 0)
		rec.u8(0x0C)
		rec.u8(1)
		rec.u32(uint32(i + 1)) // template id
		rec.u32(uint32(rec.off() + 4))
		rec.u32(0) // next template
		rec.b = append(rec.b, make([]byte, 16)...)
		sizeAt := len(rec.b)
		rec.u32(0)
		bodyStart := len(rec.b)
		rec.b = append(rec.b, 0x0F, 1, 1, 0)
		rec.open("Event", true)
		rec.attr("xmlns")
		rec.text("http://schemas.microsoft.com/win/2004/08/events/event")
		rec.endAttrs(0x02, true)
		rec.open("System", false)
		rec.endAttrs(0x02, false)
		rec.open("Provider", true)
		rec.attr("Name")
		rec.sub(0, bxString)
		rec.endAttrs(0x03, true)
		rec.open("EventID", true)
		rec.attr("Qualifiers")
		rec.optSub(7, bxUint16)
		rec.endAttrs(0x02, true)
		rec.sub(1, bxUint16)
		rec.close()
		rec.open("TimeCreated", true)
		rec.attr("SystemTime")
		rec.sub(2, bxFileTime)
		rec.endAttrs(0x03, true)
		rec.textElement("EventRecordID", 3, bxUint64)
		rec.textElement("Channel", 4, bxString)
		rec.textElement("Computer", 5, bxString)
		rec.close() // </System>
		rec.open("EventData", false)
		rec.endAttrs(0x02, false)
		for j, d := range e.data {
			rec.open("Data", true)
			rec.attr("Name")
			rec.text(d.K)
			rec.endAttrs(0x02, true)
			rec.optSub(uint16(8+j), bxString)
			rec.close()
		}
		rec.close() // </EventData>
		rec.close() // </Event>
		rec.u8(0x00)
		binary.LittleEndian.PutUint32(rec.b[sizeAt:], uint32(len(rec.b)-bodyStart))
		var values [][]byte
		var types []byte
		str := func(s string) {
			var v binxml
			v.utf16(s)
			values = append(values, v.b)
			types = append(types, bxString)
		}
		str(name)
		values, types = append(values, binary.LittleEndian.AppendUint16(nil, uint16(e.eventID))), append(types, bxUint16)
		values, types = append(values, binary.LittleEndian.AppendUint64(nil, fileTime(e.created))), append(types, bxFileTime)
		values, types = append(values, binary.LittleEndian.AppendUint64(nil, uint64(e.recordID))), append(types, bxUint64)
		str(e.channel)
		str(computer)
		values, types = append(values, nil), append(types, bxNull) // 6: unused
		values, types = append(values, nil), append(types, bxNull) // 7: Qualifiers, absent
		for _, d := range e.data {
			str(d.V.(string))
		}
		rec.u32(uint32(len(values)))
		for j, v := range values {
			rec.u16(uint16(len(v)))
			rec.u8(types[j])
			rec.u8(0)
		}
		for _, v := range values {
			rec.b = append(rec.b, v...)
		}
		size := evtxRecordHeaderSize + len(rec.b) + 4
		if p+size > evtxChunkSize {
			panic("fixturegen: scenario does not fit one EVTX chunk")
		}
		copy(chunk[p:], "**\x00\x00")
		binary.LittleEndian.PutUint32(chunk[p+4:], uint32(size))
		binary.LittleEndian.PutUint64(chunk[p+8:], uint64(e.recordID))
		binary.LittleEndian.PutUint64(chunk[p+16:], fileTime(e.created))
		copy(chunk[p+evtxRecordHeaderSize:], rec.b)
		binary.LittleEndian.PutUint32(chunk[p+size-4:], uint32(size))
		last = p
		p += size
	}
	first, lastID := uint64(events[0].recordID), uint64(events[len(events)-1].recordID)
	binary.LittleEndian.PutUint64(chunk[8:], 1)
	binary.LittleEndian.PutUint64(chunk[16:], uint64(len(events)))
	binary.LittleEndian.PutUint64(chunk[24:], first)
	binary.LittleEndian.PutUint64(chunk[32:], lastID)
	binary.LittleEndian.PutUint32(chunk[40:], 128)
	binary.LittleEndian.PutUint32(chunk[44:], uint32(last))
	binary.LittleEndian.PutUint32(chunk[48:], uint32(p))
	binary.LittleEndian.PutUint32(chunk[52:], crc32.ChecksumIEEE(chunk[evtxChunkHeaderSize:p]))
	h := crc32.NewIEEE()
	h.Write(chunk[:120])
	h.Write(chunk[128:evtxChunkHeaderSize])
	binary.LittleEndian.PutUint32(chunk[124:], h.Sum32())
	binary.LittleEndian.PutUint64(file[8:], 0)  // first chunk
	binary.LittleEndian.PutUint64(file[16:], 0) // last chunk
	binary.LittleEndian.PutUint64(file[24:], lastID+1)
	binary.LittleEndian.PutUint32(file[32:], 128)
	binary.LittleEndian.PutUint16(file[36:], 1)
	binary.LittleEndian.PutUint16(file[38:], 3)
	binary.LittleEndian.PutUint16(file[40:], evtxFileHeaderSize)
	binary.LittleEndian.PutUint16(file[42:], 1)
	binary.LittleEndian.PutUint32(file[124:], crc32.ChecksumIEEE(file[:120]))
	return file
}
