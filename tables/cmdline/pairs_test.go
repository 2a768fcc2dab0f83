package cmdline

import (
	"reflect"
	"strings"
	"testing"
)

// scanUnfiltered is scanLine without the pair filter: every finder runs
// its strings.Index passes, as before the filter.
func scanUnfiltered(line string, env map[string]string) []found {
	return scanWith(&scanner{s: line, lower: ASCIILower(line), env: env})
}

func TestScannerAbsent(t *testing.T) {
	line := strings.Repeat(" ", pairFilterMin) + "Get-ItemProperty HKCU:\\x"
	sc := newScanner(line, ASCIILower(line), nil)
	for word, want := range map[string]bool{"get-itemproperty": false, "hkcu": false, "regread": true, "gp": true, " g": false, "x": false} {
		if got := sc.absent(word); got != want {
			t.Errorf("absent(%q) = %v, want %v", word, got, want)
		}
	}
	if short := newScanner("gp HKCU:\\x", "gp hkcu:\\x", nil); short.pairs != nil || short.absent("regread") {
		t.Errorf("a short line has pairs, or calls a word absent")
	}
}

// FuzzScanPairFilter: the finders find the same references with the pair
// filter (a line at least pairFilterMin long) as without it.
func FuzzScanPairFilter(f *testing.F) {
	for _, tc := range maliciousCases {
		f.Add(tc.line)
	}
	f.Fuzz(func(t *testing.T, line string) {
		for _, l := range []string{line, line + strings.Repeat(" ", pairFilterMin), strings.Repeat(line+";", pairFilterMin/max(1, len(line))+1)} {
			if got, want := scanLine(Lower(l), testEnv), scanUnfiltered(l, testEnv); !reflect.DeepEqual(got, want) {
				t.Fatalf("scanLine(%.80q) = %v, unfiltered %v", l, got, want)
			}
		}
	})
}
