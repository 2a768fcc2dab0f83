package resultlog

import (
	"bytes"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
)

// readSummary is what a reader made of an input, without file names and
// line numbers (which differ when the same lines come split over files).
type readSummary struct {
	records  []string
	badLines int
	badFiles int
}

func readForFuzz(t *testing.T, paths []string, stdin *bytes.Reader, slow bool) readSummary {
	var s readSummary
	lastLine := map[string]int{}
	h := Handler{
		Record: func(r Record) {
			if r.Line < 1 || r.Line < lastLine[r.File] {
				t.Fatalf("record of %s at line %d after line %d", r.File, r.Line, lastLine[r.File])
			}
			lastLine[r.File] = r.Line
			var b strings.Builder
			fmt.Fprintf(&b, "%s|%s|%d|%d|%d|%d|%v|", r.Kind, r.Name, r.Time, r.Epoch, r.Counter, len(r.Rows), r.PartOfRun)
			for _, row := range r.Rows {
				for _, f := range row {
					b.WriteString(f.Key + "=" + f.Value() + ";")
				}
			}
			s.records = append(s.records, b.String())
		},
		BadLine: func(file string, line int, err error) {
			if err == nil || line < 1 {
				t.Fatalf("bad line %s:%d without an error or a line", file, line)
			}
			s.badLines++
		},
		BadFile: func(file string, err error) {
			if !strings.Contains(err.Error(), file) && file != "<stdin>" {
				t.Fatalf("file error does not name %s: %v", file, err)
			}
			s.badFiles++
		},
	}
	var in = stdinReader(stdin, slow)
	if err := ReadAll(t.Context(), paths, in, h); err != nil {
		t.Fatalf("ReadAll: %v", err)
	}
	return s
}

func stdinReader(r *bytes.Reader, slow bool) interface{ Read([]byte) (int, error) } {
	if r == nil {
		return nil
	}
	if slow {
		return iotest.OneByteReader(r)
	}
	return r
}

// gzipped writes a gzip member of stored deflate blocks (RFC 1952 with
// RFC 1951 3.2.4 blocks): compress/gzip allocates about 1 MB per writer,
// which would make the fuzz target slow; the reader's side is the same.
func gzipped(b []byte) []byte {
	sum, size := crc32.ChecksumIEEE(b), uint32(len(b))
	out := []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}
	for first := true; first || len(b) > 0; first = false {
		n := min(len(b), 0xffff)
		final := byte(0)
		if n == len(b) {
			final = 1
		}
		out = append(out, final, byte(n), byte(n>>8), ^byte(n), ^byte(n>>8))
		out = append(out, b[:n]...)
		b = b[n:]
	}
	return append(out, byte(sum), byte(sum>>8), byte(sum>>16), byte(sum>>24), byte(size), byte(size>>8), byte(size>>16), byte(size>>24))
}

func isGzip(b []byte) bool { return len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b }

// FuzzReadAll: gzip detection and decoding, line cutting and rotation.
// Whatever the bytes, nothing panics and every file error names the file;
// and the same lines read the same way in one read as in the variant the
// fuzzer picks: a byte at a time, gzip'd, as two gzip members cut at a
// line end (an appended rotation), or over a rotated pair of files (the
// older half as .1.gz). One variant per run keeps it fast.
func FuzzReadAll(f *testing.F) {
	line := `{"name":"q","hostIdentifier":"h","unixTime":1,"epoch":0,"counter":0,"columns":{"path":"a\\b","v":"\u00e9"},"action":"added"}`
	for i, s := range []string{
		line + "\n" + line + "\n",
		line + "\n\n" + `{"name":"q","hostIdentifier":"h","diffResults":{"added":[{"a":"1"}],"removed":[{"a":"2"}]}}` + "\r\n" + line,
		`{"name":"q","hostIdentifier":"h","snapshot":[{"a":"1"}],"action":"snapshot"}` + "\ngarbage\n" + line[:40],
		string(gzipped([]byte(line + "\n")))[:30],
		string(gzipped([]byte(line+"\n"))) + string(gzipped([]byte(line+"\n"))),
	} {
		for variant := range uint8(4) {
			f.Add([]byte(s), variant, uint16(len(s)/2+i))
		}
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, variant uint8, cut uint16) {
		whole := readForFuzz(t, []string{Stdin}, bytes.NewReader(data), false)
		if isGzip(data) {
			return // the variants would decode it a second time, or not at all
		}
		// A line end at or after cut, for the variants that split.
		at := -1
		if from := min(int(cut), len(data)); bytes.IndexByte(data[from:], '\n') >= 0 {
			at = from + bytes.IndexByte(data[from:], '\n') + 1
		}
		var got readSummary
		switch variant % 4 {
		case 0:
			got = readForFuzz(t, []string{Stdin}, bytes.NewReader(data), true)
		case 1:
			got = readForFuzz(t, []string{Stdin}, bytes.NewReader(gzipped(data)), false)
		case 2:
			if at < 0 {
				return
			}
			two := append(gzipped(data[:at]), gzipped(data[at:])...)
			got = readForFuzz(t, []string{Stdin}, bytes.NewReader(two), false)
		case 3:
			if at < 0 || isGzip(data[at:]) {
				return
			}
			older, live := filepath.Join(dir, "results.log.1.gz"), filepath.Join(dir, "results.log")
			os.WriteFile(older, gzipped(data[:at]), 0o644)
			os.WriteFile(live, data[at:], 0o644)
			paths := []string{live, older}
			SortRotated(paths)
			if paths[0] != older {
				t.Fatalf("rotation order %v", paths)
			}
			got = readForFuzz(t, paths, nil, false)
		}
		if fmt.Sprint(got) != fmt.Sprint(whole) {
			t.Fatalf("variant %d (cut at %d):\n%v\nin one read:\n%v", variant%4, at, got, whole)
		}
	})
}
