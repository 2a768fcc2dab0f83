# Generates the scenario.* fixtures: one small scenario (Sysmon 3, 13, 12
# and one non-Sysmon event) in every text format ReadXML and ReadJSONLines
# accept. Run from this directory: python3 gen_scenario.py
import json

events = [
    dict(id=3, rec=42757, time="2018-02-08T02:43:01", comp="DESKTOP-O153T4R", prov="Microsoft-Windows-Sysmon",
         chan="Microsoft-Windows-Sysmon/Operational",
         data=[("UtcTime", "2018-02-07 05:02:54.738"), ("ProcessGuid", "{B231F4AB-B811-5A7B-0000-00109EC13C04}"),
               ("ProcessId", "1464"), ("Image", r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe"),
               ("User", r"DESKTOP-O153T4R\q"), ("Protocol", "tcp"), ("Initiated", "true"),
               ("SourceIp", "172.168.103.141"), ("SourcePort", "56672"), ("SourcePortName", ""),
               ("DestinationIp", "172.168.103.188"), ("DestinationHostname", "ACA867BC.ipt.aol.com"),
               ("DestinationPort", "80")]),
    dict(id=13, rec=42759, time="2018-02-08T02:43:09", comp="DESKTOP-O153T4R", prov="Microsoft-Windows-Sysmon",
         chan="Microsoft-Windows-Sysmon/Operational",
         data=[("EventType", "SetValue"), ("UtcTime", "2018-02-08 02:43:09.123"),
               ("ProcessGuid", "{B231F4AB-B811-5A7B-0000-00109EC13C04}"), ("ProcessId", "1464"),
               ("Image", r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe"),
               ("TargetObject", r"HKU\S-1-5-21-1-2-3-1001\Software\Microsoft\Windows\CurrentVersion\Run\Updater"),
               ("Details", '"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe" -c "$x=$((gp HKCU:Software\\Microsoft\\Windows\\CurrentVersion Debug).Debug);powershell -Win Hidden -enc $x" <&> \'q\' \u00e9 \u2713')]),
    dict(id=7036, rec=900, time="2018-02-08T02:44:00", comp="DESKTOP-O153T4R", prov="Service Control Manager",
         chan="System", data=[("param1", "Windows Update"), ("param2", "running")]),
    dict(id=12, rec=42760, time="2018-02-08T02:45:00", comp="DESKTOP-O153T4R", prov="Microsoft-Windows-Sysmon",
         chan="Microsoft-Windows-Sysmon/Operational",
         data=[("EventType", "DeleteValue"), ("UtcTime", "2018-02-08 02:45:00"),
               ("ProcessGuid", "{B231F4AB-B811-5A7B-0000-00109EC13C05}"), ("ProcessId", "88"),
               ("Image", r"C:\Windows\regedit.exe"),
               ("TargetObject", r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\Old")]),
]
NS = "http://schemas.microsoft.com/win/2004/08/events/event"


def esc(s, q):
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return s.replace('"', "&quot;") if q == '"' else s.replace("'", "&apos;")


def xml_event(e, q='"', indent=False):
    nl = "\n" if indent else ""
    i1 = "  " if indent else ""
    i2 = "    " if indent else ""
    a = lambda k, v: "%s=%s%s%s" % (k, q, esc(v, q), q)
    st = e["time"] + (".000000000Z" if q == '"' else ".0000000Z")
    s = "<Event %s>%s%s<System>%s" % (a("xmlns", NS), nl, i1, nl)
    s += "%s<Provider %s %s/>%s" % (i2, a("Name", e["prov"]), a("Guid", "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}"), nl)
    if e["id"] == 7036:
        s += "%s<EventID %s>%d</EventID>%s" % (i2, a("Qualifiers", "16384"), e["id"], nl)
    else:
        s += "%s<EventID>%d</EventID>%s" % (i2, e["id"], nl)
    s += "%s<Version>5</Version>%s%s<Level>4</Level>%s%s<Keywords>0x8000000000000000</Keywords>%s" % (i2, nl, i2, nl, i2, nl)
    s += "%s<TimeCreated %s/>%s" % (i2, a("SystemTime", st), nl)
    s += "%s<EventRecordID>%d</EventRecordID>%s%s<Correlation/>%s" % (i2, e["rec"], nl, i2, nl)
    s += "%s<Execution %s %s/>%s" % (i2, a("ProcessID", "5628"), a("ThreadID", "2828"), nl)
    s += "%s<Channel>%s</Channel>%s%s<Computer>%s</Computer>%s" % (i2, esc(e["chan"], q), nl, i2, esc(e["comp"], q), nl)
    s += "%s<Security %s/>%s%s</System>%s%s<EventData>%s" % (i2, a("UserID", "S-1-5-18"), nl, i1, nl, i1, nl)
    for k, v in e["data"]:
        if v == "":
            s += "%s<Data %s/>%s" % (i2, a("Name", k), nl)
        else:
            s += "%s<Data %s>%s</Data>%s" % (i2, a("Name", k), esc(v, q), nl)
    s += "%s</EventData>%s" % (i1, nl)
    if e["id"] == 13:
        s += "%s<RenderingInfo Culture='en-US'><Message>Registry value set</Message></RenderingInfo>%s" % (i1, nl)
    return s + "</Event>"


# wevtutil qe /f:xml: events concatenated on one line, no root
open("scenario.wevtutil.xml", "w").write("".join(xml_event(e) for e in events))
# Get-WinEvent | % ToXml: single quotes, one per line, blank lines, CRLF
open("scenario.getwinevent.xml", "w", newline="\r\n").write("\n\n".join(xml_event(e, "'") for e in events) + "\n")
# evtxexport -f xml: a header line, indented events, blank lines
open("scenario.evtxexport.xml", "w").write("evtxexport 20181227\n\n" + "".join(xml_event(e, '"', True) + "\n\n" for e in events))
# wrapped in <Events>, with an XML declaration
open("scenario.events.xml", "w").write('<?xml version="1.0" encoding="UTF-8"?>\n<Events>\n' + "\n".join(xml_event(e, '"', True) for e in events) + "\n</Events>\n")
# UTF-16LE with byte order mark
open("scenario.utf16.xml", "wb").write(b"\xff\xfe" + ('<?xml version="1.0" encoding="UTF-16"?><Events>' + "".join(xml_event(e, "'") for e in events) + "</Events>\r\n").encode("utf-16-le"))

# Winlogbeat / ECS; ids and record ids as numbers and as strings
with open("scenario.ecs.jsonl", "w") as f:
    for e in events:
        d = {"@timestamp": e["time"] + ".000Z", "agent": {"type": "winlogbeat", "version": "7.17.0"},
             "event": {"code": str(e["id"]), "kind": "event", "provider": e["prov"], "created": "2024-01-01T00:00:00.000Z"},
             "host": {"name": e["comp"].lower()}, "log": {"level": "information"},
             "message": "Registry value set:\nRuleName: -", "tags": ["a", {"b": [1, 2.5e3, None, True]}],
             "winlog": {"channel": e["chan"], "computer_name": e["comp"],
                        "event_id": e["id"] if e["id"] != 13 else "13", "provider_name": e["prov"],
                        "provider_guid": "{5770385f-c22a-43e0-bf4c-06f5698ffbd9}",
                        "record_id": e["rec"] if e["id"] != 12 else str(e["rec"]),
                        "process": {"pid": 5628, "thread": {"id": 2828}}, "user": {"identifier": "S-1-5-18"},
                        "version": 5, "opcode": "Info", "event_data": dict(e["data"])}}
        f.write(json.dumps(d, ensure_ascii=(e["id"] == 13)) + "\n")

# NXLog im_msvistalog with to_json(): flat, event data at top level
with open("scenario.nxlog.jsonl", "w") as f:
    for e in events:
        d = {"EventTime": e["time"].replace("T", " "), "Hostname": e["comp"], "Keywords": -9223372036854775808,
             "EventType": "INFO", "SeverityValue": 2, "Severity": "INFO", "EventID": e["id"] if e["id"] != 3 else "3",
             "SourceName": e["prov"], "ProviderGuid": "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}", "Version": 5, "Task": 3,
             "OpcodeValue": 0, "RecordNumber": e["rec"], "ProcessID": 5628, "ThreadID": 2828, "Channel": e["chan"],
             "Domain": "NT AUTHORITY", "AccountName": "SYSTEM", "UserID": "S-1-5-18", "AccountType": "User",
             "Category": "Network connection detected (rule: NetworkConnect)", "Opcode": "Info",
             "Message": "Network connection detected", "EventReceivedTime": "2018-02-08 02:50:00",
             "SourceModuleName": "eventlog", "SourceModuleType": "im_msvistalog"}
        d.update(dict(e["data"]))
        f.write(json.dumps(d) + "\n")
