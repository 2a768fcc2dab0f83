package sysmon

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"unicode/utf16"
)

// EVTX layout.
const (
	fileHeaderSize    = 4096
	chunkSize         = 65536
	chunkHeaderSize   = 512
	recordHeaderSize  = 24
	chunkTokenBudget  = 1 << 21 // BinXML tokens walked per chunk, all records together
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
// reported through warn with file and offset and skipped; a corrupt file
// header is an error. An error returned by emit stops reading and is
// returned unchanged.
func ReadEVTX(ctx context.Context, r io.ReaderAt, size int64, name string, filter Filter, emit func(*Event) error, warn func(error)) (err error) {
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

	reader := chunkReader{name: name, walker: newRecordWalker(filter), emit: emit, warn: warn}
	buf := make([]byte, chunkSize)
	for off = fileHeaderSize; off < size; off += chunkSize {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("%s: chunk at offset %d: %w", name, off, err)
		}
		n, err := r.ReadAt(buf, off)
		if n < chunkSize && !errors.Is(err, io.EOF) && err != nil {
			return fmt.Errorf("%s: chunk at offset %d: %w", name, off, err)
		}
		if n == 0 {
			break
		}
		events, err := reader.parseChunk(buf[:n], off)
		for _, ev := range events {
			if err := emit(ev); err != nil {
				return err
			}
		}
		if err != nil {
			warn(err)
		}
	}
	return nil
}

// chunkReader turns chunks into events.
type chunkReader struct {
	name   string
	walker *recordWalker
	emit   func(*Event) error
	warn   func(error)
	events []*Event
}

// parseChunk returns the wanted events of one chunk. A broken record is
// reported through warn and skipped; a broken chunk is returned as an error
// after the events read before the break.
func (c *chunkReader) parseChunk(chunk []byte, off int64) ([]*Event, error) {
	c.events = c.events[:0]
	if !bytes.HasPrefix(chunk, chunkMagic) {
		if isZero(chunk) {
			return nil, nil // space preallocated for chunks not yet written
		}
		return nil, fmt.Errorf("%s: chunk at offset %d: bad chunk magic", c.name, off)
	}
	var truncated error
	if len(chunk) < chunkSize {
		truncated = fmt.Errorf("%s: chunk at offset %d: truncated to %d bytes", c.name, off, len(chunk))
		if len(chunk) < chunkHeaderSize {
			return nil, truncated
		}
	}
	if !c.walker.filter.anyProvider && !bytes.Contains(chunk, sysmonUTF16) && !bytes.Contains(chunk, sysmonASCII) {
		return nil, truncated
	}
	limit := int(binary.LittleEndian.Uint32(chunk[48:])) // free space offset
	if limit < chunkHeaderSize || limit > len(chunk) {
		limit = len(chunk)
	}
	w := c.walker
	w.reset(chunk)
	budget := chunkTokenBudget
	for p := chunkHeaderSize; p+recordHeaderSize <= limit; {
		if !bytes.HasPrefix(chunk[p:], recordMagic) {
			if isZero(chunk[p:limit]) {
				break
			}
			return c.events, fmt.Errorf("%s: chunk at offset %d: record at offset %d: bad record magic", c.name, off, off+int64(p))
		}
		size := int(binary.LittleEndian.Uint32(chunk[p+4:]))
		if size < recordHeaderSize+recordTrailerSize || size > len(chunk)-p ||
			int(binary.LittleEndian.Uint32(chunk[p+size-4:])) != size {
			return c.events, fmt.Errorf("%s: chunk at offset %d: record at offset %d: bad record size %d", c.name, off, off+int64(p), size)
		}
		recordID := binary.LittleEndian.Uint64(chunk[p+8:])
		ev, err := w.parseRecordBudget(p+recordHeaderSize, p+size-recordTrailerSize, recordID, min(budget, recordTokenBudget))
		budget -= w.used
		if err != nil {
			c.warn(fmt.Errorf("%s: chunk at offset %d: record %d at offset %d: %w", c.name, off, recordID, off+int64(p), err))
			if budget <= 0 {
				return c.events, fmt.Errorf("%s: chunk at offset %d: %w", c.name, off, errTooComplex)
			}
		} else if ev != nil {
			ev.SourceFile = c.name
			ev.Offset = off + int64(p)
			c.events = append(c.events, ev)
		}
		p += size
	}
	return c.events, truncated
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
