package input

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
)

const regText = "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE]\r\n"

func writeFile(t testing.TB, path, content string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func paths(files []File) []string {
	var out []string
	for _, f := range files {
		out = append(out, f.Path)
	}
	return out
}

func TestExpandFollowsLinks(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlinks need privileges on Windows")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	reg := writeFile(t, filepath.Join(data, "sub", "a.reg"), regText)
	link := filepath.Join(dir, "link")
	if err := os.Symlink(data, link); err != nil {
		t.Fatal(err)
	}
	// A loop back to the top, and a second way to the same directory.
	if err := os.Symlink(data, filepath.Join(data, "sub", "loop")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(data, "missing"), filepath.Join(data, "broken")); err != nil {
		t.Fatal(err)
	}
	files, err := Expand(link)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(link, "sub", "a.reg")}
	if !reflect.DeepEqual(paths(files), want) {
		t.Errorf("link to a directory: got %v, want %v", paths(files), want)
	}
	files, err = Expand(data + "," + link)
	if err != nil || !reflect.DeepEqual(paths(files), []string{reg}) {
		t.Errorf("same directory twice: got %v %v, want it read once", paths(files), err)
	}
}

func TestSplitSpec(t *testing.T) {
	tests := []struct {
		spec string
		want []string
		err  bool
	}{
		{"a.reg", []string{"a.reg"}, false},
		{" a.reg , b.reg ,, ", []string{"a.reg", "b.reg"}, false},
		{`"C:\a,b\x.reg",y.reg`, []string{`C:\a,b\x.reg`, "y.reg"}, false},
		{` "q""uote" , "sp " `, []string{`q"uote`, "sp "}, false},
		{`"open`, nil, true},
		{`"a"b,c`, nil, true},
		{`x"y`, []string{`x"y`}, false},
		{"", nil, false},
	}
	for _, tt := range tests {
		got, err := SplitSpec(tt.spec)
		if (err != nil) != tt.err || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("SplitSpec(%q) = %q, %v; want %q (error %v)", tt.spec, got, err, tt.want, tt.err)
		}
	}
	list := []string{`C:\a,b\x.reg`, `q"uote`, " sp", "plain"}
	if got, err := SplitSpec(JoinSpec(list)); err != nil || !reflect.DeepEqual(got, list) {
		t.Errorf("round trip: %q %v", got, err)
	}
}

func TestExpandCommaInPath(t *testing.T) {
	dir := t.TempDir()
	odd := writeFile(t, filepath.Join(dir, "a,b", "x.reg"), regText)
	other := writeFile(t, filepath.Join(dir, "y.reg"), regText)
	files, err := Expand(JoinSpec([]string{odd, other}))
	if err != nil || !reflect.DeepEqual(paths(files), []string{odd, other}) {
		t.Errorf("quoted: %v %v", paths(files), err)
	}
	files, err = Expand(odd)
	if err != nil || !reflect.DeepEqual(paths(files), []string{odd}) {
		t.Errorf("whole spec names a file: %v %v", paths(files), err)
	}
}

func TestExpandCancelled(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.reg"), regText)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ExpandContext(ctx, dir, Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: want context.Canceled, got %v", err)
	}
}

func readAll(t *testing.T, f File) []byte {
	t.Helper()
	c, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	data, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	size, err := c.Size()
	if err != nil || size != int64(len(data)) {
		t.Errorf("%s: Size = %d %v, read %d", f.Path, size, err, len(data))
	}
	at := make([]byte, len(data))
	if n, err := c.ReadAt(at, 0); n != len(data) || (err != nil && err != io.EOF) || !bytes.Equal(at, data) {
		t.Errorf("%s: ReadAt differs from Read (%d, %v)", f.Path, n, err)
	}
	return data
}

type zipMember struct {
	name, content string
	store         bool
}

func buildZip(t testing.TB, path string, members []zipMember) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range members {
		h := &zip.FileHeader{Name: m.name, Method: zip.Deflate}
		if m.store {
			h.Method = zip.Store
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(m.content))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return writeFile(t, path, buf.String())
}

func gz(data string) string {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write([]byte(data))
	w.Close()
	return buf.String()
}

func TestExpandArchives(t *testing.T) {
	dir := t.TempDir()
	xml := "<Event xmlns='x'></Event>"
	zipPath := buildZip(t, filepath.Join(dir, "host.zip"), []zipMember{
		{name: "uploads/auto/C%3A/Windows/System32/config/SOFTWARE.reg", content: regText},
		{name: "uploads/auto/C%3A/Users/alice/x%3Astream", content: "ads"},
		{name: "uploads/auto/C%3A/Windows/System32/winevt/Logs/Sysmon.xml", content: xml, store: true},
		{name: "notes.txt", content: "hello"},
		{name: "inner.zip", content: "PK\x03\x04rest"},
		{name: "dir/", content: ""},
	})
	gzPath := writeFile(t, filepath.Join(dir, "events.xml.gz"), gz(xml))
	var logged bytes.Buffer
	log := hclog.New(&hclog.LoggerOptions{Output: &logged, Level: hclog.Debug})
	files, err := ExpandContext(context.Background(), JoinSpec([]string{zipPath, gzPath}), Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		gzPath,
		zipPath + "!uploads/auto/C%3A/Windows/System32/config/SOFTWARE.reg",
		zipPath + "!uploads/auto/C%3A/Windows/System32/winevt/Logs/Sysmon.xml",
	}
	if !reflect.DeepEqual(paths(files), want) {
		t.Fatalf("got %q, want %q", paths(files), want)
	}
	if files[0].Format != EventXML || files[1].Format != RegExport || files[2].Format != EventXML {
		t.Errorf("formats: %+v", files)
	}
	if string(readAll(t, files[0])) != xml || string(readAll(t, files[1])) != regText || string(readAll(t, files[2])) != xml {
		t.Error("contents differ")
	}
	if files[1].DrivePath != `C:\Windows\System32\config\SOFTWARE.reg` || files[1].Collection == nil || files[1].Collection.Drive != "C:" {
		t.Errorf("drive: %q %+v", files[1].DrivePath, files[1].Collection)
	}
	c, err := files[1].Collection.Open(`c:\users\ALICE\x:stream`)
	if err != nil {
		t.Fatalf("collection open: %v", err)
	}
	data, _ := io.ReadAll(c)
	c.Close()
	if string(data) != "ads" {
		t.Errorf("ADS content %q", data)
	}
	if _, err := files[1].Collection.Open(`C:\Users\bob\none.ps1`); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing payload: %v", err)
	}
	for _, wantLog := range []string{"notes.txt\" reason=\"not an input format\"", "inner.zip\" reason=\"an archive inside a zip", "read: file=" + gzPath + " format=event-xml"} {
		if !strings.Contains(logged.String(), wantLog) {
			t.Errorf("log lacks %q:\n%s", wantLog, logged.String())
		}
	}
}

func TestExpandArchiveLimits(t *testing.T) {
	dir := t.TempDir()
	zeros := regText + strings.Repeat("\x00", 4<<20)
	zipPath := buildZip(t, filepath.Join(dir, "bomb.zip"), []zipMember{
		{name: "big.reg", content: zeros},
		{name: "ok.reg", content: regText},
	})
	var warnings []string
	files, err := ExpandContext(context.Background(), zipPath, Options{Limits: Limits{MaxRatio: 100}, Warn: func(err error) { warnings = append(warnings, err.Error()) }})
	if err != nil || !reflect.DeepEqual(paths(files), []string{zipPath + "!ok.reg"}) {
		t.Errorf("ratio: %v %v", paths(files), err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "big.reg") || !strings.Contains(warnings[0], "zip bomb") {
		t.Errorf("ratio warnings: %q", warnings)
	}
	warnings = nil
	_, err = ExpandContext(context.Background(), zipPath, Options{Limits: Limits{MaxMembers: 1}, Warn: func(err error) { warnings = append(warnings, err.Error()) }})
	if err == nil || !strings.Contains(err.Error(), "2 members") {
		t.Errorf("members: %v", err)
	}
	// A .gz bomb fails on read, naming the file.
	gzPath := writeFile(t, filepath.Join(dir, "bomb.reg.gz"), gz(zeros))
	files, err = ExpandContext(context.Background(), gzPath, Options{Limits: Limits{MaxRatio: 100}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := files[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(c)
	c.Close()
	if err == nil || !strings.Contains(err.Error(), gzPath) || !strings.Contains(err.Error(), "ratio") {
		t.Errorf("gz bomb: %v", err)
	}
	// A truncated .gz is an error naming it.
	full := gz(regText + strings.Repeat("x", 10000))
	trunc := writeFile(t, filepath.Join(dir, "trunc.reg.gz"), full[:len(full)-20])
	files, err = Expand(trunc)
	if err != nil {
		t.Fatal(err)
	}
	c, _ = files[0].Open()
	_, err = io.ReadAll(c)
	c.Close()
	if err == nil || !strings.Contains(err.Error(), trunc) {
		t.Errorf("truncated gz: %v", err)
	}
}

func TestExpandDriveLayout(t *testing.T) {
	for _, drive := range []string{"C", "C%3A", "C:", "%5C%5C.%5CC%3A"} {
		if runtime.GOOS == "windows" && strings.Contains(drive, ":") {
			continue
		}
		dir := t.TempDir()
		hive := writeFile(t, filepath.Join(dir, "case1", drive, "Users", "alice", "NTUSER.DAT"), "regf")
		writeFile(t, filepath.Join(dir, "case1", drive, "Users", "Public", "x.ps1"), "payload")
		files, err := Expand(filepath.Join(dir, "case1"))
		if err != nil {
			t.Fatal(err)
		}
		if len(files) != 1 || files[0].Path != hive || files[0].DrivePath != `C:\Users\alice\NTUSER.DAT` || files[0].ProfileFolder() != `C:\Users\alice` {
			t.Fatalf("%s: %+v", drive, files)
		}
		c, err := files[0].Collection.Open(`C:\users\public\X.PS1`)
		if err != nil {
			t.Fatalf("%s: %v", drive, err)
		}
		data, _ := io.ReadAll(c)
		c.Close()
		if string(data) != "payload" {
			t.Errorf("%s: payload %q", drive, data)
		}
		for _, outside := range []string{`C:\..\..\..\etc\passwd`, `D:\Users\Public\x.ps1`, `relative.ps1`} {
			if _, err := files[0].Collection.Open(outside); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s: %s: want not found, got %v", drive, outside, err)
			}
		}
	}
	// The drive directory itself as source.
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "C", "Windows", "System32", "config", "SOFTWARE"), "regf")
	files, err := Expand(filepath.Join(dir, "C"))
	if err != nil || len(files) != 1 || files[0].DrivePath != `C:\Windows\System32\config\SOFTWARE` {
		t.Errorf("drive as source: %+v %v", files, err)
	}
	// Not a drive: a "C" with no Windows or Users inside.
	writeFile(t, filepath.Join(dir, "x", "C", "logs", "a.reg"), regText)
	files, err = Expand(filepath.Join(dir, "x"))
	if err != nil || len(files) != 1 || files[0].DrivePath != "" {
		t.Errorf("no drive: %+v %v", files, err)
	}
}

func TestExpandSkipsTransactionLogs(t *testing.T) {
	dir := t.TempDir()
	primary := make([]byte, 0x200)
	copy(primary, "regf")
	log := append([]byte(nil), primary...)
	log[0x1c] = 6
	hive := writeFile(t, filepath.Join(dir, "NTUSER.DAT"), string(primary))
	logPath := writeFile(t, filepath.Join(dir, "NTUSER.DAT.LOG1"), string(log))
	var logged bytes.Buffer
	files, err := ExpandContext(context.Background(), dir, Options{Logger: hclog.New(&hclog.LoggerOptions{Output: &logged, Level: hclog.Debug})})
	if err != nil || !reflect.DeepEqual(paths(files), []string{hive}) {
		t.Errorf("got %v %v, want only the primary hive", paths(files), err)
	}
	if !strings.Contains(logged.String(), "NTUSER.DAT.LOG1 reason=\"hive transaction log") {
		t.Errorf("log: %s", logged.String())
	}
	if _, err := Expand(logPath); err == nil || !strings.Contains(err.Error(), "transaction log") {
		t.Errorf("named log: %v", err)
	}
}

func TestExpandDepthBound(t *testing.T) {
	dir := t.TempDir()
	deep := dir
	for range maxWalkDepth + 2 {
		deep = filepath.Join(deep, "d")
	}
	writeFile(t, filepath.Join(deep, "a.reg"), regText)
	shallow := writeFile(t, filepath.Join(dir, "b.reg"), regText)
	var warnings []error
	files, err := ExpandContext(context.Background(), dir, Options{Warn: func(err error) { warnings = append(warnings, err) }})
	if err != nil || !reflect.DeepEqual(paths(files), []string{shallow}) || len(warnings) != 1 || !strings.Contains(warnings[0].Error(), "deep") {
		t.Errorf("got %v %v, warnings %v", paths(files), err, warnings)
	}
}

// Random access to a .gz: front-to-back reads (EVTX) work past the
// in-memory bound, in a window of pages; reads all over (hives) fall back
// to memory within the bound, and fail clearly past it.
func TestCompressedRandomAccess(t *testing.T) {
	var sb strings.Builder
	sb.WriteString(regText)
	for i := 0; sb.Len() < 3<<20; i++ {
		fmt.Fprintf(&sb, "\"v%07d\"=\"%x\"\r\n", i, i*7919)
	}
	data := sb.String()
	path := writeFile(t, filepath.Join(t.TempDir(), "big.reg.gz"), gz(data))
	open := func(maxBuffered int64) Content {
		files, err := ExpandContext(context.Background(), path, Options{Limits: Limits{MaxBufferedBytes: maxBuffered}})
		if err != nil {
			t.Fatal(err)
		}
		c, err := files[0].Open()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	check := func(c Content, off int64, n int) error {
		buf := make([]byte, n)
		got, err := c.ReadAt(buf, off)
		want := data[min(int(off), len(data)):min(int(off)+n, len(data))]
		if got > len(want) || string(buf[:got]) != want[:got] {
			return fmt.Errorf("ReadAt(%d, %d): %d bytes differ", off, n, got)
		}
		if got < n && err == nil {
			return fmt.Errorf("ReadAt(%d, %d): short read without an error", off, n)
		}
		if err != nil && err != io.EOF {
			return err
		}
		if got < len(want) {
			return fmt.Errorf("ReadAt(%d, %d): %d bytes, want %d", off, n, got, len(want))
		}
		return nil
	}
	c := open(1 << 20) // smaller than the data
	if size, err := c.Size(); err != nil || size != int64(len(data)) {
		t.Errorf("Size = %d %v, want %d", size, err, len(data))
	}
	for off := int64(0); off < int64(len(data))+100000; off += 65536 + 17 {
		if err := check(c, off, 70000); err != nil {
			t.Fatalf("sequential: %v", err)
		}
	}
	// All over: after a few restarts the data goes to memory.
	c = open(8 << 20)
	for i, off := range []int64{3 << 20, 10, 2 << 20, 5, 1 << 20, 0, 3000000, 7, 123456} {
		if err := check(c, off, 5000); err != nil {
			t.Fatalf("random %d: %v", i, err)
		}
	}
	// All over with too small a bound: a clear error, no wrong bytes.
	c = open(1 << 20)
	var err error
	for _, off := range []int64{3 << 20, 10, 2 << 20, 5, 1 << 20, 0, 3000000, 7, 2 << 20, 9, 3 << 20, 1} {
		if err = check(c, off, 5000); err != nil {
			break
		}
	}
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "memory") {
		t.Errorf("random past the bound: want an error naming the file, got %v", err)
	}
}
