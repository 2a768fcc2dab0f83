package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/runkeyhunt/runkeyhunt/tables/input"
	"github.com/runkeyhunt/runkeyhunt/tables/sysmon"
)

// textOutputs names the text files to write with the events of an EVTX
// ("" leaves a format out).
type textOutputs struct {
	nxlog, xml, ecs string
}

func (t textOutputs) empty() bool { return t.nxlog == "" && t.xml == "" && t.ecs == "" }

// textWriter is one text format being written: a line (or element) per event.
type textWriter struct {
	path   string
	file   *os.File
	w      *bufio.Writer
	render func(line []byte, ev *sysmon.Event) []byte
	line   []byte
	count  int
}

// writeText writes the Sysmon events of the EVTX at evtxPath in each text
// format named, reading the EVTX once. Each file gets a FILE.records with
// its event count, as the EVTX does.
func writeText(evtxPath string, out textOutputs) error {
	var writers []*textWriter
	for _, f := range []struct {
		path   string
		render func([]byte, *sysmon.Event) []byte
	}{{out.nxlog, nxlogLine}, {out.xml, xmlEvent}, {out.ecs, ecsLine}} {
		if f.path == "" {
			continue
		}
		file, err := os.Create(f.path)
		if err != nil {
			return err
		}
		defer file.Close()
		writers = append(writers, &textWriter{path: f.path, file: file, w: bufio.NewWriterSize(file, 1<<20), render: f.render})
	}
	err := sysmon.ReadFile(context.Background(), input.File{Path: evtxPath, Format: input.EVTX}, sysmon.Filter{}, func(ev *sysmon.Event) error {
		for _, tw := range writers {
			tw.line = tw.render(tw.line[:0], ev)
			tw.count++
			if _, err := tw.w.Write(tw.line); err != nil {
				return fmt.Errorf("write %s: %w", tw.path, err)
			}
		}
		return nil
	}, nil)
	if err != nil {
		return err
	}
	for _, tw := range writers {
		err := tw.w.Flush()
		if cerr := tw.file.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("write %s: %w", tw.path, err)
		}
		info, err := os.Stat(tw.path)
		if err != nil {
			return err
		}
		fmt.Printf("%s: %d events (%d MiB, %d bytes an event)\n", tw.path, tw.count, info.Size()>>20, info.Size()/int64(max(tw.count, 1)))
		if err := os.WriteFile(tw.path+".records", []byte(strconv.Itoa(tw.count)+"\n"), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// sortedNames is the event's EventData field names, sorted.
func sortedNames(ev *sysmon.Event) []string {
	names := make([]string, 0, ev.NumFields())
	for k := range ev.Fields() {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// message is the event's rendered Message as the text exports carry it:
// the title, then "Name: value" a line.
func message(ev *sysmon.Event, names []string, newline string) string {
	var msg strings.Builder
	msg.WriteString(title(ev.EventID) + ":")
	for _, k := range names {
		msg.WriteString(newline + k + ": " + ev.Field(k))
	}
	return msg.String()
}

// nxlogLine is the event as NXLog's im_msvistalog + to_json() writes it:
// the event's System values, the rendered Message, then every EventData
// field.
func nxlogLine(line []byte, ev *sysmon.Event) []byte {
	t := ev.TimeCreated.UTC().Format("2006-01-02 15:04:05")
	names := sortedNames(ev)
	line = append(line, '{')
	line = kv(line, "EventTime", t)
	line = kv(line, "Hostname", ev.Computer)
	line = append(line, `"Keywords":-9223372036854775808,`...)
	// NXLog's own EventType gives way to the event's field of that name.
	if slices.Contains(names, "EventType") {
		line = kv(line, "EventType", ev.Field("EventType"))
	} else {
		line = kv(line, "EventType", "INFO")
	}
	line = append(line, `"SeverityValue":2,"Severity":"INFO",`...)
	line = append(line, `"EventID":`...)
	line = strconv.AppendInt(line, int64(ev.EventID), 10)
	line = append(line, ',')
	line = kv(line, "SourceName", ev.Provider)
	line = append(line, `"ProviderGuid":"{5770385F-C22A-43E0-BF4C-06F5698FFBD9}","Version":5,"Task":`...)
	line = strconv.AppendInt(line, int64(ev.EventID), 10)
	line = append(line, `,"OpcodeValue":0,"RecordNumber":`...)
	line = strconv.AppendInt(line, ev.RecordID, 10)
	line = append(line, `,"ProcessID":2148,"ThreadID":3376,`...)
	line = kv(line, "Channel", ev.Channel)
	line = append(line, `"Domain":"NT AUTHORITY","AccountName":"SYSTEM","UserID":"S-1-5-18","AccountType":"User",`...)
	line = kv(line, "Message", message(ev, names, "\r\n"))
	line = kv(line, "Category", title(ev.EventID)+" (rule: "+strings.ReplaceAll(title(ev.EventID), " ", "")+")")
	line = kv(line, "Opcode", "Info")
	for _, k := range names {
		if k != "EventType" {
			line = kv(line, k, ev.Field(k))
		}
	}
	line = kv(line, "EventReceivedTime", t)
	line = kv(line, "SourceModuleName", "eventlog")
	return append(line, `"SourceModuleType":"im_msvistalog"}`+"\n"...)
}

// xmlEvent is the event as `wevtutil qe Microsoft-Windows-Sysmon/Operational
// /f:xml` writes it: one <Event> element a line (CRLF), no root element,
// single-quoted attributes, the EventData fields in the event's order (no
// RenderingInfo: /f:xml does not render the message). The System values
// the reader does not keep are Sysmon's usual ones.
func xmlEvent(b []byte, ev *sysmon.Event) []byte {
	b = append(b, "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='"...)
	b = xmlText(b, ev.Provider)
	b = append(b, "' Guid='{5770385F-C22A-43E0-BF4C-06F5698FFBD9}'/><EventID>"...)
	b = strconv.AppendInt(b, int64(ev.EventID), 10)
	b = append(b, "</EventID><Version>5</Version><Level>4</Level><Task>"...)
	b = strconv.AppendInt(b, int64(ev.EventID), 10)
	b = append(b, "</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime='"...)
	b = ev.TimeCreated.UTC().AppendFormat(b, "2006-01-02T15:04:05.0000000Z")
	b = append(b, "'/><EventRecordID>"...)
	b = strconv.AppendInt(b, ev.RecordID, 10)
	b = append(b, "</EventRecordID><Correlation/><Execution ProcessID='2148' ThreadID='3376'/><Channel>"...)
	b = xmlText(b, ev.Channel)
	b = append(b, "</Channel><Computer>"...)
	b = xmlText(b, ev.Computer)
	b = append(b, "</Computer><Security UserID='S-1-5-18'/></System><EventData>"...)
	for k, v := range ev.Fields() {
		b = append(b, "<Data Name='"...)
		b = xmlText(b, k)
		if v == "" {
			b = append(b, "'/>"...)
			continue
		}
		b = append(b, "'>"...)
		b = xmlText(b, v)
		b = append(b, "</Data>"...)
	}
	return append(b, "</EventData></Event>\r\n"...)
}

// xmlText appends s escaped for XML text and single- or double-quoted
// attributes.
func xmlText(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			b = append(b, "&amp;"...)
		case '<':
			b = append(b, "&lt;"...)
		case '>':
			b = append(b, "&gt;"...)
		case '\'':
			b = append(b, "&apos;"...)
		case '"':
			b = append(b, "&quot;"...)
		default:
			b = append(b, c)
		}
	}
	return b
}

// ecsLine is the event as Winlogbeat 8 writes it to a file or Logstash
// output (the ECS mapping of the sysmon module runs later, in the ingest
// pipeline): @timestamp, agent, ecs, event, host, log, message, winlog,
// each object's keys sorted as libbeat writes them; winlog.event_id is a
// string, event.created the ingest time (later than the event).
func ecsLine(line []byte, ev *sysmon.Event) []byte {
	names := sortedNames(ev)
	ts := ev.TimeCreated.UTC()
	line = append(line, `{"@timestamp":"`...)
	line = ts.AppendFormat(line, "2006-01-02T15:04:05.000Z")
	line = append(line, `","agent":{"ephemeral_id":"3c9f6f2e-7d1a-4b8e-9a63-5d0c2f1e8b47","id":"b6f1c0de-2a4e-4f7b-8c31-9e5d7a0f4c12","name":"`...)
	line = append(line, strings.ToLower(ev.Computer)...)
	line = append(line, `","type":"winlogbeat","version":"8.12.2"},"ecs":{"version":"8.0.0"},"event":{"action":`...)
	line = jsonString(line, title(ev.EventID)+" (rule: "+strings.ReplaceAll(title(ev.EventID), " ", "")+")")
	line = append(line, `,"code":"`...)
	line = strconv.AppendInt(line, int64(ev.EventID), 10)
	line = append(line, `","created":"`...)
	line = ts.Add(1500e6).AppendFormat(line, "2006-01-02T15:04:05.000Z")
	line = append(line, `","kind":"event","provider":`...)
	line = jsonString(line, ev.Provider)
	line = append(line, `},"host":{"hostname":`...)
	line = jsonString(line, strings.ToLower(ev.Computer))
	line = append(line, `,"name":`...)
	line = jsonString(line, strings.ToLower(ev.Computer))
	line = append(line, `},"log":{"level":"information"},"message":`...)
	line = jsonString(line, message(ev, names, "\n"))
	line = append(line, `,"winlog":{"api":"wineventlog","channel":`...)
	line = jsonString(line, ev.Channel)
	line = append(line, `,"computer_name":`...)
	line = jsonString(line, ev.Computer)
	line = append(line, `,"event_data":{`...)
	for i, k := range names {
		if i > 0 {
			line = append(line, ',')
		}
		line = jsonString(line, k)
		line = append(line, ':')
		line = jsonString(line, ev.Field(k))
	}
	line = append(line, `},"event_id":"`...)
	line = strconv.AppendInt(line, int64(ev.EventID), 10)
	line = append(line, `","opcode":"Info","process":{"pid":2148,"thread":{"id":3376}},"provider_guid":"{5770385F-C22A-43E0-BF4C-06F5698FFBD9}","provider_name":`...)
	line = jsonString(line, ev.Provider)
	line = append(line, `,"record_id":`...)
	line = strconv.AppendInt(line, ev.RecordID, 10)
	line = append(line, `,"task":`...)
	line = jsonString(line, title(ev.EventID)+" (rule: "+strings.ReplaceAll(title(ev.EventID), " ", "")+")")
	line = append(line, `,"user":{"domain":"NT AUTHORITY","identifier":"S-1-5-18","name":"SYSTEM","type":"User"},"version":5}}`+"\n"...)
	return line
}

// jsonString appends s as a JSON string as libbeat writes it: quotes,
// backslashes and control characters escaped, HTML characters as they are.
func jsonString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, `\n`...)
		case c == '\r':
			b = append(b, `\r`...)
		case c == '\t':
			b = append(b, `\t`...)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
