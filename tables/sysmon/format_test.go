package sysmon

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/runkeyhunt/runkeyhunt/tables/input"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func checkGolden(t *testing.T, name string, lines []string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	got := strings.Join(lines, "\n") + "\n"
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs:\n got:\n%s\nwant:\n%s", path, got, want)
	}
}

func TestSeedGolden(t *testing.T) {
	path := sharedFile(t, "seed/registryautorun.evtx")
	events, warnings, err := readEVTXFile(t, path, Filter{})
	if err != nil || len(warnings) > 0 {
		t.Fatal(err, warnings)
	}
	var lines []string
	for _, e := range events {
		lines = append(lines, formatEvent(e))
	}
	sort.Strings(lines)
	checkGolden(t, "seed.golden", lines)
}

var scenarioFiles = []string{
	"scenario.wevtutil.xml",
	"scenario.getwinevent.xml",
	"scenario.evtxexport.xml",
	"scenario.events.xml",
	"scenario.utf16.xml",
	"scenario.ecs.jsonl",
	"scenario.nxlog.jsonl",
}

// scenarioFormat is the format of a scenario file. input.Detect does not
// yet recognise evtxexport output, whose first line is not markup.
func scenarioFormat(name string, head []byte) input.Format {
	if strings.HasSuffix(name, ".xml") {
		return input.EventXML
	}
	return input.Detect(head)
}

// TestScenarioAllFormats reads one scenario written in every text format,
// and built into an EVTX file, and expects the same events from each.
func TestScenarioAllFormats(t *testing.T) {
	var first []string
	for _, name := range scenarioFiles {
		path := filepath.Join("testdata", name)
		head, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		format := scenarioFormat(name, head)
		var warnings []error
		var events []*Event
		err = ReadFile(context.Background(), input.File{Path: path, Format: format}, Filter{},
			func(e *Event) error { events = append(events, e); return nil },
			func(err error) { warnings = append(warnings, err) })
		if err != nil || len(warnings) > 0 {
			t.Fatalf("%s (%s): %v %v", name, format, err, warnings)
		}
		var lines []string
		for i, e := range events {
			lines = append(lines, formatEvent(e))
			if e.SourceFile != path {
				t.Errorf("%s: SourceFile %q", name, e.SourceFile)
			}
			if i > 0 && e.Offset <= events[i-1].Offset {
				t.Errorf("%s: offsets not increasing: %d after %d", name, e.Offset, events[i-1].Offset)
			}
		}
		switch format {
		case input.JSONLines:
			if len(events) == 3 && (events[0].Offset != 1 || events[2].Offset != 4) {
				t.Errorf("%s: line numbers %d, %d", name, events[0].Offset, events[2].Offset)
			}
		case input.EventXML:
			if name != "scenario.utf16.xml" && len(events) > 0 && !bytes.HasPrefix(head[events[1].Offset:], []byte("<Event")) {
				t.Errorf("%s: offset %d is not the start of an event", name, events[1].Offset)
			}
		}
		checkGolden(t, "scenario.golden", lines)
		if first == nil {
			first = lines
		}
	}

	// The same scenario as EVTX.
	var all []*Event
	data, _ := os.ReadFile(filepath.Join("testdata", scenarioFiles[0]))
	if err := ReadXML(context.Background(), bytes.NewReader(data), "x", Filter{anyProvider: true}, func(e *Event) error { all = append(all, e); return nil }); err != nil {
		t.Fatal(err)
	}
	var tes []testEvent
	for _, e := range all {
		te := testEvent{id: uint16(e.EventID), recordID: uint64(e.RecordID), time: e.TimeCreated,
			provider: e.Provider, channel: e.Channel, computer: e.Computer}
		keys := make([]string, 0, e.NumFields())
		for k := range e.Fields() {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			te.data = append(te.data, [2]string{k, e.Field(k)})
		}
		tes = append(tes, te)
	}
	file := buildEVTX(tes)
	var lines []string
	var warnings []error
	err := ReadEVTX(context.Background(), bytes.NewReader(file), int64(len(file)), "built.evtx", Filter{},
		func(e *Event) error { lines = append(lines, formatEvent(e)); return nil },
		func(err error) { warnings = append(warnings, err) })
	if err != nil || len(warnings) > 0 {
		t.Fatal(err, warnings)
	}
	checkGolden(t, "scenario.golden", lines)
}

func TestFilterEventIDsAllFormats(t *testing.T) {
	for _, name := range scenarioFiles {
		path := filepath.Join("testdata", name)
		head, _ := os.ReadFile(path)
		var ids []int
		err := ReadFile(context.Background(), input.File{Path: path, Format: scenarioFormat(name, head)}, Filter{EventIDs: map[int]bool{13: true, 12: true}},
			func(e *Event) error { ids = append(ids, e.EventID); return nil }, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) != 2 || ids[0] != 13 || ids[1] != 12 {
			t.Errorf("%s: ids %v, want [13 12]", name, ids)
		}
	}
}

func TestReadXMLErrors(t *testing.T) {
	good, _ := os.ReadFile("testdata/scenario.wevtutil.xml")
	for name, text := range map[string]string{
		"truncated":  string(good[:len(good)-20]),
		"mismatched": `<Event><System></Event>`,
		"bad entity": `<Event><System><Computer>a &bogus; b</Computer></System></Event>`,
		"too deep":   strings.Repeat("<a>", 100),
	} {
		n := 0
		err := ReadXML(context.Background(), strings.NewReader(text), "f.xml", Filter{}, func(*Event) error { n++; return nil })
		if err == nil || !strings.HasPrefix(err.Error(), "f.xml: offset ") {
			t.Errorf("%s: error %v, want one naming file and offset", name, err)
		}
		if name == "truncated" && n != 2 {
			t.Errorf("truncated: %d events before the error, want 2", n)
		}
	}
	stop := errors.New("stop")
	if err := ReadXML(context.Background(), bytes.NewReader(good), "f.xml", Filter{}, func(*Event) error { return stop }); err != stop {
		t.Errorf("emit error came back as %v", err)
	}
}

func TestReadJSONLinesBadLines(t *testing.T) {
	good, _ := os.ReadFile("testdata/scenario.nxlog.jsonl")
	lines := strings.Split(strings.TrimSpace(string(good)), "\n")
	text := lines[0] + "\n" +
		`{"EventID": 13, "SourceName": "Microsoft-Windows-Sysmon", "broken` + "\n" +
		"\n" +
		`{"EventID": 13, "SourceName": "Microsoft-Windows-Sysmon"} trailing` + "\n" +
		`{"EventID": 13, "SourceName": "Microsoft-Windows-Sysmon", "x": "` + strings.Repeat("a", maxJSONLine) + `"}` + "\n" +
		lines[1] // no final newline
	var events []*Event
	var warnings []string
	err := ReadJSONLines(context.Background(), strings.NewReader(text), "f.jsonl", Filter{},
		func(e *Event) error { events = append(events, e); return nil },
		func(err error) { warnings = append(warnings, err.Error()) })
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 2 || events[0].Offset != 1 || events[1].Offset != 6 {
		t.Errorf("events %v", events)
	}
	want := []string{"f.jsonl: line 2: ", "f.jsonl: line 4: ", "f.jsonl: line 5: longer than"}
	if len(warnings) != len(want) {
		t.Fatalf("warnings %q", warnings)
	}
	for i, w := range want {
		if !strings.HasPrefix(warnings[i], w) {
			t.Errorf("warning %q, want prefix %q", warnings[i], w)
		}
	}
}

func TestParseUtcTime(t *testing.T) {
	for in, want := range map[string]string{
		"2018-04-09 05:56:52.868":       "2018-04-09T05:56:52.868Z",
		"2018-04-09 05:56:52":           "2018-04-09T05:56:52Z",
		"2018-04-09 05:56:52.868543500": "2018-04-09T05:56:52.8685435Z",
		" 2018-04-09 05:56:52.8 ":       "2018-04-09T05:56:52.8Z",
	} {
		got, ok := ParseUtcTime(in)
		if !ok || got.Format(time.RFC3339Nano) != want {
			t.Errorf("ParseUtcTime(%q) = %v, %v; want %s", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "yesterday", "2018-04-09T05:56:52Z", "2018-13-09 05:56:52"} {
		if _, ok := ParseUtcTime(bad); ok {
			t.Errorf("ParseUtcTime(%q) accepted", bad)
		}
	}
	for in, want := range map[string]string{
		"2018-04-09T05:56:52.868543500Z": "2018-04-09T05:56:52.8685435Z",
		"2018-04-09T05:56:52.8685435Z":   "2018-04-09T05:56:52.8685435Z",
		"2018-04-09 05:56:52":            "2018-04-09T05:56:52Z",
		"2018-04-09T07:56:52+02:00":      "2018-04-09T05:56:52Z",
	} {
		got, ok := parseEventTime(in)
		if !ok || got.Format(time.RFC3339Nano) != want {
			t.Errorf("parseEventTime(%q) = %v, %v; want %s", in, got, ok, want)
		}
	}
}
