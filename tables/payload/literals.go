package payload

import (
	"math/bits"
	"strings"
)

// litTable finds which of up to 64 lower-case ASCII literals (each at
// least 3 bytes) occur in a text, in one pass: a literal is a candidate at
// a position only when its first three bytes are there (one bit mask per
// byte value and position), and only candidates are compared. That
// replaces one strings.Index pass per literal, slow on the frequent first
// bytes of PowerShell keywords.
type litTable struct {
	words                []string
	first, second, third [256]uint64
}

// litGroup is a set of literals of a litTable, one bit each.
type litGroup uint64

// litHits are the literals of a litTable found in a text.
type litHits uint64

// any reports whether a literal of g was found.
func (h litHits) any(g litGroup) bool { return uint64(h)&uint64(g) != 0 }

// add registers words (once each) and returns their group.
func (t *litTable) add(words ...string) litGroup {
	var g litGroup
	for _, w := range words {
		i := indexOf(t.words, w)
		if i < 0 {
			if len(t.words) == 64 || len(w) < 3 || strings.ToLower(w) != w {
				panic("payload: literal table cannot hold " + w) // a programming error, at init
			}
			i = len(t.words)
			t.words = append(t.words, w)
			bit := uint64(1) << i
			t.first[w[0]] |= bit
			t.second[w[1]] |= bit
			t.third[w[2]] |= bit
		}
		g |= litGroup(1) << i
	}
	return g
}

func indexOf(words []string, w string) int {
	for i, x := range words {
		if x == w {
			return i
		}
	}
	return -1
}

// scan returns the literals that occur in low.
func (t *litTable) scan(low string) litHits {
	var hits uint64
	if len(low) < 3 {
		return 0
	}
	// The three bytes at i-2..i slide along, one load a position; the
	// three masks are tested together, with no branch until a literal may
	// start: most letters start some literal, so a test on the first
	// alone mispredicts all along a script.
	a, b := low[0], low[1]
	for i := 2; i < len(low); i++ {
		c := low[i]
		m := t.first[a] & t.second[b] & t.third[c] &^ hits
		a, b = b, c
		if m == 0 {
			continue
		}
		for m != 0 {
			w := bits.TrailingZeros64(m)
			m &= m - 1
			if strings.HasPrefix(low[i-2:], t.words[w]) {
				hits |= 1 << w
			}
		}
	}
	return litHits(hits)
}
