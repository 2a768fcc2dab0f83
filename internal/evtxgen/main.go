// Command evtxgen builds large benchmark inputs from real EVTX files: an
// EVTX made of their chunks repeated up to a size (chunks are
// self-contained, so only the file header's chunk count, last chunk number
// and CRC need rewriting), and optionally the same Sysmon events as
// NXLog-style JSON lines.
//
//	go run ./internal/evtxgen -size 1GiB -evtx big.evtx -jsonl big.jsonl in1.evtx in2.evtx
package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash/crc32"
	"os"
	"strconv"
	"strings"

	"github.com/runkeyhunt/runkeyhunt/tables/input"
	"github.com/runkeyhunt/runkeyhunt/tables/sysmon"
)

const (
	headerSize = 4096
	chunkSize  = 65536
	// An EVTX header counts chunks in 16 bits.
	maxChunks = 0xFFFF
)

func main() {
	size := flag.String("size", "1GiB", "target size of the EVTX (KiB, MiB, GiB suffixes)")
	evtxOut := flag.String("evtx", "", "EVTX file to write")
	jsonOut := flag.String("jsonl", "", "JSON-lines file to write with the same Sysmon events (optional)")
	flag.Parse()
	if *evtxOut == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: evtxgen -size 1GiB -evtx OUT.evtx [-jsonl OUT.jsonl] IN.evtx...")
		os.Exit(2)
	}
	target, err := parseSize(*size)
	if err == nil {
		err = run(target, *evtxOut, *jsonOut, flag.Args())
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

// readChunks returns the header of the first file and every chunk of all
// files that carries the chunk signature.
func readChunks(paths []string) (header []byte, chunks [][]byte, err error) {
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
		for off := headerSize; off+chunkSize <= len(data); off += chunkSize {
			if string(data[off:off+8]) == "ElfChnk\x00" {
				chunks = append(chunks, data[off:off+chunkSize])
			}
		}
	}
	if len(chunks) == 0 {
		return nil, nil, errors.New("no chunks in the inputs")
	}
	return header, chunks, nil
}

func run(target int64, evtxOut, jsonOut string, inputs []string) error {
	header, chunks, err := readChunks(inputs)
	if err != nil {
		return err
	}
	n := int((target - headerSize) / chunkSize)
	n = max(1, min(n, maxChunks))
	binary.LittleEndian.PutUint64(header[8:], 0)
	binary.LittleEndian.PutUint64(header[16:], uint64(n-1))
	binary.LittleEndian.PutUint16(header[42:], uint16(n))
	// Clear the dirty and full flags: the file is complete.
	binary.LittleEndian.PutUint32(header[120:], 0)
	binary.LittleEndian.PutUint32(header[124:], crc32.ChecksumIEEE(header[:120]))

	out, err := os.Create(evtxOut)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(out, 1<<20)
	w.Write(header)
	for i := 0; i < n; i++ {
		w.Write(chunks[i%len(chunks)])
	}
	if err := w.Flush(); err != nil {
		out.Close()
		return fmt.Errorf("write %s: %w", evtxOut, err)
	}
	if err := out.Close(); err != nil {
		return err
	}
	fmt.Printf("%s: %d chunks from %d distinct (%d MiB)\n", evtxOut, n, len(chunks), (int64(n)*chunkSize+headerSize)>>20)
	if jsonOut == "" {
		return nil
	}
	return writeJSONLines(evtxOut, jsonOut)
}

// writeJSONLines writes the Sysmon events of the built EVTX in NXLog's flat
// shape, the format `jq 'select(.EventID==13)'` filters.
func writeJSONLines(evtxPath, jsonOut string) error {
	out, err := os.Create(jsonOut)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(out, 1<<20)
	enc := json.NewEncoder(w)
	count := 0
	err = sysmon.ReadFile(context.Background(), input.File{Path: evtxPath, Format: input.EVTX}, sysmon.Filter{}, func(ev *sysmon.Event) error {
		obj := map[string]any{
			"EventTime":    ev.TimeCreated.UTC().Format("2006-01-02 15:04:05"),
			"Hostname":     ev.Computer,
			"EventID":      ev.EventID,
			"SourceName":   ev.Provider,
			"Channel":      ev.Channel,
			"RecordNumber": ev.RecordID,
		}
		for k, v := range ev.Fields {
			obj[k] = v
		}
		count++
		return enc.Encode(obj)
	}, nil)
	if err == nil {
		err = w.Flush()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", jsonOut, err)
	}
	info, _ := os.Stat(jsonOut)
	fmt.Printf("%s: %d events (%d MiB)\n", jsonOut, count, info.Size()>>20)
	return nil
}
