package payload

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
)

// Entropy is Shannon entropy in bits per byte (0 for empty input).
func Entropy(b []byte) float64 {
	if len(b) == 0 {
		return 0
	}
	counts := byteCounts(b)
	total := float64(len(b))
	bits := 0.0
	for _, n := range counts {
		if n > 0 {
			p := float64(n) / total
			bits -= p * math.Log2(p)
		}
	}
	// Rounding can leave -0 or a hair above 8; neither is meaningful.
	return min(max(bits, 0), 8)
}

// byteCounts counts each byte value of b. Four tables, summed at the end,
// keep runs of one byte (the NUL high bytes of UTF-16) from waiting on
// the previous increment of the same counter.
func byteCounts(b []byte) (counts [256]int) {
	var c0, c1, c2, c3 [256]uint32
	for len(b) >= 4 {
		c0[b[0]]++
		c1[b[1]]++
		c2[b[2]]++
		c3[b[3]]++
		b = b[4:]
	}
	for _, c := range b {
		c0[c]++
	}
	for i := range counts {
		counts[i] = int(c0[i]) + int(c1[i]) + int(c2[i]) + int(c3[i])
	}
	return counts
}

// SHA256Hex of the raw payload, lower-case hex.
func SHA256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Preview returns the first PreviewChars characters (runes) of text.
func Preview(text string) string {
	if len(text) <= PreviewChars {
		return text // no more runes than bytes
	}
	n := 0
	for i := range text {
		if n == PreviewChars {
			return text[:i]
		}
		n++
	}
	return text
}
