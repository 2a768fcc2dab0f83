package chain

import (
	"slices"
	"testing"
	"time"
	"unsafe"

	"github.com/runkeyhunt/runkeyhunt/tables/sysmon"
)

// Rows hold strings of their own, not slices of their events' values: an
// EVTX event's values share one string, so a row keeping any of them kept
// the whole event (about 350 bytes a row on a busy host).
func TestRowsDoNotKeepEventStrings(t *testing.T) {
	target := `HKU\` + sid + `\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\Updater`
	write := setValue(10, t0, psGUID, target, `powershell.exe -w hidden -File C:\Users\Public\s.ps1`)
	write.SetField("User", `WIN-DEMO01\alice`)
	conn := ev(11, EventNetwork, t0.Add(time.Second), 0, map[string]string{"ProcessGuid": psGUID, "ProcessId": "4242",
		"Image": powershell, "DestinationIp": "203.0.113.9", "DestinationPort": "443", "DestinationHostname": "c2.example"})
	rows := run(DefaultWindow, write, conn)
	if len(rows) != 1 || rows[0].RemoteHostnames != "c2.example" {
		t.Fatalf("rows = %+v", rows)
	}
	r := rows[0]
	events := []*sysmon.Event{write, conn}
	for name, got := range map[string]string{"UtcTime": r.UtcTime, "EventType": r.EventType, "ProcessGuid": r.ProcessGUID,
		"ProcessId": r.ProcessID, "Image": r.Image, "User": r.User, "TargetObject": r.TargetObject, "Details": r.Details,
		"ValueName": r.ValueName, "SID": r.SID, "Path": r.Path, "RemoteHostnames": r.RemoteHostnames} {
		for _, x := range events {
			for field, value := range x.Fields() {
				if within(got, value) {
					t.Errorf("row's %s %q lies in event %d's %s", name, got, x.RecordID, field)
				}
			}
		}
	}
}

// within tells whether s's bytes lie in those of in.
func within(s, in string) bool {
	if s == "" || in == "" {
		return false
	}
	p, lo := uintptr(unsafe.Pointer(unsafe.StringData(s))), uintptr(unsafe.Pointer(unsafe.StringData(in)))
	return p >= lo && p < lo+uintptr(len(in))
}

// Rows takes the rows of interests another engine made (the second
// look's) with its own and returns every row once, in order, across the
// chunks of the engine's rows.
func TestRowsTakesForeignInterests(t *testing.T) {
	e, other := New(DefaultWindow), New(DefaultWindow)
	var want []int64
	for i := range 3*rowChunk + 5 {
		owner := e
		if i%7 == 0 {
			owner = other
		}
		in := owner.newInterest(Row{Computer: "pc", RecordID: int64(1000 - i), Role: RolePayload, SecondsBefore: -1, SecondsAfter: -1},
			&regTarget{root: "HKEY_LOCAL_MACHINE", keyRel: `Software\x`, valueName: "v"}, stamp{t: t0, rid: int64(1000 - i)})
		e.interests = append(e.interests, in)
		want = append(want, int64(1000-i))
	}
	slices.Sort(want)
	rows := e.Rows()
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(rows), len(want))
	}
	for i, r := range rows {
		if r.RecordID != want[i] {
			t.Fatalf("rows[%d] = record %d, want %d", i, r.RecordID, want[i])
		}
	}
	if again := e.Rows(); len(again) != 0 {
		t.Errorf("second Rows: %d rows, want none", len(again))
	}
}

// Rows gives the rows the engine kept, not copies: a busy host's copy of
// its 400-byte rows cost a fifth of the query's time and held the rows
// twice while it was made.
func TestRowsAreTheKeptRows(t *testing.T) {
	e := New(DefaultWindow)
	kept := map[*Row]bool{}
	for i := range 2*rowChunk + 3 {
		in := e.newInterest(Row{Computer: "pc", RecordID: int64(5000 - i), Role: RolePayload, SecondsBefore: -1, SecondsAfter: -1},
			&regTarget{root: "HKEY_LOCAL_MACHINE", keyRel: `Software\x`, valueName: "v"}, stamp{t: t0, rid: int64(5000 - i)})
		e.interests = append(e.interests, in)
		kept[in.row] = true
	}
	rows := e.Rows()
	if len(rows) != len(kept) {
		t.Fatalf("%d rows, want %d", len(rows), len(kept))
	}
	for i, r := range rows {
		if !kept[r] {
			t.Fatalf("rows[%d] (record %d) is a copy, not the row the engine kept", i, r.RecordID)
		}
		delete(kept, r)
	}
}

// A verdict the memo has is found without an allocation: a busy host
// scores the same writes again and again, and making each lookup's key a
// string was a third of the correlation's bytes.
func TestScoreMemoHitAllocatesNothing(t *testing.T) {
	row := Row{Role: RoleAutorun, EventType: "SetValue", ValueName: "Updater", Details: `powershell.exe -w hidden -enc SQBFAFgA`, Image: powershell}
	in := &interest{row: &row, written: &regTarget{root: "HKEY_LOCAL_MACHINE", scope: "machine", keyRel: `SOFTWARE\Microsoft\Windows\CurrentVersion\Run`, valueName: "Updater"}}
	var memo scoreMemo
	first := memo.verdict(in, 1)
	if allocs := testing.AllocsPerRun(100, func() {
		if memo.verdict(in, 1) != first {
			t.Fatal("a second lookup gave another verdict")
		}
	}); allocs != 0 {
		t.Errorf("memo hit: %.1f allocations, want 0", allocs)
	}
}
