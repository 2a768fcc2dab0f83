package chain

import (
	"bytes"
	"encoding/binary"
)

// lineMentions returns a cheap necessary condition for a JSON line to name
// one of guids: a GUID's text ("8-4-4-4-12" hex, any case) that is in the
// set. Its cost is linear in the line, whatever the number of GUIDs: the
// line's GUID-shaped texts are looked up, rather than every GUID searched
// for (which made the ProcessCreate pass quadratic in the input). A
// bitset on a hash of the case-folded text (guidBits) turns most of a
// line's GUIDs away before the exact set is asked.
func lineMentions(guids []string) func(line []byte) bool {
	set := make(map[[guidTextLen]byte]struct{}, len(guids))
	bits := new([guidBitWords]uint64)
	for _, g := range guids {
		t := trimBraces(g)
		if len(t) != guidTextLen {
			continue
		}
		var key [guidTextLen]byte
		for i := range key {
			key[i] = upper(t[i])
		}
		set[key] = struct{}{}
		h := guidBits([]byte(t))
		bits[h/64%guidBitWords] |= 1 << (h % 64)
	}
	return func(line []byte) bool {
		for from := 0; ; {
			d := bytes.IndexByte(line[from:], '-')
			if d < 0 {
				return false
			}
			d += from
			from = d + 1
			start := d - 8 // the first dash of a GUID follows 8 hex digits
			if start < 0 || start+guidTextLen > len(line) {
				continue
			}
			g := line[start : start+guidTextLen]
			if g[13] != '-' || g[18] != '-' || g[23] != '-' || !guidShaped(g) {
				continue
			}
			if h := guidBits(g); bits[h/64%guidBitWords]&(1<<(h%64)) != 0 {
				var key [guidTextLen]byte
				for i := range key {
					key[i] = upper(g[i])
				}
				if _, ok := set[key]; ok {
					return true
				}
			}
			from = start + guidTextLen
		}
	}
}

// guidBitWords is the size of lineMentions' bitset, in words (64 Ki bits).
const guidBitWords = 1 << 10

// guidBits hashes a GUID's text (guidTextLen bytes) as its upper case
// would hash: OR 0x20 folds the case of hex letters and leaves digits and
// dashes alone.
func guidBits(g []byte) uint64 {
	const fold = 0x2020202020202020
	h := binary.LittleEndian.Uint64(g[0:]) | fold
	h = (h ^ (binary.LittleEndian.Uint64(g[9:]) | fold)) * 0x9e3779b97f4a7c15
	h = (h ^ (binary.LittleEndian.Uint64(g[19:]) | fold)) * 0xc2b2ae3d27d4eb4f
	h = (h ^ (binary.LittleEndian.Uint64(g[28:]) | fold)) * 0x165667b19e3779f9
	return h >> 40
}

const guidTextLen = 36

func trimBraces(g string) string {
	if len(g) >= 2 && g[0] == '{' && g[len(g)-1] == '}' {
		return g[1 : len(g)-1]
	}
	return g
}

// guidShaped tells whether b is 8-4-4-4-12 hex digits.
func guidShaped(b []byte) bool {
	for i, c := range b {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !isHex(c) {
				return false
			}
		}
	}
	return true
}

func isHex(c byte) bool { return hexDigit[c] }

var hexDigit = func() (t [256]bool) {
	for _, c := range []byte("0123456789abcdefABCDEF") {
		t[c] = true
	}
	return t
}()

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}
