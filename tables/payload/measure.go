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
	var counts [256]int
	for _, c := range b {
		counts[c]++
	}
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

// SHA256Hex of the raw payload, lower-case hex.
func SHA256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Preview returns the first PreviewChars characters (runes) of text.
func Preview(text string) string {
	n := 0
	for i := range text {
		if n == PreviewChars {
			return text[:i]
		}
		n++
	}
	return text
}
