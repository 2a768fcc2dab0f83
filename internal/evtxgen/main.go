// Command evtxgen builds large, honest benchmark inputs from real Sysmon
// EVTX files: an EVTX of their Sysmon chunks (chunks without a Sysmon
// record are left out, as a real Microsoft-Windows-Sysmon/Operational.evtx
// holds nothing else), repeated up to a size with every record id rewritten
// to be unique and increasing (the record header's id, the event's own
// System/EventRecordID value, the chunk header's first/last numbers and
// both chunk CRCs), and optionally the same events as NXLog JSON lines
// (every field, Message included, as NXLog's im_msvistalog exports them),
// as Windows event XML (as `wevtutil qe /f:xml` exports them: one <Event>
// a line, no root element) and as Winlogbeat 8 ECS JSON lines (message,
// winlog.*, keys sorted as libbeat writes them). -from writes only the text
// formats, of an EVTX built before.
//
// -mix chooses the share of registry events (12/13/14) the chunks are
// picked for: "workstation" (a few percent) or "busy" (two thirds), as far
// as the input chunks allow; the share reached is printed.
//
//	go run ./internal/evtxgen -size 1GiB -mix workstation -evtx big.evtx -jsonl big.jsonl -xml big.xml -ecs big.ecs.jsonl in1.evtx in2.evtx
//	go run ./internal/evtxgen -from big.evtx -xml big.xml -ecs big.ecs.jsonl
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/runkeyhunt/runkeyhunt/internal/evtxwrite"
	"github.com/runkeyhunt/runkeyhunt/tables/input"
	"github.com/runkeyhunt/runkeyhunt/tables/sysmon"
)

const (
	headerSize      = 4096
	chunkSize       = 65536
	chunkHeaderSize = 512
	// An EVTX header counts chunks in 16 bits.
	maxChunks = 0xFFFF
)

// mixes are the registry shares of the two benchmark logs.
var mixes = map[string]float64{"workstation": 0.04, "busy": 2.0 / 3}

func main() {
	size := flag.String("size", "1GiB", "target size of the EVTX (KiB, MiB, GiB suffixes)")
	mix := flag.String("mix", "workstation", "registry event share: workstation (4%) or busy (2/3)")
	evtxOut := flag.String("evtx", "", "EVTX file to write")
	var text textOutputs
	flag.StringVar(&text.nxlog, "jsonl", "", "NXLog JSON-lines file to write with the same events (optional)")
	flag.StringVar(&text.xml, "xml", "", "event XML file (wevtutil qe /f:xml) to write with the same events (optional)")
	flag.StringVar(&text.ecs, "ecs", "", "Winlogbeat ECS JSON-lines file to write with the same events (optional)")
	from := flag.String("from", "", "EVTX built before: write only the text formats of its events")
	flag.Parse()
	share, ok := mixes[*mix]
	if *from != "" {
		if flag.NArg() != 0 || *evtxOut != "" || text.empty() {
			fmt.Fprintln(os.Stderr, "usage: evtxgen -from BUILT.evtx [-jsonl OUT.jsonl] [-xml OUT.xml] [-ecs OUT.ecs.jsonl]")
			os.Exit(2)
		}
		if err := writeText(*from, text); err != nil {
			fmt.Fprintln(os.Stderr, "evtxgen:", err)
			os.Exit(1)
		}
		return
	}
	if *evtxOut == "" || flag.NArg() == 0 || !ok {
		fmt.Fprintln(os.Stderr, "usage: evtxgen -size 1GiB -mix workstation|busy -evtx OUT.evtx [-jsonl OUT.jsonl] [-xml OUT.xml] [-ecs OUT.ecs.jsonl] IN.evtx...")
		os.Exit(2)
	}
	target, err := parseSize(*size)
	if err == nil {
		err = run(target, share, *evtxOut, flag.Args())
	}
	if err == nil && !text.empty() {
		err = writeText(*evtxOut, text)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "evtxgen:", err)
		os.Exit(1)
	}
}

func parseSize(s string) (int64, error) {
	units := map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}
	for suffix, mult := range units {
		if strings.HasSuffix(s, suffix) {
			n, err := strconv.ParseFloat(strings.TrimSuffix(s, suffix), 64)
			return int64(n * float64(mult)), err
		}
	}
	return strconv.ParseInt(s, 10, 64)
}

// chunk is one source chunk and what its records are.
type chunk struct {
	data     []byte
	records  []record // every record, in chunk order
	registry int      // Sysmon registry events among them
}

// record is one record of a chunk: its offset in the chunk, and the
// offset of its 8-byte EventRecordID substitution value (0: none found).
type record struct {
	off, size, eventRecordID int
	registry, inlineTemplate bool
}

// The times of the source records, for the shift each round of copies gets.
var firstTime, lastTime time.Time

// readChunks returns the header of the first file and every chunk of all
// files that holds Sysmon records only.
func readChunks(paths []string) (header []byte, chunks []chunk, err error) {
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, nil, err
		}
		if len(data) < headerSize || string(data[:8]) != "ElfFile\x00" {
			return nil, nil, fmt.Errorf("%s: not an EVTX file", p)
		}
		if header == nil {
			header = append([]byte(nil), data[:headerSize]...)
		}
		// Our reader tells each Sysmon record's event id and EventRecordID.
		type seen struct {
			id  int
			rid int64
		}
		events := map[int64]seen{}
		err = sysmon.ReadFile(context.Background(), input.File{Path: p, Format: input.EVTX}, sysmon.Filter{}, func(ev *sysmon.Event) error {
			events[ev.Offset] = seen{ev.EventID, ev.RecordID}
			if t := ev.TimeCreated; !t.IsZero() {
				if firstTime.IsZero() || t.Before(firstTime) {
					firstTime = t
				}
				if t.After(lastTime) {
					lastTime = t
				}
			}
			return nil
		}, nil)
		if err != nil {
			return nil, nil, err
		}
		for off := headerSize; off+chunkSize <= len(data); off += chunkSize {
			raw := data[off : off+chunkSize]
			if string(raw[:8]) != "ElfChnk\x00" {
				continue
			}
			c := chunk{data: raw}
			sysmonOnly := true
			free := int(binary.LittleEndian.Uint32(raw[48:]))
			for q := chunkHeaderSize; q+24 <= free && string(raw[q:q+4]) == "**\x00\x00"; {
				size := int(binary.LittleEndian.Uint32(raw[q+4:]))
				if size < 28 || q+size > free {
					break
				}
				ev, ok := events[int64(off+q)]
				if !ok {
					sysmonOnly = false
					break
				}
				reg := ev.id >= 12 && ev.id <= 14
				if reg {
					c.registry++
				}
				c.records = append(c.records, record{off: q, size: size, registry: reg, inlineTemplate: inlineTemplate(raw, q),
					eventRecordID: findRecordIDValue(raw, q, size, uint64(ev.rid))})
				q += size
			}
			if sysmonOnly && len(c.records) > 0 {
				c.data = append([]byte(nil), raw...)
				chunks = append(chunks, c)
			}
		}
	}
	if len(chunks) == 0 {
		return nil, nil, errors.New("no Sysmon chunks in the inputs")
	}
	return header, chunks, nil
}

// inlineTemplate tells whether the record at rec defines its template
// (then later records of the chunk point into it and it cannot be copied).
func inlineTemplate(c []byte, rec int) bool {
	p := rec + 24
	if c[p] == 0x0F {
		p += 4
	}
	return c[p] != 0x0C || int(binary.LittleEndian.Uint32(c[p+6:])) == p+10
}

// templateOffset is the chunk offset of the template definition the
// record at rec uses.
func templateOffset(c []byte, rec int) int {
	p := rec + 24
	if c[p] == 0x0F {
		p += 4
	}
	return int(binary.LittleEndian.Uint32(c[p+6:]))
}

// copyReads tells whether a copy of rec placed right after the records of
// prefix still reads as a Sysmon event: a record whose BinXML holds a name
// inline (its first use in the chunk) does not, as its copy would point at
// the original.
func copyReads(prefix, rec []byte) bool {
	file := make([]byte, headerSize+chunkSize)
	copy(file, "ElfFile\x00")
	binary.LittleEndian.PutUint16(file[38:], 3)
	c := file[headerSize:]
	copy(c, prefix)
	copy(c[len(prefix):], rec)
	binary.LittleEndian.PutUint32(c[48:], uint32(len(prefix)+len(rec)))
	var last *sysmon.Event
	ok := true
	err := sysmon.ReadEVTX(context.Background(), bytes.NewReader(file), int64(len(file)), "copy", sysmon.Filter{}, func(ev *sysmon.Event) error {
		last = ev
		return nil
	}, func(error) { ok = false })
	return err == nil && ok && last != nil && last.Offset == int64(headerSize+len(prefix))
}

// densify makes a busy host's chunk of c: the records of its first third,
// then copies of its registry records that use a template defined earlier
// (their bytes do not depend on where they are) until the chunk is full.
// A chunk without such records is returned as is.
func densify(c chunk) chunk {
	var copyable []record
	for _, r := range c.records {
		if r.registry && !r.inlineTemplate {
			copyable = append(copyable, r)
		}
	}
	if len(copyable) == 0 {
		return c
	}
	out := chunk{data: make([]byte, chunkSize)}
	copy(out.data, c.data[:chunkHeaderSize])
	p := chunkHeaderSize
	add := func(r record) {
		copy(out.data[p:], c.data[r.off:r.off+r.size])
		nr := r
		nr.off = p
		if r.eventRecordID != 0 {
			nr.eventRecordID = r.eventRecordID - r.off + p
		}
		out.records = append(out.records, nr)
		if r.registry {
			out.registry++
		}
		p += r.size
	}
	for _, r := range c.records {
		if p-chunkHeaderSize >= (chunkSize-chunkHeaderSize)/3 && r.off > copyable[0].off {
			break
		}
		add(r)
	}
	var usable []record // copies whose template is among the kept records
	for _, r := range copyable {
		if templateOffset(c.data, r.off) < p && copyReads(out.data[:p], c.data[r.off:r.off+r.size]) {
			usable = append(usable, r)
		}
	}
	if len(usable) == 0 {
		return c
	}
	for i := 0; p+usable[i%len(usable)].size <= chunkSize; i++ {
		add(usable[i%len(usable)])
	}
	last := out.records[len(out.records)-1]
	binary.LittleEndian.PutUint32(out.data[44:], uint32(last.off))
	binary.LittleEndian.PutUint32(out.data[48:], uint32(p))
	// Hash table heads pointing past the kept records would name nothing.
	for at := 128; at < chunkHeaderSize; at += 4 {
		if int(binary.LittleEndian.Uint32(out.data[at:])) >= p {
			binary.LittleEndian.PutUint32(out.data[at:], 0)
		}
	}
	return out
}

// sysmonProviderGUID is Sysmon's provider GUID as stored, left as is.
var sysmonProviderGUID = []byte{0x5F, 0x38, 0x70, 0x57, 0x2A, 0xC2, 0xE0, 0x43, 0xBF, 0x4C, 0x06, 0xF5, 0x69, 0x8F, 0xFB, 0xD9}

// shiftRecord moves one record's substitution values to a later round:
// FILETIMEs and "2006-01-02 15:04:05.000" texts by shift, GUIDs (but the
// provider's) by round in their second field.
func shiftRecord(c []byte, r record, shift time.Duration, round uint16) {
	forEachValue(c, r.off, r.size, func(off, size int, typ byte) {
		v := c[off : off+size]
		switch {
		case typ == 0x11 && size == 8:
			binary.LittleEndian.PutUint64(v, binary.LittleEndian.Uint64(v)+uint64(shift/100))
		case typ == 0x0F && size == 16 && !bytes.Equal(v, sysmonProviderGUID):
			binary.LittleEndian.PutUint16(v[4:], binary.LittleEndian.Uint16(v[4:])+round)
		case typ == 0x01 && size == 2*len(utcLayout) || typ == 0x01 && size == 2*len(utcLayout)+2:
			var text []rune
			for i := 0; i+1 < 2*len(utcLayout); i += 2 {
				text = append(text, rune(binary.LittleEndian.Uint16(v[i:])))
			}
			t, err := time.Parse(utcLayout, string(text))
			if err != nil {
				return
			}
			for i, u := range utf16.Encode([]rune(t.Add(shift).Format(utcLayout))) {
				binary.LittleEndian.PutUint16(v[2*i:], u)
			}
		}
	})
}

// utcLayout is Sysmon's UtcTime.
const utcLayout = "2006-01-02 15:04:05.000"

// forEachValue calls fn with the chunk offset, size and type of each
// substitution value of the record at rec's root template instance.
func forEachValue(c []byte, rec, size int, fn func(off, size int, typ byte)) {
	p := rec + 24
	if c[p] == 0x0F {
		p += 4
	}
	if c[p] != 0x0C || p+14 > rec+size {
		return
	}
	defOff := int(binary.LittleEndian.Uint32(c[p+6:]))
	p += 10
	if defOff == p {
		p = defOff + 24 + int(binary.LittleEndian.Uint32(c[defOff+20:]))
	}
	n := int(binary.LittleEndian.Uint32(c[p:]))
	p += 4
	val := p + 4*n
	for i := range n {
		sz := int(binary.LittleEndian.Uint16(c[p+4*i:]))
		if val+sz > rec+size {
			return
		}
		fn(val, sz, c[p+4*i+2])
		val += sz
	}
}

// findRecordIDValue returns the chunk offset of the record's UInt64
// substitution value that holds its EventRecordID, or 0.
func findRecordIDValue(c []byte, rec, size int, rid uint64) int {
	at := 0
	forEachValue(c, rec, size, func(off, size int, typ byte) {
		if at == 0 && typ == 0x0A && size == 8 && binary.LittleEndian.Uint64(c[off:]) == rid {
			at = off
		}
	})
	return at
}

func pick(chunks []chunk, want float64, n int) []int {
	var rich, poor []int
	for i, c := range chunks {
		if float64(c.registry) >= want*float64(len(c.records)) {
			rich = append(rich, i)
		} else {
			poor = append(poor, i)
		}
	}
	out := make([]int, 0, n)
	var reg, total float64
	ri, pi := 0, 0
	for len(out) < n {
		useRich := len(poor) == 0 || (len(rich) > 0 && (total == 0 || reg/total < want))
		var i int
		if useRich {
			i = rich[ri%len(rich)]
			ri++
		} else {
			i = poor[pi%len(poor)]
			pi++
		}
		out = append(out, i)
		reg += float64(chunks[i].registry)
		total += float64(len(chunks[i].records))
	}
	return out
}

func run(target int64, share float64, evtxOut string, inputs []string) error {
	header, chunks, err := readChunks(inputs)
	if err != nil {
		return err
	}
	if share > 0.5 {
		for i := range chunks {
			chunks[i] = densify(chunks[i])
		}
	}
	n := int((target - headerSize) / chunkSize)
	n = max(1, min(n, maxChunks))
	order := pick(chunks, share, n)

	out, err := os.Create(evtxOut)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(out, 1<<20)
	w.Write(make([]byte, headerSize)) // written last, when the next record id is known
	next := uint64(1)
	var records, registry, patched int
	buf := make([]byte, chunkSize)
	// Each round of len(chunks) output chunks is a later stretch of the
	// same host's life: times shifted past the sources' span, process
	// GUIDs made its own, so processes and windows do not pile up.
	span := lastTime.Sub(firstTime).Truncate(time.Second) + time.Hour
	for j, i := range order {
		c := chunks[i]
		copy(buf, c.data)
		first := next
		round := j / len(chunks)
		for _, r := range c.records {
			if round > 0 {
				shiftRecord(buf, r, time.Duration(round)*span, uint16(round))
			}
			binary.LittleEndian.PutUint64(buf[r.off+8:], next)
			if r.eventRecordID != 0 {
				binary.LittleEndian.PutUint64(buf[r.eventRecordID:], next)
				patched++
			}
			next++
		}
		last := next - 1
		for _, at := range []int{8, 24} { // first record number, first record id
			binary.LittleEndian.PutUint64(buf[at:], first)
			binary.LittleEndian.PutUint64(buf[at+8:], last)
		}
		evtxwrite.SetChunkCRCs(buf)
		w.Write(buf)
		records += len(c.records)
		registry += c.registry
	}
	if err := w.Flush(); err != nil {
		out.Close()
		return fmt.Errorf("write %s: %w", evtxOut, err)
	}
	binary.LittleEndian.PutUint64(header[8:], 0)
	binary.LittleEndian.PutUint64(header[16:], uint64(n-1))
	binary.LittleEndian.PutUint64(header[24:], next)
	binary.LittleEndian.PutUint16(header[42:], uint16(n))
	// Clear the dirty and full flags: the file is complete.
	binary.LittleEndian.PutUint32(header[120:], 0)
	evtxwrite.SetFileHeaderCRC(header)
	if _, err := out.WriteAt(header, 0); err != nil {
		out.Close()
		return fmt.Errorf("write %s: %w", evtxOut, err)
	}
	if err := out.Close(); err != nil {
		return err
	}
	fmt.Printf("%s: %d chunks from %d distinct Sysmon chunks (%d MiB), %d records (ids 1..%d, %d EventRecordID values rewritten), registry events %.1f%%\n",
		evtxOut, n, len(chunks), (int64(n)*chunkSize+headerSize)>>20, records, next-1, patched, 100*float64(registry)/float64(records))
	return os.WriteFile(evtxOut+".records", []byte(strconv.Itoa(records)+"\n"), 0o644)
}

// kv appends "key":"value", with value JSON-escaped.
func kv(b []byte, k, v string) []byte {
	b = append(b, '"')
	b = append(b, k...)
	b = append(b, `":`...)
	q, _ := json.Marshal(v)
	b = append(b, q...)
	return append(b, ',')
}

// title is the first line of Sysmon's message for an event id.
func title(id int) string {
	titles := map[int]string{1: "Process Create", 3: "Network connection detected", 5: "Process terminated", 7: "Image loaded",
		8: "CreateRemoteThread detected", 10: "Process accessed", 11: "File created", 12: "Registry object added or deleted",
		13: "Registry value set", 14: "Registry object renamed", 22: "Dns query"}
	if t, ok := titles[id]; ok {
		return t
	}
	return "Sysmon event " + strconv.Itoa(id)
}
