package sysmon

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
)

// chunksPerJob is how many chunks go through readChunksParallel together:
// each hand-over between goroutines wakes one, which costs about as much
// as parsing a few records, so they are handed over a few chunks at a time.
const chunksPerJob = 4

// chunkJob is a few chunks on their way through readChunksParallel: read
// in file order, parsed by any worker, handed on in file order.
type chunkJob struct {
	buf   []byte // chunksPerJob chunks
	slots []chunkSlot
	read  bool // the worker reads the chunks
	done  chan struct{}
}

// chunkSlot is one chunk of a job.
type chunkSlot struct {
	off    int64
	n      int
	events []*Event
	ids    chunkIDs
	err    error // what was wrong with the chunk (a warning)
	fatal  error // reading failed, or the parser broke: the read stops here
}

func (j *chunkJob) chunk(k int) []byte {
	return j.buf[k*chunkSize : (k+1)*chunkSize]
}

// readChunksParallel is readEVTX's chunk loop on several cores: chunks
// are independent, so workers parse them while the caller's goroutine
// emits their events in file order, the same events, warnings and notes
// as one core gives. At most 4*workers jobs are in flight: events leave
// in file order, so a slow job holds back the buffers of those done after
// it, and with 2*workers the second core sat idle a fifth of the time
// (1 GiB workstation log, 2 cores: 1.45-1.9 s with 2*workers, 1.34-1.40 s
// with 4*workers, peak RSS 49 -> 52 MiB; 8*workers gained no more for
// 60 MiB). Where r may
// be read by several goroutines at once, each worker reads its chunks;
// otherwise one goroutine reads them all, in order.
func readChunksParallel(ctx context.Context, r io.ReaderAt, size int64, name string, filter Filter, emit func(*Event) error, warn func(error), notes *chunkNotes, later, first bool, workers int) error {
	inFlight := 4 * workers
	ctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer stop()

	free := make(chan *chunkJob, inFlight)
	for range inFlight {
		free <- &chunkJob{buf: make([]byte, chunksPerJob*chunkSize)}
	}
	work := make(chan *chunkJob, inFlight)
	ordered := make(chan *chunkJob, inFlight)

	concurrent := readsConcurrently(r)
	wg.Add(1)
	go func() { // reader: one ReadAt at a time, as the input may need
		defer wg.Done()
		defer close(ordered)
		defer close(work)
		i := 0
		for {
			var job *chunkJob
			select {
			case job = <-free:
			case <-ctx.Done():
				return
			}
			job.slots, job.read, job.done = job.slots[:0], concurrent, make(chan struct{})
			last := false
			for len(job.slots) < chunksPerJob && !last {
				off := fileHeaderSize + int64(i)*chunkSize
				if off >= size {
					last = true
					break
				}
				index := i
				i++
				if later && (index >= len(notes.chunks) || !notes.chunks[index].wanted(filter)) || !first && filter.Chunks != nil && !filter.Chunks(index) {
					continue
				}
				s := job.newSlot(off)
				if !concurrent {
					if err := ctx.Err(); err != nil {
						return
					}
					job.readSlot(r, name, len(job.slots)-1)
					last = s.n == 0 || s.fatal != nil
				}
			}
			if len(job.slots) == 0 {
				return
			}
			select {
			case ordered <- job:
			case <-ctx.Done():
				return
			}
			work <- job // never blocks for long: work holds as many as ordered
			if last {
				return
			}
		}
	}()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			reader := chunkReader{name: name, walker: newRecordWalker(filter)}
			prepareEvent := filter.preparer()
			for job := range work {
				for k := range job.slots {
					s := &job.slots[k]
					if job.read {
						if err := ctx.Err(); err != nil {
							s.fatal = fmt.Errorf("%s: chunk at offset %d: %w", name, s.off, err)
						} else {
							job.readSlot(r, name, k)
						}
					}
					if s.n == 0 || s.fatal != nil {
						break // the read stops here
					}
					parseSlot(&reader, job.chunk(k)[:s.n], s, prepareEvent)
				}
				close(job.done)
				// The emitter, if it waited for this job, is now this
				// goroutine's next to run, but would run only once this
				// worker blocks or is preempted (10 ms later): long enough
				// for the other workers to run out of jobs, as the emitter
				// frees none meanwhile (256 MiB workstation log, 2 cores:
				// a worker found no job waiting after 24% of the jobs,
				// after 6% with the yield). Yield to it now.
				runtime.Gosched()
			}
		}()
	}

	chunks := 0
	for job := range ordered {
		<-job.done
		for k := range job.slots {
			s := &job.slots[k]
			if s.fatal != nil {
				return s.fatal
			}
			if s.n == 0 {
				return finish(ctx, name, size, chunks, later, warn)
			}
			if bytes.HasPrefix(job.chunk(k)[:s.n], chunkMagic) {
				chunks++
			}
			if first {
				notes.chunks = append(notes.chunks, s.ids)
			}
			for _, ev := range s.events {
				if err := emit(ev); err != nil {
					return err
				}
			}
			if s.err != nil && !later {
				warn(s.err)
			}
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("%s: chunk at offset %d: %w", name, s.off+chunkSize, err)
			}
		}
		free <- job
	}
	return finish(ctx, name, size, chunks, later, warn)
}

// finish ends readChunksParallel once every chunk was emitted.
func finish(ctx context.Context, name string, size int64, chunks int, later bool, warn func(error)) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if chunks == 0 && !later {
		warn(fmt.Errorf("%s: offset %d: EVTX file holds no chunks (%d bytes, %d after the header)", name, fileHeaderSize, size, max(size-fileHeaderSize, 0)))
	}
	return nil
}

// newSlot adds the chunk at off to the job, reusing the slot's storage.
func (j *chunkJob) newSlot(off int64) *chunkSlot {
	k := len(j.slots)
	if k < cap(j.slots) {
		j.slots = j.slots[:k+1]
	} else {
		j.slots = append(j.slots, chunkSlot{})
	}
	s := &j.slots[k]
	*s = chunkSlot{off: off, events: s.events[:0]}
	return s
}

// readSlot reads a job's k-th chunk: its n is 0 past the end, its fatal
// says why reading failed.
func (j *chunkJob) readSlot(r io.ReaderAt, name string, k int) {
	s := &j.slots[k]
	n, err := r.ReadAt(j.chunk(k), s.off)
	s.n = n
	if n < chunkSize && !errors.Is(err, io.EOF) && err != nil {
		s.fatal = fmt.Errorf("%s: chunk at offset %d: %w", name, s.off, err)
	}
}

// readsConcurrently tells whether r's ReadAt may be called by several
// goroutines at once: a file on disk, or bytes in memory. Decompressed
// content pages through one stream and may not.
func readsConcurrently(r io.ReaderAt) bool {
	switch r.(type) {
	case *os.File, *bytes.Reader, interface{ Fd() uintptr }:
		return true
	}
	return false
}

// parseSlot parses one chunk and prepares its events (prepareEvent may be
// nil), turning a panic into the slot's fatal error as readEVTX does on
// one core.
func parseSlot(reader *chunkReader, chunk []byte, s *chunkSlot, prepareEvent func(*Event) any) {
	defer func() {
		if p := recover(); p != nil {
			s.fatal = fmt.Errorf("%s: offset %d: internal error reading EVTX: %v", reader.name, s.off, p)
		}
	}()
	events, ids, err := reader.parseChunk(chunk, s.off)
	s.events = append(s.events, events...)
	s.ids, s.err = ids, err
	if prepareEvent != nil {
		for _, ev := range s.events {
			ev.Prepared = prepareEvent(ev)
		}
	}
}
