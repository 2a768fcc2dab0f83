package main

import (
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the README's generated sections")

func TestREADMEIsCurrent(t *testing.T) {
	const path = "../README.md"
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	for name, body := range readmeSections() {
		doc, err = replaceSection(doc, name, body)
		if err != nil {
			t.Fatal(err)
		}
	}
	if doc == string(raw) {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's generated sections are stale: run `make readme`")
}
