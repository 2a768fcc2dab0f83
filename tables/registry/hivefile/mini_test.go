package hivefile_test

import (
	"encoding/binary"
	"unicode/utf16"

	"github.com/runkeyhunt/runkeyhunt/tables/registry/hivefile/hivetest"
)

// miniOptions damage the mini hive in known ways.
type miniOptions struct {
	childIsRoot bool // the root's subkey list points back at the root
	selfIndex   bool // the root's subkey list is an ri cell listing itself
	hugeCounts  bool // counts and lengths far beyond the cells holding them
}

// miniHive builds a small hive by hand, byte by byte, after the regf
// layout: root "ROOT" -> "Software" with a REG_SZ "Run" = "abcd" and an
// inline REG_DWORD "Dw" = 42. It needs no tools, so the hostile-input tests
// and the fuzz seeds always run.
func miniHive(o miniOptions) []byte {
	b := make([]byte, 0x2000)
	le := binary.LittleEndian
	// Base block.
	copy(b, "regf")
	le.PutUint32(b[4:], 1)
	le.PutUint32(b[8:], 1)
	le.PutUint32(b[20:], 1)
	le.PutUint32(b[24:], 5)
	le.PutUint32(b[32:], 1)
	le.PutUint32(b[36:], 0x20)
	le.PutUint32(b[40:], 0x1000)
	le.PutUint32(b[44:], 1)
	for i, c := range utf16.Encode([]rune(`\??\C:\Users\joe\ntuser.dat`)) {
		le.PutUint16(b[0x30+2*i:], c)
	}
	le.PutUint32(b[0x1fc:], hivetest.Checksum(b[:0x200]))

	bin := b[0x1000:]
	copy(bin, "hbin")
	le.PutUint32(bin[8:], 0x1000)

	const filetime2009 = 1249398792*10000000 + 116444736000000000
	nk := func(off int, name string, subkeys, list, values, valueList uint32) {
		size := (4 + 76 + len(name) + 7) &^ 7
		le.PutUint32(bin[off:], negSize(size))
		c := bin[off+4:]
		copy(c, "nk")
		le.PutUint16(c[2:], 0x20) // compressed name
		le.PutUint64(c[4:], filetime2009)
		le.PutUint32(c[20:], subkeys)
		le.PutUint32(c[28:], list)
		le.PutUint32(c[32:], 0xffffffff)
		le.PutUint32(c[36:], values)
		le.PutUint32(c[40:], valueList)
		le.PutUint32(c[44:], 0xffffffff)
		le.PutUint32(c[48:], 0xffffffff)
		le.PutUint16(c[72:], uint16(len(name)))
		copy(c[76:], name)
	}
	subkeys, values, dataLen := uint32(1), uint32(2), uint32(10)
	if o.hugeCounts {
		subkeys, values, dataLen = 0xffffffff, 0xffffffff, 0x7fffffff
	}
	nk(0x20, "ROOT", subkeys, 0x100, 0, 0xffffffff)

	// Subkey list of the root.
	le.PutUint32(bin[0x100:], negSize(16))
	switch {
	case o.selfIndex:
		copy(bin[0x104:], "ri")
		le.PutUint16(bin[0x106:], 1)
		le.PutUint32(bin[0x108:], 0x100)
	default:
		copy(bin[0x104:], "lf")
		le.PutUint16(bin[0x106:], 1)
		child := uint32(0x200)
		if o.childIsRoot {
			child = 0x20
		}
		if o.hugeCounts {
			le.PutUint16(bin[0x106:], 0xffff)
		}
		le.PutUint32(bin[0x108:], child)
		copy(bin[0x10c:], "Soft")
	}

	nk(0x200, "Software", 0, 0xffffffff, values, 0x300)

	// Value list.
	le.PutUint32(bin[0x300:], negSize(16))
	le.PutUint32(bin[0x304:], 0x400)
	le.PutUint32(bin[0x308:], 0x480)

	vk := func(off int, name string, length, data, typ uint32) {
		size := (4 + 20 + len(name) + 7) &^ 7
		le.PutUint32(bin[off:], negSize(size))
		c := bin[off+4:]
		copy(c, "vk")
		le.PutUint16(c[2:], uint16(len(name)))
		le.PutUint32(c[4:], length)
		le.PutUint32(c[8:], data)
		le.PutUint32(c[12:], typ)
		le.PutUint16(c[16:], 1) // compressed name
		copy(c[20:], name)
	}
	vk(0x400, "Run", dataLen, 0x500, 1)
	vk(0x480, "Dw", 0x80000004, 42, 4)

	// Data of "Run".
	le.PutUint32(bin[0x500:], negSize(16))
	copy(bin[0x504:], []byte{'a', 0, 'b', 0, 'c', 0, 'd', 0, 0, 0})
	return b
}

// negSize is an allocated cell's size field: the size, negated.
func negSize(size int) uint32 { return uint32(-int32(size)) }
