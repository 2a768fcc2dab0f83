package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"
)

var xmlEpoch = time.Date(2024, 3, 12, 9, 0, 0, 0, time.UTC)

// sysmonEvent writes Sysmon event i in the XML shape of `wevtutil qe` and
// Get-WinEvent: even i a registry value write (every 500th one to a Run
// key), odd i a network connection of the same process. Record ids leave
// gaps, as an export filtered to Sysmon's registry and network events does.
// lean network events carry only the fields the correlation reads (as a
// SIEM export restricted to them does), so that many events stay cheap.
func sysmonEvent(w io.Writer, i int, lean bool) {
	recordID := 100000 + 3*int64(i) + int64(i%2)
	at := xmlEpoch.Add(time.Duration(i) * 100 * time.Millisecond)
	proc := i / 2 % 500
	image := fmt.Sprintf(`C:\Program Files\Vendor%d\app%d.exe`, proc%40, proc)
	guid := fmt.Sprintf("{7E4A21B0-0F3A-65F0-%04X-%012X}", proc, 0x2200+proc)
	eventID, task := 13, 13
	if i%2 == 1 {
		eventID, task = 3, 3
	}
	fmt.Fprintf(w, "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Sysmon' Guid='{5770385F-C22A-43E0-BF4C-06F5698FFBD9}'/>"+
		"<EventID>%d</EventID><Version>2</Version><Level>4</Level><Task>%d</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords>"+
		"<TimeCreated SystemTime='%s'/><EventRecordID>%d</EventRecordID><Correlation/><Execution ProcessID='2196' ThreadID='%d'/>"+
		"<Channel>Microsoft-Windows-Sysmon/Operational</Channel><Computer>WIN-REL01</Computer><Security UserID='S-1-5-18'/></System><EventData>",
		eventID, task, at.Format("2006-01-02T15:04:05.0000000Z"), recordID, 3000+i%900)
	utc := at.Add(-time.Second).Format("2006-01-02 15:04:05.000")
	if eventID == 13 {
		target := fmt.Sprintf(`HKLM\SOFTWARE\Vendor%d\App%d\Settings\Value%d`, proc%40, proc, i)
		details := fmt.Sprintf("DWORD (0x%08x)", i)
		if i%1000 == 0 {
			target = fmt.Sprintf(`HKU\S-1-5-21-1111111111-2222222222-3333333333-1001\Software\Microsoft\Windows\CurrentVersion\Run\Updater%d`, i)
			details = fmt.Sprintf(`C:\Users\alice\AppData\Roaming\Updater%d\update.exe /silent`, i)
		}
		fmt.Fprintf(w, "<Data Name='RuleName'>-</Data><Data Name='EventType'>SetValue</Data><Data Name='UtcTime'>%s</Data>"+
			"<Data Name='ProcessGuid'>%s</Data><Data Name='ProcessId'>%d</Data><Data Name='Image'>%s</Data>"+
			"<Data Name='TargetObject'>%s</Data><Data Name='Details'>%s</Data><Data Name='User'>WIN-REL01\\alice</Data>",
			utc, guid, 4000+proc, image, target, details)
	} else if lean {
		fmt.Fprintf(w, "<Data Name='UtcTime'>%s</Data><Data Name='ProcessGuid'>%s</Data><Data Name='ProcessId'>%d</Data>"+
			"<Data Name='Image'>%s</Data><Data Name='DestinationIp'>198.51.%d.%d</Data><Data Name='DestinationPort'>443</Data>",
			utc, guid, 4000+proc, image, i/250%250, i%250)
	} else {
		fmt.Fprintf(w, "<Data Name='RuleName'>-</Data><Data Name='UtcTime'>%s</Data><Data Name='ProcessGuid'>%s</Data>"+
			"<Data Name='ProcessId'>%d</Data><Data Name='Image'>%s</Data><Data Name='User'>WIN-REL01\\alice</Data>"+
			"<Data Name='Protocol'>tcp</Data><Data Name='Initiated'>true</Data><Data Name='SourceIsIpv6'>false</Data>"+
			"<Data Name='SourceIp'>192.168.56.101</Data><Data Name='SourcePort'>%d</Data><Data Name='DestinationIsIpv6'>false</Data>"+
			"<Data Name='DestinationIp'>198.51.%d.%d</Data><Data Name='DestinationPort'>443</Data>",
			utc, guid, 4000+proc, image, 49152+i%16000, i/250%250, i%250)
	}
	io.WriteString(w, "</EventData></Event>\n")
}

// writeEventXML writes n events in file order (ascending record ids) to
// ascPath and the same events newest first to descPath.
func writeEventXML(ascPath, descPath string, n int) error {
	for _, f := range []struct {
		path string
		desc bool
	}{{ascPath, false}, {descPath, true}} {
		w, finish, err := createBuffered(f.path)
		if err != nil {
			return err
		}
		for k := 0; k < n; k++ {
			i := k
			if f.desc {
				i = n - 1 - k
			}
			sysmonEvent(w, i, true)
		}
		if err := finish(); err != nil {
			return err
		}
	}
	return nil
}

// writeHugeXML writes event XML files of about size bytes: one whose
// middle event holds a single text node of that size, one with a comment
// of that size between two events, and a normal one of ordinary events.
// The text and the comment carry '>' every 64 bytes, which is legal there.
func writeHugeXML(dir string, size int64) error {
	filler := strings.Repeat("a", 63) + ">"
	huge := func(w io.Writer) {
		for n := int64(0); n < size; n += int64(len(filler)) {
			io.WriteString(w, filler)
		}
	}
	write := func(name string, middle func(io.Writer)) error {
		w, finish, err := createBuffered(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		for i := 0; i < 4; i++ {
			sysmonEvent(w, i, false)
		}
		middle(w)
		for i := 4; i < 8; i++ {
			sysmonEvent(w, i, false)
		}
		return finish()
	}
	if err := write("xml-text.xml", func(w io.Writer) {
		io.WriteString(w, "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Sysmon'/><EventID>13</EventID>"+
			"<TimeCreated SystemTime='2024-03-12T09:00:02.0000000Z'/><EventRecordID>99999</EventRecordID><Computer>WIN-REL01</Computer></System>"+
			"<EventData><Data Name='EventType'>SetValue</Data><Data Name='TargetObject'>HKLM\\SOFTWARE\\Vendor\\Huge</Data><Data Name='Details'>")
		huge(w)
		io.WriteString(w, "</Data></EventData></Event>\n")
	}); err != nil {
		return err
	}
	if err := write("xml-comment.xml", func(w io.Writer) {
		io.WriteString(w, "<!-- ")
		huge(w)
		io.WriteString(w, " -->\n")
	}); err != nil {
		return err
	}
	w, finish, err := createBuffered(filepath.Join(dir, "xml-normal.xml"))
	if err != nil {
		return err
	}
	cw := &countingWriter{w: w}
	for i := 0; cw.n < size; i++ {
		sysmonEvent(cw, i, false)
	}
	return finish()
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
