package payload

import (
	"math"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEntropy(t *testing.T) {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	tests := []struct {
		name string
		in   []byte
		want float64
	}{
		{"empty", nil, 0},
		{"one byte", []byte{7}, 0},
		{"all the same byte", []byte(strings.Repeat("A", 1000)), 0},
		{"256 distinct bytes", all, 8},
		{"256 distinct bytes twice", append(all, all...), 8},
		{"two symbols evenly", []byte(strings.Repeat("ab", 50)), 1},
		{"four symbols evenly", []byte(strings.Repeat("abcd", 25)), 2},
		{"three to one", []byte{0, 0, 0, 1}, 0.8112781244591328},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Entropy(tt.in); math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("Entropy = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSHA256Hex(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	}
	for _, tt := range tests {
		if got := SHA256Hex([]byte(tt.in)); got != tt.want {
			t.Errorf("SHA256Hex(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestPreview(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		wantRunes int
		wantBytes int
	}{
		{"empty", "", 0, 0},
		{"short", "IEX $x", 6, 6},
		{"exactly the limit", strings.Repeat("a", PreviewChars), PreviewChars, PreviewChars},
		{"ascii over the limit", strings.Repeat("a", PreviewChars+1), PreviewChars, PreviewChars},
		{"two-byte runes", strings.Repeat("\u00e9", PreviewChars+10), PreviewChars, 2 * PreviewChars},
		{"four-byte runes", strings.Repeat("\U0001F600", PreviewChars+1), PreviewChars, 4 * PreviewChars},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Preview(tt.in)
			if n := utf8.RuneCountInString(got); n != tt.wantRunes || len(got) != tt.wantBytes {
				t.Errorf("Preview: %d runes, %d bytes; want %d runes, %d bytes", n, len(got), tt.wantRunes, tt.wantBytes)
			}
			if !strings.HasPrefix(tt.in, got) {
				t.Errorf("Preview is not a prefix of its input")
			}
		})
	}
}
