package main

import (
	"encoding/binary"
	"fmt"
	"sort"
	"strings"
	"unicode/utf16"
)

// A regf hive written byte by byte after the layout (base block, one hbin,
// nk/lf/ri/vk cells), so that sizes far beyond what reged imports in a
// reasonable time, and index cells no tool would write, can be built.

var le = binary.LittleEndian

const (
	regSZ          = 1
	filetime2024   = 1710234000*10000000 + 116444736000000000
	lfMaxEntries   = 1000 // entries of one lf before an ri splits them, as Windows does
	noCell         = 0xFFFFFFFF
	nkFlagRoot     = 0x04 | 0x08 // KEY_HIVE_ENTRY | KEY_NO_DELETE
	nkFlagCompName = 0x20
	vkFlagCompName = 0x01
)

type hiveValue struct {
	name string
	typ  uint32
	data []byte
}

type hiveKey struct {
	name     string
	values   []hiveValue
	children []*hiveKey
}

func (k *hiveKey) child(name string) *hiveKey {
	for _, c := range k.children {
		if strings.EqualFold(c.name, name) {
			return c
		}
	}
	c := &hiveKey{name: name}
	k.children = append(k.children, c)
	return c
}

// path returns the key at the backslash-separated path below k, creating
// the keys on the way.
func (k *hiveKey) path(p string) *hiveKey {
	for _, part := range strings.Split(p, `\`) {
		k = k.child(part)
	}
	return k
}

func szValue(name, s string) hiveValue {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u)+2)
	for i, c := range u {
		le.PutUint16(b[2*i:], c)
	}
	return hiveValue{name: name, typ: regSZ, data: b}
}

// hiveWriter lays out cells in the hbin area; offsets are relative to the
// first hbin, as the hive's own pointers are.
type hiveWriter struct{ bin []byte }

func newHiveWriter() *hiveWriter {
	w := &hiveWriter{bin: make([]byte, 0x20, 1<<20)}
	copy(w.bin, "hbin")
	return w
}

// alloc returns the offset of a new allocated cell with n payload bytes.
func (w *hiveWriter) alloc(n int) uint32 {
	size := (n + 4 + 7) &^ 7
	off := len(w.bin)
	w.bin = append(w.bin, make([]byte, size)...)
	le.PutUint32(w.bin[off:], uint32(-int32(size)))
	return uint32(off)
}

func (w *hiveWriter) cell(off uint32) []byte { return w.bin[off+4:] }

// nk writes a key node and returns its offset; the lists are set later.
func (w *hiveWriter) nk(name string, parent uint32, flags uint16) uint32 {
	off := w.alloc(76 + len(name))
	c := w.cell(off)
	copy(c, "nk")
	le.PutUint16(c[2:], flags|nkFlagCompName)
	le.PutUint64(c[4:], filetime2024)
	le.PutUint32(c[16:], parent)
	le.PutUint32(c[28:], noCell)
	le.PutUint32(c[32:], noCell)
	le.PutUint32(c[40:], noCell)
	le.PutUint32(c[44:], noCell)
	le.PutUint32(c[48:], noCell)
	le.PutUint16(c[72:], uint16(len(name)))
	copy(c[76:], name)
	return off
}

func (w *hiveWriter) setSubkeys(nk uint32, count, list uint32) {
	c := w.cell(nk)
	le.PutUint32(c[20:], count)
	le.PutUint32(c[28:], list)
}

func (w *hiveWriter) setValues(nk uint32, values []hiveValue) {
	if len(values) == 0 {
		return
	}
	offs := make([]uint32, len(values))
	for i, v := range values {
		offs[i] = w.vk(v)
	}
	list := w.alloc(4 * len(offs))
	for i, o := range offs {
		le.PutUint32(w.cell(list)[4*i:], o)
	}
	c := w.cell(nk)
	le.PutUint32(c[36:], uint32(len(values)))
	le.PutUint32(c[40:], list)
}

func (w *hiveWriter) vk(v hiveValue) uint32 {
	var dataOff uint32
	length := uint32(len(v.data))
	if len(v.data) <= 4 {
		var inline [4]byte
		copy(inline[:], v.data)
		dataOff = le.Uint32(inline[:])
		length |= 0x80000000
	} else {
		dataOff = w.alloc(len(v.data))
		copy(w.cell(dataOff), v.data)
	}
	off := w.alloc(20 + len(v.name))
	c := w.cell(off)
	copy(c, "vk")
	le.PutUint16(c[2:], uint16(len(v.name)))
	le.PutUint32(c[4:], length)
	le.PutUint32(c[8:], dataOff)
	le.PutUint32(c[12:], v.typ)
	le.PutUint16(c[16:], vkFlagCompName)
	copy(c[20:], v.name)
	return off
}

// lf writes a fast leaf listing nodes (with the first four characters of
// each name as its hint).
func (w *hiveWriter) lf(nodes []uint32, names []string) uint32 {
	off := w.alloc(4 + 8*len(nodes))
	c := w.cell(off)
	copy(c, "lf")
	le.PutUint16(c[2:], uint16(len(nodes)))
	for i, n := range nodes {
		le.PutUint32(c[4+8*i:], n)
		hint := []byte(names[i] + "\x00\x00\x00\x00")[:4]
		copy(c[8+8*i:], hint)
	}
	return off
}

func (w *hiveWriter) ri(lists []uint32) uint32 {
	off := w.alloc(4 + 4*len(lists))
	c := w.cell(off)
	copy(c, "ri")
	le.PutUint16(c[2:], uint16(len(lists)))
	for i, l := range lists {
		le.PutUint32(c[4+4*i:], l)
	}
	return off
}

// key writes k and everything below it; children are listed in the
// upper-case name order the index requires.
func (w *hiveWriter) key(k *hiveKey, parent uint32, flags uint16) uint32 {
	off := w.nk(k.name, parent, flags)
	w.setValues(off, k.values)
	if len(k.children) == 0 {
		return off
	}
	sort.Slice(k.children, func(i, j int) bool {
		return strings.ToUpper(k.children[i].name) < strings.ToUpper(k.children[j].name)
	})
	nodes := make([]uint32, len(k.children))
	names := make([]string, len(k.children))
	for i, c := range k.children {
		nodes[i] = w.key(c, off, 0)
		names[i] = c.name
	}
	var list uint32
	if len(nodes) <= lfMaxEntries {
		list = w.lf(nodes, names)
	} else {
		var leaves []uint32
		for i := 0; i < len(nodes); i += lfMaxEntries {
			j := min(i+lfMaxEntries, len(nodes))
			leaves = append(leaves, w.lf(nodes[i:j], names[i:j]))
		}
		list = w.ri(leaves)
	}
	w.setSubkeys(off, uint32(len(nodes)), list)
	return off
}

// file wraps the hbin area in a base block naming a SOFTWARE hive.
func (w *hiveWriter) file(root uint32) []byte {
	size := (len(w.bin) + 0xFFF) &^ 0xFFF
	w.bin = append(w.bin, make([]byte, size-len(w.bin))...)
	le.PutUint32(w.bin[8:], uint32(size))
	// The unused tail is one free cell.
	if tail := size - w.usedEnd(); tail >= 8 {
		le.PutUint32(w.bin[w.usedEnd():], uint32(tail))
	}
	b := make([]byte, 0x1000, 0x1000+size)
	copy(b, "regf")
	le.PutUint32(b[4:], 1)
	le.PutUint32(b[8:], 1)
	le.PutUint64(b[12:], filetime2024)
	le.PutUint32(b[20:], 1)
	le.PutUint32(b[24:], 5)
	le.PutUint32(b[32:], 1)
	le.PutUint32(b[36:], root)
	le.PutUint32(b[40:], uint32(size))
	le.PutUint32(b[44:], 1)
	for i, c := range utf16.Encode([]rune(`\SystemRoot\System32\Config\SOFTWARE`)[5:]) {
		le.PutUint16(b[0x30+2*i:], c)
	}
	le.PutUint32(b[0x1fc:], checksum(b[:0x200]))
	return append(b, w.bin...)
}

// usedEnd is where the allocated cells end (before file's padding).
func (w *hiveWriter) usedEnd() int {
	off := 0x20
	for off+4 <= len(w.bin) {
		size := int(int32(le.Uint32(w.bin[off:])))
		if size >= 0 {
			break
		}
		off += -size
	}
	return off
}

// checksum is the base block checksum: XOR of its first 127 dwords.
func checksum(header []byte) uint32 {
	var sum uint32
	for i := 0; i < 0x1fc; i += 4 {
		sum ^= le.Uint32(header[i:])
	}
	switch sum {
	case 0:
		return 1
	case 0xFFFFFFFF:
		return 0xFFFFFFFE
	}
	return sum
}

const currentVersion = `Microsoft\Windows\CurrentVersion`

// softwareRoot is a SOFTWARE hive root with a few keys every such hive has.
func softwareRoot() *hiveKey {
	root := &hiveKey{name: "ROOT"}
	root.path(`Microsoft\Windows NT\CurrentVersion`).values = []hiveValue{szValue("ProductName", "Windows 10 Pro")}
	root.path(`Classes`)
	return root
}

func writeHive(root *hiveKey) []byte {
	w := newHiveWriter()
	off := w.key(root, 0, nkFlagRoot)
	return w.file(off)
}

// runOnceExHive has n RunOnceEx\NNNNNN subkeys, each with one entry.
func runOnceExHive(n int) []byte {
	root := softwareRoot()
	rox := root.path(currentVersion + `\RunOnceEx`)
	rox.values = []hiveValue{szValue("Title", "Setup")}
	for i := 0; i < n; i++ {
		k := rox.child(fmt.Sprintf("%06d", i))
		k.values = []hiveValue{szValue("1", fmt.Sprintf(`||C:\Program Files\Setup%d\step%d.dll`, i%50, i))}
	}
	return writeHive(root)
}

// runValuesHive is runOnceExHive's normal counterpart: as many autoruns,
// as values of one Run key.
func runValuesHive(n int) []byte {
	root := softwareRoot()
	run := root.path(currentVersion + `\Run`)
	for i := 0; i < n; i++ {
		run.values = append(run.values, szValue(fmt.Sprintf("Agent%06d", i), fmt.Sprintf(`"C:\Program Files\Setup%d\agent%d.exe" /background`, i%50, i)))
	}
	return writeHive(root)
}

// repeatedIndexHive's RunOnceEx index is an ri listing one lf fanout
// times, and that lf lists one subkey fanout times: fanout^2 index entries
// (under the reader's index budget) that all name the same key.
func repeatedIndexHive(fanout int) []byte {
	root := softwareRoot()
	root.path(currentVersion + `\RunOnceEx`)
	w := newHiveWriter()
	rootOff := w.key(root, 0, nkFlagRoot)
	// Find RunOnceEx's node by walking the tree just written.
	rox := rootOff
	for _, name := range strings.Split(currentVersion+`\RunOnceEx`, `\`) {
		rox = w.findChild(rox, name)
	}
	entry := w.nk("0001", rox, 0)
	w.setValues(entry, []hiveValue{szValue("1", `||C:\Windows\System32\once.dll`)})
	nodes := make([]uint32, fanout)
	names := make([]string, fanout)
	for i := range nodes {
		nodes[i], names[i] = entry, "0001"
	}
	leaf := w.lf(nodes, names)
	lists := make([]uint32, fanout)
	for i := range lists {
		lists[i] = leaf
	}
	w.setSubkeys(rox, uint32(fanout*fanout), w.ri(lists))
	return w.file(rootOff)
}

// findChild returns the node named name in nk's lf (hives this file
// writes have no ri below a few keys).
func (w *hiveWriter) findChild(nk uint32, name string) uint32 {
	c := w.cell(nk)
	list := w.cell(le.Uint32(c[28:]))
	for i := 0; i < int(le.Uint16(list[2:])); i++ {
		child := le.Uint32(list[4+8*i:])
		cc := w.cell(child)
		if strings.EqualFold(string(cc[76:76+int(le.Uint16(cc[72:]))]), name) {
			return child
		}
	}
	panic("hostilegen: no key " + name)
}
