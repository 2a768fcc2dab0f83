package chain

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/runkeyhunt/runkeyhunt/tables/input"
	"github.com/runkeyhunt/runkeyhunt/tables/sysmon"
)

// orderEvents is a realistic pass-2 stream: network events of 200
// processes and now and then an autorun write, one event every half second,
// with unique record ids that leave gaps (the ProcessCreate and other events
// the pass filters out).
func orderEvents(n int) []*sysmon.Event {
	events := make([]*sysmon.Event, 0, n)
	for i := 0; i < n; i++ {
		rid := int64(3*i/2 + 1)
		at := t0.Add(time.Duration(i) * 500 * time.Millisecond)
		guid := fmt.Sprintf("{%08d-2222-3333-4444-555555555555}", i%200)
		if i%1000 == 500 {
			events = append(events, setValue(rid, at, guid, fmt.Sprintf(`HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\v%d`, i), "calc.exe"))
			continue
		}
		events = append(events, netEv(rid, at, 0, guid, fmt.Sprintf("203.0.113.%d", i%250)))
	}
	return events
}

func newestFirst(events []*sysmon.Event) []*sysmon.Event {
	out := slices.Clone(events)
	slices.Reverse(out)
	return out
}

// A newest-first export (Get-WinEvent, wevtutil /rd:true) gives the same
// rows as the same events in file order.
func TestNewestFirstGivesSameRows(t *testing.T) {
	events := orderEvents(20000)
	asc := run(DefaultWindow, events...)
	desc := run(DefaultWindow, newestFirst(events)...)
	if len(asc) != 20 {
		t.Fatalf("%d rows in file order, want 20", len(asc))
	}
	if !reflect.DeepEqual(asc, desc) {
		for i := range asc {
			if i < len(desc) && !reflect.DeepEqual(asc[i], desc[i]) {
				t.Fatalf("row %d differs:\n asc  %+v\n desc %+v", i, *asc[i], *desc[i])
			}
		}
		t.Fatalf("%d rows in file order, %d newest first", len(asc), len(desc))
	}
}

// BenchmarkObserveOrder runs the second pass over the same 200k events in
// file order and newest first; compare the two ns/op (the defect:
// 72 s against 2.1 s).
func BenchmarkObserveOrder(b *testing.B) {
	events := orderEvents(200000)
	for _, c := range []struct {
		name   string
		events []*sysmon.Event
	}{{"ascending", events}, {"descending", newestFirst(events)}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				e := New(DefaultWindow)
				for _, x := range c.events {
					e.Observe(x)
				}
				e.Rows()
			}
		})
	}
}

// The record set costs the same in any order: ids with gaps, newest first,
// used to be inserted at the front of a sorted slice (quadratic).
func TestRecordSetCostIsOrderIndependent(t *testing.T) {
	const n = 100000
	orders := map[string]func(i int) int64{
		"ascending":  func(i int) int64 { return int64(3 * i) },
		"descending": func(i int) int64 { return int64(3 * (n - i)) },
		"shuffled":   func(i int) int64 { return int64(3 * ((i * 7919) % n)) },
	}
	for name, id := range orders {
		var s recordSet
		for i := 0; i < n; i++ {
			if !s.add(id(i)) {
				t.Fatalf("%s: add(%d) reported a duplicate", name, id(i))
			}
		}
		if s.add(id(n/2)) || len(s.intervals()) != n {
			t.Fatalf("%s: %d intervals, want %d", name, len(s.spans), n)
		}
		if s.work > 4*n {
			t.Errorf("%s: %d spans moved for %d ids, want at most %d", name, s.work, n, 4*n)
		}
	}
}

// recordSet against a map, on random ids in a narrow range (many joins).
func TestRecordSetMatchesMap(t *testing.T) {
	var s recordSet
	seen := map[int64]bool{}
	x := uint64(1)
	for i := 0; i < 50000; i++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		id := int64(x % 20000)
		if got, want := s.add(id), !seen[id]; got != want {
			t.Fatalf("add(%d) = %v, want %v", id, got, want)
		}
		seen[id] = true
	}
	total := int64(0)
	for i, sp := range s.intervals() {
		if i > 0 && s.spans[i-1].hi+1 >= sp.lo {
			t.Fatalf("spans %v and %v not disjoint and apart", s.spans[i-1], sp)
		}
		total += sp.hi - sp.lo + 1
	}
	if total != int64(len(seen)) {
		t.Errorf("%d ids in spans, want %d", total, len(seen))
	}
}

// Correlate stops when its ctx is cancelled mid-file (here by the warning
// of a bad line half way), with an error that wraps context.Canceled.
func TestCorrelateStopsOnCancel(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.jsonl")
	var b bytes.Buffer
	for i := 0; i < 20000; i++ {
		if i == 10000 {
			b.WriteString("{bad Sysmon 13\n")
			continue
		}
		fmt.Fprintf(&b, `{"EventID":13,"SourceName":"Microsoft-Windows-Sysmon","RecordNumber":%d,"Hostname":"h","EventTime":"2024-03-12 09:13:40","EventType":"SetValue","TargetObject":"HKLM\\SOFTWARE\\x%d","ProcessGuid":"{%08d-0000-0000-0000-000000000000}"}`+"\n", i+1, i, i%50)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	files := []input.File{{Path: path, Format: input.JSONLines}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := Correlate(ctx, files, DefaultWindow, nil, func(error) { cancel() })
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), path) {
		t.Fatalf("error %v, want context.Canceled naming %s", err, path)
	}
	// Already cancelled: nothing is read.
	_, err = Correlate(ctx, files, DefaultWindow, nil, func(w error) { t.Errorf("warning %v", w) })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}

// A warning met in every pass is said once, and a file's many warnings end
// in one line that counts the rest.
func TestWarningsSaidOnceWithACount(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.jsonl")
	var b bytes.Buffer
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&b, "{bad Sysmon 13 line %d\n", i)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var warnings []string
	_, err := Correlate(context.Background(), []input.File{{Path: path, Format: input.JSONLines}}, DefaultWindow, nil,
		func(err error) { warnings = append(warnings, err.Error()) })
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != maxWarnings+1 {
		t.Fatalf("%d warnings, want %d", len(warnings), maxWarnings+1)
	}
	if want := fmt.Sprintf("%s: %d more warnings not shown", path, 1000-maxWarnings); !strings.HasPrefix(warnings[maxWarnings], want) {
		t.Errorf("last warning %q, want %q", warnings[maxWarnings], want)
	}
	if !strings.HasPrefix(warnings[0], path+": line 1: ") {
		t.Errorf("first warning %q", warnings[0])
	}
}

// A newest-first file keeps one window of connections too, not all of
// them.
func TestRingsStayBoundedNewestFirst(t *testing.T) {
	for name, events := range map[string][]*sysmon.Event{"file order": orderEvents(60000), "newest first": newestFirst(orderEvents(60000))} {
		e := New(DefaultWindow)
		for _, x := range events {
			e.Observe(x)
		}
		total := 0
		for _, p := range e.procs {
			total += len(p.ring)
		}
		// One event every half second.
		if limit := int(2 * (e.horizon() + e.horizon()/4) / time.Second); total > limit {
			t.Errorf("%s: %d connections kept, want at most %d (a horizon's worth)", name, total, limit)
		}
	}
}
