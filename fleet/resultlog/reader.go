package resultlog

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// MaxLineBytes bounds one line; a longer line is reported and skipped, so a
// file without newlines cannot make the reader buffer without limit.
const MaxLineBytes = 64 << 20

// Handler receives what the reader finds, in input order.
type Handler struct {
	Record  func(Record)
	BadLine func(file string, line int, err error) // garbage, truncated or oversize lines
	// BadFile: a file could not be opened or read to its end; err names
	// it (and the line where reading stopped). The lines before the damage
	// were delivered.
	BadFile func(file string, err error)
	Skipped func(file string, line int) // JSON lines that are no result (status logs)
	// Progress is called now and then with the input bytes consumed so far
	// (compressed bytes for .gz) and the lines read.
	Progress func(bytesRead, lines int64)
	// Open, when set, opens each path instead of os.Open (fleet report
	// --state hands over only the lines after where the last run stopped).
	Open func(path string) (io.ReadCloser, error)
}

// Stdin is the path that means standard input.
const Stdin = "-"

// stdinName names standard input in records and errors.
const stdinName = "<stdin>"

// Expand turns arguments into the files to read: directories are walked,
// and each rotated set is ordered oldest first (osqueryd.results.log.2,
// .1, then the live file; timestamped backups by their stamp), because
// differential rows must be applied in the order they were logged. A path
// that cannot be looked at (missing, unreadable) is kept, so that ReadAll
// reports it as a bad file and the other inputs are still read.
func Expand(args []string) []string {
	var out []string
	for _, a := range args {
		if a == Stdin {
			out = append(out, a)
			continue
		}
		st, err := os.Stat(a)
		if err != nil || !st.IsDir() {
			out = append(out, a)
			continue
		}
		var files []string
		filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			switch {
			case err != nil && p != a:
				files = append(files, p) // reported when read
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
			case err != nil:
				files = append(files, p)
				return fs.SkipAll
			case d.Type().IsRegular():
				files = append(files, p)
			}
			return nil
		})
		SortRotated(files)
		out = append(out, files...)
	}
	return out
}

var (
	numericSuffix = regexp.MustCompile(`^(.*)\.(\d+)$`)
	// lumberjack (Fleet's and many shippers' rotation): name-2006-01-02T15-04-05.000.ext
	stampInfix = regexp.MustCompile(`^(.*)-(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}(?:\.\d+)?)(\.[^.]*)?$`)
)

type rotationKey struct {
	stem   string
	live   int    // 0 for backups, 1 for the live file: live comes last
	number int    // numeric suffix: higher is older, so it sorts first (negated)
	stamp  string // timestamped backups sort by stamp
	path   string
}

func keyOf(path string) rotationKey {
	dir, base := filepath.Split(path)
	base = strings.TrimSuffix(base, ".gz")
	if m := numericSuffix.FindStringSubmatch(base); m != nil {
		n, _ := strconv.Atoi(m[2])
		return rotationKey{stem: dir + m[1], number: -n, path: path}
	}
	if m := stampInfix.FindStringSubmatch(base); m != nil {
		return rotationKey{stem: dir + m[1] + m[3], stamp: m[2], path: path}
	}
	return rotationKey{stem: dir + base, live: 1, path: path}
}

// SortRotated orders paths so that each rotated set reads oldest first.
func SortRotated(paths []string) {
	keys := make([]rotationKey, len(paths))
	for i, p := range paths {
		keys[i] = keyOf(p)
	}
	sort.SliceStable(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.stem != b.stem {
			return a.stem < b.stem
		}
		if a.live != b.live {
			return a.live < b.live
		}
		if a.number != b.number {
			return a.number < b.number
		}
		if a.stamp != b.stamp {
			return a.stamp < b.stamp
		}
		return a.path < b.path
	})
	for i, k := range keys {
		paths[i] = k.path
	}
}

// TotalSize sums the sizes of the files (stdin counts 0), for progress.
func TotalSize(paths []string) int64 {
	var n int64
	for _, p := range paths {
		if p == Stdin {
			continue
		}
		if st, err := os.Stat(p); err == nil {
			n += st.Size()
		}
	}
	return n
}

// ReadAll reads every path in order. A file that cannot be opened or read
// to its end (a truncated or corrupt .gz, an I/O error) goes to h.BadFile,
// naming it, after the lines read before the damage, and reading goes on
// with the next file; without h.BadFile the first such error is returned
// once everything else was read. Bad lines go to h.BadLine. Lines are
// parsed on all CPUs, and the handler's callbacks run on the calling
// goroutine in input order. When ctx ends, ReadAll returns ctx.Err()
// within a batch of lines, even while a read blocks (a pipe on stdin).
func ReadAll(ctx context.Context, paths []string, stdin io.Reader, h Handler) error {
	workers := runtime.GOMAXPROCS(0)
	work := make(chan *batch, workers*2)
	order := make(chan *batch, workers*4)
	for range workers {
		go func() {
			for b := range work {
				b.parse()
				close(b.done)
			}
		}()
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(order)
		defer close(work)
		var done, lines int64
		// send queues a batch for delivery in order; only batches of
		// lines go through the parsers.
		send := func(b *batch) bool {
			b.done = make(chan struct{})
			select {
			case order <- b:
			case <-stop:
				return false
			case <-ctx.Done():
				return false
			}
			if len(b.lines) == 0 {
				close(b.done)
				return true
			}
			work <- b
			return true
		}
		for _, p := range paths {
			var (
				n, l int64
				err  error
			)
			if p == Stdin {
				n, l, err = readOne(ctx, stdin, stdinName, done, lines, send)
			} else if f, openErr := h.open(p); openErr != nil {
				err = openErr // *PathError: names the file
			} else {
				n, l, err = readOne(ctx, f, p, done, lines, send)
				f.Close()
			}
			done, lines = done+n, lines+l
			if errors.Is(err, errStopped) {
				return
			}
			name := p
			if p == Stdin {
				name = stdinName
			}
			if err != nil && !send(&batch{name: name, fileErr: err}) {
				return
			}
		}
		send(&batch{progress: true, bytesRead: done, linesRead: lines})
	}()
	var firstErr error
	for {
		var b *batch
		var ok bool
		select {
		case <-ctx.Done():
			return ctx.Err()
		case b, ok = <-order:
		}
		if !ok {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-b.done:
		}
		if b.fileErr != nil && h.BadFile == nil {
			if firstErr == nil {
				firstErr = b.fileErr
			}
			continue
		}
		b.deliver(h)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return firstErr
}

func (h Handler) open(p string) (io.ReadCloser, error) {
	if h.Open != nil {
		return h.Open(p)
	}
	return os.Open(p)
}

var errStopped = errors.New("reading stopped")

// batch is a run of lines of one file, parsed by a worker and delivered
// in order.
type batch struct {
	name      string
	lines     []rawLine
	results   []parsedLine
	bytesRead int64 // input consumed when the batch was cut, for progress
	linesRead int64
	progress  bool
	fileErr   error // the file could not be read to its end
	done      chan struct{}
}

type rawLine struct {
	text         string
	no           int
	tooLong      bool
	unterminated bool
}

type parsedLine struct {
	recs []Record
	err  error
}

const batchLines = 512

func (b *batch) parse() {
	b.results = make([]parsedLine, len(b.lines))
	arena := make([]Field, 0, min(arenaChunk, 32*len(b.lines))) // grows by arenaChunk
	for i, l := range b.lines {
		if l.tooLong {
			b.results[i].err = fmt.Errorf("line longer than %d bytes, skipped", MaxLineBytes)
			continue
		}
		recs, err := parseLine(l.text, b.name, l.no, &arena)
		if err != nil && !errors.Is(err, ErrNotResult) && l.unterminated {
			err = fmt.Errorf("last line is truncated: %w", err)
		}
		b.results[i] = parsedLine{recs: recs, err: err}
	}
}

func (b *batch) deliver(h Handler) {
	if b.fileErr != nil {
		h.BadFile(b.name, b.fileErr)
		return
	}
	for i, r := range b.results {
		switch {
		case errors.Is(r.err, ErrNotResult):
			if h.Skipped != nil {
				h.Skipped(b.name, b.lines[i].no)
			}
		case r.err != nil:
			if h.BadLine != nil {
				h.BadLine(b.name, b.lines[i].no, r.err)
			}
		default:
			for _, rec := range r.recs {
				h.Record(rec)
			}
		}
	}
	if h.Progress != nil && (b.progress || len(b.lines) > 0) {
		h.Progress(b.bytesRead, b.linesRead)
	}
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// Read buffers are reused across files: a directory of many small files
// would otherwise allocate 1.25 MiB for each. Lines are copied out of them.
var (
	inputBuffers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 256<<10) }}
	lineBuffers  = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 1<<20) }}
)

// readOne cuts one input into batches; gzip is recognised by its magic
// bytes, and concatenated gzip members (appended rotations) are read as
// one stream.
func readOne(ctx context.Context, r io.Reader, name string, doneBefore, linesBefore int64, send func(*batch) bool) (int64, int64, error) {
	counter := &countingReader{r: r}
	br := inputBuffers.Get().(*bufio.Reader)
	br.Reset(counter)
	defer func() { br.Reset(nil); inputBuffers.Put(br) }()
	var src io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return counter.n, 0, fmt.Errorf("%s: %w", name, err)
		}
		defer zr.Close()
		src = zr
	}
	lr := lineBuffers.Get().(*bufio.Reader)
	lr.Reset(src)
	defer func() { lr.Reset(nil); lineBuffers.Put(lr) }()
	var (
		lineNo  int
		long    []byte
		tooLong bool
		cur     = &batch{name: name}
	)
	flush := func() bool {
		if len(cur.lines) == 0 {
			return true
		}
		cur.bytesRead, cur.linesRead = doneBefore+counter.n, linesBefore+int64(lineNo)
		ok := send(cur)
		cur = &batch{name: name}
		return ok
	}
	add := func(text []byte, tooLong, unterminated bool) bool {
		lineNo++
		cur.lines = append(cur.lines, rawLine{text: string(text), no: lineNo, tooLong: tooLong, unterminated: unterminated})
		if len(cur.lines) >= batchLines {
			return flush()
		}
		return true
	}
	for {
		chunk, err := lr.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			if ctx.Err() != nil { // a line without end sends no batch to notice it
				return counter.n, int64(lineNo), errStopped
			}
			if !tooLong {
				if len(long)+len(chunk) > MaxLineBytes {
					tooLong, long = true, nil
				} else {
					long = append(long, chunk...)
				}
			}
			continue
		}
		if len(chunk) == 0 && err != nil {
			if tooLong || len(long) > 0 {
				add(long, tooLong, true)
			}
			flush()
			if err == io.EOF {
				return counter.n, int64(lineNo), nil
			}
			return counter.n, int64(lineNo), readError(name, lineNo, err)
		}
		full := chunk
		if long != nil || tooLong {
			full = append(long, chunk...)
		}
		if len(bytes.TrimSpace(full)) > 0 || tooLong {
			if !add(full, tooLong, err != nil && !bytes.HasSuffix(chunk, []byte{'\n'})) {
				return counter.n, int64(lineNo), errStopped
			}
		} else {
			lineNo++ // blank lines still count, so later line numbers stay right
		}
		long, tooLong = nil, false
		if err != nil {
			flush()
			if err == io.EOF {
				return counter.n, int64(lineNo), nil
			}
			return counter.n, int64(lineNo), readError(name, lineNo, err)
		}
	}
}

func readError(name string, line int, err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%s: truncated (compressed data ends early) at line %d: %w", name, line+1, err)
	}
	return fmt.Errorf("%s: read error at line %d: %w", name, line+1, err)
}
