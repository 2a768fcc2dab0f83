package sysmon

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
)

// jsonBlockSize is how much of a JSON-lines file one worker takes at a time.
const jsonBlockSize = 1 << 20

type jsonBlock struct {
	seq       int
	firstLine int64 // line number of the block's first line, 1-based
	data      []byte
	buf       []byte // the buffer data lives in, recycled once parsed (nil: not recyclable)
	warn      error  // a problem found while cutting (an over-long line)
}

type jsonItem struct {
	ev   *Event
	warn error
}

type jsonResult struct {
	seq   int
	items []jsonItem
	err   error
}

// readJSONLinesParallel is ReadJSONLines on several cores: a reader cuts the
// input into blocks of whole lines, workers pre-filter and parse them, and
// the events are emitted in file order. Memory stays bounded by the blocks in
// flight (about 3 per worker).
func readJSONLinesParallel(ctx context.Context, r io.Reader, name string, filter Filter, emit func(*Event) error, warn func(error), workers int) error {
	blocks := make(chan jsonBlock, workers)
	results := make(chan jsonResult, workers)
	done := make(chan struct{})
	// Parsed events own their strings, so a block's buffer is free again as
	// soon as its worker is done with it.
	free := make(chan []byte, 3*workers)
	var readErr error
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		defer close(blocks)
		readErr = cutBlocks(ctx, r, name, blocks, done, free)
	}()
	var wg sync.WaitGroup
	wanted := idPatterns(filter)
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var p jsonLineParser
			for b := range blocks {
				if ctx.Err() != nil {
					return
				}
				res := parseBlock(&p, b, name, filter, wanted)
				if b.buf != nil && cap(b.buf) <= 2*jsonBlockSize {
					select {
					case free <- b.buf:
					default:
					}
				}
				select {
				case results <- res:
				case <-done:
					return
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		wg.Wait()
		close(results)
	}()

	var failure error
	pending := map[int]jsonResult{}
	next := 0
	for res := range results {
		if failure != nil {
			continue
		}
		if err := ctx.Err(); err != nil {
			failure = fmt.Errorf("%s: %w", name, err)
			close(done)
			continue
		}
		pending[res.seq] = res
		for {
			cur, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if cur.err != nil {
				failure = cur.err
				break
			}
			for _, it := range cur.items {
				if it.warn != nil {
					warn(it.warn)
					continue
				}
				if err := emit(it.ev); err != nil {
					failure = err
					break
				}
			}
			if failure != nil {
				break
			}
		}
		if failure != nil {
			close(done)
		}
	}
	if failure != nil {
		return failure
	}
	if err := ctx.Err(); err != nil {
		// The workers stopped on ctx; the reader may still be stopping.
		return fmt.Errorf("%s: %w", name, err)
	}
	<-readDone
	return readErr
}

// cutBlocks reads r and sends blocks that end at a line boundary. A line
// longer than maxJSONLine is skipped; its warning travels as a block so that
// warn is only ever called from the emitting goroutine.
func cutBlocks(ctx context.Context, r io.Reader, name string, out chan<- jsonBlock, done <-chan struct{}, free chan []byte) error {
	seq := 0
	line := int64(1)
	var carry []byte
	skipping := false
	send := func(b jsonBlock) bool {
		b.seq = seq
		seq++
		select {
		case out <- b:
			return true
		case <-done:
			return false
		case <-ctx.Done():
			return false
		}
	}
	sendLines := func(data, buf []byte) bool {
		b := jsonBlock{firstLine: line, data: data, buf: buf}
		line += int64(bytes.Count(data, []byte{'\n'}))
		return send(b)
	}
	for {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("%s: line %d: %w", name, line, err)
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
			return fmt.Errorf("%s: line %d: %w", name, line, err)
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
			line++
			chunk = chunk[i+1:]
		}
		if eof {
			if len(chunk) > 0 {
				sendLines(chunk, nil)
			}
			return nil
		}
		cut := bytes.LastIndexByte(chunk, '\n')
		switch {
		case cut >= 0:
			carry = append([]byte(nil), chunk[cut+1:]...)
			if !sendLines(chunk[:cut+1], buf) {
				return nil
			}
		case len(chunk) > maxJSONLine:
			if !send(jsonBlock{warn: fmt.Errorf("%s: line %d: longer than %d bytes, skipped", name, line, maxJSONLine)}) {
				return nil
			}
			skipping = true
		default:
			carry = append([]byte(nil), chunk...)
		}
	}
}

func parseBlock(p *jsonLineParser, b jsonBlock, name string, filter Filter, wanted [][]byte) (res jsonResult) {
	res.seq = b.seq
	if b.warn != nil {
		res.items = []jsonItem{{warn: b.warn}}
		return res
	}
	lineNo := b.firstLine
	defer func() {
		if rec := recover(); rec != nil {
			res.err = fmt.Errorf("%s: line %d: internal error reading JSON: %v", name, lineNo, rec)
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
			res.items = append(res.items, jsonItem{warn: fmt.Errorf("%s: line %d: longer than %d bytes, skipped", name, lineNo, maxJSONLine)})
		} else if mayMatch(line, wanted) && (filter.Line == nil || filter.Line(line)) {
			ev, err := p.parse(line, filter)
			switch {
			case err != nil:
				res.items = append(res.items, jsonItem{warn: fmt.Errorf("%s: line %d: %w", name, lineNo, err)})
			case ev != nil:
				ev.SourceFile, ev.Offset = name, lineNo
				res.items = append(res.items, jsonItem{ev: ev})
			}
		}
		lineNo++
	}
	return res
}

// jsonWorkers is how many goroutines parse JSON lines.
func jsonWorkers() int { return runtime.GOMAXPROCS(0) }
