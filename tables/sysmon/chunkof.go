package sysmon

// ChunkOf is the index of the EVTX chunk that holds the record at offset
// (an EVTX Event's Offset), as Filter.Chunks takes it.
func ChunkOf(offset int64) int {
	return int((offset - fileHeaderSize) / chunkSize)
}
