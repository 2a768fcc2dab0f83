package sysmon

import (
	"bytes"
	"encoding/binary"
	"os"
	"testing"
)

// TestUnwantedIDsSkipEarly: a Sysmon record whose EventID the filter does
// not want is left as soon as the EventID is read (Provider precedes it),
// without walking the rest of System: it costs a fraction of the tokens a
// wanted record's System costs, and the chunk notes still name its id.
func TestUnwantedIDsSkipEarly(t *testing.T) {
	data, err := os.ReadFile("../../../shared/data/evtx-corpus/sysmon.evtx")
	if err != nil {
		t.Skipf("../shared not present (%v)", err)
	}
	chunk := data[fileHeaderSize : fileHeaderSize+chunkSize]
	cost := func(filter Filter) (work int, ids chunkIDs) {
		w := newRecordWalker(filter)
		w.reset(chunk)
		limit := int(binary.LittleEndian.Uint32(chunk[48:]))
		for p := chunkHeaderSize; p+recordHeaderSize <= limit && bytes.HasPrefix(chunk[p:], recordMagic); {
			size := int(binary.LittleEndian.Uint32(chunk[p+4:]))
			if _, err := w.parseRecord(p+recordHeaderSize, p+size-recordTrailerSize, 0); err != nil {
				t.Fatal(err)
			}
			work += w.used
			if w.sysmon {
				ids.add(w.ev.EventID)
			}
			p += size
		}
		return work, ids
	}
	// anyProvider (tests only) keeps the old walk: System whole, the
	// filter refusing at EventData; without it the refusal comes at
	// EventID.
	systemWork, _ := cost(Filter{EventIDs: map[int]bool{-7: true}, anyProvider: true})
	skipWork, ids := cost(Filter{EventIDs: map[int]bool{-7: true}})
	_, allIDs := cost(Filter{})
	if skipWork*2 > systemWork {
		t.Errorf("refusing at EventID costs %d tokens, walking System %d: not skipped early", skipWork, systemWork)
	}
	if ids != allIDs || ids == (chunkIDs{}) {
		t.Errorf("chunk ids %v, a full read gives %v", ids, allIDs)
	}
}

func TestValueRenderingWithoutFmt(t *testing.T) {
	guid := []byte{0x5F, 0x38, 0x70, 0x57, 0x2A, 0xC2, 0xE0, 0x43, 0xBF, 0x4C, 0x06, 0xF5, 0x69, 0x8F, 0xFB, 0xD9}
	sid := []byte{1, 5, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0, 0xE8, 0x03, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 1, 0, 0, 0, 0xF4, 0x01, 0, 0}
	cases := []struct {
		got, want string
	}{
		{string(appendGUID(nil, guid)), "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}"},
		{string(appendSID(nil, sid)), "S-1-5-21-1000-4294967295-1-500"},
		{string(appendSID(nil, []byte{1, 0, 0, 0, 0, 0, 0, 18})), "S-1-18"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("got %s, want %s", c.got, c.want)
		}
	}
}

// TestAppendUTF16: text of every kind comes out as UTF-8, ASCII runs of
// any length and alignment, other characters and surrogate pairs among
// them, lone surrogates as U+FFFD, trailing NULs dropped.
func TestAppendUTF16(t *testing.T) {
	for _, s := range []string{"", "a", "abc", "abcd", "abcdefghi", "C:\\Windows\\System32\\svchost.exe -k netsvcs",
		"é", "abcdé", "abcdefgé", "日本語のテキスト", "a😀b", "abcd😀efgh", "\u007f\u0080\u00ffabcd"} {
		if got := string(appendUTF16([]byte("x"), append(utf16LE(s), 0, 0, 0, 0))); got != "x"+s {
			t.Errorf("%q: got %q", s, got)
		}
	}
	if got := string(appendUTF16(nil, []byte{0x00, 0xD8, 'a', 0, 'b', 0, 'c', 0, 'd', 0})); got != "\uFFFDabcd" {
		t.Errorf("lone surrogate: %q", got)
	}
}
