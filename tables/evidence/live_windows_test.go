//go:build windows

package evidence

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestLiveInspector runs the live inspector on the fixtures that
// TestExportFixtures wrote on Linux ($RKH_EVIDENCE_FIXTURES). The hash,
// size, version strings and existence must agree with the offline
// parser; the signature states are what WinVerifyTrust says, logged (the
// throwaway CA is not a trusted root, so a good signature reads invalid
// here, and Wine's wintrust does less than Windows'), but a tampered
// file must never read signed.
func TestLiveInspector(t *testing.T) {
	dir := os.Getenv("RKH_EVIDENCE_FIXTURES")
	if dir == "" {
		t.Skip("RKH_EVIDENCE_FIXTURES not set: scripts/wine/test.sh exports the signed PE fixtures there")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(abs, "unsigned.exe")); err != nil {
		t.Skipf("no fixtures in %s (TestExportFixtures skipped on the build host?): %v", abs, err)
	}
	live := NewLive()
	for _, name := range []string{"unsigned.exe", "signed.exe", "tampered.exe", "OneDrive.exe"} {
		p := filepath.Join(abs, name)
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		off, sha, err := AnalyzePE(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		for pass := 0; pass < 2; pass++ {
			ev, err := live.Inspect(context.Background(), Target{Path: p})
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			t.Logf("%s pass %d: live %q by %q (offline %q by %q), original %q, company %q", name, pass, ev.Signature, ev.Signer, off.Signature, off.Signer, ev.OriginalName, ev.Company)
			if ev.Exists != ExistsYes || ev.SHA256 != sha || ev.Size != int64(len(data)) {
				t.Errorf("%s: exists %v sha %s size %d; want the offline %s, %d", name, ev.Exists, ev.SHA256, ev.Size, sha, len(data))
			}
			if ev.OriginalName != "cmd.exe" || ev.Company != "Microsoft Corporation" {
				t.Errorf("%s: GetFileVersionInfo: %q, %q", name, ev.OriginalName, ev.Company)
			}
			if name == "tampered.exe" && ev.Signature == Signed {
				t.Errorf("tampered file verified as signed")
			}
			if name == "unsigned.exe" && ev.Signature != Unsigned {
				t.Errorf("unsigned file reads %q", ev.Signature)
			}
		}
	}
	ev, err := live.Inspect(context.Background(), Target{Path: filepath.Join(abs, "gone.exe")})
	if err != nil || ev.Exists != ExistsNo {
		t.Errorf("missing file: %+v, %v; want ExistsNo", ev, err)
	}
	if _, err := live.Inspect(context.Background(), Target{Path: `\\server\share\x.exe`}); err == nil {
		t.Error("UNC path inspected, want refused")
	}
}

// BenchmarkLiveInspector inspects the 800 exported images: cold (a new
// inspector, every file read, hashed and verified) and warm (the cache:
// every file opened and stat'ed only).
func BenchmarkLiveInspector(b *testing.B) {
	dir := os.Getenv("RKH_EVIDENCE_FIXTURES")
	if dir == "" {
		b.Skip("RKH_EVIDENCE_FIXTURES not set")
	}
	var targets []Target
	for i := 0; i < benchImages; i++ {
		targets = append(targets, Target{Path: filepath.Join(dir, "bench", fmt.Sprintf("app%03d.exe", i))})
	}
	run := func(b *testing.B, live *Live) {
		for _, t := range targets {
			if ev, err := live.Inspect(context.Background(), t); err != nil || ev.Exists != ExistsYes {
				b.Fatalf("%s: %+v, %v", t.Path, ev, err)
			}
		}
	}
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			run(b, NewLive())
		}
	})
	b.Run("warm", func(b *testing.B) {
		live := NewLive()
		run(b, live)
		b.ResetTimer()
		for b.Loop() {
			run(b, live)
		}
	})
}
