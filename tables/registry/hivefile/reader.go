package hivefile

import (
	"errors"
	"io"
	"sync"
)

const (
	pageSize  = 4096
	maxPages  = 512 // 2 MiB of cache per open hive
	errNegOff = "negative offset"
)

// pagedReader caches fixed-size pages of the hive file. regparser reads
// every field with its own small ReadAt; without a cache each would be a
// system call.
type pagedReader struct {
	file io.ReaderAt
	size int64

	mu    sync.Mutex
	pages map[int64][]byte
	order []int64 // FIFO eviction order
}

func newPagedReader(f io.ReaderAt, size int64) *pagedReader {
	return &pagedReader{file: f, size: size, pages: map[int64][]byte{}}
}

func (r *pagedReader) page(index int64) ([]byte, error) {
	if p, ok := r.pages[index]; ok {
		return p, nil
	}
	off := index * pageSize
	n := int64(pageSize)
	if off+n > r.size {
		n = r.size - off
	}
	buf := make([]byte, n)
	if _, err := r.file.ReadAt(buf, off); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if len(r.order) >= maxPages {
		delete(r.pages, r.order[0])
		r.order = r.order[1:]
	}
	r.pages[index] = buf
	r.order = append(r.order, index)
	return buf, nil
}

// ReadAt implements io.ReaderAt; reads past the end return io.EOF, which
// regparser's array readers rely on to stop.
func (r *pagedReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New(errNegOff)
	}
	if off >= r.size {
		return 0, io.EOF
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for n < len(p) && off < r.size {
		pg, err := r.page(off / pageSize)
		if err != nil {
			return n, err
		}
		c := copy(p[n:], pg[off%pageSize:])
		n += c
		off += int64(c)
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}
