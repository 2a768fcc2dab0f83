package input

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
)

// Limits bound what one source may make the reader decompress. A zip or
// .gz over a limit is a warning naming it (its other members are read);
// nothing is ever written to disk.
type Limits struct {
	// MaxMembers is the number of entries a zip may have.
	MaxMembers int
	// MaxMemberBytes is the decompressed size of one member or .gz file.
	MaxMemberBytes int64
	// MaxTotalBytes is the decompressed size of all the input members of
	// one zip together.
	MaxTotalBytes int64
	// MaxBufferedBytes is how much of a compressed hive (read at random
	// offsets) is held in memory; EVTX, read front to back, needs 2 MiB.
	MaxBufferedBytes int64
	// MaxRatio is the decompressed:compressed ratio above which a member
	// larger than 1 MiB is taken for a zip bomb.
	MaxRatio int64
}

// DefaultLimits fit a KAPE or Velociraptor collection of one host.
var DefaultLimits = Limits{
	MaxMembers:       200_000,
	MaxMemberBytes:   4 << 30,
	MaxTotalBytes:    32 << 30,
	MaxBufferedBytes: 512 << 20,
	MaxRatio:         1000,
}

// ratioFloor is the size under which the compression ratio is not
// checked: small files of zeros compress very well and harm no one.
const ratioFloor = 1 << 20

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.MaxMembers > 0 {
		d.MaxMembers = l.MaxMembers
	}
	if l.MaxMemberBytes > 0 {
		d.MaxMemberBytes = l.MaxMemberBytes
	}
	if l.MaxTotalBytes > 0 {
		d.MaxTotalBytes = l.MaxTotalBytes
	}
	if l.MaxBufferedBytes > 0 {
		d.MaxBufferedBytes = l.MaxBufferedBytes
	}
	if l.MaxRatio > 0 {
		d.MaxRatio = l.MaxRatio
	}
	return d
}

var (
	zipMagic      = []byte("PK\x03\x04")
	emptyZipMagic = []byte("PK\x05\x06")
	gzipMagic     = []byte{0x1f, 0x8b}
)

func isZip(head []byte) bool {
	return bytes.HasPrefix(head, zipMagic) || bytes.HasPrefix(head, emptyZipMagic)
}

func isGzip(head []byte) bool { return bytes.HasPrefix(head, gzipMagic) }

// MemberSeparator joins an archive's path and a member's name in File.Path
// (`host.zip!C/Windows/System32/config/SOFTWARE`).
const MemberSeparator = "!"

// zipArchive is a zip source. Its file is open only while something reads
// it: File values outlive Expand, and a query must not leave handles.
type zipArchive struct {
	path  string
	size  int64
	zr    *zip.Reader
	mu    sync.Mutex
	file  *os.File
	refs  int
	limit Limits
}

var errArchiveClosed = errors.New("archive not open")

func (a *zipArchive) ReadAt(p []byte, off int64) (int, error) {
	a.mu.Lock()
	f := a.file
	a.mu.Unlock()
	if f == nil {
		return 0, errArchiveClosed
	}
	return f.ReadAt(p, off)
}

func (a *zipArchive) acquire() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.refs == 0 {
		f, info, err := openRegular(a.path)
		if err != nil {
			return fmt.Errorf("open %w", err)
		}
		if a.size >= 0 && info.Size() != a.size {
			f.Close()
			return fmt.Errorf("zip %s: changed since it was listed (%d bytes, was %d)", a.path, info.Size(), a.size)
		}
		a.file, a.size = f, info.Size()
	}
	a.refs++
	return nil
}

func (a *zipArchive) release() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.refs--
	if a.refs == 0 {
		a.file.Close()
		a.file = nil
	}
}

// checkMember applies the limits to what a member's header declares;
// archive/zip refuses data beyond the declared size.
func (l Limits) checkMember(name string, zf *zip.File) error {
	switch {
	case zf.Flags&0x1 != 0:
		return fmt.Errorf("%s: encrypted; not read", name)
	case zf.UncompressedSize64 > uint64(l.MaxMemberBytes):
		return fmt.Errorf("%s: %d bytes decompressed, over the limit of %d; not read", name, zf.UncompressedSize64, l.MaxMemberBytes)
	case zf.UncompressedSize64 > ratioFloor && zf.UncompressedSize64/max(zf.CompressedSize64, 1) > uint64(l.MaxRatio):
		return fmt.Errorf("%s: compression ratio over %d:1 (%d bytes from %d), taken for a zip bomb; not read", name, l.MaxRatio, zf.UncompressedSize64, zf.CompressedSize64)
	}
	return nil
}

// memberOpener returns the opener of a member's content.
func (a *zipArchive) memberOpener(name string, zf *zip.File) func() (Content, error) {
	return func() (Content, error) {
		if err := a.acquire(); err != nil {
			return nil, err
		}
		if zf.Method == zip.Store {
			off, err := zf.DataOffset()
			if err != nil {
				a.release()
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			return &storedContent{SectionReader: io.NewSectionReader(a, off, int64(zf.UncompressedSize64)), release: a.release}, nil
		}
		c := &streamContent{
			name:     name,
			size:     int64(zf.UncompressedSize64),
			maxBytes: a.limit.MaxBufferedBytes,
			open: func() (io.ReadCloser, error) {
				rc, err := zf.Open()
				if err != nil {
					return nil, fmt.Errorf("%s: %w", name, err)
				}
				return namedReadCloser{rc, name}, nil
			},
		}
		return &releasing{Content: c, release: a.release}, nil
	}
}

// storedContent is an uncompressed member, read in place.
type storedContent struct {
	*io.SectionReader
	release func()
	once    sync.Once
}

func (c *storedContent) Size() (int64, error) { return c.SectionReader.Size(), nil }
func (c *storedContent) Close() error         { c.once.Do(c.release); return nil }

type releasing struct {
	Content
	release func()
	once    sync.Once
}

func (c *releasing) Close() error {
	err := c.Content.Close()
	c.once.Do(c.release)
	return err
}

// namedReadCloser names the member in read errors (a bad checksum, a
// truncated stream).
type namedReadCloser struct {
	io.ReadCloser
	name string
}

func (r namedReadCloser) Read(p []byte) (int, error) {
	n, err := r.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("%s: %w", r.name, err)
	}
	return n, err
}

// gzipOpener returns the opener of a .gz file's decompressed content: one
// gzip stream, bounded in size and ratio.
func gzipOpener(path string, l Limits) func() (Content, error) {
	open := func() (io.ReadCloser, error) {
		f, _, err := openRegular(path)
		if err != nil {
			return nil, fmt.Errorf("open %w", err)
		}
		counted := &countingReader{r: f}
		zr, err := gzip.NewReader(counted)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("gzip %s: %w", path, err)
		}
		zr.Multistream(false)
		return &boundedGzip{zr: zr, file: f, in: counted, path: path, limit: l}, nil
	}
	// The size is counted once per Expand, not once per pass of a reader.
	var mu sync.Mutex
	size := int64(-1)
	return func() (Content, error) {
		// Open once now so a missing or special file fails at open time.
		s, err := open()
		if err != nil {
			return nil, err
		}
		mu.Lock()
		known := size
		mu.Unlock()
		return &streamContent{name: path, size: known, maxBytes: l.MaxBufferedBytes, open: open, stream: s, sized: func(n int64) {
			mu.Lock()
			size = n
			mu.Unlock()
		}}, nil
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

type boundedGzip struct {
	zr    *gzip.Reader
	file  *os.File
	in    *countingReader
	out   int64
	path  string
	limit Limits
}

func (g *boundedGzip) Read(p []byte) (int, error) {
	n, err := g.zr.Read(p)
	g.out += int64(n)
	switch {
	case g.out > g.limit.MaxMemberBytes:
		return n, fmt.Errorf("gzip %s: more than %d bytes decompressed, over the limit", g.path, g.limit.MaxMemberBytes)
	case g.out > ratioFloor && g.out/max(g.in.n, 1) > g.limit.MaxRatio:
		return n, fmt.Errorf("gzip %s: compression ratio over %d:1, taken for a gzip bomb", g.path, g.limit.MaxRatio)
	case err != nil && err != io.EOF:
		return n, fmt.Errorf("gzip %s: %w", g.path, err)
	}
	return n, err
}

func (g *boundedGzip) Close() error { return g.file.Close() }

// readHead reads up to HeadSize bytes.
func readHead(r io.Reader) ([]byte, error) {
	head := make([]byte, HeadSize)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return head[:n], nil
}

// cleanMember turns a member name into slash-separated components, with
// no empty, "." or ".." parts (nothing is written, but drive paths must not
// climb out of the collection).
func cleanMember(name string) []string {
	var out []string
	for _, c := range strings.FieldsFunc(strings.ReplaceAll(name, `\`, "/"), func(r rune) bool { return r == '/' }) {
		switch c {
		case ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, c)
		}
	}
	return out
}
