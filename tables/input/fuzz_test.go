package input

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func FuzzDetect(f *testing.F) {
	for _, seed := range [][]byte{
		[]byte("ElfFile\x00"), []byte("regf"), []byte(regText), utf16le("REGEDIT4\r\n"),
		[]byte("<Event xmlns='x'>"), []byte("evtxexport 1\n<Event"), []byte(`{"a":1}`),
		{0xFF, 0xFE, 0x3C}, {0xEF, 0xBB, 0xBF, ' ', '{'}, nil,
	} {
		f.Add(seed)
	}
	known := map[Format]bool{Unknown: true, EVTX: true, EventXML: true, JSONLines: true, RegExport: true, Hive: true}
	f.Fuzz(func(t *testing.T, head []byte) {
		got := Detect(head)
		if !known[got] {
			t.Fatalf("Detect = %q, not a format", got)
		}
		// Magic numbers decide alone, whatever follows.
		if bytes.HasPrefix(head, []byte("regf")) && got != Hive {
			t.Fatalf("regf head detected as %q", got)
		}
	})
}

func FuzzSplitSpec(f *testing.F) {
	for _, seed := range []string{"a.reg", `"C:\a,b\x.reg",y.reg`, ` "q""x" , z`, `"open`, `"a"b`, ",,", `x"y`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		paths, err := SplitSpec(spec)
		if err != nil {
			return
		}
		for _, p := range paths {
			if p == "" {
				t.Fatalf("SplitSpec(%q) returned an empty path", spec)
			}
		}
		again, err := SplitSpec(JoinSpec(paths))
		if err != nil || !reflect.DeepEqual(again, paths) {
			t.Fatalf("SplitSpec(JoinSpec(%q)) = %q, %v", paths, again, err)
		}
	})
}

// treeNames are the names a fuzzed tree is made of: drive spellings and
// drive tops, so the drive layout code is reached.
var treeNames = []string{"C", "C%3A", "Windows", "Users", "alice", "NTUSER.DAT", "x.reg", "%5C%5C.%5CC%3A", "a,b", "..x"}

// treeContents are the file contents a fuzzed tree uses.
var treeContents = []string{regText, "regf", "<Event xmlns='x'/>", `{"a":1}`, "text", "PK\x03\x04", "\x1f\x8b\x08", ""}

// buildTree interprets ops as a little program that makes a tree under
// root: each pair of bytes is an operation and an argument.
func buildTree(root string, ops []byte) {
	dirs := []string{root}
	cur := root
	for i := 0; i+1 < len(ops) && i < 64; i += 2 {
		op, arg := ops[i]%6, int(ops[i+1])
		name := treeNames[arg%len(treeNames)]
		switch op {
		case 0: // mkdir and enter
			p := filepath.Join(cur, name)
			if os.Mkdir(p, 0o755) == nil || isDir(p) {
				cur = p
				dirs = append(dirs, p)
			}
		case 1: // file; never write through an existing name (a FIFO would block)
			if f, err := os.OpenFile(filepath.Join(cur, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
				f.WriteString(treeContents[arg%len(treeContents)])
				f.Close()
			}
		case 2: // up
			if cur != root {
				cur = filepath.Dir(cur)
			}
		case 3: // link to a directory made so far (loops included)
			os.Symlink(dirs[arg%len(dirs)], filepath.Join(cur, name))
		case 4: // broken link
			os.Symlink(filepath.Join(root, "missing"), filepath.Join(cur, name))
		case 5: // special file, where the platform has them
			mkfifo(filepath.Join(cur, name))
		}
	}
}

func isDir(p string) bool {
	info, err := os.Stat(p)
	return err == nil && info.IsDir()
}

func FuzzExpandTree(f *testing.F) {
	f.Add([]byte{0, 0, 0, 3, 0, 4, 1, 5})                   // C/Users/alice/NTUSER.DAT
	f.Add([]byte{0, 1, 1, 6, 3, 0, 2, 0, 3, 1})             // links and a loop
	f.Add([]byte{1, 6, 5, 6, 4, 8, 1, 16})                  // fifo, broken link, zip magic
	f.Add([]byte{0, 7, 0, 3, 1, 6, 0, 8, 1, 0x0e, 1, 0x0f}) // escaped drive
	base := f.TempDir()
	n := 0
	f.Fuzz(func(t *testing.T, ops []byte) {
		n++
		root := filepath.Join(base, "t"+itoa(os.Getpid())+"-"+itoa(n))
		if err := os.Mkdir(root, 0o755); err != nil {
			t.Skip(err)
		}
		defer os.RemoveAll(root)
		buildTree(root, ops)
		files, err := ExpandContext(context.Background(), root, Options{})
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, file := range files {
			if seen[file.Path] {
				t.Fatalf("%s listed twice", file.Path)
			}
			seen[file.Path] = true
			c, err := file.Open()
			if err != nil {
				t.Fatalf("listed %s does not open: %v", file.Path, err)
			}
			head, err := readHead(c)
			c.Close()
			if err == nil && Detect(head) != file.Format {
				t.Fatalf("%s: listed as %q, content is %q", file.Path, file.Format, Detect(head))
			}
			if file.Collection != nil && file.DrivePath == "" {
				t.Fatalf("%s: in a collection without a drive path", file.Path)
			}
		}
	})
}

func itoa(n int) string {
	var b []byte
	for ; n > 0 || len(b) == 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func FuzzExpandZip(f *testing.F) {
	seed := func(members ...zipMember) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, m := range members {
			method := zip.Deflate
			if m.store {
				method = zip.Store
			}
			w, _ := zw.CreateHeader(&zip.FileHeader{Name: m.name, Method: method})
			w.Write([]byte(m.content))
		}
		zw.Close()
		return buf.Bytes()
	}
	f.Add(seed(zipMember{name: "C/Users/a/NTUSER.DAT", content: "regf"}, zipMember{name: "x.reg", content: regText, store: true}))
	f.Add(seed(zipMember{name: "../../C%3A/Windows/x.xml", content: "<Event xmlns=''/>"}))
	f.Add([]byte("PK\x05\x06" + string(make([]byte, 18))))
	dir := f.TempDir()
	n := 0
	f.Fuzz(func(t *testing.T, data []byte) {
		n++
		path := filepath.Join(dir, "f"+itoa(n)+".zip")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Skip(err)
		}
		defer os.Remove(path)
		files, err := ExpandContext(context.Background(), path, Options{Warn: func(error) {}, Limits: Limits{MaxMemberBytes: 1 << 20, MaxBufferedBytes: 1 << 20}})
		if err != nil {
			return
		}
		for _, file := range files {
			c, err := file.Open()
			if err != nil {
				continue
			}
			io.Copy(io.Discard, io.LimitReader(c, 2<<20))
			if size, err := c.Size(); err == nil && size > 1<<20 {
				t.Fatalf("%s: %d bytes in memory, over the limit", file.Path, size)
			}
			c.Close()
			if file.Collection != nil {
				if c, err := file.Collection.Open(file.DrivePath); err == nil {
					c.Close()
				}
			}
		}
	})
}
