package query

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/runkeyhunt/runkeyhunt/tables/host"
	"github.com/runkeyhunt/runkeyhunt/tables/runkeypayloads"
	"github.com/runkeyhunt/runkeyhunt/tables/sysmonchain"
)

// eventLogWriter writes Sysmon events as event XML to name in a temporary
// folder, on computer: event appends one (its record id the next), done
// closes the file and gives its path.
func eventLogWriter(tb testing.TB, name, computer string) (event func(id int, at time.Time, data string), done func() string) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriter(f)
	record := int64(1000)
	event = func(id int, at time.Time, data string) {
		record++
		fmt.Fprintf(w, "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Sysmon' Guid='{5770385F-C22A-43E0-BF4C-06F5698FFBD9}'/><EventID>%d</EventID><TimeCreated SystemTime='%s'/><EventRecordID>%d</EventRecordID><Channel>Microsoft-Windows-Sysmon/Operational</Channel><Computer>%s</Computer></System><EventData><Data Name='UtcTime'>%s</Data>%s</EventData></Event>\n",
			id, at.Format("2006-01-02T15:04:05.0000000Z"), record, computer, at.Format("2006-01-02 15:04:05.000"), data)
	}
	done = func() string {
		if err := w.Flush(); err != nil {
			tb.Fatal(err)
		}
		if err := f.Close(); err != nil {
			tb.Fatal(err)
		}
		return path
	}
	return event, done
}

// writeEventLog writes an event-only source: n processes, each created,
// connecting out a few times and writing registry values (one in ten an
// autorun), every record id and time unique and increasing.
func writeEventLog(tb testing.TB, n int) string {
	tb.Helper()
	event, done := eventLogWriter(tb, "sysmon.xml", "WIN-BENCH01")
	start := time.Date(2024, 3, 12, 9, 0, 0, 0, time.UTC)
	for p := 0; p < n; p++ {
		at := start.Add(time.Duration(p) * 3 * time.Second)
		guid := fmt.Sprintf("{7E4A21B0-%04X-65F0-%04X-000000002200}", p>>16&0xFFFF, p&0xFFFF)
		proc := fmt.Sprintf("<Data Name='ProcessGuid'>%s</Data><Data Name='ProcessId'>%d</Data><Data Name='Image'>C:\\Users\\Public\\tool%d.exe</Data>", guid, 1000+p, p)
		event(1, at, proc+fmt.Sprintf("<Data Name='CommandLine'>tool%d.exe -run</Data><Data Name='User'>WIN-BENCH01\\user%d</Data>", p, p%20))
		for c := 0; c < 3; c++ {
			event(3, at.Add(time.Duration(c+1)*200*time.Millisecond), proc+fmt.Sprintf("<Data Name='User'>WIN-BENCH01\\user%d</Data><Data Name='Protocol'>tcp</Data><Data Name='DestinationIp'>198.51.%d.%d</Data><Data Name='DestinationPort'>443</Data>", p%20, p%250, c+1))
		}
		key := fmt.Sprintf(`HKLM\SOFTWARE\Vendor%d\Settings\Value%d`, p%50, p)
		if p%10 == 0 {
			key = fmt.Sprintf(`HKU\S-1-5-21-1-2-3-%d\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\Updater%d`, 1000+p%20, p)
		}
		event(13, at.Add(time.Second), proc+fmt.Sprintf("<Data Name='EventType'>SetValue</Data><Data Name='TargetObject'>%s</Data><Data Name='Details'>powershell.exe -nop -w hidden -File C:\\Users\\Public\\s%d.ps1</Data>", key, p))
	}
	return done()
}

// BenchmarkJoinEventOnly runs a JOIN of both tables on an event-only
// source and the chain table alone, in the same run: the JOIN shares one
// host, so its correlation is made once (join/one near 1, was 1.87).
func BenchmarkJoinEventOnly(b *testing.B) {
	src := writeEventLog(b, 2000)
	open := host.Options{}.Open
	const one = "SELECT count(*) FROM sysmon_reg_net_chain"
	const join = "SELECT count(*) FROM sysmon_reg_net_chain c JOIN run_key_payloads r ON r.path = c.path"
	// A fresh engine for each statement, as `runkeyhunt query` runs one:
	// the virtual tables keep their rows for the engine's life.
	run := func(q string) time.Duration {
		begin := time.Now()
		engine, err := Open(context.Background(),
			runkeypayloads.New(runkeypayloads.Options{DefaultSource: src, Open: open}),
			sysmonchain.New(sysmonchain.Options{DefaultSource: src, Open: open}))
		if err != nil {
			b.Fatal(err)
		}
		defer engine.Close()
		res, err := engine.Run(context.Background(), q)
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Rows) != 1 || res.Rows[0][0] == "0" {
			b.Fatalf("%s: %v", q, res.Rows)
		}
		return time.Since(begin)
	}
	var oneTime, joinTime time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		oneTime += run(one)
		joinTime += run(join)
	}
	b.ReportMetric(float64(oneTime.Milliseconds())/float64(b.N), "one-ms/op")
	b.ReportMetric(float64(joinTime.Milliseconds())/float64(b.N), "join-ms/op")
	b.ReportMetric(float64(joinTime)/float64(oneTime), "join/one")
}
