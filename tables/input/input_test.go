package input

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"
)

func utf16le(s string) []byte {
	out := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u), byte(u>>8))
	}
	return out
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name string
		head []byte
		want Format
	}{
		{"evtx", []byte("ElfFile\x00\x00\x00"), EVTX},
		{"hive", []byte("regf\x01\x00"), Hive},
		{"reg5", []byte("Windows Registry Editor Version 5.00\r\n"), RegExport},
		{"reg4", []byte("REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE]"), RegExport},
		{"reg utf16", utf16le("Windows Registry Editor Version 5.00\r\n"), RegExport},
		{"reg utf8 bom", append([]byte{0xEF, 0xBB, 0xBF}, "REGEDIT4"...), RegExport},
		{"wevtutil xml", []byte("<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"), EventXML},
		{"events wrapper", []byte("<?xml version=\"1.0\"?>\n<Events>\n<Event xmlns=''>"), EventXML},
		{"evtxexport", []byte("evtxexport 20181227\n\nEvent number\t: 1\n<Event xmlns=\"x\">"), EventXML},
		{"xml utf16", utf16le("<Event xmlns='x'>"), EventXML},
		{"json", []byte(`{"@timestamp":"2018-02-08T02:43:09.376Z","winlog":{}}`), JSONLines},
		{"json with xml inside", []byte(`{"event":{"original":"<Event xmlns=''>"}}`), JSONLines},
		{"other xml", []byte("<html><body>"), Unknown},
		{"text", []byte("hello\nworld"), Unknown},
		{"empty", nil, Unknown},
	}
	for _, tt := range tests {
		if got := Detect(tt.head); got != tt.want {
			t.Errorf("%s: Detect = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestExpand(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, content string) string {
		p := filepath.Join(dir, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	reg := write("b/host.txt", "REGEDIT4\r\n")
	xml := write("a/events.log", "<Event xmlns='x'></Event>")
	write("a/notes.md", "not input")
	files, err := Expand(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || files[0].Path != xml || files[0].Format != EventXML || files[1].Path != reg || files[1].Format != RegExport {
		t.Errorf("walk: %+v", files)
	}
	files, err = Expand(reg + " , " + xml)
	if err != nil || len(files) != 2 {
		t.Errorf("list: %+v %v", files, err)
	}
	for _, bad := range []string{filepath.Join(dir, "missing.reg"), filepath.Join(dir, "a/notes.md"), filepath.Join(dir, "empty")} {
		if bad == filepath.Join(dir, "empty") {
			os.Mkdir(bad, 0o755)
		}
		_, err := Expand(bad)
		if err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("Expand(%s): want an error naming it, got %v", bad, err)
		}
	}
	if got := Filter(files, RegExport); len(got) != 1 || got[0].Path != reg {
		t.Errorf("Filter: %+v", got)
	}
}
