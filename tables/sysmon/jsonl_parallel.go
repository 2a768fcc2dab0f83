package sysmon

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"runtime"
	"sync"
)

// jsonBlockSize is how much of a JSON-lines file one worker takes at a time.
const jsonBlockSize = 1 << 20

// A JSON-lines file is read on several cores in blocks of whole lines:
// workers pre-filter and parse them, and one goroutine emits the events in
// file order. A block's line numbers are counted by its worker and made
// absolute when it is emitted, so no part of the work is done serially but
// the emitting (and, for a stream, the reading).

// jsonBlock is one block of whole lines.
type jsonBlock struct {
	seq     int
	data    []byte
	buf     []byte // the buffer data lives in, recycled once parsed (nil: not recyclable)
	tooLong bool   // no data: one line longer than maxJSONLine, skipped
	off     int64  // read from a file: where the block starts
}

// jsonItem is an event or a problem of one line of a block.
type jsonItem struct {
	ev      *Event
	line    int64 // the line's index in its block
	err     error // the line's problem, without file and line
	tooLong bool
}

type jsonResult struct {
	seq     int
	lines   int64 // how many lines the block holds
	items   []jsonItem
	err     error // stops the read (a read error, an internal error), at errLine
	errLine int64
}

// jsonPipeline is the shared part of both parallel readers: workers with a
// parser each, results emitted in block order. At most tokens blocks are
// read and not yet emitted, which bounds memory.
type jsonPipeline struct {
	ctx     context.Context
	name    string
	filter  Filter
	wanted  [][]byte
	blocks  chan jsonBlock
	results chan jsonResult
	tokens  chan struct{}
	done    chan struct{} // closed when the emitter stops early
}

func newJSONPipeline(ctx context.Context, name string, filter Filter, workers int) *jsonPipeline {
	return &jsonPipeline{
		ctx: ctx, name: name, filter: filter, wanted: idPatterns(filter),
		blocks:  make(chan jsonBlock, workers),
		results: make(chan jsonResult, workers),
		tokens:  make(chan struct{}, 3*workers),
		done:    make(chan struct{}),
	}
}

// send hands a block to the workers once a token is free; false when the
// read must stop.
func (pl *jsonPipeline) send(b jsonBlock) bool {
	select {
	case pl.tokens <- struct{}{}:
	case <-pl.done:
		return false
	case <-pl.ctx.Done():
		return false
	}
	select {
	case pl.blocks <- b:
		return true
	case <-pl.done:
	case <-pl.ctx.Done():
	}
	return false
}

// work runs workers goroutines over the blocks; prepare turns a block into
// its lines (reading them, for a file), with buf the worker's own buffer.
func (pl *jsonPipeline) work(workers int, prepare func(b jsonBlock, buf []byte) (jsonBlock, []byte, error), recycle func([]byte)) {
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var p jsonLineParser
			var buf []byte
			prepareEvent := pl.filter.preparer()
			for b := range pl.blocks {
				if pl.ctx.Err() != nil {
					return
				}
				var res jsonResult
				var err error
				if b, buf, err = prepare(b, buf); err != nil {
					res = jsonResult{seq: b.seq, err: err}
				} else {
					res = parseBlock(&p, b, pl.filter, pl.wanted, prepareEvent)
				}
				if recycle != nil && b.buf != nil {
					recycle(b.buf)
				}
				select {
				case pl.results <- res:
				case <-pl.done:
					return
				case <-pl.ctx.Done():
					return
				}
				runtime.Gosched() // to the emitter, as readChunksParallel's workers do
			}
		}()
	}
	go func() {
		wg.Wait()
		close(pl.results)
	}()
}

// emit gives the results' events and warnings in file order, and returns
// the first failure and the number of the line after the last one emitted.
func (pl *jsonPipeline) emit(emit func(*Event) error, warn func(error)) (nextLine int64, failure error) {
	nextLine = 1
	pending := map[int]jsonResult{}
	next := 0
	stop := func(err error) {
		failure = err
		close(pl.done)
	}
	for res := range pl.results {
		if failure != nil {
			continue // draining: the workers are stopping
		}
		if err := pl.ctx.Err(); err != nil {
			stop(fmt.Errorf("%s: %w", pl.name, err))
			continue
		}
		pending[res.seq] = res
		for failure == nil {
			cur, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			<-pl.tokens
			if cur.err != nil {
				stop(fmt.Errorf("%s: line %d: %w", pl.name, nextLine+cur.errLine, cur.err))
				break
			}
			for _, it := range cur.items {
				line := nextLine + it.line
				switch {
				case it.tooLong:
					warn(fmt.Errorf("%s: line %d: longer than %d bytes, skipped", pl.name, line, maxJSONLine))
				case it.err != nil:
					warn(fmt.Errorf("%s: line %d: %w", pl.name, line, it.err))
				default:
					it.ev.SourceFile, it.ev.Offset = pl.name, line
					if err := emit(it.ev); err != nil {
						stop(err)
					}
				}
				if failure != nil {
					break
				}
			}
			nextLine += cur.lines
		}
	}
	if failure == nil {
		if err := pl.ctx.Err(); err != nil {
			// The workers stopped on ctx; the reader may still be stopping.
			failure = fmt.Errorf("%s: %w", pl.name, err)
		}
	}
	return nextLine, failure
}

// readJSONLinesParallel is ReadJSONLines on several cores for a stream: a
// reader cuts the input into blocks of whole lines for the workers.
func readJSONLinesParallel(ctx context.Context, r io.Reader, name string, filter Filter, emit func(*Event) error, warn func(error), workers int) error {
	pl := newJSONPipeline(ctx, name, filter, workers)
	// Parsed events own their strings, so a block's buffer is free again as
	// soon as its worker is done with it.
	free := make(chan []byte, 3*workers)
	var readErr error
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		defer close(pl.blocks)
		readErr = cutBlocks(ctx, r, pl, free)
	}()
	pl.work(workers, func(b jsonBlock, buf []byte) (jsonBlock, []byte, error) { return b, buf, nil }, func(buf []byte) {
		if cap(buf) <= 2*jsonBlockSize {
			select {
			case free <- buf:
			default:
			}
		}
	})
	nextLine, failure := pl.emit(emit, warn)
	if failure != nil {
		return failure
	}
	<-readDone
	if readErr != nil {
		return fmt.Errorf("%s: line %d: %w", name, nextLine, readErr)
	}
	return nil
}

// cutBlocks reads r and sends blocks that end at a line boundary. A line
// longer than maxJSONLine is skipped; its warning travels as a block so that
// warn is only ever called from the emitting goroutine.
func cutBlocks(ctx context.Context, r io.Reader, pl *jsonPipeline, free chan []byte) error {
	seq := 0
	var carry []byte
	skipping := false
	send := func(b jsonBlock) bool {
		b.seq = seq
		seq++
		return pl.send(b)
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		// A recycled buffer takes the carried partial line, then fresh
		// input: no block is allocated or copied twice in the steady state.
		var buf []byte
		select {
		case buf = <-free:
		default:
		}
		if cap(buf) < len(carry)+jsonBlockSize {
			buf = make([]byte, 0, len(carry)+jsonBlockSize)
		}
		buf = append(buf[:0], carry...)
		n, err := io.ReadFull(r, buf[len(buf):len(buf)+jsonBlockSize])
		eof := errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
		if err != nil && !eof {
			return err
		}
		chunk := buf[:len(carry)+n]
		carry = nil
		if skipping {
			i := bytes.IndexByte(chunk, '\n')
			if i < 0 {
				if eof {
					return nil
				}
				continue
			}
			skipping = false
			chunk = chunk[i+1:]
		}
		if eof {
			if len(chunk) > 0 {
				send(jsonBlock{data: chunk})
			}
			return nil
		}
		cut := bytes.LastIndexByte(chunk, '\n')
		switch {
		case cut >= 0:
			carry = append([]byte(nil), chunk[cut+1:]...)
			if !send(jsonBlock{data: chunk[:cut+1], buf: buf}) {
				return nil
			}
		case len(chunk) > maxJSONLine:
			if !send(jsonBlock{tooLong: true}) {
				return nil
			}
			skipping = true
		default:
			carry = append([]byte(nil), chunk...)
		}
	}
}

// readJSONLinesAt is ReadJSONLines on several cores for a file: the
// workers read their blocks themselves (ReadAt), so reading is parallel
// too. A block holds the lines that start in its blockSize bytes, the last
// one whole.
func readJSONLinesAt(ctx context.Context, ra io.ReaderAt, size int64, name string, filter Filter, emit func(*Event) error, warn func(error), workers int, blockSize int64) error {
	pl := newJSONPipeline(ctx, name, filter, workers)
	go func() {
		defer close(pl.blocks)
		for seq, off := 0, int64(0); off < size; seq, off = seq+1, off+blockSize {
			if !pl.send(jsonBlock{seq: seq, off: off}) {
				return
			}
		}
	}()
	pl.work(workers, func(b jsonBlock, buf []byte) (jsonBlock, []byte, error) {
		if cap(buf) > 4*int(blockSize) {
			buf = nil // after an over-long line: do not keep its memory
		}
		var err error
		b.data, b.tooLong, buf, err = ownedLines(ra, size, b.off, blockSize, buf)
		return b, buf, err
	}, nil)
	_, failure := pl.emit(emit, warn)
	return failure
}

// ownedLines reads the lines that start in [start, start+n) of a file of
// size bytes, the last one whole, into buf. When that last line is longer
// than maxJSONLine, it is left out and tooLong is set. The rest of a line
// running past the block is looked for in small reads and read whole only
// once it is known to fit: an over-long line costs no memory.
func ownedLines(ra io.ReaderAt, size, start, n int64, buf []byte) (data []byte, tooLong bool, _ []byte, err error) {
	end := min(start+n, size)
	from := max(start-1, 0) // the byte before: does a line start at start?
	have := int(end - from)
	buf = growTo(buf, have+lineTailRead, int(n)+lineTailRead+1)
	if err := readAt(ra, buf[:have], from); err != nil {
		return nil, false, buf, err
	}
	first := 0
	if start > 0 {
		i := bytes.IndexByte(buf[:have], '\n')
		if i < 0 {
			return nil, false, buf, nil // inside a line that started before
		}
		first = i + 1
	}
	if first == have || buf[have-1] == '\n' || end == size {
		return buf[first:have], false, buf, nil
	}
	// The last line runs past the block: find its newline, reading on
	// into the room after the block (an array of the function's would be
	// on the heap: 64 KiB a block).
	last := first + bytes.LastIndexByte(buf[first:have], '\n') + 1
	tail := buf[have : have+lineTailRead]
	stop := size // where the line ends
	for at := end; ; {
		if have-last+int(at-end) > maxJSONLine {
			return buf[first:last], true, buf, nil
		}
		if at == size {
			break // the file ends the line
		}
		k := int(min(lineTailRead, size-at))
		if err := readAt(ra, tail[:k], at); err != nil {
			return nil, false, buf, err
		}
		i := bytes.IndexByte(tail[:k], '\n')
		if i < 0 {
			at += int64(k)
			continue
		}
		lineEnd := at + int64(i) + 1
		if have-last+int(lineEnd-end) > maxJSONLine {
			return buf[first:last], true, buf, nil
		}
		if at == end {
			// The usual case: the rest of the line is in the first read,
			// in place.
			return buf[first : have+i+1], false, buf, nil
		}
		stop = lineEnd
		break
	}
	whole := have + int(stop-end)
	buf = growTo(buf, whole, 0)
	if err := readAt(ra, buf[have:whole], end); err != nil {
		return nil, false, buf, err
	}
	return buf[first:whole], false, buf, nil
}

// lineTailRead is how much is read at a time looking for the end of a line
// that runs past its block.
const lineTailRead = 64 << 10

// growTo returns buf with room for n bytes (at least want, when it must
// grow), keeping its first bytes.
func growTo(buf []byte, n, want int) []byte {
	if cap(buf) >= n {
		return buf[:cap(buf)]
	}
	grown := make([]byte, max(n, want))
	copy(grown, buf)
	return grown
}

// readAt fills p from off; a file shorter than it was is an error.
func readAt(ra io.ReaderAt, p []byte, off int64) error {
	n, err := ra.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF // the file shrank while read
	}
	return err
}

// parseBlock parses the lines of one block and prepares their events
// (prepareEvent may be nil).
func parseBlock(p *jsonLineParser, b jsonBlock, filter Filter, wanted [][]byte, prepareEvent func(*Event) any) (res jsonResult) {
	res.seq = b.seq
	lineNo := int64(0)
	defer func() {
		if rec := recover(); rec != nil {
			res.err, res.errLine = fmt.Errorf("internal error reading JSON: %v", rec), lineNo
		}
	}()
	data := b.data
	for len(data) > 0 {
		end := bytes.IndexByte(data, '\n')
		var line []byte
		if end < 0 {
			line, data = data, nil
		} else {
			line, data = data[:end+1], data[end+1:]
		}
		if len(line) > maxJSONLine {
			res.items = append(res.items, jsonItem{line: lineNo, tooLong: true})
		} else if mayMatch(line, wanted) && (filter.Line == nil || filter.Line(line)) {
			ev, err := p.parse(line, filter)
			switch {
			case err != nil:
				res.items = append(res.items, jsonItem{line: lineNo, err: err})
			case ev != nil:
				if prepareEvent != nil {
					ev.Prepared = prepareEvent(ev)
				}
				res.items = append(res.items, jsonItem{line: lineNo, ev: ev})
			}
		}
		lineNo++
	}
	if b.tooLong {
		res.items = append(res.items, jsonItem{line: lineNo, tooLong: true})
		lineNo++
	}
	res.lines = lineNo
	return res
}

// jsonWorkers is how many goroutines parse JSON lines.
func jsonWorkers() int { return runtime.GOMAXPROCS(0) }

// regularFileAt gives r's random access and the bytes left from its
// position when r is a regular file on disk (not a stream: a .gz or a zip
// member is read through one stream, and ReadAt would restart it).
func regularFileAt(r io.Reader) (io.ReaderAt, int64, bool) {
	f, ok := r.(interface {
		Stat() (fs.FileInfo, error)
		io.Seeker
		io.ReaderAt
	})
	if !ok {
		return nil, 0, false
	}
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		return nil, 0, false
	}
	pos, err := f.Seek(0, io.SeekCurrent)
	if err != nil || pos > info.Size() {
		return nil, 0, false
	}
	return io.NewSectionReader(f, pos, info.Size()-pos), info.Size() - pos, true
}
