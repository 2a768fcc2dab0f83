package chain

import "bytes"

// lineMentions returns a cheap necessary condition for a JSON line to name
// one of guids: a GUID's text ("8-4-4-4-12" hex, any case) that is in the
// set. Its cost is linear in the line, whatever the number of GUIDs: the
// line's GUID-shaped texts are looked up, rather than every GUID searched
// for (which made the ProcessCreate pass quadratic in the input).
func lineMentions(guids []string) func(line []byte) bool {
	set := make(map[string]struct{}, len(guids))
	for _, g := range guids {
		var key [guidTextLen]byte
		t := trimBraces(g)
		if len(t) != guidTextLen {
			continue
		}
		for i := range key {
			key[i] = upper(t[i])
		}
		set[string(key[:])] = struct{}{}
	}
	return func(line []byte) bool {
		var key [guidTextLen]byte
		for from := 0; ; {
			d := bytes.IndexByte(line[from:], '-')
			if d < 0 {
				return false
			}
			d += from
			from = d + 1
			start := d - 8 // the first dash of a GUID follows 8 hex digits
			if start < 0 || start+guidTextLen > len(line) || !guidShaped(line[start:start+guidTextLen]) {
				continue
			}
			for i := range key {
				key[i] = upper(line[start+i])
			}
			if _, ok := set[string(key[:])]; ok {
				return true
			}
			from = start + guidTextLen
		}
	}
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

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}
