package sysmon

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// checkNoInternalError fails on errors that come from a recovered panic:
// the readers recover at their boundary, which would hide the bug.
func checkNoInternalError(t *testing.T, err error) {
	if err != nil && strings.Contains(err.Error(), "internal error") {
		t.Fatal(err)
	}
}

func fixture(t testing.TB, name string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// builtScenario is the scenario as a small EVTX file, its chunk cut after
// the records.
func builtScenario() []byte {
	file := buildEVTX([]testEvent{
		{id: 13, recordID: 7, provider: Provider, channel: Channel, computer: "pc",
			data: [][2]string{{"TargetObject", `HKLM\Software\Microsoft\Windows\CurrentVersion\Run\x`}, {"Details", "calc.exe"}}},
		{id: 3, recordID: 8, provider: Provider, channel: Channel, computer: "pc",
			data: [][2]string{{"DestinationIp", "10.0.0.1"}, {"DestinationPort", "443"}}},
	})
	end := fileHeaderSize + chunkSize
	for end > fileHeaderSize+chunkHeaderSize && file[end-1] == 0 {
		end--
	}
	return file[:end]
}

func FuzzReadXML(f *testing.F) {
	for _, name := range scenarioFiles {
		if strings.HasSuffix(name, ".xml") {
			f.Add(fixture(f, name))
		}
	}
	f.Add([]byte(`<Events><Event><System><EventID>13</EventID></System></Event></Events>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		err := ReadXML(context.Background(), bytes.NewReader(data), "fuzz.xml", Filter{}, func(e *Event) error {
			return nil
		})
		checkNoInternalError(t, err)
	})
}

func FuzzReadJSONLines(f *testing.F) {
	f.Add(fixture(f, "scenario.ecs.jsonl"))
	f.Add(fixture(f, "scenario.nxlog.jsonl"))
	f.Add([]byte(`{"EventID":"13","SourceName":"Microsoft-Windows-Sysmon","Details":"\u00e9\ud83d\ude00"}`))
	// Get-WinEvent | ConvertTo-Json -Compress, escaped keys, bad escapes
	// in a skipped member, a realistic NXLog line (Message included).
	f.Add([]byte(`{"TimeCreated":"2024-03-12T09:13:40Z","ProviderName":"Microsoft-Windows-Sysmon","EventID":13,"EventRecordID":9,"Computer":"c","TargetObject":"HKLM\\x"}` + "\n" +
		`{"EventID":13,"SourceName":"Microsoft-Windows-Sysmon","Ev\u0065ntType":"SetValue","K\"ey":"\ud800\u0041","Message":"a\qb"}` + "\n"))
	nxlog, _ := nxlogBenchLines(1)
	f.Add(nxlog)
	f.Fuzz(func(t *testing.T, data []byte) {
		err := ReadJSONLines(context.Background(), bytes.NewReader(data), "fuzz.jsonl", Filter{EventIDs: map[int]bool{13: true, 3: true}},
			func(e *Event) error {
				if e.EventID != 13 && e.EventID != 3 {
					t.Fatalf("event id %d passed the filter", e.EventID)
				}
				return nil
			}, func(error) {})
		checkNoInternalError(t, err)
	})
}

func FuzzReadEVTX(f *testing.F) {
	f.Add(builtScenario())
	if seed, err := os.ReadFile(filepath.Join(sharedData, "seed", "registryautorun.evtx")); err == nil {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Two passes as the correlation reads: every event, then one id
		// with what the first pass noted; the second must find exactly
		// the first's events of that id.
		var notes chunkNotes
		byID := map[int]int{}
		warn := func(err error) {
			checkNoInternalError(t, err)
			if !strings.HasPrefix(err.Error(), "fuzz.evtx: ") {
				t.Fatalf("warning does not name the file: %v", err)
			}
		}
		err := readEVTX(context.Background(), bytes.NewReader(data), int64(len(data)), "fuzz.evtx", Filter{anyProvider: true},
			func(e *Event) error {
				if e.SourceFile != "fuzz.evtx" || e.Offset < fileHeaderSize || e.Offset >= int64(len(data)) {
					t.Fatalf("event %+v", e)
				}
				byID[e.EventID]++
				return nil
			}, warn, &notes)
		checkNoInternalError(t, err)
		if err != nil {
			return
		}
		if len(byID) == 0 {
			return
		}
		id := slices.Min(slices.Collect(maps.Keys(byID))) // one id is enough per input
		got := 0
		err = readEVTX(context.Background(), bytes.NewReader(data), int64(len(data)), "fuzz.evtx", Filter{anyProvider: true, EventIDs: map[int]bool{id: true}},
			func(*Event) error { got++; return nil }, warn, &notes)
		if err != nil || got != byID[id] {
			t.Fatalf("second pass for id %d: %d events, first pass %d (%v)", id, got, byID[id], err)
		}
	})
}

// TestWriteFuzzCorpus writes the committed seed corpus (go test -update).
func TestWriteFuzzCorpus(t *testing.T) {
	if !*update {
		t.Skip("run with -update to rewrite testdata/fuzz")
	}
	write := func(target, name string, data []byte) {
		dir := filepath.Join("testdata", "fuzz", target)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%s)\n", strconv.Quote(string(data)))
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range scenarioFiles {
		if strings.HasSuffix(name, ".xml") {
			write("FuzzReadXML", name, fixture(t, name))
		} else {
			write("FuzzReadJSONLines", name, fixture(t, name))
		}
	}
	write("FuzzReadXML", "unclosed", []byte(`<Event><System><Provider Name='Microsoft-Windows-Sysmon'/><EventID>1`))
	write("FuzzReadJSONLines", "mixed", []byte("{\"winlog\":{\"event_id\":13,\"provider_name\":\"Microsoft-Windows-Sysmon\",\"event_data\":{\"a\":[1,{\"b\":null}],\"c\":1e3}}}\n\n{bad\n"))
	built := builtScenario()
	write("FuzzReadEVTX", "scenario", built)
	write("FuzzReadEVTX", "header-only", built[:fileHeaderSize])
	broken := bytes.Clone(built)
	broken[fileHeaderSize+chunkHeaderSize+recordHeaderSize+5] = 0x21 // a token byte mangled
	write("FuzzReadEVTX", "mangled-token", broken)
}

func TestFuzzCorpusIsCommitted(t *testing.T) {
	for _, target := range []string{"FuzzReadXML", "FuzzReadJSONLines", "FuzzReadEVTX"} {
		entries, err := os.ReadDir(filepath.Join("testdata", "fuzz", target))
		if err != nil || len(entries) == 0 {
			t.Errorf("no seed corpus for %s: %v", target, err)
		}
	}
}
