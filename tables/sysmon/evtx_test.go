package sysmon

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

func readEVTXFile(t testing.TB, path string, filter Filter) (events []*Event, warnings []error, err error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	err = ReadEVTX(context.Background(), f, st.Size(), path, filter,
		func(e *Event) error { events = append(events, e); return nil },
		func(err error) { warnings = append(warnings, err) })
	return events, warnings, err
}

var hexNumber = regexp.MustCompile(`"0x[0-9a-fA-F]+"`)

// normalizeForEvtxexport removes the rendering differences between
// Windows (which we follow) and evtxexport: evtxexport pads hexadecimal
// numbers and prints HexInt32 in decimal.
func normalizeForEvtxexport(line string) string {
	return hexNumber.ReplaceAllStringFunc(line, func(s string) string {
		v, _ := strconv.ParseUint(s[3:len(s)-1], 16, 64)
		return `"` + strconv.FormatUint(v, 10) + `"`
	})
}

// xmlEquivalent is the event as it comes back from its XML rendering:
// line ends normalized, control characters replaced (as ReadXML does),
// surrounding white space, which evtxexport drops, trimmed.
func xmlEquivalent(e *Event) *Event {
	c := *e
	c.fields = nil
	for k, v := range e.Fields() {
		v = strings.ReplaceAll(v, "\r\n", "\n")
		v = strings.Map(func(r rune) rune {
			if r < 0x20 && r != '\t' && r != '\n' && r != '\r' {
				return '?'
			}
			return r
		}, v)
		c.SetField(k, strings.TrimSpace(v))
	}
	return &c
}

// TestEVTXMatchesEvtxexport compares every event of every corpus file,
// all providers, with what libevtx's evtxexport renders as XML.
func TestEVTXMatchesEvtxexport(t *testing.T) {
	if _, err := exec.LookPath("evtxexport"); err != nil {
		t.Skip("evtxexport not installed (apt-get install libevtx-utils)")
	}
	files, _ := filepath.Glob(filepath.Join(sharedData, "evtx-corpus", "*.evtx"))
	files = append(files, filepath.Join(sharedData, "seed", "registryautorun.evtx"))
	if _, err := os.Stat(files[len(files)-1]); err != nil {
		t.Skip("../shared not present: " + err.Error())
	}
	all := Filter{anyProvider: true}
	for _, path := range files {
		if filepath.Base(path) == "issue_201.evtx" {
			continue // evtxexport cannot read its only record
		}
		t.Run(filepath.Base(path), func(t *testing.T) {
			events, _, err := readEVTXFile(t, path, all)
			if err != nil {
				t.Fatal(err)
			}
			out, _ := exec.Command("evtxexport", "-f", "xml", path).Output()
			var want []string
			if err := ReadXML(context.Background(), bytes.NewReader(out), path, all, func(e *Event) error {
				want = append(want, normalizeForEvtxexport(formatEvent(xmlEquivalent(e))))
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if len(events) != len(want) {
				t.Errorf("%d events, evtxexport %d", len(events), len(want))
			}
			bad := 0
			for i := 0; i < len(events) && i < len(want); i++ {
				got := normalizeForEvtxexport(formatEvent(xmlEquivalent(events[i])))
				if got != want[i] {
					if bad++; bad <= 3 {
						t.Errorf("event %d:\n got %s\nwant %s", i, got, want[i])
					}
				}
			}
			if bad > 0 {
				t.Errorf("%d of %d events differ", bad, len(events))
			}
		})
	}
}

// withDeadline fails the test when fn runs longer than d.
func withDeadline(t *testing.T, d time.Duration, fn func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatalf("still running after %v", d)
	}
}

func TestEVTXCorpus(t *testing.T) {
	dir := filepath.Join(sharedData, "evtx-corpus")
	files, _ := filepath.Glob(filepath.Join(dir, "*.evtx"))
	if len(files) == 0 {
		t.Skip("../shared not present: no " + dir + "/*.evtx")
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			var events []*Event
			var warnings []error
			var err error
			withDeadline(t, 60*time.Second, func() {
				events, warnings, err = readEVTXFile(t, path, Filter{})
			})
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			for _, w := range warnings {
				if !strings.Contains(w.Error(), path) || !strings.Contains(w.Error(), "offset ") {
					t.Errorf("warning does not name file and offset: %v", w)
				}
			}
			base := filepath.Base(path)
			switch {
			case base == "sysmon.evtx":
				if len(events) == 0 {
					t.Fatal("no Sysmon events")
				}
				for _, e := range events {
					if e.Provider != Provider || e.EventID == 0 || e.RecordID == 0 || e.TimeCreated.IsZero() ||
						e.Field("UtcTime") == "" || e.SourceFile != path || e.Offset < fileHeaderSize {
						t.Fatalf("incomplete event: %+v", e)
					}
				}
			default:
				if len(events) != 0 {
					t.Errorf("%d events from a non-Sysmon log", len(events))
				}
			}
			if strings.Contains(base, "bad") && len(warnings) == 0 {
				// sample_with_a_bad_chunk_magic has a corrupt chunk; the
				// bad string cache file is corrupt only in ways that do
				// not touch structure.
				if strings.Contains(base, "magic") {
					t.Error("corrupt chunk not reported")
				}
			}
		})
	}
}

func TestEVTXCorruptChunkIsWarnedAndSkipped(t *testing.T) {
	path := sharedFile(t, "evtx-corpus/sample_with_a_bad_chunk_magic.evtx")
	all := Filter{anyProvider: true}
	events, warnings, err := readEVTXFile(t, path, all)
	if err != nil {
		t.Fatal(err)
	}
	var magic bool
	for _, w := range warnings {
		magic = magic || strings.Contains(w.Error(), path+": chunk at offset 397312: bad chunk magic")
	}
	if !magic {
		t.Errorf("no warning for the chunk at 397312: %v", warnings)
	}
	// Events after the bad chunk are still read.
	if len(events) == 0 || events[len(events)-1].Offset < 397312 {
		t.Errorf("reading stopped at the bad chunk")
	}
}

func TestEVTXCorruptFileHeader(t *testing.T) {
	seed := sharedFile(t, "seed/registryautorun.evtx")
	data, err := os.ReadFile(seed)
	if err != nil {
		t.Fatal(err)
	}
	for name, mutate := range map[string]func([]byte) []byte{
		"bad magic": func(b []byte) []byte { b[0] = 'X'; return b },
		"truncated": func(b []byte) []byte { return b[:100] },
		"version":   func(b []byte) []byte { b[38] = 9; return b },
	} {
		b := mutate(bytes.Clone(data))
		err := ReadEVTX(context.Background(), bytes.NewReader(b), int64(len(b)), "mangled.evtx", Filter{}, func(*Event) error { return nil }, nil)
		if err == nil || !strings.HasPrefix(err.Error(), "mangled.evtx: offset ") {
			t.Errorf("%s: error %v, want one naming file and offset", name, err)
		}
	}
}

func TestEVTXCorruptRecordIsWarned(t *testing.T) {
	seed := sharedFile(t, "seed/registryautorun.evtx")
	data, err := os.ReadFile(seed)
	if err != nil {
		t.Fatal(err)
	}
	all, _, err := readEVTXFile(t, seed, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	// Break the BinXML of the second record: its first token.
	second := all[1].Offset
	data[second+recordHeaderSize] = 0xEE
	var got []*Event
	var warnings []error
	err = ReadEVTX(context.Background(), bytes.NewReader(data), int64(len(data)), "x.evtx", Filter{},
		func(e *Event) error { got = append(got, e); return nil },
		func(err error) { warnings = append(warnings, err) })
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(all)-1 {
		t.Errorf("%d events, want %d", len(got), len(all)-1)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0].Error(), "x.evtx: chunk at offset 4096: record") {
		t.Errorf("warnings %v", warnings)
	}
}

func TestEVTXEmitErrorStops(t *testing.T) {
	seed := sharedFile(t, "seed/registryautorun.evtx")
	f, err := os.Open(seed)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	stop := errors.New("enough")
	n := 0
	err = ReadEVTX(context.Background(), f, 69632, seed, Filter{}, func(*Event) error { n++; return stop }, nil)
	if err != stop || n != 1 {
		t.Errorf("err %v after %d events", err, n)
	}
}

func TestEVTXFilterByEventID(t *testing.T) {
	path := sharedFile(t, "evtx-corpus/sysmon.evtx")
	all, _, err := readEVTXFile(t, path, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, e := range all {
		if e.EventID == 3 || e.EventID == 13 {
			want++
		}
	}
	got, _, err := readEVTXFile(t, path, Filter{EventIDs: map[int]bool{3: true, 13: true}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != want || want == 0 {
		t.Errorf("%d events of ids 3, 13; want %d", len(got), want)
	}
}
