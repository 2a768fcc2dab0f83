package sysmon

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/runkeyhunt/runkeyhunt/internal/evtxwrite"
	"github.com/runkeyhunt/runkeyhunt/tables/input"
)

// craftedChunk is the most work per byte a chunk could ask for before the
// budget was per byte: one record defines a template of bodyTokens cheap
// tokens, and every other record instantiates it instancesPerRecord
// times in 14 bytes each, more than a record's budget allows.
func craftedChunk() []byte {
	const bodyTokens = 4000
	const instancesPerRecord = 17 // 68,000 tokens: over recordTokenBudget
	c := evtxwrite.NewChunk(evtxwrite.ChunkOptions{})
	// Record ids are the records' chunk offsets.
	record := func(body func(x *evtxwrite.BinXML)) bool {
		return c.Record(uint64(c.Free), time.Time{}, body)
	}
	// The defining record: an inline definition whose body names Sysmon
	// (so that the chunk is not skipped unread) and then closes start
	// elements that are not open, one byte a token.
	defOff := 0
	record(func(x *evtxwrite.BinXML) {
		x.FragmentHeader()
		defOff = x.TemplateInstance(1, 0, func() {
			x.Text(Provider)
			x.B = append(x.B, bytes.Repeat([]byte{0x02}, bodyTokens)...)
			x.EOF()
		})
		x.U32(0) // no values
		x.EOF()
	})
	for record(func(x *evtxwrite.BinXML) {
		x.FragmentHeader()
		for i := 0; i < instancesPerRecord; i++ {
			x.TemplateInstance(1, defOff, nil)
			x.U32(0) // no values
		}
		x.EOF()
	}) {
	}
	return c.Finish(1, uint64(c.Records))
}

// evtxOf is an EVTX file of a header and chunks, repeated to n chunks.
func evtxOf(header []byte, chunks [][]byte, n int) []byte {
	out := append([]byte(nil), header[:fileHeaderSize]...)
	for i := 0; i < n; i++ {
		out = append(out, chunks[i%len(chunks)]...)
	}
	return out
}

// realChunks are the chunks of the corpus's Sysmon log, or, without
// ../shared, of a built one.
func realChunks(tb testing.TB) (header []byte, chunks [][]byte) {
	data, err := os.ReadFile(filepath.Join(sharedData, "evtx-corpus", "sysmon.evtx"))
	if err != nil {
		// Without the corpus: one chunk of synthesized events (buildEVTX
		// writes a single chunk, and 30 such events fit in it).
		var events []testEvent
		for i := 0; i < 30; i++ {
			events = append(events, testEvent{id: uint16([]int{1, 3, 13}[i%3]), recordID: uint64(i + 1), provider: Provider, channel: Channel, computer: "pc",
				data: [][2]string{{"Image", `C:\Windows\System32\svchost.exe`}, {"TargetObject", `HKLM\SOFTWARE\x`}, {"Details", "a.exe"}}})
		}
		data = buildEVTX(events)
	}
	for off := fileHeaderSize; off+chunkSize <= len(data); off += chunkSize {
		if bytes.HasPrefix(data[off:], chunkMagic) {
			chunks = append(chunks, data[off:off+chunkSize])
		}
	}
	return data[:fileHeaderSize], chunks
}

// chainPasses reads a file the way chain.Correlate does: registry events,
// then registry and network events, then ProcessCreate.
func chainPasses(tb testing.TB, path string, warn func(error)) int {
	log := &Log{File: input.File{Path: path, Format: input.EVTX}}
	n := 0
	for _, ids := range []map[int]bool{{12: true, 13: true, 14: true}, {3: true, 12: true, 13: true, 14: true}, {1: true}} {
		if err := log.Read(context.Background(), Filter{EventIDs: ids}, func(*Event) error { n++; return nil }, warn); err != nil {
			tb.Fatal(err)
		}
	}
	return n
}

// A crafted chunk is one warning, said in the first pass only, and the
// chunks around it are still read.
func TestCraftedChunkIsOneWarning(t *testing.T) {
	header, real := realChunks(t)
	file := evtxOf(header, [][]byte{real[0], craftedChunk(), real[0]}, 3)
	path := filepath.Join(t.TempDir(), "crafted.evtx")
	if err := os.WriteFile(path, file, 0o644); err != nil {
		t.Fatal(err)
	}
	var warnings []string
	n := chainPasses(t, path, func(err error) { warnings = append(warnings, err.Error()) })
	if len(warnings) != 1 || !strings.HasPrefix(warnings[0], path+": chunk at offset 69632: ") || !strings.Contains(warnings[0], "too complex") {
		t.Errorf("warnings %q, want one for the chunk at offset 69632", warnings)
	}
	alone := evtxOf(header, real[:1], 1)
	if err := os.WriteFile(path, alone, 0o644); err != nil {
		t.Fatal(err)
	}
	if want := chainPasses(t, path, nil); n != 2*want || want == 0 {
		t.Errorf("%d events around the crafted chunk, want %d", n, 2*want)
	}
}

func TestEVTXWithoutChunksSaysSo(t *testing.T) {
	built := builtScenario()
	for name, file := range map[string][]byte{
		"header only": built[:fileHeaderSize],
		"empty chunk": append(bytes.Clone(built[:fileHeaderSize]), make([]byte, chunkSize)...),
	} {
		var warnings []string
		err := ReadEVTX(context.Background(), bytes.NewReader(file), int64(len(file)), "empty.evtx", Filter{}, func(*Event) error { return nil },
			func(err error) { warnings = append(warnings, err.Error()) })
		if err != nil || len(warnings) != 1 || !strings.HasPrefix(warnings[0], "empty.evtx: offset 4096: EVTX file holds no chunks") {
			t.Errorf("%s: error %v, warnings %q", name, err, warnings)
		}
	}
}

// Later passes read only the chunks that hold an event they want.
func TestLaterPassesSkipChunks(t *testing.T) {
	header, real := realChunks(t)
	plain := bytes.Clone(real[0])
	// The same chunk with the provider named otherwise: not Sysmon.
	other := bytes.ReplaceAll(bytes.Clone(real[0]), sysmonUTF16, utf16LE("Microsoft-Windows-Sysmox"))
	file := evtxOf(header, [][]byte{plain, other, craftedChunk()}, 30)
	r := &countingReaderAt{r: bytes.NewReader(file)}
	var notes chunkNotes
	for pass := 0; pass < 2; pass++ {
		r.chunks = 0
		if err := readEVTX(context.Background(), r, int64(len(file)), "x.evtx", Filter{EventIDs: map[int]bool{13: true, 3: true, 1: true}}, func(*Event) error { return nil }, nil, &notes); err != nil {
			t.Fatal(err)
		}
		want := 30
		if pass > 0 {
			want = 10
		}
		if r.chunks != want {
			t.Errorf("pass %d read %d chunks, want %d", pass+1, r.chunks, want)
		}
	}
}

type countingReaderAt struct {
	r      *bytes.Reader
	chunks int
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off >= fileHeaderSize {
		c.chunks++
	}
	return c.r.ReadAt(p, off)
}

// BenchmarkCraftedEVTX reads a crafted EVTX and a real one of the same
// size (64 chunks, 4 MiB) in the correlation's three passes; compare the
// ns/op of the two (the defect: 55x).
func BenchmarkCraftedEVTX(b *testing.B) {
	header, real := realChunks(b)
	dir := b.TempDir()
	for _, c := range []struct {
		name   string
		chunks [][]byte
	}{{"real", real}, {"crafted", [][]byte{craftedChunk()}}} {
		path := filepath.Join(dir, c.name+".evtx")
		if err := os.WriteFile(path, evtxOf(header, c.chunks, 64), 0o644); err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(64 * chunkSize)
			for b.Loop() {
				chainPasses(b, path, nil)
			}
		})
	}
}

// ChunkMentions keeps every chunk that holds an event of the GUID, stored
// as a GUID value (the corpus's Sysmon log) or as text (built), and the
// pass then finds the same events as without it.
func TestChunkMentionsKeepsTheGUIDsChunks(t *testing.T) {
	built := buildEVTX([]testEvent{{id: 1, recordID: 1, provider: Provider, channel: Channel, computer: "pc",
		data: [][2]string{{"ProcessGuid", "{4D2D0F6B-1C2A-5A8E-0000-0010ABCDEF01}"}, {"User", `pc\alice`}}}})
	inputs := map[string][]byte{"built": built}
	if data, err := os.ReadFile(filepath.Join(sharedData, "evtx-corpus", "sysmon.evtx")); err == nil {
		inputs["sysmon.evtx"] = data
	}
	for name, data := range inputs {
		var all []*Event
		read := func(f Filter, emit func(*Event) error) {
			if err := ReadEVTX(context.Background(), bytes.NewReader(data), int64(len(data)), name, f, emit, nil); err != nil {
				t.Fatal(err)
			}
		}
		read(Filter{EventIDs: map[int]bool{1: true}}, func(e *Event) error { all = append(all, e); return nil })
		checked := 0
		for _, e := range all {
			g := e.Field("ProcessGuid")
			if g == "" || checked == 20 {
				continue
			}
			checked++
			want, got := 0, 0
			for _, x := range all {
				if x.Field("ProcessGuid") == g {
					want++
				}
			}
			read(Filter{EventIDs: map[int]bool{1: true}, Chunk: ChunkMentions([]string{g})}, func(x *Event) error {
				if x.Field("ProcessGuid") == g {
					got++
				}
				return nil
			})
			if got != want {
				t.Errorf("%s: %s: %d events with the chunk filter, %d without", name, g, got, want)
			}
		}
		if checked == 0 {
			t.Errorf("%s: no ProcessCreate with a ProcessGuid", name)
		}
		// A GUID no chunk holds: nothing is read.
		read(Filter{Chunk: ChunkMentions([]string{"{00000000-1111-2222-3333-444444444444}"})}, func(x *Event) error {
			t.Fatalf("%s: event %+v read", name, x)
			return nil
		})
	}
}
