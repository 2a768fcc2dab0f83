// Command hostilegen writes the inputs of the reliability suite
// (scripts/reliability.sh, `make reliability`) into a directory: each
// hostile input of issue 12 next to a normal input of the same kind (and,
// where a time ratio is meant, the same size), so that both are measured
// in one run. Nothing it writes is committed; sizes scale with -scale.
//
//	go run ./internal/hostilegen -dir /tmp/rkh -scale 1 [-shared ../shared/data]
//
// Record ids are unique and every key, value and event differs from the
// others, so that no input flatters a reader with repeated data.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Sizes at -scale 1, chosen so that the whole suite runs in a few minutes
// on two cores with today's code and shows each defect of issue 12.
const (
	xmlEvents        = 150000    // newest-first vs file-order event XML
	bigRegBytes      = 120 << 20 // benign SOFTWARE-like .reg export (UTF-16LE)
	smallRegBytes    = 2 << 20   // its normal counterpart
	longLineBytes    = 64 << 20  // one .reg line
	runOnceExSubkeys = 20000     // RunOnceEx\NNNN subkeys of one hive
	repeatFanout     = 300       // ri entries repeating one lf, lf entries repeating one nk: fanout^2 entries (scaled by sqrt)
	evtxBytes        = 16 << 20  // crafted EVTX and its real-shaped counterpart
	bombBytes        = 256 << 20 // zeros inside the nested gzip of a .reg payload
)

func main() {
	dir := flag.String("dir", "", "directory to write the inputs into (created)")
	scale := flag.Float64("scale", 1, "size factor of every input (RKH_RELIABILITY_SCALE)")
	shared := flag.String("shared", "", "../shared/data: real EVTX chunks for the normal EVTX (synthesized when absent)")
	flag.Parse()
	if *dir == "" || *scale <= 0 {
		fmt.Fprintln(os.Stderr, "usage: hostilegen -dir DIR [-scale 1] [-shared ../shared/data]")
		os.Exit(2)
	}
	if err := run(*dir, *scale, *shared); err != nil {
		fmt.Fprintln(os.Stderr, "hostilegen:", err)
		os.Exit(1)
	}
}

func scaled(n int, scale float64) int { return max(1, int(float64(n)*scale)) }

func run(dir string, scale float64, shared string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	p := func(name string) string { return filepath.Join(dir, name) }
	steps := []struct {
		name string
		fn   func() error
	}{
		{"events-asc.xml, events-desc.xml", func() error {
			return writeEventXML(p("events-asc.xml"), p("events-desc.xml"), scaled(xmlEvents, scale))
		}},
		{"xml-text.xml, xml-comment.xml, xml-normal.xml", func() error {
			return writeHugeXML(dir, int64(scaled(longLineBytes, scale)))
		}},
		{"reg-big.reg, reg-small.reg", func() error {
			if err := writeSoftwareReg(p("reg-big.reg"), int64(scaled(bigRegBytes, scale)), 0); err != nil {
				return err
			}
			return writeSoftwareReg(p("reg-small.reg"), smallRegBytes, 0)
		}},
		{"reg-longline.reg", func() error { return writeLongLineReg(p("reg-longline.reg"), int64(scaled(longLineBytes, scale))) }},
		{"reg-badline.reg", func() error { return writeSoftwareReg(p("reg-badline.reg"), smallRegBytes, badLineMiddle) }},
		{"reg-bomb.reg, reg-bomb-normal.reg", func() error {
			return writeBombReg(p("reg-bomb.reg"), p("reg-bomb-normal.reg"), int64(scaled(bombBytes, scale)))
		}},
		{"hive-runonceex, hive-run, hive-repeat", func() error {
			n := scaled(runOnceExSubkeys, scale)
			if err := os.WriteFile(p("hive-runonceex"), runOnceExHive(n), 0o644); err != nil {
				return err
			}
			if err := os.WriteFile(p("hive-run"), runValuesHive(n), 0o644); err != nil {
				return err
			}
			return os.WriteFile(p("hive-repeat"), repeatedIndexHive(min(1000, scaled(repeatFanout, math.Sqrt(scale)))), 0o644)
		}},
		{"evtx-crafted.evtx, evtx-normal.evtx", func() error {
			size := int64(scaled(evtxBytes, scale))
			if err := writeCraftedEVTX(p("evtx-crafted.evtx"), size); err != nil {
				return err
			}
			return writeNormalEVTX(p("evtx-normal.evtx"), p("evtx-normal.kind"), size, shared)
		}},
		{"results-good/, results-mixed/", func() error { return writeResultLogs(dir) }},
	}
	for _, s := range steps {
		if err := s.fn(); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	return listing(dir)
}

// listing prints what was written, with sizes.
func listing(dir string) error {
	var lines []string
	err := filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		lines = append(lines, fmt.Sprintf("  %-28s %8.1f MiB", rel, float64(info.Size())/(1<<20)))
		return nil
	})
	sort.Strings(lines)
	fmt.Println(strings.Join(lines, "\n"))
	return err
}

// createBuffered opens path for writing behind a 1 MiB buffer; finish
// flushes and closes it, returning the first error.
func createBuffered(path string) (*bufio.Writer, func() error, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	return w, func() error {
		err := w.Flush()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		return nil
	}, nil
}
