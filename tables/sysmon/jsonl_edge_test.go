package sysmon

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// TestJSONLineEdgeCases pins how a line is read or refused: escapes and
// surrogates, bad escapes and control characters in kept and in skipped
// members, numbers, literals, depth, times, every supported shape. The
// expected text is what the reader before the fast scanner gave, so the
// scanner keeps today's handling, errors and offsets included.
func TestJSONLineEdgeCases(t *testing.T) {
	cases := []struct{ line, want string }{
		{`{"EventID":13,"SourceName":"Microsoft-Windows-Sysmon","Details":"\u00e9\ud83d\ude00 \ud800 \ud800\u0041 \udc00x \"q\" \\ \/ \b\f\n\r\t"}`,
			"13 0 0001-01-01T00:00:00Z \"\" \"\" \"Microsoft-Windows-Sysmon\" \"Details\"=\"é😀 � �A �x \\\"q\\\" \\\\ / \\b\\f\\n\\r\\t\""},
		{`{"EventID":13,"SourceName":"Microsoft-Windows-Sysmon","Message":"a\qb","Details":"x"}`,
			"ERR offset 68: bad escape \\q"},
		{`{"EventID":13,"SourceName":"Microsoft-Windows-Sysmon","Message":"a` + "\x01" + `b"}`,
			"ERR offset 66: control character in string"},
		{`{"EventID":13,"SourceName":"Microsoft-Windows-Sysmon","Details":"a` + "\t" + `b"}`,
			"ERR offset 66: control character in string"},
		{`{"EventID":13,"SourceName":"Microsoft-Windows-Sysmon","Message":"\u12G4"}`,
			"ERR offset 67: bad \\u escape"},
		{`{"EventID":13,"SourceName":"Microsoft-Windows-Sysmon","Message":"ok\`,
			"ERR offset 67: unterminated string"},
		{`{"EventID":13,"SourceName":"Microsoft-Windows-Sysmon","Message":"unterminated`,
			"ERR offset 77: unterminated string"},
		{`{"EventID":13,"SourceName":"Microsoft-Windows-Sysmon","Keywords":1e999}`,
			"ERR offset 70: bad number \"1e999\""},
		{`{"EventID":13,"SourceName":"Microsoft-Windows-Sysmon","Keywords":-}`,
			"ERR offset 66: bad number \"-\""},
		{`{"EventID":13,"SourceName":"Microsoft-Windows-Sysmon","Count":-0012,"Ratio":2.5e-3,"Flag":true,"Off":false,"None":null}`,
			"13 0 0001-01-01T00:00:00Z \"\" \"\" \"Microsoft-Windows-Sysmon\" \"Count\"=\"-0012\" \"Flag\"=\"true\" \"Off\"=\"false\" \"Ratio\"=\"2.5e-3\""},
		{`{"EventID":"0x0d","SourceName":"Microsoft-Windows-Sysmon","RecordNumber":"12.0"}`,
			"13 12 0001-01-01T00:00:00Z \"\" \"\" \"Microsoft-Windows-Sysmon\""},
		{`{"EventID":13,"SourceName":"Microsoft-Windows-Sysmon","EventType":"INFO","Ev\u0065ntType":"SetValue","K\"ey":"v"}`,
			"13 0 0001-01-01T00:00:00Z \"\" \"\" \"Microsoft-Windows-Sysmon\" \"EventType\"=\"SetValue\" \"K\\\"ey\"=\"v\""},
		{`{"EventID":13,"SourceName":"Microsoft-Windows-Sysmon","Nested":{"a":[1,2,{"b":"\x"}]}}`,
			"ERR offset 81: bad escape \\x"},
		{`{"EventID":13,"SourceName":"Microsoft-Windows-Sysmon","Nested":` + deepJSON(70) + `}`,
			"ERR JSON nested too deeply"},
		{`{"EventID":13,"SourceName":"Microsoft-Windows-Sysmon","Nested":` + deepJSON(60) + `}`,
			"13 0 0001-01-01T00:00:00Z \"\" \"\" \"Microsoft-Windows-Sysmon\""},
		{`{"EventID":13,"SourceName":"Microsoft-Windows-Sysmon","EventTime":"2024-03-12 09:13:40.1234567","Hostname":"h"}`,
			"13 0 2024-03-12T09:13:40.1234567Z \"h\" \"\" \"Microsoft-Windows-Sysmon\""},
		{`{"EventID":13,"SourceName":"Microsoft-Windows-Sysmon","EventTime":"2024-02-30 09:13:40"}`,
			"13 0 0001-01-01T00:00:00Z \"\" \"\" \"Microsoft-Windows-Sysmon\""},
		{`{"EventID":13,"SourceName":"Microsoft-Windows-Sysmon","EventTime":" 2024-03-12T09:13:40+02:00 "}`,
			"13 0 2024-03-12T07:13:40Z \"\" \"\" \"Microsoft-Windows-Sysmon\""},
		{`{"winlog":{"event_id":"13","provider_name":"Microsoft-Windows-Sysmon","record_id":7,"event_data":{"T\u0061rget":"HKU\\x","n":null,"o":{"x":1}}},"@timestamp":"2024-03-12T09:13:40.5Z"}`,
			"13 7 2024-03-12T09:13:40.5Z \"\" \"\" \"Microsoft-Windows-Sysmon\" \"Target\"=\"HKU\\\\x\""},
		{`{"winlog":"not an object","event":{"code":"13","provider":"Microsoft-Windows-Sysmon"},"host":{"name":"h"}}`,
			"13 0 0001-01-01T00:00:00Z \"h\" \"\" \"Microsoft-Windows-Sysmon\""},
		{`{"TimeCreated":"2024-03-12T09:13:40Z","ProviderName":"Microsoft-Windows-Sysmon","EventID":13,"EventRecordID":9,"Computer":"c","TargetObject":"HKLM\\x"}`,
			"13 9 2024-03-12T09:13:40Z \"c\" \"\" \"Microsoft-Windows-Sysmon\" \"TargetObject\"=\"HKLM\\\\x\""},
		{`{"EventID":13,"SourceName":"Microsoft-Windows-Sysmon"} x`,
			"ERR offset 55: text after the JSON object"},
		{`[1,2]`,
			"ERR offset 0: expected '{'"},
		{`{"EventID":13 "SourceName":"Microsoft-Windows-Sysmon"}`,
			"ERR offset 14: expected ',' or '}'"},
		{`{"EventID":13,"SourceName":"Microsoft-Windows-Sysmon","x":nul}`,
			"ERR offset 58: bad literal"},
		{`{"EventID":13,"SourceName":"Microsoft-Windows-Sysmon","x":tru}`,
			"ERR offset 58: bad literal"},
		{`{"EventID":13,"SourceName":"Microsoft-Windows-Sysmon","x":@}`,
			"ERR offset 58: unexpected character '@'"},
		{`{"EventID":13,"SourceName":"Microsoft-Windows-Sysmon",` + "\t\r" + `"x" : "y" }` + "\r\n",
			"13 0 0001-01-01T00:00:00Z \"\" \"\" \"Microsoft-Windows-Sysmon\" \"x\"=\"y\""},
		{`  `,
			"nil"},
		{`{}`,
			"nil"},
	}
	var p jsonLineParser // one parser for all: nothing may leak from line to line
	for _, c := range cases {
		if got := jsonEventText(p.parse([]byte(c.line), Filter{})); got != c.want {
			t.Errorf("%q:\n got %s\nwant %s", c.line, got, c.want)
		}
	}
}

// jsonEventText is a parse result as one line of text.
func jsonEventText(ev *Event, err error) string {
	if err != nil {
		return "ERR " + err.Error()
	}
	if ev == nil {
		return "nil"
	}
	keys := make([]string, 0, ev.NumFields())
	for k := range ev.Fields() {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := fmt.Sprintf("%d %d %v %q %q %q", ev.EventID, ev.RecordID, ev.TimeCreated.Format(time.RFC3339Nano), ev.Computer, ev.Channel, ev.Provider)
	for _, k := range keys {
		out += fmt.Sprintf(" %q=%q", k, ev.Field(k))
	}
	return out
}

func deepJSON(n int) string {
	s := ""
	for i := 0; i < n; i++ {
		s += `{"a":`
	}
	s += "1"
	for i := 0; i < n; i++ {
		s += "}"
	}
	return s
}

// Every top-level key with a meaning is found in the member table, and
// keys that are data are not, however close to a known name.
func TestTopMemberKinds(t *testing.T) {
	if memberTable == nil {
		t.Fatal("no collision-free member table was found")
	}
	for name, kind := range topMembers {
		if got := topMemberKind([]byte(name)); got != kind {
			t.Errorf("%q: kind %d, want %d", name, got, kind)
		}
	}
	for _, name := range []string{"", "TargetObject", "Image", "EventType", "eventid", "EventIDs", "Messag", "Message ", "winlog2", "x"} {
		if got := topMemberKind([]byte(name)); got != memberData {
			t.Errorf("%q: kind %d, want data", name, got)
		}
	}
}
