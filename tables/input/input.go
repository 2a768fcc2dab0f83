// Package input finds offline input files (a path, a comma-separated list,
// or directories walked recursively) and tells their format by content,
// never by name.
package input

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
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
	Path   string
	Format Format
}

// Expand turns a source specification (a path, a comma-separated list of
// paths, directories walked recursively) into the files it names, each with
// its format; files of no known format are left out. The list is sorted so
// every run reads files in the same order.
func Expand(spec string) ([]File, error) {
	var files []File
	for _, p := range strings.Split(spec, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		info, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("source %s: %w", p, err)
		}
		if !info.IsDir() {
			f, err := detectFile(p)
			if err != nil {
				return nil, err
			}
			if f.Format == Unknown {
				return nil, fmt.Errorf("source %s: not an EVTX, event XML, JSON lines, .reg or hive file", p)
			}
			files = append(files, f)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return fmt.Errorf("walk %s: %w", path, err)
			}
			if !d.Type().IsRegular() {
				return nil
			}
			f, err := detectFile(path)
			if err != nil {
				return err
			}
			if f.Format != Unknown {
				files = append(files, f)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if len(files) == 0 {
		return nil, errors.New("source " + spec + ": no input files found")
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, nil
}

func detectFile(path string) (File, error) {
	f, err := os.Open(path)
	if err != nil {
		return File{}, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	head := make([]byte, HeadSize)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return File{}, fmt.Errorf("read %s: %w", path, err)
	}
	return File{Path: path, Format: Detect(head[:n])}, nil
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
