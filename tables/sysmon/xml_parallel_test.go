package sysmon

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// xmlEventLine renders one wevtutil-style event with record id rid.
func xmlEventLine(rid, id int, extra string) string {
	return fmt.Sprintf(`<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Sysmon'/><EventID>%d</EventID>`+
		`<TimeCreated SystemTime='2024-03-12T09:08:%02d.5000000Z'/><EventRecordID>%d</EventRecordID><Channel>Microsoft-Windows-Sysmon/Operational</Channel>`+
		`<Computer>WIN-%d</Computer></System><EventData><Data Name='TargetObject'>HKU\S-1\Software\x%d &amp; y</Data><Data Name='ProcessGuid'>{%08d-0000-0000-0000-000000000000}</Data>%s</EventData></Event>`+"\r\n",
		id, rid%60, rid, rid%7, rid, rid%13, extra)
}

// readXMLDump reads data serially or in parallel and renders every event
// (all its values, its offset) and the error.
func readXMLDump(data []byte, filter Filter, parallel bool, segSize int64, stopAfter int) string {
	var out strings.Builder
	n := 0
	emit := func(ev *Event) error {
		fmt.Fprintf(&out, "%d %d %d %s %q %q %q", ev.Offset, ev.EventID, ev.RecordID, ev.TimeCreated.Format("2006-01-02T15:04:05.999999999Z07:00"), ev.Computer, ev.Channel, ev.Provider)
		for k, v := range ev.Fields() {
			fmt.Fprintf(&out, " %s=%q", k, v)
		}
		out.WriteString("\n")
		if n++; stopAfter > 0 && n == stopAfter {
			return errors.New("enough")
		}
		return nil
	}
	var err error
	if parallel {
		err = readXMLAt(context.Background(), bytes.NewReader(data), int64(len(data)), "x.xml", filter, emit, 3, segSize)
	} else {
		err = readXMLSerial(context.Background(), bytes.NewReader(data), "x.xml", filter, emit)
	}
	fmt.Fprintf(&out, "error: %v\n", err)
	return out.String()
}

// The parallel reader must give what the serial one gives, byte offsets
// and errors included, wherever the cuts fall: in event XML as exported, and
// where "<Event" is not an event's start (comments, CDATA, inside an event),
// around a root element, on broken input.
func TestParallelXMLMatchesSerial(t *testing.T) {
	var plain strings.Builder
	for i := range 300 {
		plain.WriteString(xmlEventLine(i+1, []int{1, 3, 12, 13, 22}[i%5], ""))
	}
	events := plain.String()
	half := len(events) / 2
	cut := strings.Index(events[half:], "<Event ") + half
	cases := map[string]string{
		"wevtutil":           events,
		"one line":           strings.ReplaceAll(events, "\r\n", ""),
		"root":               "<?xml version='1.0' encoding='utf-8'?>\r\n<Events>" + events + "</Events>\r\n",
		"two roots":          "<Events>" + events[:cut] + "</Events><Events>" + events[cut:] + "</Events>",
		"utf-8 bom":          "\xEF\xBB\xBF" + events,
		"comment":            events[:cut] + "<!-- <Event> " + events[cut:cut+3000] + " -->" + events[cut:],
		"cdata":              events[:cut] + xmlEventLine(999, 13, "<Data Name='Details'><![CDATA[<Event x "+events[cut:cut+3000]+"]]></Data>") + events[cut:],
		"nested":             events[:cut] + xmlEventLine(998, 13, strings.Repeat(xmlEventLine(997, 13, ""), 5)) + events[cut:],
		"unexpected end tag": events[:cut] + "</Events>" + events[cut:],
		"mismatched root":    "<Events>" + events[:cut] + "</Other>" + events[cut:] + "</Events>",
		"syntax error":       events[:cut] + "<Event><System><EventID>13</EventID></Sys></Event>" + events[cut:],
		"bad utf-8":          events[:cut] + xmlEventLine(996, 13, "<Data Name='Details'>\xff\xfe</Data>") + events[cut:],
		"ends inside root":   "<Events>" + events,
		"ends inside event":  events + "<Event><System>",
		"ends with tag name": events + "<Event",
		"control chars":      events[:cut] + xmlEventLine(995, 13, "<Data Name='Details'>a\x01b\x7f</Data>") + events[cut:],
		"deep":               strings.Repeat("<a>", maxElementDepth-3) + events + strings.Repeat("</a>", maxElementDepth-3),
		"too deep":           strings.Repeat("<a>", maxElementDepth-3) + events[:cut] + "<Event><b><c><d><e></e></d></c></b></Event>" + events[cut:] + strings.Repeat("</a>", maxElementDepth-3),
		"text lines":         strings.ReplaceAll(events, "\r\n", "\r\nEvent record 1 of 300\n"),
	}
	for _, f := range []string{"scenario.wevtutil.xml", "scenario.getwinevent.xml", "scenario.events.xml", "scenario.evtxexport.xml", "scenario.utf16.xml"} {
		data, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		cases[f] = string(data)
	}
	filters := map[string]Filter{"all": {}, "13": {EventIDs: map[int]bool{13: true}}}
	for name, data := range cases {
		for fname, filter := range filters {
			want := readXMLDump([]byte(data), filter, false, 0, 0)
			if name == "wevtutil" && fname == "all" && strings.Count(want, "\n") != 301 {
				t.Fatalf("serial reader: %d lines, want 300 events and the error line:\n%.500s", strings.Count(want, "\n"), want)
			}
			for _, seg := range []int64{97, 1000, 4096, 1 << 20} {
				if got := readXMLDump([]byte(data), filter, true, seg, 0); got != want {
					t.Errorf("%s, filter %s, segments of %d bytes: parallel reader differs\n%s", name, fname, seg, firstDiff(got, want))
				}
			}
		}
	}
	// emit stopping the read: the same events before, its error returned.
	want := readXMLDump([]byte(events), Filter{}, false, 0, 150)
	if got := readXMLDump([]byte(events), Filter{}, true, 1000, 150); got != want {
		t.Errorf("emit stopping: parallel reader differs\n%s", firstDiff(got, want))
	}
	if !strings.Contains(want, "error: enough") {
		t.Errorf("emit's error not returned: %.300s", want[len(want)-100:])
	}
}

// With Filter.Line, the parallel reader decodes only the events whose
// bytes pass it (plain event XML, one event a line here): what the serial
// reader gives of the events whose line passes.
func TestParallelXMLLineFilter(t *testing.T) {
	var b strings.Builder
	for i := range 3000 {
		b.WriteString(xmlEventLine(i+1, []int{1, 3, 13}[i%3], ""))
	}
	data := []byte(b.String())
	line := func(raw []byte) bool {
		return bytes.Contains(raw, []byte("{00000003-")) || bytes.Contains(raw, []byte("{00000011-"))
	}
	for _, filter := range []Filter{{}, {EventIDs: map[int]bool{1: true, 13: true}}} {
		var want strings.Builder
		err := readXMLSerial(context.Background(), bytes.NewReader(data), "x.xml", filter, func(ev *Event) error {
			end := ev.Offset + int64(bytes.IndexByte(data[ev.Offset:], '\n'))
			if line(data[ev.Offset:end]) {
				fmt.Fprintf(&want, "%d %d %s\n", ev.Offset, ev.RecordID, ev.Field("ProcessGuid"))
			}
			return nil
		})
		if err != nil || want.Len() == 0 {
			t.Fatalf("serial reader: %v, %d bytes of events", err, want.Len())
		}
		filter.Line = line
		for _, seg := range []int64{97, 5000, 1 << 20} {
			var got strings.Builder
			err := readXMLAt(context.Background(), bytes.NewReader(data), int64(len(data)), "x.xml", filter, func(ev *Event) error {
				fmt.Fprintf(&got, "%d %d %s\n", ev.Offset, ev.RecordID, ev.Field("ProcessGuid"))
				return nil
			}, 2, seg)
			if err != nil || got.String() != want.String() {
				t.Errorf("segments of %d bytes, filter %v: %v\n%s", seg, filter.EventIDs, err, firstDiff(got.String(), want.String()))
			}
		}
	}
}

// An event of an id not wanted is not decoded: a bad entity in it is not
// reported (the serial reader, which decodes it, stops there), and the
// events after it are read.
func TestParallelXMLSkipsUnwantedUndecoded(t *testing.T) {
	var b strings.Builder
	for i := range 100 {
		extra := ""
		if i == 40 {
			extra = "<Data Name='Details'>&bogus;</Data>"
		}
		b.WriteString(xmlEventLine(i+1, []int{11, 13}[i%2], extra))
	}
	data := []byte(b.String())
	filter := Filter{EventIDs: map[int]bool{13: true}}
	if got := readXMLDump(data, filter, false, 0, 0); !strings.Contains(got, "bogus") {
		t.Fatalf("serial reader: no error for the bad entity:\n%.300s", got[len(got)-300:])
	}
	got := readXMLDump(data, filter, true, 2000, 0)
	if n := strings.Count(got, "\n"); n != 51 || !strings.HasSuffix(got, "error: <nil>\n") {
		t.Errorf("parallel reader: %d lines, want the 50 events of id 13 and no error:\n%.300s", n, got[len(got)-300:])
	}
	filter.EventIDs[11] = true // now it is decoded, and the error is the serial reader's
	if got, want := readXMLDump(data, filter, true, 2000, 0), readXMLDump(data, filter, false, 0, 0); got != want {
		t.Errorf("event wanted: parallel reader differs\n%s", firstDiff(got, want))
	}
}

// scanXMLTags takes only plain event XML, and finds its events where the
// decoder does.
func TestScanXMLTags(t *testing.T) {
	for _, tc := range []struct {
		in     string
		ok     bool
		events string
	}{
		{"<Event a='>'><b/></Event>\r\n<Event/>", true, "[[0 25] [27 35]]"},
		{"<Events><Event><x>t &amp; u</x></Event></Events>", true, "[[8 39]]"},
		{"</Events><Event></Event><Other>", true, "[[9 24]]"},
		{"<Event><Event></Event></Event>", true, "[[0 30]]"},
		{"<e:Event></e:Event>", false, ""},
		{"<Event><!-- c --></Event>", false, ""},
		{"<Event><![CDATA[<]]></Event>", false, ""},
		{"<?xml version='1.0'?><Event/>", false, ""},
		{"<Event></Other>", false, ""},
		{"<Event>", false, ""},
		{"<Event a='x>", false, ""},
		{"<Évent/>", false, ""},
	} {
		w, ok := scanXMLTags([]byte(tc.in))
		if ok != tc.ok || ok && fmt.Sprint(w.events) != tc.events {
			t.Errorf("%q: ok %v, events %v; want %v, %s", tc.in, ok, w.events, tc.ok, tc.events)
		}
	}
}

// xmlIDMayMatch must not turn away an event the decoder would take.
func TestXMLIDMayMatch(t *testing.T) {
	f := Filter{EventIDs: map[int]bool{1: true, 13: true}}
	for _, tc := range []struct {
		raw  string
		want bool
	}{
		{"<Event><System><EventID>13</EventID></System></Event>", true},
		{"<Event><System><EventID>11</EventID></System></Event>", false},
		{"<Event><System><EventID>0013</EventID></System></Event>", true},
		{"<Event><System><EventID>11</EventID><EventID>1</EventID></System></Event>", true},
		{"<Event><System><EventID Qualifiers='0'>11</EventID></System></Event>", true},
		{"<Event><System><EventID> 11</EventID></System></Event>", true},
		{"<Event><System><EventID>1<x/>1</EventID></System></Event>", true},
		{"<Event><System><EventID>0x0D</EventID></System></Event>", true},
		{"<Event><System><EventID>&#49;</EventID></System></Event>", true},
		{"<Event><System><EventIDs>1</EventIDs><EventID>7</EventID></System></Event>", false},
		{"<Event><System></System></Event>", false},
		{"<Event><System><EventID", true},
	} {
		if got := xmlIDMayMatch([]byte(tc.raw), f); got != tc.want {
			t.Errorf("%q: %v, want %v", tc.raw, got, tc.want)
		}
		if tc.want {
			continue
		}
		// What the decoder says of it.
		err := readXMLSerial(context.Background(), strings.NewReader(tc.raw), "x.xml", Filter{EventIDs: f.EventIDs, anyProvider: true}, func(ev *Event) error {
			t.Errorf("%q: turned away, but the decoder takes it (event %d)", tc.raw, ev.EventID)
			return nil
		})
		if err != nil {
			t.Errorf("%q: %v", tc.raw, err)
		}
	}
	if !xmlIDMayMatch([]byte("<Event/>"), Filter{}) || !xmlIDMayMatch([]byte("<Event/>"), Filter{EventIDs: map[int]bool{0: true}}) {
		t.Error("no ids wanted, or id 0 wanted: every event may match")
	}
}

// firstDiff shows where two dumps part.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			return fmt.Sprintf("line %d:\n got  %.300s\n want %.300s", i+1, g[i], w[i])
		}
	}
	return fmt.Sprintf("got %d lines, want %d; last got %.300s; last want %.300s", len(g), len(w), g[len(g)-1], w[len(w)-1])
}

// A file on disk is read by the parallel reader when there are cores for
// it, and gives the serial reader's events.
func TestReadXMLFileUsesSegments(t *testing.T) {
	if jsonWorkers() < 2 {
		t.Skip("one core: ReadXML reads serially")
	}
	var b strings.Builder
	for i := 0; b.Len() < 3*xmlSegmentSize; i++ {
		b.WriteString(xmlEventLine(i+1, 13, ""))
	}
	path := filepath.Join(t.TempDir(), "big.xml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, _, ok := regularFileAt(f); !ok {
		t.Fatal("a file on disk is not taken for one: ReadXML would read it serially")
	}
	var offsets []int64
	if err := ReadXML(context.Background(), f, path, Filter{}, func(ev *Event) error {
		offsets = append(offsets, ev.Offset)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := strings.Count(b.String(), "<Event ")
	if len(offsets) != want {
		t.Fatalf("%d events, want %d", len(offsets), want)
	}
	for i := 1; i < len(offsets); i++ {
		if offsets[i] <= offsets[i-1] || b.String()[offsets[i]:offsets[i]+6] != "<Event" {
			t.Fatalf("event %d at offset %d: not in file order or not an event's start", i, offsets[i])
		}
	}
}

// FuzzXMLSegments holds the parallel reader to the serial one on any input
// and any segment size.
func FuzzXMLSegments(f *testing.F) {
	f.Add([]byte(xmlEventLine(1, 13, "")+xmlEventLine(2, 3, "")), uint16(100))
	f.Add([]byte("<Events>"+xmlEventLine(1, 13, "")+"<!-- <Event> -->"+xmlEventLine(2, 13, "")+"</Events>"), uint16(300))
	f.Add([]byte(xmlEventLine(1, 13, "<Data Name='D'><![CDATA[<Event >]]></Data>")+xmlEventLine(2, 13, "")), uint16(50))
	f.Add([]byte("<a><Event><System><EventID>13</EventID></System></Event></a></b><Event/>"), uint16(8))
	f.Fuzz(func(t *testing.T, data []byte, seg uint16) {
		segSize := int64(seg%2048) + 1
		want := readXMLDump(data, Filter{anyProvider: true}, false, 0, 0)
		if got := readXMLDump(data, Filter{anyProvider: true}, true, segSize, 0); got != want {
			t.Fatalf("segments of %d bytes: parallel reader differs\n%s", segSize, firstDiff(got, want))
		}
		// With Line, the events are some of those: never one the serial
		// reader does not give.
		line := Filter{anyProvider: true, EventIDs: map[int]bool{1: true, 13: true}, Line: func(raw []byte) bool { return bytes.Contains(raw, []byte("1")) }}
		got := readXMLDump(data, line, true, segSize, 0)
		if w, _, _ := strings.Cut(want, "error: "); !strings.HasPrefix(want, "error: ") && strings.HasSuffix(want, "error: <nil>\n") {
			for _, ev := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
				if !strings.HasPrefix(ev, "error: ") && !strings.Contains(w, ev+"\n") {
					t.Fatalf("segments of %d bytes, with Line: event %.200s not from the serial reader", segSize, ev)
				}
			}
		}
	})
}
