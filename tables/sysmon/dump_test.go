package sysmon

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// sharedData locates ../shared/data from this package directory.
const sharedData = "../../../shared/data"

func sharedFile(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(sharedData, rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("../shared not present: %s: %v", p, err)
	}
	return p
}

// formatEvent renders an Event as one line, fields sorted, without
// SourceFile and Offset, so that formats can be compared.
func formatEvent(e *Event) string {
	var b strings.Builder
	fmt.Fprintf(&b, "id=%d rec=%d time=%s computer=%q channel=%q provider=%q",
		e.EventID, e.RecordID, e.TimeCreated.UTC().Format(time.RFC3339Nano), e.Computer, e.Channel, e.Provider)
	keys := make([]string, 0, e.NumFields())
	for k := range e.Fields() {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%q", k, e.Field(k))
	}
	return b.String()
}

func collect(t testing.TB, read func(emit func(*Event) error) error) []string {
	t.Helper()
	var lines []string
	err := read(func(e *Event) error {
		lines = append(lines, formatEvent(e))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return lines
}
