package regfile

import (
	"bufio"
	"context"
	"errors"
	"io"
)

// lineReader cuts text into lines of at most MaxLineBytes; a longer line
// is read past in buffer-sized pieces, never held whole.
type lineReader struct {
	ctx   context.Context
	br    *bufio.Reader
	buf   []byte
	reads int
}

func newLineReader(ctx context.Context, r io.Reader) *lineReader {
	return &lineReader{ctx: ctx, br: bufio.NewReaderSize(r, 64<<10)}
}

// next returns the next line without its "\n" or "\r\n"; ok is false at
// the end of the text. A line longer than MaxLineBytes comes back empty
// with tooLong set.
func (l *lineReader) next() (line string, tooLong, ok bool, err error) {
	if cap(l.buf) > 1<<20 {
		l.buf = nil // do not hold on to the memory of one long line
	}
	l.buf = l.buf[:0]
	seen := false
	for {
		if l.reads++; l.reads%256 == 0 {
			if err := l.ctx.Err(); err != nil {
				return "", false, false, err
			}
		}
		chunk, err := l.br.ReadSlice('\n')
		seen = seen || len(chunk) > 0
		if !tooLong {
			if len(l.buf)+len(chunk) > MaxLineBytes+2 { // +2: the line ending
				tooLong = true
				l.buf = l.buf[:0]
			} else {
				l.buf = append(l.buf, chunk...)
			}
		}
		switch {
		case err == nil:
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if !seen {
				return "", false, false, nil
			}
		default:
			return "", false, false, err
		}
		if tooLong {
			return "", true, true, nil
		}
		b := l.buf
		if n := len(b); n > 0 && b[n-1] == '\n' {
			b = b[:n-1]
		}
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
		return string(b), false, true, nil
	}
}
