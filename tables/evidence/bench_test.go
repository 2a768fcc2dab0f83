package evidence_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runkeyhunt/runkeyhunt/tables/autoruns"
	"github.com/runkeyhunt/runkeyhunt/tables/evidence"
	"github.com/runkeyhunt/runkeyhunt/tables/input"
	"github.com/runkeyhunt/runkeyhunt/tables/registry/offline"
)

// benchCollection lays out 20 users x 40 Run values, each naming its own
// image (a hard link to the signed fixture under a path of its own, so
// nothing is shared between images but the page cache).
func benchCollection(b *testing.B) []input.File {
	_, signed, _ := evidence.FixturePaths(b)
	root := b.TempDir()
	for u := 0; u < 20; u++ {
		user := fmt.Sprintf("user%02d", u)
		var reg strings.Builder
		reg.WriteString("Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n")
		for a := 0; a < 40; a++ {
			dir := filepath.Join(root, "C", "Users", user, "AppData", "Local", fmt.Sprintf("Vendor%02d", a))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				b.Fatal(err)
			}
			name := fmt.Sprintf("app%02d_%02d.exe", u, a)
			if err := os.Link(signed, filepath.Join(dir, name)); err != nil {
				b.Fatal(err)
			}
			fmt.Fprintf(&reg, "\"App%02d\"=\"\\\"C:\\\\Users\\\\%s\\\\AppData\\\\Local\\\\Vendor%02d\\\\%s\\\" /background\"\r\n", a, user, a, name)
		}
		if err := os.WriteFile(filepath.Join(root, "C", "Users", user, "NTUSER.reg"), []byte(reg.String()), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	files, err := input.Expand(root)
	if err != nil {
		b.Fatal(err)
	}
	return files
}

func scanOnce(b *testing.B, files []input.File, images evidence.ImageInspector) int {
	view, _, err := offline.Load(context.Background(), files)
	if err != nil {
		b.Fatal(err)
	}
	s := autoruns.Scanner{View: view, Images: images}
	rows, err := s.Scan(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for _, r := range rows {
		if r.ImageSigned == evidence.Signed {
			n++
		}
	}
	return n
}

// BenchmarkRunKeyPayloadsImages: the scan without image evidence, with a
// cold cache (every image read and hashed) and a warm one (every image
// stat'ed, nothing read). Compare the ms/scan of the three.
func BenchmarkRunKeyPayloadsImages(b *testing.B) {
	files := benchCollection(b)
	colls := input.Collections(files)
	b.Run("without", func(b *testing.B) {
		for b.Loop() {
			scanOnce(b, files, nil)
		}
	})
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			off := evidence.NewOffline(colls)
			off.Cache = evidence.NewCache()
			if n := scanOnce(b, files, off); n != 800 {
				b.Fatalf("%d signed images, want 800", n)
			}
		}
	})
	b.Run("warm", func(b *testing.B) {
		off := evidence.NewOffline(colls)
		off.Cache = evidence.NewCache()
		scanOnce(b, files, off)
		b.ResetTimer()
		for b.Loop() {
			if n := scanOnce(b, files, off); n != 800 {
				b.Fatalf("%d signed images, want 800", n)
			}
		}
	})
}
