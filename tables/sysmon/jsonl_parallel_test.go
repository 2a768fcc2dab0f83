package sysmon

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
)

// The parallel reader must give exactly what the sequential one gives:
// same events in the same order, same warnings, across block boundaries and
// around an over-long line.
func TestParallelJSONMatchesSequential(t *testing.T) {
	var b bytes.Buffer
	for i := 0; i < 30000; i++ {
		if i == 12345 {
			b.WriteString(`{"EventID":13,"SourceName":"Microsoft-Windows-Sysmon","Details":"` + strings.Repeat("A", maxJSONLine+10) + "\"}\n")
			continue
		}
		if i%1000 == 7 {
			b.WriteString("{not json Sysmon 13\n")
			continue
		}
		fmt.Fprintf(&b, `{"EventID":%d,"SourceName":"Microsoft-Windows-Sysmon","Channel":"Microsoft-Windows-Sysmon/Operational","RecordNumber":%d,"Hostname":"h","EventTime":"2024-03-12 09:13:40","TargetObject":"HKU\\S-1\\Software\\x%d","ProcessGuid":"{%08d-0000-0000-0000-000000000000}"}`+"\n", []int{3, 13, 1, 12}[i%4], i, i, i%50)
	}
	b.WriteString(`{"EventID":13,"SourceName":"Microsoft-Windows-Sysmon","RecordNumber":99999}`) // no final newline
	input := b.Bytes()
	read := func(parallel bool) string {
		var out strings.Builder
		emit := func(ev *Event) error {
			fmt.Fprintf(&out, "%d %d %d %s\n", ev.Offset, ev.EventID, ev.RecordID, ev.Field("TargetObject"))
			return nil
		}
		warn := func(err error) { fmt.Fprintf(&out, "warn %v\n", err) }
		filter := Filter{EventIDs: map[int]bool{3: true, 13: true}}
		var err error
		if parallel {
			err = readJSONLinesParallel(context.Background(), bytes.NewReader(input), "x.jsonl", filter, emit, warn, 3)
		} else {
			err = readJSONLinesSequential(context.Background(), bytes.NewReader(input), "x.jsonl", filter, emit, warn)
		}
		if err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	seq, par := read(false), read(true)
	if seq != par {
		t.Fatalf("parallel output differs from sequential (%d vs %d bytes)", len(par), len(seq))
	}
	if !strings.Contains(seq, "line 12346: longer than") || !strings.Contains(seq, "99999") || strings.Count(seq, "\n") < 15000 {
		t.Errorf("unexpected output:\n%.500s", seq)
	}
}

func TestParallelJSONStopsOnEmitError(t *testing.T) {
	var b bytes.Buffer
	for i := 0; i < 100000; i++ {
		fmt.Fprintf(&b, `{"EventID":3,"SourceName":"Microsoft-Windows-Sysmon","RecordNumber":%d}`+"\n", i)
	}
	n := 0
	stop := fmt.Errorf("enough")
	err := readJSONLinesParallel(context.Background(), bytes.NewReader(b.Bytes()), "x", Filter{}, func(*Event) error {
		n++
		if n == 10 {
			return stop
		}
		return nil
	}, func(error) {}, 2)
	if err != stop || n != 10 {
		t.Errorf("err %v after %d events", err, n)
	}
}
