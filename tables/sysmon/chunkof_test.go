package sysmon

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/runkeyhunt/runkeyhunt/internal/evtxwrite"
	"github.com/runkeyhunt/runkeyhunt/tables/input"
)

// A later pass of a Log reads only the chunks Filter.Chunks selects, and
// ChunkOf tells an event's chunk from its Offset; on one core and several.
func TestFilterChunksSelectsChunks(t *testing.T) {
	var file []byte
	for c := range 3 {
		one := buildEVTX([]testEvent{{id: 13, recordID: uint64(10*c + 1), time: time.Date(2026, 1, 1, 0, c, 0, 0, time.UTC),
			provider: Provider, channel: Channel, computer: "PC1", data: [][2]string{{"TargetObject", "HKLM\\x"}}}})
		if c == 0 {
			file = append(file, evtxwrite.FileHeader(3, 31)...)
		}
		file = append(file, one[fileHeaderSize:]...)
	}
	path := filepath.Join(t.TempDir(), "three.evtx")
	if err := os.WriteFile(path, file, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, cores := range []int{1, 2} {
		func() {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(cores))
			log := &Log{File: input.File{Path: path, Format: input.EVTX}}
			read := func(f Filter) (chunks []int, ids []int64) {
				err := log.Read(context.Background(), f, func(ev *Event) error {
					chunks, ids = append(chunks, ChunkOf(ev.Offset)), append(ids, ev.RecordID)
					return nil
				}, func(err error) { t.Error(err) })
				if err != nil {
					t.Fatal(err)
				}
				return chunks, ids
			}
			if chunks, ids := read(Filter{}); len(chunks) != 3 || chunks[0] != 0 || chunks[1] != 1 || chunks[2] != 2 || ids[1] != 11 {
				t.Fatalf("%d cores: first pass: chunks %v, records %v", cores, chunks, ids)
			}
			if chunks, ids := read(Filter{Chunks: func(i int) bool { return i == 1 }}); len(chunks) != 1 || chunks[0] != 1 || ids[0] != 11 {
				t.Errorf("%d cores: a later pass of chunk 1: chunks %v, records %v", cores, chunks, ids)
			}
		}()
	}
}
