// Package indicators declares every indicator id, what it matches and its
// weight. Scores, the README's indicator table and the fleet reporter all
// read this one list.
package indicators

import (
	"sort"
	"strings"
)

// Indicator ids (SPEC §6). They are stable: packs and policies match on them.
const (
	EncodedCommand           = "encoded_command"
	HiddenWindow             = "hidden_window"
	NoProfile                = "no_profile"
	ExecPolicyBypass         = "exec_policy_bypass"
	RegistryPayload          = "registry_payload"
	ADSPayload               = "ads_payload"
	EventlogPayload          = "eventlog_payload"
	ScriptFilePayload        = "script_file_payload"
	DownloadCradle           = "download_cradle"
	InvokeExpression         = "invoke_expression"
	ReflectionLoad           = "reflection_load"
	AMSIBypass               = "amsi_bypass"
	ScriptblockLoggingBypass = "scriptblock_logging_bypass"
	CompressedPayload        = "compressed_payload"
	HighEntropy              = "high_entropy"
	LolbinScript             = "lolbin_script"
	UserWritableImage        = "user_writable_image"
	HiddenValueName          = "hidden_value_name"
	NetworkBeforeWrite       = "network_before_write"
	NetworkAfterWrite        = "network_after_write"
	TwoStageWrite            = "two_stage_write"
	WinlogonModified         = "winlogon_modified"
	MasqueradingImage        = "masquerading_image"
	StagingFolderImage       = "staging_folder_image"
	RandomName               = "random_name"
	AutorunNameMismatch      = "autorun_name_mismatch"
	UnusualExtension         = "unusual_extension"
	Rundll32UnusualDLL       = "rundll32_unusual_dll"
	LolbinProxy              = "lolbin_proxy"
	UnsignedImage            = "unsigned_image"
	OriginalNameMismatch     = "original_name_mismatch"
	SignerMismatch           = "signer_mismatch"
	ImageMissing             = "image_missing"
	EnvIndirection           = "env_indirection"
	FileWithoutPath          = "file_without_path"
	DefaultChanged           = "default_changed"
	StrongLocation           = "strong_location"
	ShadowedMachineCLSID     = "shadowed_machine_clsid"
	UnusualWriter            = "unusual_writer"
)

// Definition documents one indicator.
type Definition struct {
	ID      string
	Weight  int
	Matches string
}

// All lists every indicator with its weight, in documentation order.
var All = []Definition{
	{EncodedCommand, 25, "PowerShell `-EncodedCommand` in any abbreviation (`-e`, `-en`, `-enc`, `-ec`, ...) in the command or the decoded payload"},
	{HiddenWindow, 15, "`-WindowStyle Hidden` in any abbreviation (`-w hidden`, `-win h`), `[Diagnostics.ProcessWindowStyle]::Hidden`, `start /min`/`/b` with a script host, `.Run(..., 0)`"},
	{NoProfile, 5, "PowerShell `-NoProfile` / `-nop`"},
	{ExecPolicyBypass, 10, "`-ExecutionPolicy Bypass|Unrestricted` / `-ep bypass`, or `Set-ExecutionPolicy` in the payload"},
	{RegistryPayload, 40, "the command reads code from another registry value (`gp`, `Get-ItemProperty`, `.GetValue`, `RegRead`, `reg query`)"},
	{ADSPayload, 40, "the command reads or runs an NTFS alternate data stream (`file:stream`)"},
	{EventlogPayload, 40, "the command reads code back from an event-log record (`Get-EventLog`, `Get-WinEvent`)"},
	{ScriptFilePayload, 20, "the command runs a script file (`powershell -File`, wscript/cscript/mshta/cmd/rundll32/regsvr32 on a script)"},
	{DownloadCradle, 30, "`Net.WebClient`, `DownloadString`/`DownloadData`/`DownloadFile`, `Invoke-WebRequest`/`iwr`, `Start-BitsTransfer`, `XMLHTTP`, `bitsadmin /transfer`, `certutil -urlcache`, or a URL handed to a script host (`GetObject(\"script:http...\")`, `mshta http...`)"},
	{InvokeExpression, 20, "`Invoke-Expression`/`IEX`, `eval(`/`Execute(`/`ExecuteGlobal` in script-host code, `.Invoke(` on a script block, `Invoke-Command -ScriptBlock`, `[ScriptBlock]::Create`, `$ExecutionContext.InvokeCommand.InvokeScript`"},
	{ReflectionLoad, 25, "`[Reflection.Assembly]::Load`, `Add-Type` with inline code, `VirtualAlloc`, `GetDelegateForFunctionPointer`"},
	{AMSIBypass, 35, "`AmsiUtils`, `amsiInitFailed`, `AmsiScanBuffer`"},
	{ScriptblockLoggingBypass, 35, "`cachedGroupPolicySettings`, `EnableScriptBlockLogging`, `ScriptBlockLogging` tampering"},
	{CompressedPayload, 15, "a deflate or gzip layer was peeled from the payload (`IO.Compression` in the text counts too)"},
	{HighEntropy, 10, "the payload is at least 64 bytes and holds a binary stage (raw, or under base64) with Shannon entropy at or above 7.0 bits per byte: compressed or encrypted data"},
	{LolbinScript, 25, "mshta/rundll32 running `javascript:`/`vbscript:`, regsvr32 `/i:` scriptlets (`scrobj.dll`), `ActiveXObject`, `WScript.Shell`"},
	{UserWritableImage, 10, "the executable, a program a LOLBin proxy or `cmd /c`/`start` starts, or the script file the command runs, lives under a user-writable folder (`%APPDATA%`, `%TEMP%`, `\\Users\\Public`, `\\ProgramData`, `\\Windows\\Temp`)"},
	{HiddenValueName, 20, "the value name starts with NUL or is not printable, so regedit cannot show it"},
	{NetworkBeforeWrite, 5, "the writing process made a network connection within the window before the registry write"},
	{NetworkAfterWrite, 5, "the writing process made a network connection within the window after the registry write"},
	{TwoStageWrite, 30, "the same process wrote an autorun value and the payload location that its command reads"},
	{WinlogonModified, 40, "Winlogon `Shell`/`Userinit` (the machine's or a user's) or a user's `Policies\\System\\Shell` is not one of Windows' own values (`explorer.exe`, `userinit.exe,`, Server Core's `cmd.exe /c ... runonce.exe /AlternateShellStartup`); a user's have no default, so any other value there counts"},
	{MasqueradingImage, 40, "the image has the name of a Windows system binary (`svchost.exe`, `lsass.exe`, `explorer.exe`, `rundll32.exe`, ... the list in `tables/catalog`) but runs from another folder than the one Windows keeps it in"},
	{StagingFolderImage, 30, "the image, or one a proxy starts, lives where no installer puts an autorun: `%TEMP%`, `\\Windows\\Temp`, `\\Users\\Public`, `$Recycle.Bin`, `\\PerfLogs`, `\\Windows\\Tasks`, the roots of `\\ProgramData`, `%APPDATA%`, `%LOCALAPPDATA%`, the user profile or the drive, a non-Windows file directly in `\\Windows` (per-user installs in `%LOCALAPPDATA%\\<Vendor>\\<App>` are not)"},
	{RandomName, 20, "a file or folder name of the image that looks generated: a run of 6+ letters and digits that changes between upper case, lower case and digit at 60% or more of its character pairs (`Xk3vQp9RtL2w`), or 10+ letters with under 10% vowels; hex strings (hashes, GUIDs) excepted"},
	{AutorunNameMismatch, 30, "a well-known autorun value name (`SecurityHealth`, `OneDrive`, `Windows Defender`, `ctfmon`, vendor names, the list in `tables/catalog`) whose command runs another program than that name runs"},
	{UnusualExtension, 25, "an image with an extension installers do not use for autoruns (`.scr`, `.pif`, `.com` outside System32, `.cpl`, `.hta`), a `control.exe` applet path, or a double extension (`invoice.pdf.exe`)"},
	{Rundll32UnusualDLL, 30, "rundll32 loading a DLL by bare name that Windows does not ship, or a DLL in a user-writable folder"},
	{LolbinProxy, 30, "a Windows binary that proxies execution or fetches code, called in the shape that does it (`pcalua -a`, `forfiles /c`, `cmstp /s`, `msiexec /i http`, `hh http`, `mshta`, `regsvr32 /i:`, rundll32 `url.dll,FileProtocolHandler`/`shell32,ShellExec_RunDLL`/..., `wmic process call create`, `bitsadmin`, `certutil -urlcache`, `msbuild`, `installutil`, `conhost --headless`, cscript/wscript on a user-writable script; the LOLBAS table in `tables/catalog`); the command it starts is split and scored too (so are those of `cmd /c`, `start`, `explorer <path>`)"},
	{UnsignedImage, 15, "the image that runs (the DLL of rundll32/regsvr32, the target of `cmd /c start`/`pcalua -a`) is a PE without a valid signature (`image_signed` `unsigned` or `invalid`) in a user-writable folder"},
	{OriginalNameMismatch, 35, "the version resource (CompanyName Microsoft) names as OriginalFilename a Windows binary (`cmd.exe`, `powershell.exe`, `rundll32.exe`, ...) other than the file's name, or a Windows binary runs under its own name outside `\\Windows\\`"},
	{SignerMismatch, 35, "a well-known autorun name (`OneDrive.exe`, `Teams.exe`, `msedge.exe`, `GoogleUpdate.exe`, ...) not signed by its vendor"},
	{ImageMissing, 10, "the image is absent from a folder the evidence holds (live: the file does not exist): a cleaned-up implant, or a trap"},
	{EnvIndirection, 20, "the command names a `%VARIABLE%` that Windows does not define and the user's or the machine's `Environment` key holds (SharPersist's env method); the command is scored with it expanded"},
	{FileWithoutPath, 30, "PowerShell `-File` with no script after it: nothing an installer writes (a PowerShell with no command at all runs only its profiles, which are reported as `file` payloads)"},
	{DefaultChanged, 40, "an autostart location that holds one value Windows sets (`BootExecute`, the LSA package lists, `AppInit_DLLs`, the `Startup` shell folders, the netsh helpers, ...: the catalog's defaults) holds something else; lists compare item by item"},
	{StrongLocation, 40, "the location is one no installer uses for this item: an IFEO `Debugger` on an accessibility binary, any `SilentProcessExit` monitor, a per-user handler for `ms-settings`/`mscfile`/`exefile`/`Folder`, `Office test`, a shim database"},
	{UnusualWriter, 20, "a Sysmon write Sysmon logs as `Binary Data` (a REG_MULTI_SZ: `BootExecute`, `SetupExecute`, the LSA package lists) was made by a registry editor or script host (`reg.exe`, `powershell.exe`, `cmd.exe`, `wmic.exe`, ...) or by a binary in a user-writable folder (sysmon_reg_net_chain; the lists in `tables/catalog/writers.go`)"},
	{ShadowedMachineCLSID, 40, "a per-user COM server (`HKCU\\Software\\Classes\\CLSID\\{...}\\InprocServer32`/`LocalServer32`) overrides a class the machine registers: the COM-hijack shape (run_key_payloads, which reads the machine's classes)"},
}

var weights = func() map[string]int {
	m := make(map[string]int, len(All))
	for _, d := range All {
		m[d.ID] = d.Weight
	}
	return m
}()

// Weight returns the weight of an indicator id (0 for unknown ids).
func Weight(id string) int { return weights[id] }

// Verdict thresholds (SPEC §6).
const (
	SuspiciousAt = 30
	MaliciousAt  = 70
)

// Set collects indicator ids without duplicates.
type Set map[string]struct{}

// Add puts ids into the set.
func (s Set) Add(ids ...string) {
	for _, id := range ids {
		if id != "" {
			s[id] = struct{}{}
		}
	}
}

// Has reports whether id is in the set.
func (s Set) Has(id string) bool { _, ok := s[id]; return ok }

// Sorted returns the ids in lexical order.
func (s Set) Sorted() []string {
	out := make([]string, 0, len(s))
	for id := range s {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// String is the column form: sorted, comma-separated.
func (s Set) String() string { return strings.Join(s.Sorted(), ",") }

// Score sums the weights, capped at 100.
func (s Set) Score() int {
	total := 0
	for id := range s {
		total += weights[id]
	}
	if total > 100 {
		total = 100
	}
	return total
}

// Verdict maps a score to benign, suspicious or malicious.
func Verdict(score int) string {
	switch {
	case score >= MaliciousAt:
		return "malicious"
	case score >= SuspiciousAt:
		return "suspicious"
	default:
		return "benign"
	}
}
