package input

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// benchTree writes n distinct .reg exports (about 4 KiB each, unique
// values) under dir/C/Users/u<i>/ and returns the same as zip members.
func benchTree(b *testing.B, dir string, n int) []zipMember {
	var members []zipMember
	for i := range n {
		var sb strings.Builder
		sb.WriteString(regText)
		for j := range 64 {
			fmt.Fprintf(&sb, "\"v%d_%d\"=\"C:\\\\Users\\\\u%d\\\\AppData\\\\x%08x.exe\"\r\n", i, j, i, i*64+j)
		}
		rel := fmt.Sprintf("C/Users/u%d/run.reg", i)
		writeFile(b, filepath.Join(dir, filepath.FromSlash(rel)), sb.String())
		members = append(members, zipMember{name: rel, content: sb.String()})
	}
	return members
}

func expandAndRead(b *testing.B, spec string, want int) {
	files, err := Expand(spec)
	if err != nil || len(files) != want {
		b.Fatalf("%d files, %v", len(files), err)
	}
	for _, f := range files {
		c, err := f.Open()
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, c)
		c.Close()
	}
}

// BenchmarkExpand compares a collection read from a directory, a deflate
// zip and a stored zip of the same files; compare the ns/op of the
// sub-benchmarks (run with -bench Expand -benchtime 5x).
func BenchmarkExpand(b *testing.B) {
	const n = 2000
	dir := b.TempDir()
	members := benchTree(b, filepath.Join(dir, "tree"), n)
	deflated := buildZip(b, filepath.Join(dir, "deflate.zip"), members)
	for i := range members {
		members[i].store = true
	}
	stored := buildZip(b, filepath.Join(dir, "store.zip"), members)
	for _, c := range []struct{ name, spec string }{{"dir", filepath.Join(dir, "tree")}, {"zip-deflate", deflated}, {"zip-store", stored}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				expandAndRead(b, c.spec, n)
			}
		})
	}
}
