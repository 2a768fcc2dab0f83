package sysmon

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"
)

// createUser is what the chain's ProcessCreate pass keeps of a line.
var createUser = map[int]map[string]bool{1: {"ProcessGuid": true, "User": true}, 13: {"TargetObject": true}}

// TestJSONLineFieldsOf: with Filter.FieldsOf an event keeps the fields of
// its own id, even where the text tells another id than the parse finds,
// and the checks and errors are those of a whole parse.
func TestJSONLineFieldsOf(t *testing.T) {
	const sysmon = `"SourceName":"Microsoft-Windows-Sysmon"`
	cases := []struct{ name, line, want string }{
		{"subset of a ProcessCreate",
			`{"EventID":1,` + sysmon + `,"Message":"Process Create:\r\nUser: x","ProcessGuid":"{G}","Image":"C:\\a.exe","User":"CORP\\u","CommandLine":"a \"b\""}`,
			`1 0 0001-01-01T00:00:00Z "" "" "Microsoft-Windows-Sysmon" "ProcessGuid"="{G}" "User"="CORP\\u"`},
		{"an id without a subset keeps all",
			`{"EventID":3,` + sysmon + `,"ProcessGuid":"{G}","User":"u","DestinationIp":"1.2.3.4"}`,
			`3 0 0001-01-01T00:00:00Z "" "" "Microsoft-Windows-Sysmon" "DestinationIp"="1.2.3.4" "ProcessGuid"="{G}" "User"="u"`},
		{"the text tells 1, the parse 3: all fields",
			`{"winlog":{"event_data":{"EventID":1,"ProcessGuid":"{G}","Image":"i"},"event_id":3,"provider_name":"Microsoft-Windows-Sysmon"}}`,
			`3 0 0001-01-01T00:00:00Z "" "" "Microsoft-Windows-Sysmon" "EventID"="1" "Image"="i" "ProcessGuid"="{G}"`},
		{"the text tells 3, the parse 1: the subset",
			`{"winlog":{"event_data":{"EventID":3,"ProcessGuid":"{G}","Image":"i","User":"u"},"event_id":1,"provider_name":"Microsoft-Windows-Sysmon"}}`,
			`1 0 0001-01-01T00:00:00Z "" "" "Microsoft-Windows-Sysmon" "ProcessGuid"="{G}" "User"="u"`},
		{"the text tells 1, the parse 13: that id's subset",
			`{"EventID":13,` + sysmon + `,"Details":"EventID\":1","TargetObject":"HKLM\\x","EventType":"SetValue"}`,
			`13 0 0001-01-01T00:00:00Z "" "" "Microsoft-Windows-Sysmon" "TargetObject"="HKLM\\x"`},
		{"a bad escape in a skipped member",
			`{"EventID":1,` + sysmon + `,"Image":"a\qb","User":"u"}`,
			`ERR offset 65: bad escape \q`},
		{"a control character in a skipped member",
			`{"EventID":1,` + sysmon + `,"Image":"a` + "\x01" + `","User":"u"}`,
			`ERR offset 63: control character in string`},
		{"a bad number in a skipped member",
			`{"EventID":1,` + sysmon + `,"Image":1e999,"User":"u"}`,
			`ERR offset 66: bad number "1e999"`},
		{"too deep in a skipped member",
			`{"EventID":1,` + sysmon + `,"Image":` + deepJSON(70) + `}`,
			`ERR JSON nested too deeply`},
	}
	var p jsonLineParser
	for _, c := range cases {
		got := jsonEventText(p.parse([]byte(c.line), Filter{FieldsOf: createUser}))
		if got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
		if whole := jsonEventText(p.parse([]byte(c.line), Filter{})); c.want[:3] == "ERR" && whole != got {
			t.Errorf("%s: the whole parse says %s", c.name, whole)
		}
	}
}

// Filter.Fields, which the EVTX reader honours, is honoured by the
// JSON-lines reader too: for every id, or for those FieldsOf leaves out.
func TestJSONLineFields(t *testing.T) {
	const net = `{"EventID":3,"SourceName":"Microsoft-Windows-Sysmon","ProcessGuid":"{G}","User":"u","DestinationIp":"1.2.3.4"}`
	const create = `{"EventID":1,"SourceName":"Microsoft-Windows-Sysmon","ProcessGuid":"{G}","Image":"i","User":"CORP\\u"}`
	cases := []struct {
		name, line string
		filter     Filter
		want       string
	}{
		{"Fields alone", net, Filter{Fields: netFields},
			`3 0 0001-01-01T00:00:00Z "" "" "Microsoft-Windows-Sysmon" "DestinationIp"="1.2.3.4" "ProcessGuid"="{G}"`},
		{"Fields for an id FieldsOf leaves out", net, Filter{Fields: netFields, FieldsOf: createUser},
			`3 0 0001-01-01T00:00:00Z "" "" "Microsoft-Windows-Sysmon" "DestinationIp"="1.2.3.4" "ProcessGuid"="{G}"`},
		{"FieldsOf's entry over Fields", create, Filter{Fields: netFields, FieldsOf: createUser},
			`1 0 0001-01-01T00:00:00Z "" "" "Microsoft-Windows-Sysmon" "ProcessGuid"="{G}" "User"="CORP\\u"`},
		{"Fields of an id without the fields", create, Filter{Fields: netFields},
			`1 0 0001-01-01T00:00:00Z "" "" "Microsoft-Windows-Sysmon" "ProcessGuid"="{G}"`},
	}
	var p jsonLineParser
	for _, c := range cases {
		if got := jsonEventText(p.parse([]byte(c.line), c.filter)); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
	}
}

// FuzzJSONFieldsOf: the parse with Filter.FieldsOf is the whole parse
// with the fields of other names left out: the same event, the same
// error.
func FuzzJSONFieldsOf(f *testing.F) {
	nxlog, _ := nxlogBenchLines(24 << 10) // a line of each kind
	for line := range bytes.Lines(nxlog) {
		f.Add(line)
	}
	f.Add([]byte(`{"winlog":{"event_data":{"EventID":3,"ProcessGuid":"{G}","User":"u"},"event_id":1,"provider_name":"Microsoft-Windows-Sysmon"}}`))
	f.Add([]byte(`{"EventID":1,"SourceName":"Microsoft-Windows-Sysmon","Image":"a\qb","User":"u"}`))
	// FieldsOf alone, and with Fields for the other ids.
	filters := []Filter{{FieldsOf: createUser}, {FieldsOf: createUser, Fields: netFields}, {Fields: netFields}}
	var whole, subset jsonLineParser
	f.Fuzz(func(t *testing.T, line []byte) {
		want, werr := whole.parse(line, Filter{})
		for _, filter := range filters {
			got, gerr := subset.parse(line, filter)
			if (werr == nil) != (gerr == nil) || werr != nil && werr.Error() != gerr.Error() {
				t.Fatalf("errors differ: whole %v, with %d FieldsOf, %d Fields %v", werr, len(filter.FieldsOf), len(filter.Fields), gerr)
			}
			if (want == nil) != (got == nil) {
				t.Fatalf("events differ: whole %v, with a subset %v", want, got)
			}
			if want == nil {
				return
			}
			keep := filter.fieldsOf(want.EventID)
			var wantFields, gotFields [][2]string
			for k, v := range want.Fields() {
				if keep == nil || keep[k] {
					wantFields = append(wantFields, [2]string{k, v})
				}
			}
			for k, v := range got.Fields() {
				gotFields = append(gotFields, [2]string{k, v})
			}
			if !slices.Equal(wantFields, gotFields) {
				t.Fatalf("fields %q, want %q", gotFields, wantFields)
			}
			w, g := *want, *got
			w.fields, g.fields = nil, nil
			if jsonEventText(&w, nil) != jsonEventText(&g, nil) {
				t.Fatalf("event %s, want %s", jsonEventText(&g, nil), jsonEventText(&w, nil))
			}
		}
	})
}

// netFields is a Fields subset for the tests: a network event's remote.
var netFields = map[string]bool{"ProcessGuid": true, "DestinationIp": true}

// TestPlainRun holds the eight-bytes-a-step scan to a byte-by-byte one:
// every byte value at every position of a word and of the tail.
func TestPlainRun(t *testing.T) {
	byteByByte := func(b []byte, i int) int {
		for i < len(b) && plainByte[b[i]] {
			i++
		}
		return i
	}
	for c := range 256 {
		for n := 1; n <= 20; n++ {
			for pos := range n {
				b := bytes.Repeat([]byte{'a'}, n)
				b[pos] = byte(c)
				for from := 0; from <= pos; from++ {
					if got, want := plainRun(b, from), byteByByte(b, from); got != want {
						t.Fatalf("byte %#x at %d of %d, from %d: %d, want %d", c, pos, n, from, got, want)
					}
				}
			}
		}
	}
}

// TestNXLogTime holds the digit parse of NXLog's EventTime to time.Parse
// on times of every shape it takes and every field at and past its range.
func TestNXLogTime(t *testing.T) {
	texts := []string{"2024-03-12 09:13:40", "2024-03-12 09:13:40.1", "2024-03-12 09:13:40.123456789", "2024-03-12 09:13:40.000000001",
		"0000-01-01 00:00:00", "9999-12-28 23:59:59.999", "2024-02-29 10:00:00", "2023-02-29 10:00:00", "2024-04-31 00:00:00",
		"2024-00-10 00:00:00", "2024-13-10 00:00:00", "2024-01-00 00:00:00", "2024-01-32 00:00:00", "2024-01-10 24:00:00",
		"2024-01-10 23:60:00", "2024-01-10 23:59:60", "2024-01-10 23:59:59.", "2024-01-28 12:00:00.0000000000"}
	for y := 1999; y <= 2001; y++ {
		for m := 1; m <= 12; m++ {
			for d := 27; d <= 31; d++ {
				texts = append(texts, fmt.Sprintf("%04d-%02d-%02d 12:34:56.5", y, m, d))
			}
		}
	}
	for _, text := range texts {
		want, werr := time.Parse(nxlogTimeLayout, text)
		got, ok := parseEventTimeBytes([]byte(text))
		if !isNXLogTime([]byte(text)) {
			continue
		}
		if werr == nil && (!ok || !got.Equal(want) || got.Location() != time.UTC) {
			t.Errorf("%s: %v %v, want %v", text, got, ok, want)
		}
		if fast, ok := nxlogTime([]byte(text)); ok && (werr != nil || !fast.Equal(want)) {
			t.Errorf("%s: digits give %v, time.Parse %v %v", text, fast, want, werr)
		}
	}
}

// TestJSONLineOf: an event of an id with a LineOf condition is kept only
// when its raw line meets it, by the parsed id (not the one the text
// tells first); other ids do not ask it.
func TestJSONLineOf(t *testing.T) {
	names := func(line []byte) bool { return bytes.Contains(line, []byte("{W}")) }
	filter := Filter{LineOf: map[int]func([]byte) bool{13: names}}
	cases := []struct {
		line string
		kept bool
	}{
		{`{"EventID":13,"SourceName":"Microsoft-Windows-Sysmon","ProcessGuid":"{W}"}`, true},
		{`{"EventID":13,"SourceName":"Microsoft-Windows-Sysmon","ProcessGuid":"{X}"}`, false},
		{`{"EventID":3,"SourceName":"Microsoft-Windows-Sysmon","ProcessGuid":"{X}"}`, true},
		{`{"winlog":{"event_data":{"EventID":3,"ProcessGuid":"{X}"},"event_id":13,"provider_name":"Microsoft-Windows-Sysmon"}}`, false},
	}
	var p jsonLineParser
	for _, c := range cases {
		ev, err := p.parse([]byte(c.line), filter)
		if err != nil || (ev != nil) != c.kept {
			t.Errorf("%s: event %v, error %v; want kept %v", c.line, ev, err, c.kept)
		}
	}
}

// FuzzJSONLineOf: one read with LineOf gives what the passes it stands
// for give, one pass per id with its condition for Line: the same event
// (from at most one of them) and the same error.
func FuzzJSONLineOf(f *testing.F) {
	f.Add([]byte(`{"EventID":13,"SourceName":"Microsoft-Windows-Sysmon","ProcessGuid":"{A}"}`))
	f.Add([]byte(`{"EventID":1,"SourceName":"Microsoft-Windows-Sysmon","ProcessGuid":"{B}","User":"u"}`))
	f.Add([]byte(`{"winlog":{"event_data":{"EventID":1,"G":"{A}"},"event_id":13,"provider_name":"Microsoft-Windows-Sysmon"}}`))
	f.Add([]byte(`{"SourceName":"Microsoft-Windows-Sysmon","x":13,"y":"{B}","z":"\q"}`))
	mentions := func(text string) func([]byte) bool {
		return func(line []byte) bool { return bytes.Contains(line, []byte(text)) }
	}
	conds := map[int]func([]byte) bool{1: mentions("{A}"), 13: mentions("{B}")}
	one := Filter{EventIDs: map[int]bool{1: true, 13: true}, LineOf: map[int]func([]byte) bool{1: conds[1], 13: conds[13]}}
	var p jsonLineParser
	read := func(line []byte, filter Filter) string {
		if !mayMatch(line, idPatterns(filter)) || filter.Line != nil && !filter.Line(line) {
			return "nil"
		}
		return jsonEventText(p.parse(line, filter))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		got := read(line, one)
		var want []string
		for id, cond := range conds {
			if r := read(line, Filter{EventIDs: map[int]bool{id: true}, Line: cond}); r != "nil" {
				want = append(want, r)
			}
		}
		switch {
		case len(want) == 0 && got != "nil":
			t.Fatalf("one read gives %s, the passes nothing", got)
		case len(want) > 0 && !slices.Contains(want, got):
			t.Fatalf("one read gives %s, the passes %q", got, want)
		}
	})
}
