package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestFixturesAreCurrent fails when a committed fixture differs from what
// the generator writes: fixtures change only through the generator.
func TestFixturesAreCurrent(t *testing.T) {
	for _, f := range generate() {
		got, err := os.ReadFile(filepath.Join("..", "..", filepath.FromSlash(f.path)))
		if err != nil {
			t.Errorf("%s: %v (run go run ./internal/fixturegen)", f.path, err)
			continue
		}
		if !bytes.Equal(got, f.data) {
			t.Errorf("%s is stale: run go run ./internal/fixturegen", f.path)
		}
	}
}
