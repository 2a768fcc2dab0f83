package offline_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/runkeyhunt/runkeyhunt/tables/autoruns"
	"github.com/runkeyhunt/runkeyhunt/tables/input"
	"github.com/runkeyhunt/runkeyhunt/tables/registry/offline"
)

// writeSoftwareReg writes a .reg export of about size bytes shaped like a
// SOFTWARE hive's: unique vendor keys with string, dword and continued
// hex values, a Run key whose command reads its payload from a value at
// the end of the file, and that value.
func writeSoftwareReg(tb testing.TB, path string, size int64) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprint(w, "Windows Registry Editor Version 5.00\r\n\r\n")
	fmt.Fprint(w, "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n")
	fmt.Fprint(w, `"Updater"="powershell.exe -w hidden -c \"iex ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String((gp HKLM:\\SOFTWARE\\Vendor99\\Cfg).Blob)))\""`+"\r\n\r\n")
	var written int64
	for i := 0; written < size; i++ {
		n, _ := fmt.Fprintf(w, "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Classes\\CLSID\\{%08x-1111-2222-3333-%012x}\\InprocServer32]\r\n"+
			"@=\"C:\\\\Program Files\\\\Vendor%d\\\\component%d.dll\"\r\n"+
			"\"ThreadingModel\"=\"Apartment\"\r\n\"Version\"=dword:%08x\r\n"+
			"\"Blob\"=hex:%02x,01,02,03,04,05,06,07,08,09,0a,0b,0c,0d,0e,0f,10,11,12,13,14,15,16,\\\r\n"+
			"  17,18,19,1a,1b,1c,1d,1e,1f,20,21,22,23,24,25,26,27,28,29,2a,2b,2c,2d,2e,2f\r\n\r\n",
			i, i, i%1000, i, i, i%256)
		written += int64(n)
	}
	fmt.Fprint(w, "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Vendor99\\Cfg]\r\n\"Blob\"=\"V3JpdGUtSG9zdCAncnVua2V5aHVudCBiZW5jaCc=\"\r\n")
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

// peakHeap runs fn and samples the heap in use meanwhile.
func peakHeap(fn func()) uint64 {
	runtime.GC()
	var peak atomic.Uint64
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	fn()
	close(done)
	<-sampled
	return peak.Load()
}

// BenchmarkLoadLargeReg loads and scans a 1 MB and a 64 MB SOFTWARE-like
// export, one with a 64 MB line (skipped) and one with the longest value
// line kept: peak heap must not grow with the file (it was about 5x the
// file size when the whole file was held).
func BenchmarkLoadLargeReg(b *testing.B) {
	dir := b.TempDir()
	small, big, longLine := filepath.Join(dir, "small.reg"), filepath.Join(dir, "big.reg"), filepath.Join(dir, "line.reg")
	writeSoftwareReg(b, small, 1<<20)
	writeSoftwareReg(b, big, 64<<20)
	{
		f, err := os.Create(longLine)
		if err != nil {
			b.Fatal(err)
		}
		w := bufio.NewWriter(f)
		fmt.Fprint(w, "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n\"x\"=\"")
		chunk := strings.Repeat("A", 1<<20)
		for range 64 {
			w.WriteString(chunk)
		}
		fmt.Fprint(w, "\"\r\n\"ok\"=\"C:\\\\ok.exe\"\r\n")
		w.Flush()
		f.Close()
	}
	// The longest line kept: a REG_SZ of 8 Mi characters (16 MiB of UTF-16LE).
	maxValue := filepath.Join(dir, "maxvalue.reg")
	if err := os.WriteFile(maxValue, []byte("Windows Registry Editor Version 5.00\r\n\r\n"+
		"[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n\"x\"=\""+
		strings.Repeat("A", 8<<20-1)+"\"\r\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	load := func(b *testing.B, path string, wantRows int) {
		files, err := input.Expand(path)
		if err != nil {
			b.Fatal(err)
		}
		view, _, err := offline.Load(context.Background(), files)
		if err != nil {
			b.Fatal(err)
		}
		rows, err := (&autoruns.Scanner{View: view}).Scan(context.Background())
		if err != nil || len(rows) != wantRows {
			b.Fatalf("%d rows, err %v", len(rows), err)
		}
		if wantRows == 1 && rows[0].Name == "Updater" && rows[0].PayloadExists != 1 {
			b.Fatalf("referenced payload not fetched: %+v", rows[0])
		}
	}
	peaks := map[string]float64{}
	for _, c := range []struct {
		name string
		path string
		rows int
	}{{"1MB", small, 1}, {"64MB", big, 1}, {"64MBline", longLine, 1}, {"8MBvalue", maxValue, 1}} {
		b.Run(c.name, func(b *testing.B) {
			var peak uint64
			for b.Loop() {
				peak = max(peak, peakHeap(func() { load(b, c.path, c.rows) }))
			}
			peaks[c.name] = float64(peak) / (1 << 20)
			b.ReportMetric(peaks[c.name], "peak-heap-MB")
		})
	}
	if peaks["1MB"] > 0 {
		b.Logf("peak heap: 1 MB file %.1f MB, 64 MB file %.1f MB (x%.2f), 64 MB line %.1f MB (x%.2f), longest value kept %.1f MB",
			peaks["1MB"], peaks["64MB"], peaks["64MB"]/peaks["1MB"], peaks["64MBline"], peaks["64MBline"]/peaks["1MB"], peaks["8MBvalue"])
	}
}
