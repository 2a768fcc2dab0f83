package sysmon

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// fastAndSlow decodes one event span with the fast decoder and with
// encoding/xml (decodeXMLSpan), as lineFilteredSegment does.
func fastAndSlow(t testing.TB, raw []byte) (fast, slow xmlSegment, fastOK, slowOK bool) {
	filter := Filter{}
	fastOK = decodeXMLEventFast(raw, 100, "f.xml", filter, &fast)
	x, ok := decodeXMLSpan(context.Background(), bytes.NewReader(raw), int64(len(raw)), 100, "f.xml", filter, &slow)
	slowOK = ok && x.ev == nil && x.depth == 0 && len(x.popped) == 0
	return
}

const fastEventXML = `<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Sysmon' Guid='{5770385f-c22a-43e0-bf4c-06f5698ffbd9}'/><EventID>13</EventID><Version>2</Version><TimeCreated SystemTime='2024-01-02T03:04:05.1234567Z'/><EventRecordID>42</EventRecordID><Channel>Microsoft-Windows-Sysmon/Operational</Channel><Computer>ws1.corp</Computer></System><EventData><Data Name='EventType'>SetValue</Data><Data Name='TargetObject'>HKU\S-1-5-21\Run\x</Data><Data Name="Details">%s</Data></EventData></Event>`

func TestXMLFastMatchesEncodingXML(t *testing.T) {
	cases := []struct {
		name    string
		details string
		fast    bool // the fast decoder takes it
	}{
		{"plain text", `C:\a.exe -x`, true},
		{"named entities", `a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos;`, true},
		{"character references", `&#65;&#x42;&#x6a;&#9;&#10;`, true},
		{"newline and tab", "a\n\tb", true},
		{"empty", ``, true},
		{"carriage return (normalised by encoding/xml)", "a\r\nb", false},
		{"character reference to CR", `a&#13;b`, false},
		{"non-ASCII", `café ✓ 😀`, true},
		{"invalid UTF-8 (an error)", "a\xffb", false},
		{"U+FFFE (an error)", "a\uFFFEb", false},
		{"DEL", "a\x7fb", true},
		{"CDATA", `<![CDATA[a<b]]>`, false},
		{"comment", `a<!-- c -->b`, false},
		{"unknown entity (an error)", `a &nbsp; b`, false},
		{"bare ampersand (an error)", `a & b`, false},
		{"]]> outside CDATA (an error)", `a]]>b`, false},
		{"control byte", "a\x01b", false},
		{"upper X reference", `&#X41;`, false},
		{"big reference", `&#x1F600;`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw := []byte(fmtEvent(c.details))
			fast, slow, fastOK, slowOK := fastAndSlow(t, raw)
			if fastOK != c.fast {
				t.Fatalf("fast decoder took it: %v, want %v", fastOK, c.fast)
			}
			if fastOK && (!slowOK || !reflect.DeepEqual(fast.events, slow.events)) {
				t.Fatalf("fast %+v\nslow %+v (ok %v)", fast.events, slow.events, slowOK)
			}
		})
	}
	// The event itself, field by field.
	var res xmlSegment
	if !decodeXMLEventFast([]byte(fmtEvent(`a &amp; b`)), 7, "f.xml", Filter{}, &res) || len(res.events) != 1 {
		t.Fatal("not decoded")
	}
	ev := res.events[0]
	if ev.EventID != 13 || ev.RecordID != 42 || ev.Offset != 7 || ev.Computer != "ws1.corp" || ev.Provider != "Microsoft-Windows-Sysmon" ||
		ev.Field("Details") != "a & b" || ev.Field("TargetObject") != `HKU\S-1-5-21\Run\x` || ev.TimeCreated.IsZero() {
		t.Fatalf("event %+v", ev)
	}
}

func TestXMLFastTags(t *testing.T) {
	cases := []struct {
		name, raw string
		fast      bool
	}{
		{"double quotes, spaces around =", `<Event><System><Provider Name = "P" /><EventID >1</EventID ></System></Event>`, true},
		{"attributes without space", `<Event><System><Provider Guid='g'Name='P'/></System></Event>`, true},
		{"prefixed attribute", `<Event><System><Provider x:Name='P'/></System></Event>`, false},
		{"unquoted attribute (an error)", `<Event><System><Provider Name=P/></System></Event>`, false},
		{"attribute without value (an error)", `<Event><System><Provider Name/></System></Event>`, false},
		{"> in an attribute", `<Event><EventData><Data Name='a>b'>x</Data></EventData></Event>`, false},
		{"< in an attribute (an error)", `<Event><EventData><Data Name='a<b'>x</Data></EventData></Event>`, false},
		{"mismatched end (an error)", `<Event><System></Event></System>`, false},
		{"unclosed", `<Event><System>`, false},
		{"nested Data", `<Event><EventData><Data Name='a'>x<b>y</b>z</Data></EventData></Event>`, true},
		{"data without a name", `<Event><EventData><Data>x</Data></EventData></Event>`, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fast, slow, fastOK, slowOK := fastAndSlow(t, []byte(c.raw))
			if fastOK != c.fast {
				t.Fatalf("fast decoder took it: %v, want %v", fastOK, c.fast)
			}
			if fastOK && (!slowOK || !reflect.DeepEqual(fast.events, slow.events)) {
				t.Fatalf("fast %+v\nslow %+v (ok %v)", fast.events, slow.events, slowOK)
			}
		})
	}
}

func fmtEvent(details string) string {
	return string(bytes.Replace([]byte(fastEventXML), []byte("%s"), []byte(details), 1))
}

// FuzzXMLFast holds the fast decoder to encoding/xml's: whatever it takes,
// encoding/xml takes too, with the same events.
func FuzzXMLFast(f *testing.F) {
	f.Add([]byte(fmtEvent(`C:\a.exe &amp; &#65; "x"`)))
	f.Add([]byte(`<Event><System><Provider Name = "P" /><EventID >1</EventID ></System></Event>`))
	f.Add([]byte(`<Event><EventData><Data Name='a'>x<b>y</b>z</Data><Data Name='b'/></EventData></Event>`))
	f.Add([]byte(`<Event><System></Event></System>`))
	f.Add([]byte(`<Event><EventData><Data Name='a&quot;'>]]&gt;&#x7e;</Data></EventData></Event>`))
	// Real shapes: the events of the testdata exports (wevtutil, Get-WinEvent,
	// evtxexport, <Events>), each span as scanXMLTags finds it.
	for _, file := range []string{"scenario.wevtutil.xml", "scenario.getwinevent.xml", "scenario.evtxexport.xml", "scenario.events.xml"} {
		b, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			f.Fatal(err)
		}
		if walk, ok := scanXMLTags(b); ok {
			for i, sp := range walk.events {
				if i < 3 {
					f.Add(b[sp[0]:sp[1]])
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		fast, slow, fastOK, slowOK := fastAndSlow(t, raw)
		if fastOK && (!slowOK || !reflect.DeepEqual(fast.events, slow.events)) {
			t.Fatalf("fast %+v\nslow %+v (ok %v)", fast.events, slow.events, slowOK)
		}
	})
}

// TestXMLFastTakesTheExports checks that the fast decoder takes the events
// of real exports (else the speed-up is gone, with nothing failing), and
// gives what encoding/xml gives.
func TestXMLFastTakesTheExports(t *testing.T) {
	for _, file := range []string{"scenario.wevtutil.xml", "scenario.getwinevent.xml"} {
		b, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		walk, ok := scanXMLTags(b)
		if !ok || len(walk.events) == 0 {
			t.Fatalf("%s: no events walked", file)
		}
		taken := 0
		for _, sp := range walk.events {
			fast, slow, fastOK, slowOK := fastAndSlow(t, b[sp[0]:sp[1]])
			if fastOK {
				taken++
				if !slowOK || !reflect.DeepEqual(fast.events, slow.events) {
					t.Fatalf("%s at %d: fast %+v\nslow %+v", file, sp[0], fast.events, slow.events)
				}
			}
		}
		if taken != len(walk.events) {
			t.Errorf("%s: the fast decoder took %d of %d events", file, taken, len(walk.events))
		}
	}
}
