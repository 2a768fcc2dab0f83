package sysmon

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
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
		if i == 20000 { // long, not too long: its end is looked for past its block
			b.WriteString(`{"EventID":13,"SourceName":"Microsoft-Windows-Sysmon","TargetObject":"` + strings.Repeat("B", 200<<10) + "\"}\n")
			continue
		}
		fmt.Fprintf(&b, `{"EventID":%d,"SourceName":"Microsoft-Windows-Sysmon","Channel":"Microsoft-Windows-Sysmon/Operational","RecordNumber":%d,"Hostname":"h","EventTime":"2024-03-12 09:13:40","TargetObject":"HKU\\S-1\\Software\\x%d","ProcessGuid":"{%08d-0000-0000-0000-000000000000}"}`+"\n", []int{3, 13, 1, 12}[i%4], i, i, i%50)
	}
	b.WriteString(`{"EventID":13,"SourceName":"Microsoft-Windows-Sysmon","RecordNumber":99999}`) // no final newline
	input := b.Bytes()
	read := func(mode string, blockSize int64) string {
		var out strings.Builder
		emit := func(ev *Event) error {
			fmt.Fprintf(&out, "%d %d %d %s\n", ev.Offset, ev.EventID, ev.RecordID, ev.Field("TargetObject"))
			return nil
		}
		warn := func(err error) { fmt.Fprintf(&out, "warn %v\n", err) }
		filter := Filter{EventIDs: map[int]bool{3: true, 13: true}}
		var err error
		switch mode {
		case "stream":
			err = readJSONLinesParallel(context.Background(), bytes.NewReader(input), "x.jsonl", filter, emit, warn, 3)
		case "file":
			err = readJSONLinesAt(context.Background(), bytes.NewReader(input), int64(len(input)), "x.jsonl", filter, emit, warn, 3, blockSize)
		default:
			err = readJSONLinesSequential(context.Background(), bytes.NewReader(input), "x.jsonl", filter, emit, warn)
		}
		if err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	seq := read("sequential", 0)
	if par := read("stream", 0); seq != par {
		t.Fatalf("parallel output differs from sequential (%d vs %d bytes)", len(par), len(seq))
	}
	// Read from a file, blocks of every size: lines across block ends, a
	// block inside the over-long line, a block starting at a line start.
	for _, size := range []int64{jsonBlockSize, 65536, 4093, 777} {
		if par := read("file", size); seq != par {
			t.Fatalf("blocks of %d bytes read from a file: output differs from sequential (%d vs %d bytes)", size, len(par), len(seq))
		}
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

// A regular file is read by the workers themselves from where it stands,
// with the same events, warnings and line numbers as a stream.
func TestJSONLinesFromFile(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("skipped head\n")
	for i := 0; i < 40000; i++ {
		fmt.Fprintf(&b, `{"EventID":13,"SourceName":"Microsoft-Windows-Sysmon","RecordNumber":%d,"Details":"%s"}`+"\n", i, strings.Repeat("x", i%300))
		if i%9999 == 5 {
			b.WriteString("{broken Sysmon 13\n")
		}
	}
	path := filepath.Join(t.TempDir(), "x.jsonl")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	read := func(r io.Reader, fromFile bool) string {
		var out strings.Builder
		emit := func(ev *Event) error { fmt.Fprintf(&out, "%d %d\n", ev.Offset, ev.RecordID); return nil }
		warn := func(err error) { fmt.Fprintf(&out, "warn %v\n", err) }
		filter := Filter{EventIDs: map[int]bool{13: true}}
		if !fromFile {
			if err := readJSONLinesSequential(context.Background(), r, "x.jsonl", filter, emit, warn); err != nil {
				t.Fatal(err)
			}
			return out.String()
		}
		ra, size, ok := regularFileAt(r)
		if !ok {
			t.Fatal("a file on disk is not read as one")
		}
		if err := readJSONLinesAt(context.Background(), ra, size, "x.jsonl", filter, emit, warn, 2, 64<<10); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	open := func() *os.File {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		if _, err := f.Seek(int64(len("skipped head\n")), io.SeekStart); err != nil {
			t.Fatal(err)
		}
		return f
	}
	want := read(open(), false)
	if got := read(open(), true); got != want {
		t.Fatalf("from the file: %d bytes of output, sequential %d", len(got), len(want))
	}
	if !strings.Contains(want, "warn x.jsonl: line 7: ") || strings.Count(want, "\n") != 40000+4 {
		t.Errorf("unexpected output:\n%.300s", want)
	}
	if _, _, ok := regularFileAt(bytes.NewReader(nil)); ok {
		t.Error("a bytes.Reader taken for a file")
	}
}

// repeatedAt is a huge file of one line repeated, for ReadAt.
type repeatedAt struct {
	line   []byte
	read   atomic.Int64
	onAt   int64
	onRead func()
}

func (r *repeatedAt) ReadAt(p []byte, off int64) (int, error) {
	if r.read.Add(int64(len(p))) > r.onAt {
		r.onRead()
	}
	for i := range p {
		p[i] = r.line[(off+int64(i))%int64(len(r.line))]
	}
	return len(p), nil
}

// Reading a file on several cores stops soon after ctx is cancelled.
func TestJSONLinesFromFileStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := &repeatedAt{line: []byte(`{"EventID":1,"SourceName":"Microsoft-Windows-Sysmon","RecordNumber":5,"Image":"x.exe"}` + "\n"), onAt: 8 << 20, onRead: cancel}
	err := readJSONLinesAt(ctx, r, 1<<40, "big.jsonl", Filter{}, func(*Event) error { return nil }, func(error) {}, 3, jsonBlockSize)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "big.jsonl") {
		t.Fatalf("error %v, want context.Canceled naming the file", err)
	}
	if read := r.read.Load(); read > 8<<20+16*jsonBlockSize {
		t.Errorf("read %d MiB after the cancel", (read-8<<20)>>20)
	}
}

// FuzzJSONLinesBlocks reads the same input sequentially and from a file in
// blocks of a few bytes on three workers: the events, warnings and line
// numbers must agree, wherever the block ends fall.
func FuzzJSONLinesBlocks(f *testing.F) {
	f.Add(byte(7), fixture(f, "scenario.nxlog.jsonl"))
	f.Add(byte(1), fixture(f, "scenario.ecs.jsonl"))
	f.Add(byte(0), []byte("\n\n{\"EventID\":13,\"SourceName\":\"Microsoft-Windows-Sysmon\"}\n{bad Sysmon 13\n{\"EventID\":13,\"SourceName\":\"Microsoft-Windows-Sysmon\",\"x\":\"\\n\"}"))
	f.Fuzz(func(t *testing.T, block byte, data []byte) {
		read := func(fromFile bool) string {
			var out strings.Builder
			emit := func(ev *Event) error {
				fmt.Fprintf(&out, "%d %d %d %s\n", ev.Offset, ev.EventID, ev.RecordID, ev.Field("TargetObject"))
				return nil
			}
			warn := func(err error) { fmt.Fprintf(&out, "warn %v\n", err) }
			filter := Filter{EventIDs: map[int]bool{13: true, 3: true}}
			var err error
			if fromFile {
				err = readJSONLinesAt(context.Background(), bytes.NewReader(data), int64(len(data)), "f.jsonl", filter, emit, warn, 3, int64(block%64)+1)
			} else {
				err = readJSONLinesSequential(context.Background(), bytes.NewReader(data), "f.jsonl", filter, emit, warn)
			}
			checkNoInternalError(t, err)
			fmt.Fprintf(&out, "err %v\n", err)
			return out.String()
		}
		if seq, par := read(false), read(true); seq != par {
			t.Fatalf("blocks of %d bytes:\n%s\nsequential:\n%s", block%64+1, par, seq)
		}
	})
}

// Over-long lines read from a file cost each worker one line's worth of
// memory at most (maxJSONLine), however long they are.
func TestJSONLinesFromFileLongLinesBounded(t *testing.T) {
	long := append([]byte(`{"EventID":13,"SourceName":"Microsoft-Windows-Sysmon","x":"`), bytes.Repeat([]byte("a"), 3*maxJSONLine)...)
	long = append(long, "\"}\n"...)
	long = append(long, `{"EventID":13,"SourceName":"Microsoft-Windows-Sysmon","RecordNumber":7}`+"\n"...)
	heap := newHeapPeak()
	r := &repeatedAt{line: long, onAt: 1 << 62, onRead: func() {}}
	sampled := &sampledAt{r: r, sample: heap.sample}
	var warnings, events int
	size := int64(4 * len(long))
	err := readJSONLinesAt(context.Background(), sampled, size, "long.jsonl", Filter{}, func(ev *Event) error {
		events++
		if ev.RecordID != 7 || ev.Offset%2 != 0 {
			t.Errorf("event %d at line %d", ev.RecordID, ev.Offset)
		}
		return nil
	}, func(err error) {
		warnings++
		if !strings.Contains(err.Error(), "longer than") {
			t.Errorf("warning %v", err)
		}
	}, 2, jsonBlockSize)
	if err != nil || events != 4 || warnings != 4 {
		t.Fatalf("%d events, %d warnings, error %v; want 4, 4, nil", events, warnings, err)
	}
	if budget := uint64(2*(maxJSONLine+3*jsonBlockSize)) + 8<<20; heap.peak > budget {
		t.Errorf("heap grew by %d MiB reading lines of %d MiB on 2 workers, want at most %d MiB", heap.peak>>20, len(long)>>20, budget>>20)
	}
}

// sampledAt calls sample before every ReadAt, one call at a time (the
// workers read at the same time).
type sampledAt struct {
	r      io.ReaderAt
	sample func()
	mu     sync.Mutex
}

func (s *sampledAt) ReadAt(p []byte, off int64) (int, error) {
	s.mu.Lock()
	s.sample()
	s.mu.Unlock()
	return s.r.ReadAt(p, off)
}

// TestOwnedLinesReusesItsBuffer: reading a block whose last line runs past
// it allocates nothing once the worker's buffer is grown (a 64 KiB array
// for the rest of that line was allocated for every block: 66 MB of a
// 256 MiB log's 124 on 2 cores).
func TestOwnedLinesReusesItsBuffer(t *testing.T) {
	var b bytes.Buffer
	for i := 0; b.Len() < 3<<20; i++ {
		fmt.Fprintf(&b, `{"EventID":13,"RecordNumber":%d,"Details":"%s"}`+"\n", i, strings.Repeat("x", i%700))
	}
	data := b.Bytes()
	r := bytes.NewReader(data)
	size, block := int64(len(data)), int64(1<<20)
	var buf []byte
	read := func() {
		for off := int64(0); off < size; off += block {
			var err error
			if _, _, buf, err = ownedLines(r, size, off, block, buf); err != nil {
				t.Fatalf("block at %d: %v", off, err)
			}
		}
	}
	read()
	if n := testing.AllocsPerRun(5, read); n != 0 {
		t.Errorf("%.0f allocations to read the blocks again, want 0", n)
	}
}
