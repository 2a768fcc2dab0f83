// Package utf16ascii narrows UTF-16LE text that is pure ASCII, the common
// case for registry strings and PowerShell payloads, in one pass of 8-byte
// words instead of decoding rune by rune.
package utf16ascii

import "encoding/binary"

// nonASCII has a bit set wherever a UTF-16LE code unit would not be ASCII:
// the high byte, and the top bit of the low byte.
const nonASCII = 0xFF80FF80FF80FF80

// pack4 gathers the low bytes of the four 16-bit lanes of w, whose high
// bytes are zero, into its low 32 bits.
func pack4(w uint64) uint64 {
	w = (w | w>>8) & 0x0000_ffff_0000_ffff
	return (w | w>>16) & 0xffff_ffff
}

// Narrow returns the ASCII bytes of UTF-16LE b, or ok = false when b has an
// odd length or any code unit outside ASCII.
func Narrow(b []byte) (out []byte, ok bool) {
	return NarrowInto(nil, b)
}

// NarrowInto is Narrow writing into dst's array when it is large enough
// (dst must not overlap b).
func NarrowInto(dst, b []byte) (out []byte, ok bool) {
	if len(b)%2 != 0 {
		return nil, false
	}
	if cap(dst) >= len(b)/2 {
		out = dst[:len(b)/2]
	} else {
		out = make([]byte, len(b)/2)
	}
	i := 0
	for ; i+16 <= len(b); i += 16 {
		in := b[i : i+16 : i+16] // one bounds check for the round
		w0, w1 := binary.LittleEndian.Uint64(in[:8]), binary.LittleEndian.Uint64(in[8:])
		if (w0|w1)&nonASCII != 0 {
			return nil, false
		}
		binary.LittleEndian.PutUint64(out[i/2:i/2+8], pack4(w0)|pack4(w1)<<32)
	}
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		if w&nonASCII != 0 {
			return nil, false
		}
		o := out[i/2 : i/2+4]
		o[0], o[1], o[2], o[3] = byte(w), byte(w>>16), byte(w>>32), byte(w>>48)
	}
	for ; i < len(b); i += 2 {
		if b[i+1] != 0 || b[i] >= 0x80 {
			return nil, false
		}
		out[i/2] = b[i]
	}
	return out, true
}
