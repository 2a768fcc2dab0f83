package hivetest

import (
	"encoding/binary"
	"unicode/utf16"
)

// Node is one key of a hive Build lays out by hand.
type Node struct {
	Name    string
	Values  []Val
	Subkeys []*Node
	// RepeatFirst lists the first subkey this many more times in the
	// subkey index, as a crafted hive may.
	RepeatFirst int
	// RepeatList, with more than 500 subkeys (an ri index), lists the
	// first lf list this many more times in the ri.
	RepeatList int
}

// Val is one value of a Node; data longer than 4 bytes gets its own cell.
type Val struct {
	Name string
	Type uint32
	Data []byte
}

// Build lays out a regf hive with root as its root key, in one hbin,
// without any tool: keys in lf lists (an ri of lf lists past 500
// subkeys), names 8-bit, data inline up to 4 bytes. embedded is the base
// block's file name (e.g. `\??\C:\Users\joe\ntuser.dat`, which makes a
// user hive of a root holding no Software key).
func Build(root *Node, embedded string) []byte {
	b := &builder{}
	b.cells = make([]byte, 0x20) // hbin header
	rootOff := b.key(root)
	return Wrap(rootOff, b.cells[0x20:], embedded)
}

// Wrap makes a hive of cells, the content of one hbin after its 32-byte
// header, with the root key node at hbin offset rootOff. Fuzz targets take
// cells as their input, so inputs stay small and every mutation lands in
// the part a reader walks.
func Wrap(rootOff uint32, cells []byte, embedded string) []byte {
	used := 0x20 + len(cells)
	size := (used + 0xfff) &^ 0xfff
	out := make([]byte, 0x1000+size)
	le := binary.LittleEndian
	copy(out, "regf")
	le.PutUint32(out[4:], 1)
	le.PutUint32(out[8:], 1)
	le.PutUint32(out[20:], 1)
	le.PutUint32(out[24:], 5)
	le.PutUint32(out[32:], 1)
	le.PutUint32(out[36:], rootOff)
	le.PutUint32(out[40:], uint32(size))
	le.PutUint32(out[44:], 1)
	u := utf16.Encode([]rune(embedded))
	if len(u) > 31 {
		u = u[len(u)-31:]
	}
	for i, c := range u {
		le.PutUint16(out[0x30+2*i:], c)
	}
	le.PutUint32(out[0x1fc:], Checksum(out[:0x200]))
	copy(out[0x1000:], "hbin")
	le.PutUint32(out[0x1008:], uint32(size))
	copy(out[0x1020:], cells)
	// The free space after the last cell is one free cell, as in a real hbin.
	if free := size - used; free >= 8 {
		le.PutUint32(out[0x1000+used:], uint32(free))
	}
	return out
}

// Cells is the inverse of Wrap for a hive of one hbin: the root's hbin
// offset and the cells after the hbin header, up to the last used cell.
func Cells(hive []byte) (rootOff uint32, cells []byte) {
	le := binary.LittleEndian
	rootOff = le.Uint32(hive[36:])
	bin := hive[0x1000:]
	end := 0x20
	for end+4 <= len(bin) {
		size := int(int32(le.Uint32(bin[end:])))
		if size >= 0 || end-size > len(bin) {
			break // free cell or corrupt: the used cells end here
		}
		end -= size
	}
	return rootOff, bin[0x20:end]
}

type builder struct{ cells []byte }

// cell appends a cell with the payload and returns its hbin-relative offset.
func (b *builder) cell(payload []byte) uint32 {
	off := len(b.cells)
	size := (4 + len(payload) + 7) &^ 7
	c := make([]byte, size)
	binary.LittleEndian.PutUint32(c, uint32(-int32(size)))
	copy(c[4:], payload)
	b.cells = append(b.cells, c...)
	return uint32(off)
}

// key writes n's values, subkeys and node; it returns the node's offset.
func (b *builder) key(n *Node) uint32 {
	le := binary.LittleEndian
	valueList := uint32(0xffffffff)
	if len(n.Values) > 0 {
		list := make([]byte, 4*len(n.Values))
		for i, v := range n.Values {
			le.PutUint32(list[4*i:], b.value(v))
		}
		valueList = b.cell(list)
	}
	var children []uint32
	for _, c := range n.Subkeys {
		children = append(children, b.key(c))
	}
	if len(children) > 0 {
		for range n.RepeatFirst {
			children = append(children, children[0])
		}
	}
	subkeyList := uint32(0xffffffff)
	if len(children) > 0 {
		subkeyList = b.index(children, n.RepeatList)
	}
	nk := make([]byte, 76+len(n.Name))
	copy(nk, "nk")
	le.PutUint16(nk[2:], 0x20) // 8-bit name
	const filetime2020 = 1577836800*10000000 + 116444736000000000
	le.PutUint64(nk[4:], filetime2020)
	le.PutUint32(nk[20:], uint32(len(children)))
	le.PutUint32(nk[28:], subkeyList)
	le.PutUint32(nk[32:], 0xffffffff)
	le.PutUint32(nk[36:], uint32(len(n.Values)))
	le.PutUint32(nk[40:], valueList)
	le.PutUint32(nk[44:], 0xffffffff)
	le.PutUint32(nk[48:], 0xffffffff)
	le.PutUint16(nk[72:], uint16(len(n.Name)))
	copy(nk[76:], n.Name)
	return b.cell(nk)
}

// index writes an lf list, or an ri of lf lists for many children.
func (b *builder) index(children []uint32, repeatList int) uint32 {
	const perList = 500
	lf := func(entries []uint32) uint32 {
		c := make([]byte, 4+8*len(entries))
		copy(c, "lf")
		binary.LittleEndian.PutUint16(c[2:], uint16(len(entries)))
		for i, e := range entries {
			binary.LittleEndian.PutUint32(c[4+8*i:], e)
		}
		return b.cell(c)
	}
	if len(children) <= perList {
		return lf(children)
	}
	var lists []uint32
	for i := 0; i < len(children); i += perList {
		lists = append(lists, lf(children[i:min(i+perList, len(children))]))
	}
	for range repeatList {
		lists = append(lists, lists[0])
	}
	c := make([]byte, 4+4*len(lists))
	copy(c, "ri")
	binary.LittleEndian.PutUint16(c[2:], uint16(len(lists)))
	for i, l := range lists {
		binary.LittleEndian.PutUint32(c[4+4*i:], l)
	}
	return b.cell(c)
}

func (b *builder) value(v Val) uint32 {
	le := binary.LittleEndian
	vk := make([]byte, 20+len(v.Name))
	copy(vk, "vk")
	le.PutUint16(vk[2:], uint16(len(v.Name)))
	if len(v.Data) <= 4 {
		le.PutUint32(vk[4:], 0x80000000|uint32(len(v.Data)))
		copy(vk[8:12], v.Data)
	} else {
		le.PutUint32(vk[4:], uint32(len(v.Data)))
		le.PutUint32(vk[8:], b.cell(v.Data))
	}
	le.PutUint32(vk[12:], v.Type)
	le.PutUint16(vk[16:], 1) // 8-bit name
	copy(vk[20:], v.Name)
	return b.cell(vk)
}
