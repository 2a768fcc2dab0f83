package chain

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/runkeyhunt/runkeyhunt/tables/input"
	"github.com/runkeyhunt/runkeyhunt/tables/sysmon"
)

// On the scenario and a random log with late payload targets, in every
// format, and on 300 random mutations of them, the one pass gives the
// three passes' rows and errors.
func TestOnePassAgreesOnMutatedScenario(t *testing.T) {
	var seeds [][]byte
	for _, name := range []string{"scenario.wevtutil.xml", "scenario.nxlog.jsonl", "scenario.ecs.jsonl", "scenario.events.xml"} {
		b, err := os.ReadFile(filepath.Join("..", "sysmon", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	seeds = append(seeds, corpusEntry(t, filepath.Join("..", "sysmon", "testdata", "fuzz", "FuzzReadEVTX", "scenario")))
	// And a random log with payloads written before and after the Run
	// values naming them, as each format.
	events := randomLog(rand.New(rand.NewPCG(7, 1)), 120)
	var chunks [][]*sysmon.Event
	var xml strings.Builder
	for i, e := range events {
		if i%15 == 0 {
			chunks = append(chunks, nil)
		}
		chunks[len(chunks)-1] = append(chunks[len(chunks)-1], e)
		xml.WriteString(xmlEvent(e))
	}
	for _, path := range []string{writeEVTX(t, chunks), writeJSONLines(t, events)} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	seeds = append(seeds, []byte(xml.String()))
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 300 + len(seeds) {
		data := append([]byte(nil), seeds[n%len(seeds)]...)
		for range min(n/len(seeds), 1+rng.IntN(8)) { // the seeds as they are first
			if len(data) == 0 {
				break
			}
			i := rng.IntN(len(data))
			switch rng.IntN(3) {
			case 0:
				data[i] = byte(rng.IntN(256))
			case 1:
				j := min(len(data), i+rng.IntN(200))
				data = append(data[:i], data[j:]...)
			case 2:
				j := rng.IntN(len(data))
				k := min(len(data), j+rng.IntN(400))
				data = append(data[:i], append(append([]byte(nil), data[j:k]...), data[i:]...)...)
			}
		}
		path := filepath.Join(dir, "in")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		for _, format := range []input.Format{input.EVTX, input.EventXML, input.JSONLines} {
			files := []input.File{{Path: path, Format: format}}
			a, err1 := Correlate(context.Background(), files, DefaultWindow, nil, func(error) {})
			b, err2 := correlatePasses(newPasses(context.Background(), files, make([]warnings, 1), func(error) {}), DefaultWindow, nil)
			if (err1 == nil) != (err2 == nil) {
				t.Fatalf("input %d as %s: errors %v (one pass), %v (three passes)", n, format, err1, err2)
			}
			if err1 == nil && !reflect.DeepEqual(a, b) {
				t.Fatalf("input %d as %s: rows differ:\n one pass     %+v\n three passes %+v", n, format, a, b)
			}
		}
	}
}
