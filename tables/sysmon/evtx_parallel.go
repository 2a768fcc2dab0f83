package sysmon

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
)

// chunkJob is one chunk on its way through readChunksParallel: read in file
// order, parsed by any worker, handed on in file order.
type chunkJob struct {
	index  int
	off    int64
	buf    []byte
	n      int
	events []*Event
	ids    chunkIDs
	err    error // what was wrong with the chunk (a warning)
	fatal  error // reading failed, or the parser broke: the read stops
	done   chan struct{}
}

// readChunksParallel is readEVTX's chunk loop on several cores: chunks
// are independent, so workers parse them while the caller's goroutine
// emits their events in file order, the same events, warnings and notes
// as one core gives. At most 2*workers chunks are in flight.
func readChunksParallel(ctx context.Context, r io.ReaderAt, size int64, name string, filter Filter, emit func(*Event) error, warn func(error), notes *chunkNotes, later, first bool, workers int) error {
	inFlight := 2 * workers
	ctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer stop()

	free := make(chan *chunkJob, inFlight)
	for range inFlight {
		free <- &chunkJob{buf: make([]byte, chunkSize)}
	}
	work := make(chan *chunkJob, inFlight)
	ordered := make(chan *chunkJob, inFlight)

	wg.Add(1)
	go func() { // reader: one ReadAt at a time, as the input may need
		defer wg.Done()
		defer close(ordered)
		defer close(work)
		for i := 0; ; i++ {
			off := fileHeaderSize + int64(i)*chunkSize
			if off >= size {
				return
			}
			if later && (i >= len(notes.chunks) || !notes.chunks[i].wanted(filter)) || !first && filter.Chunks != nil && !filter.Chunks(i) {
				continue
			}
			var job *chunkJob
			select {
			case job = <-free:
			case <-ctx.Done():
				return
			}
			job.index, job.off, job.events, job.ids, job.err, job.fatal = i, off, job.events[:0], chunkIDs{}, nil, nil
			job.done = make(chan struct{})
			n, err := r.ReadAt(job.buf, off)
			job.n = n
			last := n == 0
			if n < chunkSize && !errors.Is(err, io.EOF) && err != nil {
				job.fatal = fmt.Errorf("%s: chunk at offset %d: %w", name, off, err)
				last = true
			}
			if last {
				close(job.done)
				select {
				case ordered <- job:
				case <-ctx.Done():
				}
				return
			}
			select {
			case ordered <- job:
			case <-ctx.Done():
				return
			}
			work <- job // never blocks for long: work holds as many as ordered
		}
	}()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			reader := chunkReader{name: name, walker: newRecordWalker(filter)}
			for job := range work {
				parseJob(&reader, job)
				close(job.done)
			}
		}()
	}

	chunks := 0
	for job := range ordered {
		<-job.done
		if job.fatal != nil {
			return job.fatal
		}
		if job.n == 0 {
			break
		}
		if bytes.HasPrefix(job.buf[:job.n], chunkMagic) {
			chunks++
		}
		if first {
			notes.chunks = append(notes.chunks, job.ids)
		}
		for _, ev := range job.events {
			if err := emit(ev); err != nil {
				return err
			}
		}
		if job.err != nil && !later {
			warn(job.err)
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("%s: chunk at offset %d: %w", name, job.off+chunkSize, err)
		}
		free <- job
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if chunks == 0 && !later {
		warn(fmt.Errorf("%s: offset %d: EVTX file holds no chunks (%d bytes, %d after the header)", name, fileHeaderSize, size, max(size-fileHeaderSize, 0)))
	}
	return nil
}

// parseJob parses one chunk, turning a parser panic into the job's fatal
// error as readEVTX does on one core.
func parseJob(reader *chunkReader, job *chunkJob) {
	defer func() {
		if p := recover(); p != nil {
			job.fatal = fmt.Errorf("%s: offset %d: internal error reading EVTX: %v", reader.name, job.off, p)
		}
	}()
	events, ids, err := reader.parseChunk(job.buf[:job.n], job.off)
	job.events = append(job.events, events...)
	job.ids, job.err = ids, err
}
