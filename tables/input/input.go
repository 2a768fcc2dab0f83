// Package input finds offline input files (a path, a comma-separated list,
// directories walked recursively, .zip and .gz files) and tells their
// format by content, never by name. Files in a folder laid out like a
// Windows drive (a KAPE or Velociraptor collection) carry their Windows
// path and the Collection they belong to.
package input

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/go-hclog"
)

// Format of an input file.
type Format string

const (
	Unknown   Format = ""
	EVTX      Format = "evtx"
	EventXML  Format = "event-xml"
	JSONLines Format = "json-lines"
	RegExport Format = "reg"
	Hive      Format = "hive"
)

// HeadSize is how many leading bytes Detect needs.
const HeadSize = 4096

var (
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
)

// Detect tells the format from the first bytes of a file.
func Detect(head []byte) Format {
	switch {
	case bytes.HasPrefix(head, []byte("ElfFile\x00")):
		return EVTX
	case bytes.HasPrefix(head, []byte("regf")):
		return Hive
	}
	text := head
	if bytes.HasPrefix(text, bomUTF16LE) {
		text = narrowUTF16(text[2:])
	}
	text = bytes.TrimPrefix(text, bomUTF8)
	text = bytes.TrimLeft(text, " \t\r\n")
	switch {
	case bytes.HasPrefix(text, []byte("Windows Registry Editor Version")), bytes.HasPrefix(text, []byte("REGEDIT4")):
		return RegExport
	case bytes.HasPrefix(text, []byte("<")):
		if bytes.Contains(text, []byte("<Event")) {
			return EventXML
		}
	case bytes.HasPrefix(text, []byte("{")):
		return JSONLines
	case bytes.Contains(text, []byte("\n<Event")):
		// evtxexport prints a banner line ("evtxexport 20181227") and
		// record headers before each event's XML.
		return EventXML
	}
	return Unknown
}

// narrowUTF16 keeps the low bytes of UTF-16LE text: enough to recognise
// an ASCII header.
func narrowUTF16(b []byte) []byte {
	out := make([]byte, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		out = append(out, b[i])
	}
	return out
}

// File is one input file and its detected format.
type File struct {
	// Path names the file in rows and messages: a path on disk, or for a
	// zip member the archive's path, MemberSeparator and the member's name.
	Path   string
	Format Format
	// DrivePath is the file's Windows path when it is part of a drive
	// layout (`C:\Users\alice\NTUSER.DAT`), else "".
	DrivePath string
	// Collection is the drive layout the file is part of, else nil.
	Collection *Collection

	open func() (Content, error) // nil: the file at Path on disk
}

// Open opens the file's content. Only regular files are opened.
func (f File) Open() (Content, error) {
	if f.open != nil {
		return f.open()
	}
	return openOS(f.Path)
}

// Options configure Expand.
type Options struct {
	// Logger receives one Debug line for each file read (with its format)
	// or skipped (with the reason): what `--verbose` shows. nil: none.
	Logger hclog.Logger
	// Warn receives problems that leave part of a source out (a zip member
	// over a limit, an unreadable directory inside a walk, ...). nil: they
	// go to Logger as warnings.
	Warn func(error)
	// Limits bound archives; zero fields take DefaultLimits.
	Limits Limits
}

// Expand is ExpandContext without cancellation or options.
func Expand(spec string) ([]File, error) {
	return ExpandContext(context.Background(), spec, Options{})
}

// ExpandContext turns a source specification (a path, or a list as
// SplitSpec reads it) into the files it names, each with its format told
// by content. Directories are walked recursively (links to directories are
// followed, each directory read once); .zip files are read member by member
// and .gz files decompressed, in memory, bounded by opts.Limits. Files of no
// known format found while walking are left out; a named file of no known
// format, or one that is not a regular file or directory (a FIFO, a
// device), is an error naming it. The list is sorted so every run reads
// files in the same order. A spec that is itself the path of an existing
// file or directory is read as that one path, commas included.
func ExpandContext(ctx context.Context, spec string, opts Options) ([]File, error) {
	e := &expander{ctx: ctx, opts: opts, limits: opts.Limits.withDefaults(), seen: map[string]bool{}, collections: map[string]*Collection{}}
	if e.opts.Logger == nil {
		e.opts.Logger = hclog.NewNullLogger()
	}
	if e.opts.Warn == nil {
		log := e.opts.Logger
		e.opts.Warn = func(err error) { log.Warn("input", "warning", err.Error()) }
	}
	var paths []string
	if _, err := os.Lstat(spec); err == nil && strings.ContainsAny(spec, `,"`) {
		paths = []string{spec}
	} else if paths, err = SplitSpec(spec); err != nil {
		return nil, err
	}
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := e.source(p); err != nil {
			return nil, err
		}
	}
	if len(e.files) == 0 {
		return nil, errors.New("source " + spec + ": no input files found")
	}
	sort.SliceStable(e.files, func(i, j int) bool { return e.files[i].Path < e.files[j].Path })
	return e.files, nil
}

type expander struct {
	ctx         context.Context
	opts        Options
	limits      Limits
	files       []File
	seen        map[string]bool // real paths of directories and files already read
	collections map[string]*Collection
}

// classify tells the format of a head, or why it is skipped.
func classify(head []byte) (Format, string) {
	format := Detect(head)
	switch {
	case format == Unknown:
		return Unknown, "not an input format"
	case format == Hive && isTransactionLog(head):
		return Unknown, "hive transaction log (logs are not applied)"
	}
	return format, ""
}

// isTransactionLog tells a hive transaction log (NTUSER.DAT.LOG1, ...) by
// the file type of its base block: 0 is a primary hive.
func isTransactionLog(head []byte) bool {
	return len(head) >= 0x20 && binary.LittleEndian.Uint32(head[0x1c:]) != 0
}

func (e *expander) read(f File) {
	e.opts.Logger.Debug("read", "file", f.Path, "format", string(f.Format))
	e.files = append(e.files, f)
}

func (e *expander) skip(path, reason string) {
	e.opts.Logger.Debug("skipped", "file", path, "reason", reason)
}

// source reads one path of the specification.
func (e *expander) source(p string) error {
	info, err := os.Stat(p) // a link given as source is followed
	if err != nil {
		return fmt.Errorf("source %s: %w", p, err)
	}
	switch {
	case info.IsDir():
		return e.walk(p, p, realPath(p))
	case info.Mode().IsRegular():
		n := len(e.files)
		if err := e.file(p, p, realPath(p), true); err != nil {
			return fmt.Errorf("source %w", err)
		}
		if len(e.files) == n {
			return fmt.Errorf("source %s: no input files in it", p)
		}
		return nil
	}
	return fmt.Errorf("source %s: %s; only regular files and directories are read", p, describeMode(info.Mode()))
}

func realPath(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		if a, err := filepath.Abs(r); err == nil {
			return a
		}
		return r
	}
	return p
}

// maxWalkDepth bounds directory nesting: loops that are not links (bind
// mounts) end here instead of at the path length limit.
const maxWalkDepth = 128

// walk reads directory dir (shown as dir, really at real) of source root.
func (e *expander) walk(root, dir, real string) error {
	if depth := strings.Count(dir[len(root):], string(filepath.Separator)); depth > maxWalkDepth {
		e.opts.Warn(fmt.Errorf("walk %s: more than %d directories deep; not read", dir, maxWalkDepth))
		return nil
	}
	if e.seen[real] {
		e.skip(dir, "directory already read (a link leads to it again)")
		return nil
	}
	e.seen[real] = true
	entries, err := os.ReadDir(dir)
	if err != nil {
		if dir == root {
			return fmt.Errorf("source %s: %w", dir, err)
		}
		e.opts.Warn(fmt.Errorf("walk %s: %w; its files are not read", dir, err))
		return nil
	}
	for _, d := range entries {
		if err := e.ctx.Err(); err != nil {
			return err
		}
		path := filepath.Join(dir, d.Name())
		childReal := filepath.Join(real, d.Name())
		mode := d.Type()
		if mode&fs.ModeSymlink != 0 || mode&fs.ModeIrregular != 0 {
			// Links (and Windows junctions) are followed to what they name.
			info, err := os.Stat(path)
			if err != nil {
				e.skip(path, "broken link: "+err.Error())
				continue
			}
			mode = info.Mode().Type()
			childReal = realPath(path)
		}
		switch {
		case mode.IsDir():
			if err := e.walk(root, path, childReal); err != nil {
				return err
			}
		case mode.IsRegular():
			if err := e.file(root, path, childReal, false); err != nil {
				return err
			}
		default:
			e.skip(path, describeMode(mode)+", not a regular file")
		}
	}
	return nil
}

// file reads one regular file found under root (or named, when named).
func (e *expander) file(root, path, real string, named bool) error {
	if e.seen[real] {
		e.skip(path, "already read (a link leads to it again)")
		return nil
	}
	e.seen[real] = true
	f, _, err := openRegular(path)
	if err != nil {
		if named {
			return err
		}
		e.opts.Warn(fmt.Errorf("open %w; not read", err))
		return nil
	}
	head, err := readHead(f)
	f.Close()
	if err != nil {
		if named {
			return fmt.Errorf("read %s: %w", path, err)
		}
		e.opts.Warn(fmt.Errorf("read %s: %w; not read", path, err))
		return nil
	}
	drivePath, coll := e.dirDrive(root, path)
	switch {
	case isZip(head):
		return e.zip(path, named)
	case isGzip(head):
		return e.gzip(path, drivePath, coll, named)
	}
	format, why := classify(head)
	if format == Unknown {
		if named {
			if Detect(head) != Unknown {
				return fmt.Errorf("%s: %s; nothing to read", path, why)
			}
			return fmt.Errorf("%s: not an EVTX, event XML, JSON lines, .reg or hive file (nor a .zip or .gz of them)", path)
		}
		e.skip(path, why)
		return nil
	}
	e.read(File{Path: path, Format: format, DrivePath: drivePath, Collection: coll})
	return nil
}

// dirDrive places a file found under a directory source in its drive
// layout, if it is in one.
func (e *expander) dirDrive(root, path string) (string, *Collection) {
	rel, err := filepath.Rel(root, path)
	if err != nil || rel == "." {
		return "", nil
	}
	comps := append([]string{filepath.Base(root)}, strings.Split(rel, string(filepath.Separator))...)
	idx, letter, escaped, ok := findDrive(comps)
	if !ok {
		return "", nil
	}
	dir := filepath.Join(append([]string{root}, comps[1:idx+1]...)...)
	c := e.collections[dir]
	if c == nil {
		c = &Collection{Root: dir, Drive: letter, escaped: escaped, dir: dir}
		e.collections[dir] = c
	}
	return drivePath(letter, comps[idx+1:], escaped), c
}

func (e *expander) gzip(path, drivePath string, coll *Collection, named bool) error {
	open := gzipOpener(path, e.limits)
	c, err := open()
	var head []byte
	if err == nil {
		head, err = readHead(c)
		c.Close()
	}
	if err != nil {
		if named {
			return err
		}
		e.opts.Warn(fmt.Errorf("%w; not read", err))
		return nil
	}
	if isZip(head) || isGzip(head) {
		e.skip(path, "an archive inside a .gz; nested archives are not read")
		if named {
			return fmt.Errorf("%s: an archive inside a .gz; unpack it once", path)
		}
		return nil
	}
	format, why := classify(head)
	if format == Unknown {
		if named {
			return fmt.Errorf("%s: decompressed, %s; not an EVTX, event XML, JSON lines, .reg or hive file", path, why)
		}
		e.skip(path, "decompressed, "+why)
		return nil
	}
	e.read(File{Path: path, Format: format, DrivePath: strings.TrimSuffix(drivePath, ".gz"), Collection: coll, open: open})
	return nil
}

// zip reads the members of a zip by content.
func (e *expander) zip(path string, named bool) error {
	fail := func(err error) error {
		if named {
			return err
		}
		e.opts.Warn(fmt.Errorf("%w; not read", err))
		return nil
	}
	a := &zipArchive{path: path, size: -1, limit: e.limits}
	if err := a.acquire(); err != nil {
		return fail(err)
	}
	defer a.release()
	zr, err := zip.NewReader(a, a.size)
	if err != nil {
		return fail(fmt.Errorf("zip %s: %w", path, err))
	}
	if len(zr.File) > e.limits.MaxMembers {
		return fail(fmt.Errorf("zip %s: %d members, over the limit of %d", path, len(zr.File), e.limits.MaxMembers))
	}
	a.zr = zr
	var total int64
	for _, zf := range zr.File {
		if err := e.ctx.Err(); err != nil {
			return err
		}
		name := path + MemberSeparator + zf.Name
		if zf.FileInfo().IsDir() {
			continue
		}
		if !zf.Mode().IsRegular() {
			e.skip(name, describeMode(zf.Mode())+" in the archive, not a regular file")
			continue
		}
		comps := cleanMember(zf.Name)
		drivePath, coll := e.zipDrive(a, path, comps, zf)
		if err := e.limits.checkMember(name, zf); err != nil {
			e.opts.Warn(err)
			continue
		}
		if total+int64(zf.UncompressedSize64) > e.limits.MaxTotalBytes {
			e.opts.Warn(fmt.Errorf("%s: the archive's input members pass %d bytes decompressed in all; not read", name, e.limits.MaxTotalBytes))
			continue
		}
		open := a.memberOpener(name, zf)
		c, err := open()
		var head []byte
		if err == nil {
			head, err = readHead(c)
			c.Close()
		}
		if err != nil {
			e.opts.Warn(fmt.Errorf("%w; not read", err))
			continue
		}
		if isZip(head) || isGzip(head) {
			e.skip(name, "an archive inside a zip; nested archives are not read")
			continue
		}
		format, why := classify(head)
		if format == Unknown {
			e.skip(name, why)
			continue
		}
		total += int64(zf.UncompressedSize64)
		e.read(File{Path: name, Format: format, DrivePath: drivePath, Collection: coll, open: open})
	}
	return nil
}

// zipDrive places a member in its drive layout, indexing every member of
// a drive so payload paths resolve.
func (e *expander) zipDrive(a *zipArchive, path string, comps []string, zf *zip.File) (string, *Collection) {
	idx, letter, escaped, ok := findDrive(append([]string{""}, comps...))
	if !ok {
		return "", nil
	}
	// comps was shifted by one: the archive itself is component 0.
	root := path + MemberSeparator + strings.Join(comps[:idx], "/")
	c := e.collections[root]
	if c == nil {
		c = &Collection{Root: root, Drive: letter, escaped: escaped, arc: a, members: map[string]*zip.File{}}
		e.collections[root] = c
	}
	dp := drivePath(letter, comps[idx:], escaped)
	if _, dup := c.members[strings.ToLower(dp)]; !dup {
		c.members[strings.ToLower(dp)] = zf
	}
	return dp, c
}

// Filter keeps the files of the given formats.
func Filter(files []File, formats ...Format) []File {
	var out []File
	for _, f := range files {
		for _, want := range formats {
			if f.Format == want {
				out = append(out, f)
				break
			}
		}
	}
	return out
}
