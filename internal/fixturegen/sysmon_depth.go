package main

import "time"

// The depth scenario (issue 9): Sysmon writes of the persistence that is
// not an Empire stager, each scored by the engine run_key_payloads uses:
// SharpHide's NUL-named Run value, a per-user Winlogon Shell that
// prepends an AppData binary, a rundll32 bare-DLL Run value (Cobalt
// Strike), a Userinit append, an AppData binary in Run, and benign
// neighbours (Server Core's shell, a management agent's admin script).

var (
	pSharpHide = proc{"{7E4A21B0-3001-65F0-9102-000000002200}", 8120, `C:\Users\alice\Downloads\SharpHide.exe`, userName}
	pWinhost   = proc{"{7E4A21B0-3002-65F0-9202-000000002200}", 8164, `C:\Users\alice\AppData\Roaming\Microsoft\Network\winhost.exe`, userName}
	pBeacon    = proc{"{7E4A21B0-3003-65F0-9302-000000002200}", 8212, `C:\Windows\System32\rundll32.exe`, `NT AUTHORITY\SYSTEM`}
	pReg       = proc{"{7E4A21B0-3004-65F0-9402-000000002200}", 8260, `C:\Windows\System32\reg.exe`, `NT AUTHORITY\SYSTEM`}
	pAgent     = proc{"{7E4A21B0-3005-65F0-9502-000000002200}", 2480, `C:\Program Files (x86)\ManageEngine\UEMS_Agent\bin\dcagentservice.exe`, `NT AUTHORITY\SYSTEM`}
	pDropper   = proc{"{7E4A21B0-3006-65F0-9602-000000002200}", 8304, `C:\Users\alice\Downloads\invoice.exe`, userName}
)

const (
	depthRun      = hku1 + `\Software\Microsoft\Windows\CurrentVersion\Run`
	depthWinlogon = hku1 + `\Software\Microsoft\Windows NT\CurrentVersion\Winlogon`
	depthMRun     = `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run`
	depthMWL      = `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon`
	depthAdmin    = `powershell.exe -ExecutionPolicy Bypass -WindowStyle Hidden -NoProfile -File "C:\Program Files (x86)\ManageEngine\UEMS_Agent\bin\agent_startup.ps1"`
)

func depthEvents() []event {
	return []event{
		// SharpHide: NtSetValueKey with a name that starts with NUL; Sysmon
		// writes the target up to the NUL, so it ends in the key's "\".
		regSet("2024-03-13T10:00:01.1000000Z", 30001, pSharpHide, "2024-03-13 10:00:01.096", depthRun+`\`, `C:\Users\alice\AppData\Local\Temp\svchost.exe`),
		// A RAT in %APPDATA% prepends itself to the user's Winlogon Shell,
		// then beacons.
		regSet("2024-03-13T10:01:02.2000000Z", 30002, pWinhost, "2024-03-13 10:01:02.196", depthWinlogon+`\Shell`, `C:\Users\alice\AppData\Roaming\Microsoft\Network\winhost.exe, explorer.exe`),
		netConnect("2024-03-13T10:01:05.3000000Z", 30003, pWinhost, mustTime("2024-03-13T10:01:04.500Z"), 50110, "203.0.113.90", "rat.example.invalid", 443),
		// Cobalt Strike persistence through rundll32 and a bare DLL name.
		regSet("2024-03-13T10:02:03.3000000Z", 30004, pBeacon, "2024-03-13 10:02:03.296", depthMRun+`\MsUpdate`, `rundll32.exe beacon.dll,StartW`),
		// reg.exe appends a Public binary to the machine's Userinit.
		regSet("2024-03-13T10:03:04.4000000Z", 30005, pReg, "2024-03-13 10:03:04.396", depthMWL+`\Userinit`, `C:\Windows\system32\userinit.exe,C:\Users\Public\u.exe`),
		// A dropper puts its copy at the root of %APPDATA%.
		regSet("2024-03-13T10:04:05.5000000Z", 30006, pDropper, "2024-03-13 10:04:05.496", depthRun+`\Updater`, `C:\Users\alice\AppData\Roaming\updater.exe`),
		// Benign: Server Core's default shell written per user, and a
		// management agent's admin-script line.
		regSet("2024-03-13T10:05:06.6000000Z", 30007, pReg, "2024-03-13 10:05:06.596", depthWinlogon+`\Shell`, `cmd.exe /c "cd /d "%USERPROFILE%" & start cmd.exe /k runonce.exe /AlternateShellStartup"`),
		regSet("2024-03-13T10:06:07.7000000Z", 30008, pAgent, "2024-03-13 10:06:07.696", depthMRun+`\UEMS Agent`, depthAdmin),
	}
}

// depthExpectation is worked out by hand from the indicator weights
// (tables/indicators); verifyChain recomputes the network counts.
func depthExpectation(events []event) chainExpected {
	unix := func(s string) int64 { return mustTime(s).Unix() }
	row := func(rec int64, p proc, created, utc, loc, path, target, verdict string, inc []string, exc ...string) chainRow {
		return chainRow{RecordID: rec, EventID: 13, EventType: "SetValue", Role: "autorun", Location: loc, Path: path, TargetObject: target,
			Time: unix(created), UtcTime: utc, ProcessGUID: p.guid, ProcessID: p.pid, Image: p.image,
			SecondsBefore: -1, SecondsAfter: -1, Verdict: verdict, IndicatorsInclude: inc, IndicatorsExclude: exc}
	}
	hkuRun := `HKEY_USERS\` + sid1 + `\Software\Microsoft\Windows\CurrentVersion\Run`
	hkuWL := `HKEY_USERS\` + sid1 + `\Software\Microsoft\Windows NT\CurrentVersion\Winlogon`
	mRunPath := `HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Run`
	rows := []chainRow{
		row(30001, pSharpHide, "2024-03-13T10:00:01.1000000Z", "2024-03-13 10:00:01.096", "run", hkuRun+`\\0`, depthRun+`\`, "malicious",
			[]string{"hidden_value_name", "masquerading_image", "staging_folder_image", "user_writable_image"}),
		row(30002, pWinhost, "2024-03-13T10:01:02.2000000Z", "2024-03-13 10:01:02.196", "winlogon_shell", hkuWL+`\Shell`, depthWinlogon+`\Shell`, "suspicious",
			[]string{"winlogon_modified", "user_writable_image", "network_after_write"}),
		row(30004, pBeacon, "2024-03-13T10:02:03.3000000Z", "2024-03-13 10:02:03.296", "run", mRunPath+`\MsUpdate`, depthMRun+`\MsUpdate`, "suspicious",
			[]string{"rundll32_unusual_dll"}),
		row(30005, pReg, "2024-03-13T10:03:04.4000000Z", "2024-03-13 10:03:04.396", "winlogon_userinit",
			`HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon\Userinit`, depthMWL+`\Userinit`, "suspicious", []string{"winlogon_modified"}),
		row(30006, pDropper, "2024-03-13T10:04:05.5000000Z", "2024-03-13 10:04:05.496", "run", hkuRun+`\Updater`, depthRun+`\Updater`, "suspicious",
			[]string{"staging_folder_image", "user_writable_image"}),
		row(30007, pReg, "2024-03-13T10:05:06.6000000Z", "2024-03-13 10:05:06.596", "winlogon_shell", hkuWL+`\Shell`, depthWinlogon+`\Shell`, "benign",
			nil, "winlogon_modified"),
		row(30008, pAgent, "2024-03-13T10:06:07.7000000Z", "2024-03-13 10:06:07.696", "run", mRunPath+`\UEMS Agent`, depthMRun+`\UEMS Agent`, "benign",
			nil, "exec_policy_bypass", "hidden_window", "script_file_payload"),
	}
	rows[1].NetAfter, rows[1].SecondsAfter = 1, 2.304
	rows[1].RemoteAddresses, rows[1].RemoteHostnames = "203.0.113.90:443", "rat.example.invalid"
	exp := chainExpected{
		Comment: []string{
			"Rows sysmon_reg_net_chain must return for each of depth.xml, depth.ecs.jsonl, depth.nxlog.jsonl and depth.evtx (same events), window = 300 s. Verdicts come from the engine run_key_payloads uses (issue 9 item 7).",
			"30001 SharpHide: the value name starts with NUL, Sysmon logs the target ending in Run\\ => path Run\\\\0, hidden_value_name 20 + masquerading_image 40 (svchost.exe outside System32) + staging_folder_image 30 + user_writable_image 10 => malicious.",
			"30002 the user's Winlogon Shell has no default: winlogon_modified 40; the first program is winhost.exe in %APPDATA%\\Microsoft\\Network (user-writable, not a staging root): user_writable_image 10; its own connection 30003 (UtcTime 10:01:04.500) is 2.304 s after => network_after_write 5 => 55, suspicious.",
			"30004 rundll32 on a DLL by bare name Windows does not ship: rundll32_unusual_dll 30 => suspicious. 30005 Userinit with a second program: winlogon_modified 40 => suspicious. 30006 an EXE at the root of %APPDATA%: staging_folder_image 30 + user_writable_image 10 => suspicious.",
			"30007 Server Core's documented default shell, per user: no winlogon_modified, benign. 30008 a management agent's admin script under Program Files: -ExecutionPolicy Bypass -WindowStyle Hidden -File is how agents run, nothing else fires => benign.",
			"No row: 30003 (a NetworkConnect).",
		},
		Files:            []string{"depth.xml", "depth.ecs.jsonl", "depth.nxlog.jsonl", "depth.evtx"},
		Computer:         computer,
		Window:           300,
		SecondsTolerance: 0.002,
		RowCount:         len(rows),
		Rows:             rows,
		NoRowFor:         []int64{30003},
	}
	verifyChain(events, exp)
	return exp
}

var _ = time.Second
