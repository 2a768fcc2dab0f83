package catalog

import (
	"fmt"
	"strings"
	"testing"

	"github.com/runkeyhunt/runkeyhunt/tables/registry"
)

// matchCases are key paths and value names around every declared
// location: its key, an item below it, the item's Suffix key, other
// spellings (case, ControlSet001, slashes around), a value it does not
// hold, and paths next to it that are no location.
func matchCases() [][3]string {
	var out [][3]string
	add := func(scope, key, value string) { out = append(out, [3]string{scope, key, value}) }
	for _, l := range All {
		values := append([]string{"Other", ""}, l.Values...)
		keys := []string{l.Key, l.Key + `\Item`, l.Key + `\`, l.Key + `\Sub\Deeper`}
		if l.Suffix != "" {
			keys = append(keys, l.Key+`\{0000-1111}\`+l.Suffix, l.Key+`\`+l.Suffix, l.Key+`\a\b\`+l.Suffix)
		}
		for _, k := range keys {
			for _, spelled := range []string{k, strings.ToUpper(k), strings.ToLower(k), `\` + k, strings.Replace(k, "CurrentControlSet", "ControlSet001", 1)} {
				for _, v := range values {
					add(registry.ScopeMachine, spelled, v)
					add(registry.ScopeUser, spelled, v)
				}
			}
		}
	}
	return out
}

// The index gives the location, and the item, that trying every location
// in declaration order gives, for every path around every declaration.
func TestMatchIndexAgreesWithEveryLocation(t *testing.T) {
	cases := matchCases()
	matched := 0
	for _, c := range cases {
		checkIndexAgrees(t, c[0], c[1], c[2])
		if _, ok := Match(c[0], c[1], c[2]); ok {
			matched++
		}
	}
	// A non-ASCII path takes the linear search, whose EqualFold folds
	// U+212A KELVIN SIGN to k: the same location as before the index.
	if loc, ok := Match(registry.ScopeUser, "Control Panel\\Des\u212Atop", "SCRNSAVE.EXE"); !ok || loc.ID != "screensaver" {
		t.Errorf("Des\u212Atop: %s %v, want screensaver", loc.ID, ok)
	}
	if matched < len(All) {
		t.Errorf("only %d of %d cases matched: the cases miss the locations", matched, len(cases))
	}
}

// BenchmarkMatch matches registry event paths as a busy host's Sysmon log
// holds them (nine in ten no autorun at all; every item name unique)
// with the index and by trying every location, in the same run.
func BenchmarkMatch(b *testing.B) {
	var keys []string
	for i := range 1000 {
		switch i % 10 {
		case 0:
			keys = append(keys, `SOFTWARE\Microsoft\Windows\CurrentVersion\Run`)
		case 1:
			keys = append(keys, fmt.Sprintf(`SYSTEM\ControlSet001\Services\svc%04d\Parameters`, i))
		case 2:
			keys = append(keys, fmt.Sprintf(`SOFTWARE\Microsoft\Windows\CurrentVersion\Explorer\FileExts\.ext%04d\OpenWithList`, i))
		case 3:
			keys = append(keys, fmt.Sprintf(`SYSTEM\CurrentControlSet\Services\bam\State\UserSettings\S-1-5-21-%d`, i))
		default:
			keys = append(keys, fmt.Sprintf(`SOFTWARE\Microsoft\Windows\CurrentVersion\Explorer\UserAssist\{GUID}\Count\item%04d`, i))
		}
	}
	run := func(b *testing.B, match func(scope, key, value string) (Location, bool)) {
		b.ReportAllocs()
		for b.Loop() {
			for _, k := range keys {
				match(registry.ScopeMachine, k, "ServiceDll")
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(keys)), "ns/path")
	}
	b.Run("index", func(b *testing.B) { run(b, Match) })
	b.Run("every_location", func(b *testing.B) {
		run(b, func(scope, key, value string) (Location, bool) {
			return matchLinear(All, scope, CurrentControlSet(strings.Trim(key, `\`)), value)
		})
	})
}
