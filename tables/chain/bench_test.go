package chain

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/runkeyhunt/runkeyhunt/tables/input"
	"github.com/runkeyhunt/runkeyhunt/tables/sysmon"
)

// nxlogLines writes n NXLog-shaped lines: Run-key writes by n/2 distinct
// processes whose ProcessCreate is not in the log (so every one is looked
// for in the ProcessCreate pass), between network events. Each line has
// its own record number, time and GUID.
func nxlogLines(b *testing.B, n int) string {
	path := filepath.Join(b.TempDir(), fmt.Sprintf("events-%d.jsonl", n))
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	base := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	for i := range n {
		t := base.Add(time.Duration(i) * 50 * time.Millisecond)
		guid := fmt.Sprintf("{5770385F-%04X-%04X-0000-0010CF391110}", i>>16, i&0xFFFF)
		head := fmt.Sprintf(`{"EventTime":%q,"Hostname":"PC1","Keywords":-9223372036854775808,"SeverityValue":2,"Severity":"INFO","SourceName":"Microsoft-Windows-Sysmon","ProviderGuid":"{5770385F-C22A-43E0-BF4C-06F5698FFBD9}","Version":2,"Channel":"Microsoft-Windows-Sysmon/Operational","RecordNumber":%d,"Domain":"NT AUTHORITY","AccountName":"SYSTEM","UserID":"S-1-5-18","AccountType":"User","UtcTime":%q,"ProcessGuid":%q,"ProcessId":"%d","Image":"C:\\Users\\u\\AppData\\Local\\Temp\\updater.exe",`,
			t.Format("2006-01-02 15:04:05"), i+1, t.Format("2006-01-02 15:04:05.000"), guid, 1000+i)
		var line string
		if i%2 == 0 {
			line = head + fmt.Sprintf(`"EventID":13,"EventType":"SetValue","Message":"Registry value set:\r\nEventType: SetValue","TargetObject":"HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\Updater%d","Details":"powershell.exe -nop -w hidden -c iex ([Text.Encoding]::Unicode.GetString([Convert]::FromBase64String((gp HKCU:\\Software\\Blob%d).x)))"}`, i, i)
		} else {
			line = head + `"EventID":3,"EventType":"INFO","Message":"Network connection detected","Protocol":"tcp","Initiated":"true","SourceIp":"10.0.0.5","SourcePort":"50000","DestinationIp":"93.184.216.34","DestinationHostname":"example.com","DestinationPort":"443"}`
		}
		fmt.Fprintln(f, line)
	}
	return path
}

// BenchmarkCorrelateJSONLines shows the chain query over JSON lines is
// linear in the input: compare the ns/op of 4x with 1x (at most 4.5x; the
// ProcessCreate pass once searched every line for every userless GUID).
func BenchmarkCorrelateJSONLines(b *testing.B) {
	for _, scale := range []int{1, 4} {
		b.Run(fmt.Sprintf("%dx", scale), func(b *testing.B) {
			path := nxlogLines(b, 5000*scale)
			info, _ := os.Stat(path)
			b.SetBytes(info.Size())
			var rows []*Row
			for b.Loop() {
				var err error
				rows, err = Correlate(context.Background(), []input.File{{Path: path, Format: input.JSONLines}}, DefaultWindow, nil, func(error) {})
				if err != nil {
					b.Fatal(err)
				}
			}
			if len(rows) < 2500*scale {
				b.Fatalf("%d rows from %d Run-key writes", len(rows), 2500*scale)
			}
		})
	}
}

// busyChunks is a busy host's log, as EVTX chunks: two thirds registry
// writes (the same few autorun and payload values, written again and
// again by short-lived processes), network events and ProcessCreate, with
// unique record ids, increasing times and a GUID per process.
func busyChunks(chunks int) [][]*sysmon.Event {
	var out [][]*sysmon.Event
	var rid int64
	at := t0
	for c := range chunks {
		var events []*sysmon.Event
		for i := range 18 {
			rid++
			at = at.Add(300 * time.Millisecond)
			guid := fmt.Sprintf("{5770385F-%04X-%04X-0000-0010CF391110}", c, i/6)
			switch k := i % 6; {
			case k == 0:
				events = append(events, createEv(rid, at, guid, `CORP\svc-deploy`))
			case k == 1:
				events = append(events, netEv(rid, at, 0, guid, fmt.Sprintf("10.0.%d.%d", c%200, i)))
			case k < 4:
				events = append(events, setValue(rid, at, guid, `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\Agent`, loader))
			default:
				events = append(events, setValue(rid, at, guid, `HKU\`+sid+`\Software\Microsoft\Windows\CurrentVersion\Debug`, "SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA"))
			}
		}
		out = append(out, events)
	}
	return out
}

// BenchmarkCorrelateBusy is the chain over a busy host's EVTX built at run
// time, on 1 and 2 cores: the one pass against the three passes it
// replaced (compare ns/op within one run; the rows are the same).
func BenchmarkCorrelateBusy(b *testing.B) {
	files := []input.File{{Path: writeEVTX(b, busyChunks(400)), Format: input.EVTX}}
	info, _ := os.Stat(files[0].Path)
	for _, cores := range []int{1, 2} {
		for _, way := range []string{"one-pass", "three-passes"} {
			b.Run(fmt.Sprintf("%s/cores=%d", way, cores), func(b *testing.B) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(cores))
				b.SetBytes(info.Size())
				b.ReportAllocs()
				var rows []*Row
				for b.Loop() {
					var err error
					if way == "one-pass" {
						rows, err = Correlate(context.Background(), files, DefaultWindow, nil, func(error) {})
					} else {
						rows, err = correlatePasses(newPasses(context.Background(), files, make([]warnings, 1), func(error) {}), DefaultWindow, nil)
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				if len(rows) != 400*12 {
					b.Fatalf("%d rows, want %d", len(rows), 400*12)
				}
			})
		}
	}
}
