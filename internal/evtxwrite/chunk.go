package evtxwrite

import (
	"encoding/binary"
	"hash/crc32"
	"time"
)

// Chunk fills one chunk with records.
type Chunk struct {
	Buf []byte
	// Free is the offset of the chunk's free space: where the next record goes.
	Free int
	// Records counts the records written; FirstID and LastID are the
	// record ids of the first and the last.
	Records         int
	FirstID, LastID uint64
	lastStart       int
	names           map[string]int
	hashNames       bool
}

// ChunkOptions say how a chunk's records write names.
type ChunkOptions struct {
	// ShareNames writes each name once per chunk, later references
	// pointing at it, as Windows writes; else every name is inline.
	ShareNames bool
	// HashNames fills in the names' hash.
	HashNames bool
}

// NewChunk is an empty chunk.
func NewChunk(o ChunkOptions) *Chunk {
	c := &Chunk{Buf: make([]byte, ChunkSize), Free: ChunkHeaderSize, hashNames: o.HashNames}
	if o.ShareNames {
		c.names = map[string]int{}
	}
	copy(c.Buf, "ElfChnk\x00")
	return c
}

// Record appends a record written at written: body writes its BinXML.
// It reports false, writing nothing, when the record does not fit.
func (c *Chunk) Record(recordID uint64, written time.Time, body func(x *BinXML)) bool {
	x := &BinXML{Pos: c.Free + RecordHeaderSize, Names: c.names, HashNames: c.hashNames}
	body(x)
	size := RecordHeaderSize + len(x.B) + 4
	if c.Free+size > ChunkSize {
		return false
	}
	p := c.Buf[c.Free:]
	copy(p, "**\x00\x00")
	binary.LittleEndian.PutUint32(p[4:], uint32(size))
	binary.LittleEndian.PutUint64(p[8:], recordID)
	binary.LittleEndian.PutUint64(p[16:], Filetime(written))
	copy(p[RecordHeaderSize:], x.B)
	binary.LittleEndian.PutUint32(p[size-4:], uint32(size))
	if c.Records == 0 {
		c.FirstID = recordID
	}
	c.Records++
	c.LastID, c.lastStart = recordID, c.Free
	c.Free += size
	return true
}

// Finish writes the chunk header: the first and last event record
// numbers given, record ids, offsets and both CRCs.
func (c *Chunk) Finish(firstNumber, lastNumber uint64) []byte {
	h := c.Buf
	binary.LittleEndian.PutUint64(h[8:], firstNumber)
	binary.LittleEndian.PutUint64(h[16:], lastNumber)
	binary.LittleEndian.PutUint64(h[24:], c.FirstID)
	binary.LittleEndian.PutUint64(h[32:], c.LastID)
	binary.LittleEndian.PutUint32(h[40:], 128)
	binary.LittleEndian.PutUint32(h[44:], uint32(c.lastStart))
	binary.LittleEndian.PutUint32(h[48:], uint32(c.Free))
	SetChunkCRCs(h)
	return h
}

// SetChunkCRCs fills in a chunk's CRCs: of the records up to the free
// space offset (at 48) and of the header.
func SetChunkCRCs(chunk []byte) {
	free := binary.LittleEndian.Uint32(chunk[48:])
	binary.LittleEndian.PutUint32(chunk[52:], crc32.ChecksumIEEE(chunk[ChunkHeaderSize:free]))
	h := crc32.NewIEEE()
	h.Write(chunk[:120])
	h.Write(chunk[128:ChunkHeaderSize])
	binary.LittleEndian.PutUint32(chunk[124:], h.Sum32())
}

// SetFileHeaderCRC fills in the file header's CRC.
func SetFileHeaderCRC(header []byte) {
	binary.LittleEndian.PutUint32(header[124:], crc32.ChecksumIEEE(header[:120]))
}

// FileHeader is the header of a file of n chunks whose next record id is
// nextRecordID, clean (no dirty or full flag).
func FileHeader(n int, nextRecordID uint64) []byte {
	h := make([]byte, FileHeaderSize)
	copy(h, "ElfFile\x00")
	binary.LittleEndian.PutUint64(h[8:], 0) // first chunk
	binary.LittleEndian.PutUint64(h[16:], uint64(n-1))
	binary.LittleEndian.PutUint64(h[24:], nextRecordID)
	binary.LittleEndian.PutUint32(h[32:], 128)
	binary.LittleEndian.PutUint16(h[36:], 1) // minor version
	binary.LittleEndian.PutUint16(h[38:], 3) // major version
	binary.LittleEndian.PutUint16(h[40:], FileHeaderSize)
	binary.LittleEndian.PutUint16(h[42:], uint16(n))
	SetFileHeaderCRC(h)
	return h
}
