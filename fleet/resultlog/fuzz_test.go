package resultlog

import (
	"bytes"
	"compress/gzip"
	"fmt"
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

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func isGzip(b []byte) bool { return len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b }

// FuzzReadAll: gzip detection and decoding, line cutting and rotation.
// Whatever the bytes, nothing panics and every file error names the file;
// and the same lines read the same way whether they come in one read or a
// byte at a time, plain or gzip, whole or split over a rotated pair.
func FuzzReadAll(f *testing.F) {
	line := `{"name":"q","hostIdentifier":"h","unixTime":1,"epoch":0,"counter":0,"columns":{"path":"a\\b","v":"\u00e9"},"action":"added"}`
	for _, s := range []string{
		line + "\n" + line + "\n",
		line + "\n\n" + `{"name":"q","hostIdentifier":"h","diffResults":{"added":[{"a":"1"}],"removed":[{"a":"2"}]}}` + "\r\n" + line,
		`{"name":"q","hostIdentifier":"h","snapshot":[{"a":"1"}],"action":"snapshot"}` + "\ngarbage\n" + line[:40],
		string(gzipped([]byte(line + "\n")))[:30],
		string(gzipped([]byte(line+"\n"))) + string(gzipped([]byte(line+"\n"))),
	} {
		f.Add([]byte(s), uint16(len(s)/2))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, cut uint16) {
		whole := readForFuzz(t, []string{Stdin}, bytes.NewReader(data), false)
		if isGzip(data) {
			return // the variants below would decode it a second time, or not at all
		}
		if slow := readForFuzz(t, []string{Stdin}, bytes.NewReader(data), true); fmt.Sprint(slow) != fmt.Sprint(whole) {
			t.Fatalf("a byte at a time:\n%v\nin one read:\n%v", slow, whole)
		}
		gz := filepath.Join(dir, "fuzz.log.gz")
		if err := os.WriteFile(gz, gzipped(data), 0o644); err != nil {
			t.Fatal(err)
		}
		if z := readForFuzz(t, []string{gz}, nil, false); fmt.Sprint(z) != fmt.Sprint(whole) {
			t.Fatalf("gzip:\n%v\nplain:\n%v", z, whole)
		}
		// Rotation: cut at a line end, older half in results.log.1.gz.
		at := bytes.IndexByte(data[min(int(cut), len(data)):], '\n')
		if at < 0 {
			return
		}
		at += min(int(cut), len(data)) + 1
		older, live := filepath.Join(dir, "results.log.1.gz"), filepath.Join(dir, "results.log")
		if isGzip(data[at:]) {
			return
		}
		os.WriteFile(older, gzipped(data[:at]), 0o644)
		os.WriteFile(live, data[at:], 0o644)
		paths := []string{live, older}
		SortRotated(paths)
		if paths[0] != older {
			t.Fatalf("rotation order %v", paths)
		}
		if r := readForFuzz(t, paths, nil, false); fmt.Sprint(r) != fmt.Sprint(whole) {
			t.Fatalf("rotated at %d:\n%v\nwhole:\n%v", at, r, whole)
		}
	})
}
