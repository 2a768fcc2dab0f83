package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"
)

// The inputs are checked with independent readers (hivexsh, evtxexport,
// encoding/xml), not with the parsers the suite measures: a generator bug
// must not hide behind a reader bug.

func TestHivesReadByHivex(t *testing.T) {
	if _, err := exec.LookPath("hivexsh"); err != nil {
		t.Skip("hivexsh not installed (apt-get install libhivex-bin)")
	}
	dir := t.TempDir()
	// 1500 subkeys: more than one lf, so the ri path is written too.
	const n = 1500
	path := filepath.Join(dir, "SOFTWARE")
	if err := os.WriteFile(path, runOnceExHive(n), 0o644); err != nil {
		t.Fatal(err)
	}
	out := hivexsh(t, path, `cd \Microsoft\Windows\CurrentVersion\RunOnceEx`, "ls")
	if got := strings.Count(out, "\n"); got != n {
		t.Fatalf("hivexsh lists %d RunOnceEx subkeys, want %d:\n%.300s", got, n, out)
	}
	out = hivexsh(t, path, `cd \Microsoft\Windows\CurrentVersion\RunOnceEx\001234`, "lsval")
	if want := `"1"="||C:\\Program Files\\Setup34\\step1234.dll"`; strings.TrimSpace(out) != want {
		t.Fatalf("RunOnceEx\\001234 values: %q, want %q", out, want)
	}

	path = filepath.Join(dir, "RUN")
	if err := os.WriteFile(path, runValuesHive(20), 0o644); err != nil {
		t.Fatal(err)
	}
	out = hivexsh(t, path, `cd \Microsoft\Windows\CurrentVersion\Run`, "lsval")
	if got := strings.Count(out, "\n"); got != 20 || !strings.Contains(out, `"Agent000019"="\"C:\\Program Files\\Setup19\\agent19.exe\" /background"`) {
		t.Fatalf("Run values:\n%s", out)
	}

	// The repeated index: hivex follows it too and sees the one key again
	// and again (fanout^2 times), which is the point of the input.
	path = filepath.Join(dir, "REPEAT")
	if err := os.WriteFile(path, repeatedIndexHive(4), 0o644); err != nil {
		t.Fatal(err)
	}
	out = hivexsh(t, path, `cd \Microsoft\Windows\CurrentVersion\RunOnceEx`, "ls")
	if out != strings.Repeat("0001\n", 16) {
		t.Fatalf("repeated index lists:\n%s", out)
	}
}

func hivexsh(t *testing.T, path string, commands ...string) string {
	t.Helper()
	cmd := exec.Command("hivexsh", path)
	cmd.Stdin = strings.NewReader(strings.Join(commands, "\n") + "\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("hivexsh %s: %v\n%s", path, err, out)
	}
	return string(out)
}

func TestNormalEVTXReadByEvtxexport(t *testing.T) {
	if _, err := exec.LookPath("evtxexport"); err != nil {
		t.Skip("evtxexport not installed (apt-get install libevtx-utils)")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "normal.evtx")
	if err := writeNormalEVTX(path, filepath.Join(dir, "kind"), 3*evtxChunkSize+evtxHeaderSize, ""); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("evtxexport", "-f", "xml", path).CombinedOutput()
	if err != nil {
		t.Fatalf("evtxexport: %v\n%.2000s", err, out)
	}
	ids := regexp.MustCompile(`<EventRecordID>(\d+)</EventRecordID>`).FindAllSubmatch(out, -1)
	if len(ids) < 3*100 {
		t.Fatalf("evtxexport reads %d records from 3 chunks, want hundreds:\n%.2000s", len(ids), out)
	}
	last := 0
	for _, m := range ids {
		id, _ := strconv.Atoi(string(m[1]))
		if id <= last {
			t.Fatalf("record id %d after %d: ids must be unique and increasing", id, last)
		}
		last = id
	}
	for _, want := range []string{"<Data Name=\"TargetObject\">HKLM\\SOFTWARE\\Vendor", "Microsoft-Windows-Sysmon", "<EventID>13</EventID>"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("evtxexport output lacks %q:\n%.1500s", want, out)
		}
	}
}

func TestEventXMLOrders(t *testing.T) {
	dir := t.TempDir()
	asc, desc := filepath.Join(dir, "asc.xml"), filepath.Join(dir, "desc.xml")
	if err := writeEventXML(asc, desc, 50); err != nil {
		t.Fatal(err)
	}
	a, d := recordIDs(t, asc), recordIDs(t, desc)
	if len(a) != 50 || len(d) != 50 {
		t.Fatalf("%d and %d events, want 50 each", len(a), len(d))
	}
	for i := range a {
		if i > 0 && a[i] <= a[i-1]+1 {
			t.Fatalf("file order ids %d, %d: want increasing with gaps", a[i-1], a[i])
		}
		if d[i] != a[len(a)-1-i] {
			t.Fatalf("newest-first is not file order reversed at %d", i)
		}
	}
}

// recordIDs reads the EventRecordIDs of an event XML file with
// encoding/xml.
func recordIDs(t *testing.T, path string) []int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := xml.NewDecoder(f)
	var ids []int
	for {
		var ev struct {
			RecordID int `xml:"System>EventRecordID"`
			EventID  int `xml:"System>EventID"`
		}
		err := dec.Decode(&ev)
		if err == io.EOF {
			return ids
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if ev.EventID != 13 && ev.EventID != 3 {
			t.Fatalf("%s: event id %d", path, ev.EventID)
		}
		ids = append(ids, ev.RecordID)
	}
}

// regLine is every line shape regedit writes.
var regLine = regexp.MustCompile(`^(|Windows Registry Editor Version 5\.00|\[HKEY_[A-Z_]+(\\[^\]]+)*\]|(@|"([^"\\]|\\.)*")=("([^"\\]|\\.)*"|dword:[0-9a-f]{8}|hex(\([0-9a-f]\))?:([0-9a-f]{2}(,[0-9a-f]{2})*,?\\?)?)|  [0-9a-f]{2}(,[0-9a-f]{2})*,?\\?)$`)

func TestRegExportsAreRegedit(t *testing.T) {
	dir := t.TempDir()
	for name, write := range map[string]func(string) error{
		"small.reg":   func(p string) error { return writeSoftwareReg(p, 64<<10, 0) },
		"badline.reg": func(p string) error { return writeSoftwareReg(p, 64<<10, badLineMiddle) },
		"bomb.reg":    func(p string) error { return writeBombReg(p, filepath.Join(dir, "bomb-normal.reg"), 1<<20) },
	} {
		path := filepath.Join(dir, name)
		if err := write(path); err != nil {
			t.Fatal(err)
		}
		lines := regLines(t, path)
		bad := 0
		for i, l := range lines {
			if !regLine.MatchString(l) {
				bad++
				if name != "badline.reg" {
					t.Errorf("%s line %d is not regedit's: %.120q", name, i+1, l)
				}
			}
		}
		if name == "badline.reg" && bad != 1 {
			t.Errorf("badline.reg has %d bad lines, want 1", bad)
		}
		runs := 0
		for _, l := range lines {
			if strings.HasPrefix(l, `"Agent`) || strings.HasPrefix(l, `"Updater"`) || strings.HasPrefix(l, `"Blob"`) {
				runs++
			}
		}
		if want := map[string]int{"small.reg": regRunValues, "badline.reg": regRunValues, "bomb.reg": 2}[name]; runs != want {
			t.Errorf("%s has %d Run values, want %d", name, runs, want)
		}
	}
}

// regLines decodes a UTF-16LE export with its BOM into lines.
func regLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte{0xFF, 0xFE}) || len(b)%2 != 0 {
		t.Fatalf("%s: not UTF-16LE with a BOM", path)
	}
	u := make([]uint16, len(b)/2-1)
	for i := range u {
		u[i] = le.Uint16(b[2+2*i:])
	}
	return strings.Split(strings.TrimSuffix(string(utf16.Decode(u)), "\r\n"), "\r\n")
}

func TestResultLogs(t *testing.T) {
	dir := t.TempDir()
	if err := writeResultLogs(dir); err != nil {
		t.Fatal(err)
	}
	lines := func(name string) (int, error) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		var r io.Reader = bytes.NewReader(b)
		if strings.HasSuffix(name, ".gz") {
			zr, err := gzip.NewReader(r)
			if err != nil {
				return 0, err
			}
			r = zr
		}
		text, err := io.ReadAll(r)
		n := 0
		for _, l := range strings.Split(strings.TrimSpace(string(text)), "\n") {
			var rec map[string]any
			if json.Unmarshal([]byte(l), &rec) == nil && rec["action"] == "snapshot" {
				n++
			}
		}
		return n, err
	}
	for _, name := range []string{"results-good/osqueryd.results.log", "results-good/osqueryd.results.log.1.gz", "results-mixed/osqueryd.results.log.1.gz"} {
		if n, err := lines(name); err != nil || n != resultHosts {
			t.Errorf("%s: %d snapshots (%v), want %d", name, n, err, resultHosts)
		}
	}
	if n, err := lines("results-mixed/osqueryd.results.log.2.gz"); !errors.Is(err, io.ErrUnexpectedEOF) || n == 0 || n >= resultHosts {
		t.Errorf("the cut .gz: %d snapshots, %v; want some, then io.ErrUnexpectedEOF", n, err)
	}
}
