// Package evtxwrite writes EVTX files for fixtures, generated inputs and
// tests: BinXML tokens, template definitions and instances, substitution
// values, records framed in chunks, chunk and file headers with their
// CRCs, laid out as Windows writes them and as libevtx reads them.
// It is the one writer of the project's generators (fixturegen,
// hostilegen) and of tables/sysmon's tests.
package evtxwrite

import (
	"encoding/binary"
	"time"
	"unicode/utf16"
)

// EVTX layout.
const (
	FileHeaderSize   = 4096
	ChunkSize        = 65536
	ChunkHeaderSize  = 512
	RecordHeaderSize = 24
)

// BinXML value types.
const (
	TypeNull     = 0x00
	TypeString   = 0x01
	TypeUint16   = 0x06
	TypeUint64   = 0x0A
	TypeFileTime = 0x11
)

// BinXML appends BinXML tokens. Pos is the chunk offset of B[0], so that
// inline names and template definitions can point at themselves.
type BinXML struct {
	B   []byte
	Pos int
	// Names holds the names already written in the chunk, by name: later
	// references point at them instead of repeating them inline, as
	// Windows writes. Nil: every name is written inline.
	Names map[string]int
	// HashNames fills in the names' hash (readers do not check it).
	HashNames bool
	// open elements: where their data size and attribute list size (-1:
	// none) are, patched when they close.
	elems []openElem
}

type openElem struct{ size, attrSize int }

func (x *BinXML) off() int { return x.Pos + len(x.B) }

// U8, U16, U32 and U64 append little-endian integers.
func (x *BinXML) U8(v byte)    { x.B = append(x.B, v) }
func (x *BinXML) U16(v uint16) { x.B = binary.LittleEndian.AppendUint16(x.B, v) }
func (x *BinXML) U32(v uint32) { x.B = binary.LittleEndian.AppendUint32(x.B, v) }
func (x *BinXML) U64(v uint64) { x.B = binary.LittleEndian.AppendUint64(x.B, v) }

// UTF16 appends s as UTF-16LE, without a terminator.
func (x *BinXML) UTF16(s string) {
	for _, u := range utf16.Encode([]rune(s)) {
		x.U16(u)
	}
}

// FragmentHeader writes the fragment header token (BinXML 1.1).
func (x *BinXML) FragmentHeader() { x.B = append(x.B, 0x0F, 1, 1, 0) }

// EOF writes the end of fragment token.
func (x *BinXML) EOF() { x.U8(0x00) }

func (x *BinXML) name(name string) {
	if at, ok := x.Names[name]; ok {
		x.U32(uint32(at))
		return
	}
	at := x.off() + 4
	if x.Names != nil {
		x.Names[name] = at
	}
	x.U32(uint32(at))
	x.U32(0) // next name in the hash bucket
	units := utf16.Encode([]rune(name))
	var h uint32
	if x.HashNames {
		for _, c := range units {
			h = h*65599 + uint32(c)
		}
	}
	x.U16(uint16(h))
	x.U16(uint16(len(units)))
	x.UTF16(name)
	x.U16(0)
}

// Open starts an element; attrs says whether attributes follow. Its
// sizes are filled in by CloseStart, CloseEmpty and End.
func (x *BinXML) Open(name string, attrs bool) {
	if attrs {
		x.U8(0x41)
	} else {
		x.U8(0x01)
	}
	x.U16(0xFFFF) // dependency id
	e := openElem{size: len(x.B), attrSize: -1}
	x.U32(0) // data size
	x.name(name)
	if attrs {
		e.attrSize = len(x.B)
		x.U32(0) // attribute list size
	}
	x.elems = append(x.elems, e)
}

func (x *BinXML) patch(at int) { binary.LittleEndian.PutUint32(x.B[at:], uint32(len(x.B)-at-4)) }

// CloseStart ends a start tag whose content follows.
func (x *BinXML) CloseStart() {
	if e := x.elems[len(x.elems)-1]; e.attrSize >= 0 {
		x.patch(e.attrSize)
	}
	x.U8(0x02)
}

// CloseEmpty ends an element without content.
func (x *BinXML) CloseEmpty() {
	e := x.elems[len(x.elems)-1]
	x.elems = x.elems[:len(x.elems)-1]
	if e.attrSize >= 0 {
		x.patch(e.attrSize)
	}
	x.U8(0x03)
	x.patch(e.size)
}

// End writes the end element token of the innermost open element.
func (x *BinXML) End() {
	e := x.elems[len(x.elems)-1]
	x.elems = x.elems[:len(x.elems)-1]
	x.U8(0x04)
	x.patch(e.size)
}

// Attr starts an attribute; its value follows.
func (x *BinXML) Attr(name string) { x.U8(0x06); x.name(name) }

// Text writes a Unicode text value.
func (x *BinXML) Text(s string) {
	x.U8(0x05)
	x.U8(0x01)
	x.U16(uint16(len(utf16.Encode([]rune(s)))))
	x.UTF16(s)
}

// Sub writes a normal substitution of value id of type typ.
func (x *BinXML) Sub(id uint16, typ byte) { x.U8(0x0E); x.U16(id); x.U8(typ) }

// OptSub writes an optional substitution: a null value drops the element
// or attribute.
func (x *BinXML) OptSub(id uint16, typ byte) { x.U8(0x0D); x.U16(id); x.U8(typ) }

// Element starts an element without attributes whose content follows.
func (x *BinXML) Element(name string) {
	x.Open(name, false)
	x.CloseStart()
}

// TextElement writes <name>%id%</name>.
func (x *BinXML) TextElement(name string, id uint16, typ byte) {
	x.Element(name)
	x.Sub(id, typ)
	x.End()
}

// LiteralElement writes <name>text</name>.
func (x *BinXML) LiteralElement(name, text string) {
	x.Element(name)
	x.Text(text)
	x.End()
}

// TemplateInstance writes a template instance token; when def is 0 the
// definition follows inline, its body written by body, and its offset is
// returned; otherwise the instance refers to the definition at def.
func (x *BinXML) TemplateInstance(id uint32, def int, body func()) int {
	x.U8(0x0C)
	x.U8(1)
	x.U32(id)
	if def != 0 {
		x.U32(uint32(def))
		return def
	}
	def = x.off() + 4
	x.U32(uint32(def))
	x.U32(0)                               // next template
	x.B = append(x.B, make([]byte, 16)...) // GUID
	sizeAt := len(x.B)
	x.U32(0)
	start := len(x.B)
	body()
	binary.LittleEndian.PutUint32(x.B[sizeAt:], uint32(len(x.B)-start))
	return def
}

// Value is one substitution value of a template instance.
type Value struct {
	Type byte
	Data []byte
}

// String, Uint16, Uint64, FileTime and Null are substitution values.
func String(s string) Value {
	var v BinXML
	v.UTF16(s)
	return Value{TypeString, v.B}
}
func Uint16(n uint16) Value { return Value{TypeUint16, binary.LittleEndian.AppendUint16(nil, n)} }
func Uint64(n uint64) Value { return Value{TypeUint64, binary.LittleEndian.AppendUint64(nil, n)} }
func FileTime(t time.Time) Value {
	return Value{TypeFileTime, binary.LittleEndian.AppendUint64(nil, Filetime(t))}
}
func Null() Value { return Value{TypeNull, nil} }

// Values writes the substitution values of a template instance: their
// count, descriptors and data.
func (x *BinXML) Values(values []Value) {
	x.U32(uint32(len(values)))
	for _, v := range values {
		x.U16(uint16(len(v.Data)))
		x.U8(v.Type)
		x.U8(0)
	}
	for _, v := range values {
		x.B = append(x.B, v.Data...)
	}
}

// Filetime is t in 100 ns units since 1601.
func Filetime(t time.Time) uint64 {
	return uint64(t.Unix()+11644473600)*1e7 + uint64(t.Nanosecond()/100)
}
