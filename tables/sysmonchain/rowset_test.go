package sysmonchain

import (
	"reflect"
	"testing"
	"time"

	"github.com/runkeyhunt/runkeyhunt/tables/chain"
	"github.com/runkeyhunt/runkeyhunt/tables/tablekit"
)

// Every column of the one schema has a renderer, and no renderer names a
// column the schema lacks: a missing one would read as NULL.
func TestEveryColumnRendered(t *testing.T) {
	if len(columnValues) != len(Schema.Columns) {
		t.Errorf("%d renderers for %d columns", len(columnValues), len(Schema.Columns))
	}
	for i, c := range Schema.Columns {
		if valueAt[i] == nil {
			t.Errorf("column %s has no renderer", c.Name)
		}
	}
}

// The query engine's row set gives, column by column, what osquery's map
// of the same row holds, across parts of different sources and windows.
func TestRowSetIsRowMap(t *testing.T) {
	at := time.Date(2024, 3, 12, 9, 0, 1, 250_000_000, time.UTC)
	a := []*chain.Row{
		{Time: at, UtcTime: "2024-03-12 09:00:01.250", Computer: "WIN-A", RecordID: 7, EventID: 13, EventType: "SetValue",
			ProcessGUID: "{g}", ProcessID: "4242", Image: `C:\x.exe`, User: `WIN-A\bob`, TargetObject: `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\x`,
			Path: `HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\x`, Details: "x.exe -y", Role: "autorun", Location: "hklm_run",
			LinkedRecordID: 5, NetBefore: 2, NetAfter: 0, SecondsBefore: 1.5, SecondsAfter: -1, RemoteAddresses: "203.0.113.1:443",
			Indicators: "network_before_write", Score: 40, Verdict: "suspicious", SourceFile: "/logs/a.evtx"},
		{Time: at.Add(time.Second), Computer: "WIN-A", RecordID: 8, EventID: 12, SecondsBefore: -1, SecondsAfter: 0.001},
	}
	b := []*chain.Row{{Time: at.Add(-time.Hour), Computer: "WIN-B", RecordID: 1, EventID: 14, SecondsBefore: -1, SecondsAfter: -1}}
	set := &rowSet{}
	set.add(a, 300, "/logs/a.evtx")
	set.add(nil, 60, "/logs/empty.evtx")
	set.add(b, 60, "/logs/b.evtx")
	want := []map[string]string{RowMap(a[0], 300, "/logs/a.evtx"), RowMap(a[1], 300, "/logs/a.evtx"), RowMap(b[0], 60, "/logs/b.evtx")}
	if set.Len() != len(want) {
		t.Fatalf("Len = %d, want %d", set.Len(), len(want))
	}
	if got := tablekit.Maps(Schema, set); !reflect.DeepEqual(got, want) {
		t.Errorf("Maps = %v\nwant %v", got, want)
	}
	for i, m := range want {
		if len(m) != len(Schema.Columns) {
			t.Errorf("row %d: %d keys, want %d", i, len(m), len(Schema.Columns))
		}
		for c, col := range Schema.Columns {
			if v, ok := set.Value(i, c); !ok || v != m[col.Name] {
				t.Errorf("row %d %s = %q %v, want %q", i, col.Name, v, ok, m[col.Name])
			}
		}
	}
	if want[1]["seconds_after"] != "0.001" || want[2]["window"] != "60" || want[2]["source"] != "/logs/b.evtx" || want[0]["datetime"] != "2024-03-12T09:00:01.250Z" {
		t.Errorf("rendering: %v", want)
	}
	for _, bad := range [][2]int{{-1, 0}, {3, 0}, {0, -1}, {0, len(Schema.Columns)}} {
		if v, ok := set.Value(bad[0], bad[1]); ok {
			t.Errorf("Value(%d, %d) = %q, want none", bad[0], bad[1], v)
		}
	}
}
