package sysmon

import (
	"context"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
)

// generated streams head, then body repeated up to size bytes, then tail,
// without holding it: the hostile inputs are far larger than what the
// reader may keep.
type generated struct {
	head, body, tail []byte
	size             int64
	off              int64
	onRead           func(off int64) // called before each read, with the bytes served so far
}

func (g *generated) Read(p []byte) (int, error) {
	if g.onRead != nil {
		g.onRead(g.off)
	}
	total := int64(len(g.head)) + g.size + int64(len(g.tail))
	if g.off >= total {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && g.off < total {
		var src []byte
		switch bodyEnd := int64(len(g.head)) + g.size; {
		case g.off < int64(len(g.head)):
			src = g.head[g.off:]
		case g.off < bodyEnd:
			at := (g.off - int64(len(g.head))) % int64(len(g.body))
			src = g.body[at:]
			src = src[:min(int64(len(src)), bodyEnd-g.off)]
		default:
			src = g.tail[g.off-bodyEnd:]
		}
		c := copy(p[n:], src)
		n += c
		g.off += int64(c)
	}
	return n, nil
}

// heapPeak samples the live heap; sample is called as the input is read.
type heapPeak struct {
	base, peak uint64
	calls      int
}

func newHeapPeak() *heapPeak {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	return &heapPeak{base: m.HeapAlloc}
}

// sample reads the heap every 64th call (the reads are 4 KiB or more).
func (h *heapPeak) sample() {
	if h.calls++; h.calls%64 != 0 {
		return
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	if m.HeapAlloc > h.base && m.HeapAlloc-h.base > h.peak {
		h.peak = m.HeapAlloc - h.base
	}
}

// One huge token must not be buffered whole, whatever it contains: '>' is
// legal in text and in comments, '<' in comments and CDATA, and a field
// can be split into many small tokens by comments.
func TestXMLHugeTokenIsBounded(t *testing.T) {
	const size = 64 << 20 // 16 times the event limit, 64 times the token limit
	event := `<Event><System><Provider Name='Microsoft-Windows-Sysmon'/><EventID>13</EventID></System><EventData><Data Name='Details'>`
	cases := []struct {
		name             string
		head, body, tail string
	}{
		{"text with >", event, "AAAA>AAAA ", "</Data></EventData></Event>"},
		{"comment with < and >", event + "<!--", "a<b>c-d ", "--></Data></EventData></Event>"},
		{"CDATA", event + "<![CDATA[", "a<b>c ", "]]></Data></EventData></Event>"},
		{"text split by comments", event, "AAAAAAAA<!---->", "</Data></EventData></Event>"},
		{"tag with many attributes", "<Event><System ", "a='>' ", "/></Event>"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			heap := newHeapPeak()
			g := &generated{head: []byte(c.head), body: []byte(c.body), tail: []byte(c.tail), size: size,
				onRead: func(int64) { heap.sample() }}
			err := ReadXML(context.Background(), g, "huge.xml", Filter{}, func(*Event) error { return nil })
			if err == nil || !strings.HasPrefix(err.Error(), "huge.xml: offset ") {
				t.Fatalf("error %v, want one naming huge.xml and an offset", err)
			}
			if g.off >= size {
				t.Errorf("read all %d bytes before failing", g.off)
			}
			const budget = 48 << 20
			if heap.peak > budget {
				t.Errorf("heap grew by %d MiB for a %d MiB token, want at most %d MiB", heap.peak>>20, size>>20, budget>>20)
			}
			t.Logf("%v after %d KiB read, heap peak +%d MiB", err, g.off>>10, heap.peak>>20)
		})
	}
}

// Cancelling ctx stops every reader within a few blocks of input, with an
// error that wraps context.Canceled and names the file.
func TestReadersStopOnCancel(t *testing.T) {
	xmlEvent := `<Event><System><Provider Name='Microsoft-Windows-Sysmon'/><EventID>1</EventID><EventRecordID>5</EventRecordID></System><EventData><Data Name='Image'>x.exe</Data></EventData></Event>` + "\n"
	jsonLine := `{"EventID":1,"SourceName":"Microsoft-Windows-Sysmon","RecordNumber":5,"Image":"x.exe"}` + "\n"
	const size = 1 << 40 // never reached
	const cancelAt = 2 << 20
	const slack = 4 << 20 // what may still be read after the cancel
	for _, c := range []struct {
		name string
		read func(ctx context.Context, r io.Reader) error
		line string
	}{
		{"xml", func(ctx context.Context, r io.Reader) error {
			return ReadXML(ctx, io.MultiReader(strings.NewReader("<Events>"), r), "big.xml", Filter{EventIDs: map[int]bool{13: true}}, func(*Event) error { return nil })
		}, xmlEvent},
		{"jsonl sequential", func(ctx context.Context, r io.Reader) error {
			return readJSONLinesSequential(ctx, r, "big.jsonl", Filter{EventIDs: map[int]bool{13: true}}, func(*Event) error { return nil }, nil)
		}, jsonLine},
		{"jsonl parallel", func(ctx context.Context, r io.Reader) error {
			return readJSONLinesParallel(ctx, r, "big.jsonl", Filter{EventIDs: map[int]bool{13: true}}, func(*Event) error { return nil }, func(error) {}, 3)
		}, jsonLine},
		{"jsonl parallel, every line emitted", func(ctx context.Context, r io.Reader) error {
			return readJSONLinesParallel(ctx, r, "big.jsonl", Filter{}, func(*Event) error { return nil }, func(error) {}, 3)
		}, jsonLine},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			g := &generated{body: []byte(c.line), size: size, onRead: func(off int64) {
				if off >= cancelAt {
					cancel()
				}
			}}
			err := c.read(ctx, g)
			if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "big.") {
				t.Fatalf("error %v, want context.Canceled naming the file", err)
			}
			if g.off > cancelAt+slack {
				t.Errorf("read %d MiB after the cancel", (g.off-cancelAt)>>20)
			}
		})
	}
}

// chunkFile is an io.ReaderAt of a huge EVTX: a header, then the same
// chunk again and again.
type chunkFile struct {
	header, chunk []byte
	reads         int
	onRead        func(reads int)
}

func (c *chunkFile) ReadAt(p []byte, off int64) (int, error) {
	c.reads++
	if c.onRead != nil {
		c.onRead(c.reads)
	}
	if off < fileHeaderSize {
		return copy(p, c.header[off:]), nil
	}
	return copy(p, c.chunk[(off-fileHeaderSize)%chunkSize:]), nil
}

func TestEVTXStopsOnCancel(t *testing.T) {
	built := buildEVTX([]testEvent{{id: 1, recordID: 1, provider: Provider, channel: Channel, computer: "pc",
		data: [][2]string{{"Image", "x.exe"}}}})
	for name, filter := range map[string]Filter{"chunks parsed": {}, "chunks skipped": {EventIDs: map[int]bool{13: true}}} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			f := &chunkFile{header: built[:fileHeaderSize], chunk: built[fileHeaderSize:], onRead: func(reads int) {
				if reads == 100 {
					cancel()
				}
			}}
			err := ReadEVTX(ctx, f, 1<<40, "big.evtx", filter, func(*Event) error { return nil }, nil)
			if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "big.evtx") {
				t.Fatalf("error %v, want context.Canceled naming the file", err)
			}
			if f.reads > 101 {
				t.Errorf("%d chunks read, cancelled at the 100th", f.reads)
			}
		})
	}
}
