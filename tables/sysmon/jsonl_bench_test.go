package sysmon

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/valyala/fastjson"
)

// nxlogMix is a workstation's Sysmon log: mostly image loads, process
// access and file events, registry writes a few percent, one event in ten
// a process start (weights out of 100).
var nxlogMix = []struct{ id, weight int }{
	{7, 30}, {10, 20}, {11, 12}, {1, 10}, {22, 8}, {5, 6}, {3, 5}, {13, 3}, {12, 3}, {14, 1}, {8, 2},
}

// nxlogBenchLines builds about size bytes of NXLog lines as im_msvistalog +
// to_json() writes them (System values, the rendered Message, then every
// EventData field): every line distinct, with its own record number, time,
// process GUID and paths.
func nxlogBenchLines(size int) (data []byte, lines int) {
	var ids []int
	for _, m := range nxlogMix {
		for range m.weight {
			ids = append(ids, m.id)
		}
	}
	base := time.Date(2024, 3, 12, 8, 0, 0, 0, time.UTC)
	var b bytes.Buffer
	for i := 0; b.Len() < size; i++ {
		id := ids[(i*37)%len(ids)]
		at := base.Add(time.Duration(i) * 173 * time.Millisecond)
		guid := fmt.Sprintf("{B231F4AB-%04X-%04X-0000-0010%08X}", i>>16&0xffff, i&0xffff, i*2654435761&0xffffffff)
		image := fmt.Sprintf(`C:\Program Files\Vendor%d\App%d\bin\tool%d.exe`, i%97, i%13, i)
		fields := map[string]string{
			"RuleName": "-", "UtcTime": at.Format("2006-01-02 15:04:05.000"), "ProcessGuid": guid,
			"ProcessId": strconv.Itoa(1000 + i%60000), "Image": image, "User": `CORP\user` + strconv.Itoa(i%50),
		}
		switch id {
		case 1:
			fields["CommandLine"] = fmt.Sprintf(`"%s" --profile=%d --flag "C:\Users\user%d\AppData\Local\Temp\x%d.tmp"`, image, i, i%50, i)
			fields["CurrentDirectory"], fields["LogonGuid"], fields["LogonId"] = `C:\Windows\system32\`, "{B231F4AB-0000-0000-0000-0020E4030000}", "0x3e7"
			fields["TerminalSessionId"], fields["IntegrityLevel"] = "1", "Medium"
			fields["Hashes"] = fmt.Sprintf("SHA1=%040X,MD5=%032X,SHA256=%064X,IMPHASH=%032X", i, i*7, i*13, i*17)
			fields["ParentProcessGuid"], fields["ParentProcessId"], fields["ParentImage"] = guid[:30]+"AAAAAAA}", "4242", `C:\Windows\explorer.exe`
			fields["ParentCommandLine"], fields["ParentUser"] = `C:\Windows\Explorer.EXE`, `CORP\user`+strconv.Itoa(i%50)
			fields["FileVersion"], fields["Description"], fields["Product"], fields["Company"], fields["OriginalFileName"] = "10.0.19041.1", "Tool", "Vendor Suite", "Vendor Inc.", "tool.exe"
		case 3:
			fields["Protocol"], fields["Initiated"], fields["SourceIsIpv6"], fields["SourceIp"] = "tcp", "true", "false", fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
			fields["SourceHostname"], fields["SourcePort"], fields["SourcePortName"] = "ws-"+strconv.Itoa(i%500)+".corp.example", strconv.Itoa(49152+i%16000), "-"
			fields["DestinationIsIpv6"], fields["DestinationIp"], fields["DestinationHostname"] = "false", fmt.Sprintf("172.%d.%d.%d", i%32, i>>8&255, i&255), fmt.Sprintf("host%d.example.com", i)
			fields["DestinationPort"], fields["DestinationPortName"] = "443", "https"
		case 7:
			fields["ImageLoaded"] = fmt.Sprintf(`C:\Windows\System32\lib%d.dll`, i%4000)
			fields["Hashes"] = fmt.Sprintf("SHA1=%040X,MD5=%032X,SHA256=%064X", i, i*7, i*13)
			fields["Signed"], fields["Signature"], fields["SignatureStatus"] = "true", "Microsoft Windows", "Valid"
			fields["FileVersion"], fields["Description"], fields["Product"], fields["Company"], fields["OriginalFileName"] = "10.0.19041.1", "Library", "Microsoft Windows Operating System", "Microsoft Corporation", "lib.dll"
		case 8, 10:
			fields["SourceProcessGUID"], fields["SourceProcessId"], fields["SourceThreadId"], fields["SourceImage"] = guid, "812", strconv.Itoa(i%9000), image
			fields["TargetProcessGUID"], fields["TargetProcessId"], fields["TargetImage"] = "{B231F4AB-0000-0000-0000-001000000001}", "668", `C:\Windows\system32\lsass.exe`
			fields["GrantedAccess"], fields["CallTrace"] = "0x1010", fmt.Sprintf(`C:\Windows\SYSTEM32\ntdll.dll+9d4c4|C:\Windows\System32\KERNELBASE.dll+2c13e|%s+%x`, image, i)
		case 11:
			fields["TargetFilename"] = fmt.Sprintf(`C:\Users\user%d\AppData\Local\Temp\file%d.tmp`, i%50, i)
			fields["CreationUtcTime"] = at.Add(-time.Hour).Format("2006-01-02 15:04:05.000")
		case 12, 13, 14:
			fields["EventType"] = map[int]string{12: "CreateKey", 13: "SetValue", 14: "RenameKey"}[id]
			fields["TargetObject"] = fmt.Sprintf(`HKU\S-1-5-21-1-2-3-%d\Software\Microsoft\Windows\CurrentVersion\Run\Item%d`, 1000+i%50, i)
			if id == 13 {
				fields["Details"] = fmt.Sprintf(`"%s" /background %d`, image, i)
			}
			if id == 14 {
				fields["NewName"] = fmt.Sprintf(`HKU\S-1-5-21-1-2-3-%d\Software\Renamed%d`, 1000+i%50, i)
			}
		case 22:
			fields["QueryName"], fields["QueryStatus"] = fmt.Sprintf("q%d.telemetry.example.net", i), "0"
			fields["QueryResults"] = fmt.Sprintf("type:  5 edge%d.example.net;::ffff:93.184.%d.%d;", i, i>>8&255, i&255)
		case 5:
		}
		names := make([]string, 0, len(fields))
		for k := range fields {
			names = append(names, k)
		}
		sort.Strings(names)
		var msg bytes.Buffer
		fmt.Fprintf(&msg, "Sysmon event %d:", id)
		for _, k := range names {
			fmt.Fprintf(&msg, "\r\n%s: %s", k, fields[k])
		}
		t := at.Format("2006-01-02 15:04:05")
		eventType := "INFO"
		if v, ok := fields["EventType"]; ok {
			eventType = v
		}
		fmt.Fprintf(&b, `{"EventTime":%q,"Hostname":"WS-%d.corp.example","Keywords":-9223372036854775808,"EventType":%q,"SeverityValue":2,"Severity":"INFO","EventID":%d,"SourceName":"Microsoft-Windows-Sysmon","ProviderGuid":"{5770385F-C22A-43E0-BF4C-06F5698FFBD9}","Version":5,"Task":%d,"OpcodeValue":0,"RecordNumber":%d,"ProcessID":2148,"ThreadID":3376,"Channel":"Microsoft-Windows-Sysmon/Operational","Domain":"NT AUTHORITY","AccountName":"SYSTEM","UserID":"S-1-5-18","AccountType":"User","Message":`,
			t, i%3, eventType, id, id, 1000000+i)
		q, _ := json.Marshal(msg.String())
		b.Write(q)
		fmt.Fprintf(&b, `,"Category":"Sysmon event %d (rule: Sysmonevent%d)","Opcode":"Info"`, id, id)
		for _, k := range names {
			if k != "EventType" {
				q, _ := json.Marshal(fields[k])
				fmt.Fprintf(&b, `,%q:%s`, k, q)
			}
		}
		fmt.Fprintf(&b, `,"EventReceivedTime":%q,"SourceModuleName":"eventlog","SourceModuleType":"im_msvistalog"}`+"\n", t)
		lines++
	}
	return b.Bytes(), lines
}

// fastjsonLoop parses every line with fastjson and counts the registry
// writes: the lower bound a JSON-lines reader is measured against.
func fastjsonLoop(b *testing.B, p *fastjson.Parser, data []byte) int {
	n := 0
	for len(data) > 0 {
		end := bytes.IndexByte(data, '\n')
		line := data[:end]
		data = data[end+1:]
		v, err := p.ParseBytes(line)
		if err != nil {
			b.Fatal(err)
		}
		if v.GetInt("EventID") == 13 {
			n++
		}
	}
	return n
}

// BenchmarkReadNXLogLines reads 32 MiB of realistic NXLog lines (1.9 KB
// a line, Message included) with the chain's filters, and reports,
// from the same run, the ratio to a fastjson loop that parses every line
// (x-fastjson; the goal is at most 1.5). Run with -cpu 1,2 to see the
// parallel reader.
func BenchmarkReadNXLogLines(b *testing.B) {
	data, lines := nxlogBenchLines(32 << 20)
	var p fastjson.Parser
	timeLoop := func() time.Duration {
		start := time.Now()
		fastjsonLoop(b, &p, data)
		return time.Since(start)
	}
	b.Run("fastjson-loop", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			fastjsonLoop(b, &p, data)
		}
		b.ReportMetric(float64(lines), "lines/op")
	})
	// The same lines from a file on disk: on several cores the workers
	// read it themselves.
	path := filepath.Join(b.TempDir(), "bench.jsonl")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
	}
	// The chain's one pass: registry and network events whole, and of a
	// ProcessCreate only what its user needs.
	onePass := map[int]bool{1: true, 3: true, 12: true, 13: true, 14: true}
	createUser := map[int]map[string]bool{1: {"ProcessGuid": true, "User": true}}
	for _, c := range []struct {
		name     string
		ids      map[int]bool
		fieldsOf map[int]map[string]bool
		fromFile bool
	}{
		{"registry-ids", map[int]bool{12: true, 13: true, 14: true}, nil, false},
		{"registry-ids-file", map[int]bool{12: true, 13: true, 14: true}, nil, true},
		{"network-and-registry-ids", map[int]bool{3: true, 12: true, 13: true, 14: true}, nil, false},
		{"one-pass", onePass, createUser, false},
		{"one-pass-file", onePass, createUser, true},
		{"process-create", map[int]bool{1: true}, nil, false},
		{"every-event", nil, nil, false},
		{"every-event-file", nil, nil, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			filter := Filter{EventIDs: c.ids, FieldsOf: c.fieldsOf}
			events := 0
			var loop time.Duration
			for b.Loop() {
				events = 0
				var r io.Reader = bytes.NewReader(data)
				if c.fromFile {
					f, err := os.Open(path)
					if err != nil {
						b.Fatal(err)
					}
					defer f.Close()
					r = f
				}
				err := ReadJSONLines(context.Background(), r, "bench.jsonl", filter, func(*Event) error { events++; return nil }, nil)
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				loop += timeLoop()
				b.StartTimer()
			}
			b.ReportMetric(float64(events), "events/op")
			b.ReportMetric(float64(b.Elapsed())/float64(loop), "x-fastjson")
		})
	}
}
