package sysmon

import (
	"encoding/binary"
	"time"
	"unicode/utf16"
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

// binxml writes the BinXML tokens buildEVTX needs; pos is the chunk offset
// of b[0], so that inline names can point at themselves.
type binxml struct {
	b   []byte
	pos int
}

func (x *binxml) off() int { return x.pos + len(x.b) }

func (x *binxml) u8(v byte)    { x.b = append(x.b, v) }
func (x *binxml) u16(v uint16) { x.b = binary.LittleEndian.AppendUint16(x.b, v) }
func (x *binxml) u32(v uint32) { x.b = binary.LittleEndian.AppendUint32(x.b, v) }

func (x *binxml) utf16(s string) {
	for _, u := range utf16.Encode([]rune(s)) {
		x.u16(u)
	}
}

func (x *binxml) inlineName(name string) {
	x.u32(uint32(x.off() + 4))
	x.u32(0) // next string
	x.u16(0) // hash (not checked)
	x.u16(uint16(len(utf16.Encode([]rune(name)))))
	x.utf16(name)
	x.u16(0)
}

// open writes an element start; attrs says whether attributes follow.
func (x *binxml) open(name string, attrs bool) {
	if attrs {
		x.u8(0x41)
	} else {
		x.u8(0x01)
	}
	x.u16(0xFFFF) // dependency id
	x.u32(0)      // data size (not checked)
	x.inlineName(name)
	if attrs {
		x.u32(0) // attribute list size (not checked)
	}
}

func (x *binxml) attr(name string) { x.u8(0x06); x.inlineName(name) }

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
	x.u8(0x02)
	x.sub(id, typ)
	x.u8(0x04)
}

// buildEVTX writes a one-chunk EVTX file holding events, each record with
// its own inline template whose System values and EventData values are
// substitutions, as Windows writes them.
func buildEVTX(events []testEvent) []byte {
	file := make([]byte, fileHeaderSize+chunkSize)
	copy(file, fileMagic)
	binary.LittleEndian.PutUint32(file[32:], 128)
	binary.LittleEndian.PutUint16(file[36:], 1)
	binary.LittleEndian.PutUint16(file[38:], 3)
	binary.LittleEndian.PutUint16(file[40:], fileHeaderSize)
	binary.LittleEndian.PutUint16(file[42:], 1)
	chunk := file[fileHeaderSize:]
	copy(chunk, chunkMagic)
	p := chunkHeaderSize
	for i, e := range events {
		rec := &binxml{pos: p + recordHeaderSize}
		rec.b = append(rec.b, 0x0F, 1, 1, 0)
		rec.u8(0x0C)
		rec.u8(1)
		rec.u32(uint32(i + 1)) // template id
		rec.u32(uint32(rec.off() + 4))
		// Template definition, inline.
		rec.u32(0) // next template
		rec.b = append(rec.b, make([]byte, 16)...)
		sizeAt := len(rec.b)
		rec.u32(0)
		bodyStart := len(rec.b)
		rec.b = append(rec.b, 0x0F, 1, 1, 0)
		rec.open("Event", true)
		rec.attr("xmlns")
		rec.text("http://schemas.microsoft.com/win/2004/08/events/event")
		rec.u8(0x02)
		rec.open("System", false)
		rec.u8(0x02)
		rec.open("Provider", true)
		rec.attr("Name")
		rec.sub(0, tString)
		rec.u8(0x03)
		rec.open("EventID", true)
		rec.attr("Qualifiers")
		rec.sub(7, tUint16)
		rec.u8(0x02)
		rec.sub(1, tUint16)
		rec.u8(0x04)
		rec.open("TimeCreated", true)
		rec.attr("SystemTime")
		rec.sub(2, tFileTime)
		rec.u8(0x03)
		rec.textElement("EventRecordID", 3, tUint64)
		rec.textElement("Channel", 4, tString)
		rec.textElement("Computer", 5, tString)
		rec.u8(0x04) // </System>
		rec.open("EventData", false)
		rec.u8(0x02)
		for j, d := range e.data {
			rec.open("Data", true)
			rec.attr("Name")
			rec.text(d[0])
			rec.u8(0x02)
			rec.sub(uint16(8+j), tString)
			rec.u8(0x04)
		}
		rec.u8(0x04) // </EventData>
		rec.u8(0x04) // </Event>
		rec.u8(0x00)
		binary.LittleEndian.PutUint32(rec.b[sizeAt:], uint32(len(rec.b)-bodyStart))
		// Substitution values.
		var values [][]byte
		var types []byte
		str := func(s string) {
			var v binxml
			v.utf16(s)
			values = append(values, v.b)
			types = append(types, tString)
		}
		str(e.provider)
		values = append(values, binary.LittleEndian.AppendUint16(nil, e.id))
		types = append(types, tUint16)
		ft := uint64(e.time.Unix()+11644473600)*1e7 + uint64(e.time.Nanosecond()/100)
		values = append(values, binary.LittleEndian.AppendUint64(nil, ft))
		types = append(types, tFileTime)
		values = append(values, binary.LittleEndian.AppendUint64(nil, e.recordID))
		types = append(types, tUint64)
		str(e.channel)
		str(e.computer)
		values = append(values, nil) // 6: unused
		types = append(types, tNull)
		values = append(values, nil) // 7: Qualifiers, absent
		types = append(types, tNull)
		for _, d := range e.data {
			str(d[1])
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
		size := recordHeaderSize + len(rec.b) + 4
		copy(chunk[p:], recordMagic)
		binary.LittleEndian.PutUint32(chunk[p+4:], uint32(size))
		binary.LittleEndian.PutUint64(chunk[p+8:], e.recordID)
		copy(chunk[p+recordHeaderSize:], rec.b)
		binary.LittleEndian.PutUint32(chunk[p+size-4:], uint32(size))
		p += size
	}
	binary.LittleEndian.PutUint64(chunk[8:], 1)
	binary.LittleEndian.PutUint64(chunk[16:], uint64(len(events)))
	binary.LittleEndian.PutUint32(chunk[40:], 128)
	binary.LittleEndian.PutUint32(chunk[48:], uint32(p))
	return file
}
