package sysmon

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime"
	"unicode/utf16"
)

// EVTX layout.
const (
	fileHeaderSize   = 4096
	chunkSize        = 65536
	chunkHeaderSize  = 512
	recordHeaderSize = 24
	// Work (BinXML tokens walked, 16 bytes of text rendered) a chunk may
	// cost per byte of its records, all records together. Real chunks
	// cost 0.05 to 0.3 per byte (the corpus's worst is 0.29); a crafted
	// one that walks a big template again and again stops at this, so it
	// costs a few times a real chunk, not 2^21 tokens.
	chunkWorkPerByte  = 1
	evtxMajorVersion  = 3
	recordTrailerSize = 4
)

var (
	fileMagic   = []byte("ElfFile\x00")
	chunkMagic  = []byte("ElfChnk\x00")
	recordMagic = []byte("**\x00\x00")

	// A chunk that does not hold the provider name anywhere, as UTF-16 or
	// 8-bit text, holds no Sysmon event: chunks are self-contained.
	sysmonUTF16 = utf16LE(Provider)
	sysmonASCII = []byte(Provider)
)

func utf16LE(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return b
}

// ReadEVTX streams the Sysmon events of an EVTX file, in file order, to
// emit. It reads one 64 KiB chunk at a time. A corrupt chunk or record is
// reported through warn with file and offset and skipped (one warning per
// chunk); a corrupt file header is an error, a file without chunks a
// warning. An error returned by emit stops reading and is returned
// unchanged; a cancelled ctx stops it with ctx's error.
func ReadEVTX(ctx context.Context, r io.ReaderAt, size int64, name string, filter Filter, emit func(*Event) error, warn func(error)) error {
	return readEVTX(ctx, r, size, name, filter, emit, warn, nil)
}

// chunkNotes are what the first pass over an EVTX learnt about its chunks,
// by chunk number: later passes read only the chunks that hold an event
// they want.
type chunkNotes struct {
	chunks []chunkIDs
}

// chunkIDs is the set of Sysmon event ids of one chunk's readable records.
type chunkIDs struct {
	low  [4]uint64 // ids below 256
	high bool      // any id from 256
}

func (c *chunkIDs) add(id int) {
	if id >= 0 && id < 256 {
		c.low[id/64] |= 1 << (id % 64)
	} else {
		c.high = true
	}
}

// wanted tells whether the chunk may hold an event of the filter.
func (c *chunkIDs) wanted(f Filter) bool {
	if len(f.EventIDs) == 0 {
		return c.high || c.low != [4]uint64{}
	}
	if c.high {
		return true
	}
	for id, ok := range f.EventIDs {
		if ok && id >= 0 && id < 256 && c.low[id/64]&(1<<(id%64)) != 0 {
			return true
		}
	}
	return false
}

// readEVTX is ReadEVTX; with notes, a first pass fills them and a later
// pass (notes already filled) skips the chunks that hold nothing wanted.
func readEVTX(ctx context.Context, r io.ReaderAt, size int64, name string, filter Filter, emit func(*Event) error, warn func(error), notes *chunkNotes) (err error) {
	if warn == nil {
		warn = func(error) {}
	}
	var off int64
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: offset %d: internal error reading EVTX: %v", name, off, p)
		}
	}()
	header := make([]byte, fileHeaderSize)
	if n, err := r.ReadAt(header, 0); n < fileHeaderSize {
		return fmt.Errorf("%s: offset 0: EVTX file header truncated (%d of %d bytes): %v", name, n, fileHeaderSize, err)
	}
	if !bytes.HasPrefix(header, fileMagic) {
		return fmt.Errorf("%s: offset 0: not an EVTX file (bad magic %q)", name, header[:8])
	}
	if major := binary.LittleEndian.Uint16(header[38:]); major != evtxMajorVersion {
		return fmt.Errorf("%s: offset 38: unsupported EVTX major version %d", name, major)
	}

	later := notes != nil && notes.chunks != nil
	first := notes != nil && !later
	if first {
		notes.chunks = []chunkIDs{}
	}
	if workers := runtime.GOMAXPROCS(0); workers > 1 && size > fileHeaderSize+chunkSize {
		return readChunksParallel(ctx, r, size, name, filter, emit, warn, notes, later, first, workers)
	}
	reader := chunkReader{name: name, walker: newRecordWalker(filter)}
	buf := make([]byte, min(chunkSize, max(size-fileHeaderSize, 0))) // small files: small buffer
	chunks := 0
	for i := 0; ; i++ {
		off = fileHeaderSize + int64(i)*chunkSize
		if off >= size {
			break
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("%s: chunk at offset %d: %w", name, off, err)
		}
		if later && (i >= len(notes.chunks) || !notes.chunks[i].wanted(filter)) || !first && filter.Chunks != nil && !filter.Chunks(i) {
			continue
		}
		n, err := r.ReadAt(buf, off)
		if n < chunkSize && !errors.Is(err, io.EOF) && err != nil {
			return fmt.Errorf("%s: chunk at offset %d: %w", name, off, err)
		}
		if n == 0 {
			break
		}
		if bytes.HasPrefix(buf[:n], chunkMagic) {
			chunks++
		}
		events, ids, err := reader.parseChunk(buf[:n], off)
		if first {
			notes.chunks = append(notes.chunks, ids)
		}
		for _, ev := range events {
			if err := emit(ev); err != nil {
				return err
			}
		}
		if err != nil && !later {
			warn(err)
		}
	}
	if chunks == 0 && !later {
		warn(fmt.Errorf("%s: offset %d: EVTX file holds no chunks (%d bytes, %d after the header)", name, fileHeaderSize, size, max(size-fileHeaderSize, 0)))
	}
	return nil
}

// chunkReader turns chunks into events.
type chunkReader struct {
	name   string
	walker *recordWalker
	events []*Event
}

// parseChunk returns the wanted events of one chunk, the Sysmon event ids
// of its readable records, and one error that says what was wrong with
// it: broken records are skipped and counted, a broken chunk ends it after
// the events read before the break.
func (c *chunkReader) parseChunk(chunk []byte, off int64) ([]*Event, chunkIDs, error) {
	c.events = c.events[:0]
	var ids chunkIDs
	if !bytes.HasPrefix(chunk, chunkMagic) {
		if isZero(chunk) {
			return nil, ids, nil // space preallocated for chunks not yet written
		}
		return nil, ids, fmt.Errorf("%s: chunk at offset %d: bad chunk magic", c.name, off)
	}
	var truncated error
	if len(chunk) < chunkSize {
		truncated = fmt.Errorf("%s: chunk at offset %d: truncated to %d bytes", c.name, off, len(chunk))
		if len(chunk) < chunkHeaderSize {
			return nil, ids, truncated
		}
	}
	if !c.walker.filter.anyProvider && !bytes.Contains(chunk, sysmonUTF16) && !bytes.Contains(chunk, sysmonASCII) {
		return nil, ids, truncated
	}
	if c.walker.filter.Chunk != nil && !c.walker.filter.Chunk(chunk) {
		// Not read: the chunk's ids are unknown, so any pass may want it.
		ids.high, ids.low = true, [4]uint64{^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0)}
		return nil, ids, truncated
	}
	limit := int(binary.LittleEndian.Uint32(chunk[48:])) // free space offset
	if limit < chunkHeaderSize || limit > len(chunk) {
		limit = len(chunk)
	}
	w := c.walker
	w.reset(chunk)
	budget := chunkWorkPerByte * (limit - chunkHeaderSize)
	var firstBad error
	bad := 0
	// summary is the chunk's one warning: what broke it, and the records
	// skipped before.
	summary := func(broken error) error {
		switch {
		case bad == 0:
			return broken
		case broken == nil && bad == 1:
			return firstBad
		}
		records := "records"
		if bad == 1 {
			records = "record"
		}
		msg := fmt.Sprintf("%d %s skipped, the first: %v", bad, records, firstBad)
		if broken != nil {
			return fmt.Errorf("%w (and %s)", broken, msg)
		}
		return fmt.Errorf("%s: chunk at offset %d: %s", c.name, off, msg)
	}
	for p := chunkHeaderSize; p+recordHeaderSize <= limit; {
		if !bytes.HasPrefix(chunk[p:], recordMagic) {
			if isZero(chunk[p:limit]) {
				break
			}
			return c.events, ids, summary(fmt.Errorf("%s: chunk at offset %d: record at offset %d: bad record magic", c.name, off, off+int64(p)))
		}
		size := int(binary.LittleEndian.Uint32(chunk[p+4:]))
		if size < recordHeaderSize+recordTrailerSize || size > len(chunk)-p ||
			int(binary.LittleEndian.Uint32(chunk[p+size-4:])) != size {
			return c.events, ids, summary(fmt.Errorf("%s: chunk at offset %d: record at offset %d: bad record size %d", c.name, off, off+int64(p), size))
		}
		recordID := binary.LittleEndian.Uint64(chunk[p+8:])
		ev, err := w.parseRecordBudget(p+recordHeaderSize, p+size-recordTrailerSize, recordID, min(budget, recordTokenBudget))
		budget -= w.used
		if err != nil {
			if bad++; bad == 1 {
				firstBad = fmt.Errorf("%s: chunk at offset %d: record %d at offset %d: %w", c.name, off, recordID, off+int64(p), err)
			}
			if budget <= 0 {
				return c.events, ids, summary(fmt.Errorf("%s: chunk at offset %d: %w", c.name, off, errTooComplex))
			}
		} else {
			if w.sysmon {
				ids.add(w.ev.EventID)
			}
			if ev != nil {
				ev.SourceFile = c.name
				ev.Offset = off + int64(p)
				c.events = append(c.events, ev)
			}
		}
		p += size
	}
	return c.events, ids, summary(truncated)
}
func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
