package input

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Content is an opened input file. Streaming readers (.reg, event XML,
// JSON lines) use Read; EVTX and hive readers use ReadAt and Size. For a
// member of a compressed archive or a .gz file, ReadAt and Size hold the
// decompressed data in memory (at most Limits.MaxBufferedBytes); Read
// always streams.
type Content interface {
	io.Reader
	io.ReaderAt
	io.Closer
	Size() (int64, error)
}

// errSpecial marks a path that is neither a regular file nor a directory.
var errSpecial = errors.New("not a regular file or directory")

// describeMode names a special file's kind for messages.
func describeMode(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m&fs.ModeIrregular != 0:
		return "an irregular file"
	}
	return "a special file"
}

// checkRegular refuses what is not a regular file, naming it.
func checkRegular(path string, info fs.FileInfo) error {
	if info.Mode().IsRegular() {
		return nil
	}
	if info.IsDir() {
		return fmt.Errorf("%s: is a directory", path)
	}
	return fmt.Errorf("%s: %s, %w", path, describeMode(info.Mode()), errSpecial)
}

// openRegular opens a regular file, and only that: the mode is checked
// before the open (a FIFO would block it) and again on the open file (the
// path may have been swapped in between).
// Errors name the path: "<path>: <reason>".
func openRegular(path string) (*os.File, fs.FileInfo, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, nil, bare(path, err)
	}
	if err := checkRegular(path, info); err != nil {
		return nil, nil, err
	}
	f, err := openNoBlock(path)
	if err != nil {
		return nil, nil, bare(path, err)
	}
	info, err = f.Stat()
	if err != nil {
		err = bare(path, err)
	} else {
		err = checkRegular(path, info)
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, info, nil
}

// bare words an os error as "<path>: <reason>", keeping what errors.Is
// finds in it.
func bare(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("%s: %w", path, err)
}

// osContent is a file of its own on disk.
type osContent struct {
	*os.File
	size int64
}

func (c osContent) Size() (int64, error) { return c.size, nil }

func openOS(path string) (Content, error) {
	f, info, err := openRegular(path)
	if err != nil {
		return nil, fmt.Errorf("open %w", err)
	}
	return osContent{File: f, size: info.Size()}, nil
}

// Random access to decompressed data goes through a window of pages that
// moves forward with one stream: EVTX readers go front to back and need
// no more. Reading behind the window restarts the stream; after
// maxRestarts the data is held whole in memory instead (hives are read
// all over), up to streamContent.maxBytes.
const (
	pageBytes   = 64 << 10
	windowPages = 32 // 2 MiB
	maxRestarts = 4
)

// streamContent is decompressed data: Read streams it; ReadAt and Size
// read fresh streams of it, bounded.
type streamContent struct {
	name     string
	open     func() (io.ReadCloser, error) // a fresh decompressed stream
	maxBytes int64                         // bound of the in-memory copy
	size     int64                         // -1 until known
	stream   io.ReadCloser                 // of Read
	sized    func(int64)                   // told the size once known; may be nil

	ra       io.ReadCloser // of ReadAt
	raPos    int64         // offset of ra, a multiple of pageBytes until EOF
	raEOF    bool
	pages    map[int64][]byte
	order    []int64
	restarts int
	mem      *bytes.Reader
	memErr   error
}

func (c *streamContent) Read(p []byte) (int, error) {
	if c.stream == nil {
		s, err := c.open()
		if err != nil {
			return 0, err
		}
		c.stream = s
	}
	return c.stream.Read(p)
}

func (c *streamContent) load() error {
	if c.mem != nil || c.memErr != nil {
		return c.memErr
	}
	c.dropWindow()
	s, err := c.open()
	if err != nil {
		c.memErr = err
		return err
	}
	defer s.Close()
	data, err := io.ReadAll(io.LimitReader(s, c.maxBytes+1))
	switch {
	case err != nil:
		c.memErr = err
	case int64(len(data)) > c.maxBytes:
		c.memErr = fmt.Errorf("%s: read out of order and more than %d bytes decompressed; compressed input is held in memory only up to that size (unpack it to read it)", c.name, c.maxBytes)
	default:
		c.mem = bytes.NewReader(data)
		c.size = int64(len(data))
	}
	return c.memErr
}

func (c *streamContent) dropWindow() {
	if c.ra != nil {
		c.ra.Close()
	}
	c.ra, c.raPos, c.raEOF, c.pages, c.order = nil, 0, false, nil, nil
}

// page returns page idx of the data (short or empty at the end), or
// nil with mem set when the data went to memory.
func (c *streamContent) page(idx int64) ([]byte, error) {
	if p, ok := c.pages[idx]; ok {
		return p, nil
	}
	if c.ra == nil || idx*pageBytes < c.raPos {
		if c.ra != nil {
			c.restarts++
		}
		if c.restarts > maxRestarts {
			return nil, c.load()
		}
		c.dropWindow()
		s, err := c.open()
		if err != nil {
			return nil, err
		}
		c.ra, c.pages = s, map[int64][]byte{}
	}
	for {
		if c.raEOF {
			return nil, nil
		}
		buf := make([]byte, pageBytes)
		n, err := io.ReadFull(c.ra, buf)
		if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
			return nil, err
		}
		cur := c.raPos / pageBytes
		c.raPos += int64(n)
		if n < pageBytes {
			c.raEOF, c.size = true, c.raPos
			if c.sized != nil {
				c.sized(c.size)
			}
		}
		c.pages[cur] = buf[:n]
		c.order = append(c.order, cur)
		if len(c.order) > windowPages {
			delete(c.pages, c.order[0])
			c.order = c.order[1:]
		}
		if cur == idx {
			return buf[:n], nil
		}
	}
}

func (c *streamContent) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("%s: negative offset", c.name)
	}
	n := 0
	for n < len(p) {
		if c.mem != nil {
			k, err := c.mem.ReadAt(p[n:], off+int64(n))
			return n + k, err
		}
		if c.memErr != nil {
			return n, c.memErr
		}
		pos := off + int64(n)
		page, err := c.page(pos / pageBytes)
		if err != nil {
			return n, err
		}
		if c.mem != nil {
			continue
		}
		start := pos % pageBytes
		if start >= int64(len(page)) {
			return n, io.EOF
		}
		n += copy(p[n:], page[start:])
	}
	return n, nil
}

// Size is the decompressed size: declared (zip) or counted by
// decompressing once.
func (c *streamContent) Size() (int64, error) {
	if c.size >= 0 {
		return c.size, nil
	}
	s, err := c.open()
	if err != nil {
		return 0, err
	}
	defer s.Close()
	n, err := io.Copy(io.Discard, s)
	if err != nil {
		return 0, err
	}
	c.size = n
	if c.sized != nil {
		c.sized(n)
	}
	return n, nil
}

func (c *streamContent) Close() error {
	c.dropWindow()
	c.mem = nil
	if c.stream != nil {
		return c.stream.Close()
	}
	return nil
}

// NewFile is an input file whose content open gives, for a source that no
// walk finds: the live Sysmon channel's own file, opened with the sharing
// a file in use needs.
func NewFile(path string, format Format, open func() (Content, error)) File {
	return File{Path: path, Format: format, open: open}
}

// OSContent wraps an open regular file as Content.
func OSContent(f *os.File) (Content, error) {
	info, err := f.Stat()
	if err != nil {
		return nil, bare(f.Name(), err)
	}
	if err := checkRegular(f.Name(), info); err != nil {
		return nil, err
	}
	return osContent{File: f, size: info.Size()}, nil
}
