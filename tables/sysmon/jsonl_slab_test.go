package sysmon

import (
	"bytes"
	"reflect"
	"testing"
)

// FuzzJSONEventSlabs holds the events of one parser, whose events and
// fields are cut from shared slabs and whose values share one string per
// event, to those of a fresh parser per line (nothing shared), and checks
// that setting a field of one kept event changes no other event.
func FuzzJSONEventSlabs(f *testing.F) {
	nxlog, _ := nxlogBenchLines(3)
	f.Add(nxlog)
	f.Add([]byte(`{"EventID":13,"SourceName":"Microsoft-Windows-Sysmon","a":"1","a":"2","b":""}` + "\n" +
		`{"EventID":13,"SourceName":"Microsoft-Windows-Sysmon"}` + "\n" +
		`{"EventID":13,"SourceName":"Microsoft-Windows-Sysmon","TargetObject":"HKLM\\x","Details":"\u00e9"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		filter := Filter{}
		var shared jsonLineParser
		var got, want []*Event
		for _, line := range bytes.Split(data, []byte("\n")) {
			ev, err := shared.parse(line, filter)
			var fresh jsonLineParser
			wev, werr := fresh.parse(line, filter)
			if (err == nil) != (werr == nil) || (ev == nil) != (wev == nil) {
				t.Fatalf("line %q: shared parser gave %v, %v; fresh %v, %v", line, ev, err, wev, werr)
			}
			if ev != nil {
				got, want = append(got, ev), append(want, wev.Clone())
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("events of one parser differ from a fresh parser's:\n%+v\n%+v", got, want)
		}
		fieldsStayOwn(t, got, want)
	})
}
