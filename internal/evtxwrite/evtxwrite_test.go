package evtxwrite

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestReadByEvtxexport checks the writer with an independent reader: two
// records, the first defining the template inline, the second referring
// to it, names written once per chunk.
func TestReadByEvtxexport(t *testing.T) {
	if _, err := exec.LookPath("evtxexport"); err != nil {
		t.Skip("evtxexport not installed (apt-get install libevtx-utils)")
	}
	tmpl := EventTemplate{DataNames: []string{"TargetObject", "Details"}}
	c := NewChunk(ChunkOptions{ShareNames: true})
	at := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	def := 0
	for i, target := range []string{`HKLM\Software\Run\A`, `HKLM\Software\Run\B`} {
		id := uint64(41 + i)
		if !c.Record(id, at, func(x *BinXML) {
			x.FragmentHeader()
			def = x.TemplateInstance(1, def, func() { tmpl.Write(x) })
			x.Values(tmpl.Values(System{Provider: "Microsoft-Windows-Sysmon", EventID: 13, Created: at, RecordID: id,
				Channel: "Microsoft-Windows-Sysmon/Operational", Computer: "pc"}, []string{target, "a.exe"}))
			x.EOF()
		}) {
			t.Fatal("two records do not fit a chunk")
		}
	}
	path := filepath.Join(t.TempDir(), "two.evtx")
	if err := os.WriteFile(path, append(FileHeader(1, c.LastID+1), c.Finish(c.FirstID, c.LastID)...), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("evtxexport", "-f", "xml", path).CombinedOutput()
	if err != nil {
		t.Fatalf("evtxexport: %v\n%s", err, out)
	}
	for _, want := range []string{"<EventRecordID>41</EventRecordID>", "<EventRecordID>42</EventRecordID>",
		`<Data Name="TargetObject">HKLM\Software\Run\B</Data>`, "<EventID>13</EventID>", "2024-05-01T12:00:00"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("evtxexport output lacks %q:\n%s", want, out)
		}
	}
	if bytes.Contains(out, []byte("CRC")) || bytes.Contains(out, []byte("corrupt")) {
		t.Errorf("evtxexport reports a checksum or corruption:\n%s", out)
	}
}

// A record that does not fit is refused and leaves the chunk as it was.
func TestRecordThatDoesNotFit(t *testing.T) {
	c := NewChunk(ChunkOptions{})
	before := append([]byte(nil), c.Buf...)
	if c.Record(1, time.Time{}, func(x *BinXML) { x.B = make([]byte, ChunkSize) }) {
		t.Fatal("a record larger than the chunk was written")
	}
	if c.Records != 0 || c.Free != ChunkHeaderSize || !bytes.Equal(c.Buf, before) {
		t.Fatalf("refused record changed the chunk: %d records, free at %d", c.Records, c.Free)
	}
}

// The CRCs are those Windows writes: a real log's chunk and file header
// CRCs, cleared and filled in again, come out as they were.
func TestCRCsOfARealLog(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "data", "seed", "registryautorun.evtx"))
	if err != nil {
		t.Skipf("real log absent (../shared/data): %v", err)
	}
	header := append([]byte(nil), data[:FileHeaderSize]...)
	clear(header[124:128])
	SetFileHeaderCRC(header)
	if !bytes.Equal(header, data[:FileHeaderSize]) {
		t.Error("file header CRC differs from the one Windows wrote")
	}
	chunks := 0
	for off := FileHeaderSize; off+ChunkSize <= len(data); off += ChunkSize {
		chunk := append([]byte(nil), data[off:off+ChunkSize]...)
		clear(chunk[52:56])
		clear(chunk[124:128])
		SetChunkCRCs(chunk)
		if !bytes.Equal(chunk, data[off:off+ChunkSize]) {
			t.Errorf("chunk at %d: CRCs differ from the ones Windows wrote", off)
		}
		chunks++
	}
	if chunks == 0 {
		t.Fatal("no chunk in the real log")
	}
}
