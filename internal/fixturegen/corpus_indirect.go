package main

// The values below cover issue 9 items 4, 5 and 8: commands reached through
// an Environment key or a PowerShell profile, a user's own Winlogon and
// Policies\System shell, and the admin-script lines management agents and
// logon scripts write (benign from admin folders, not from writable ones).

func addIndirectCorpus(c *corpusFile) {
	const (
		la      = `C:\Users\alice\AppData`
		lb      = `C:\Users\bob\AppData`
		u1Env   = `HKEY_USERS\` + sid1 + `\Environment`
		u2Env   = `HKEY_USERS\` + sid2 + `\Environment`
		u1WL    = u1 + ntcvRel + `\Winlogon`
		u2WL    = u2 + ntcvRel + `\Winlogon`
		u1PolSy = u1CV + `\Policies\System`
		u2PolSy = u2CV + `\Policies\System`
		admin   = `powershell.exe -ExecutionPolicy Bypass -WindowStyle Hidden -NoProfile -File `
	)
	// ------------------------------------------------------------ item 4: indirection
	// Windows' own and common installers' variables stay as they are.
	c.store(u1Env, expandSZ("TEMP", `%USERPROFILE%\AppData\Local\Temp`))
	c.store(u1Env, expandSZ("OneDrive", la[:len(la)-len(`\AppData`)]+`\OneDrive`))
	// SharPersist -t reg -k hkcuenvstartup: the command sits in a user
	// variable and the Run value names only the variable.
	c.store(u1Env, expandSZ("sysupdate", la+`\Local\Temp\sysupdate.exe`))
	c.add(bad(u1Run, expandSZ("SysUpdate", `%sysupdate%`), "run", "sharpersist_env_hkcu", "env_indirection", "staging_folder_image"))
	// The same with an encoded PowerShell in the variable. (HKLM's
	// Environment lives in the SYSTEM hive, which the corpus's hive twin
	// lacks; TestRunValueThroughEnvironmentKeys covers it.)
	c.store(u2Env, sz("WinTelemetry", `powershell.exe -nop -w hidden -enc `+encUTF16(cradle("sharpersist-env", "/env"))))
	c.add(bad(u2Run, expandSZ("WinTelemetry", `%WinTelemetry%`), "run", "sharpersist_env_encoded", "env_indirection", "encoded_command", "hidden_window"))
	// PowerSploit Add-Persistence, profile mode: the code is appended to
	// $PROFILE; the Run value starts a hidden PowerShell with no command.
	c.add(bad(u2Run, sz("PSUpdater", `C:\WINDOWS\system32\WindowsPowerShell\v1.0\powershell.exe -NonInteractive -WindowStyle Hidden`), "run", "powersploit_add_persistence_profile",
		"hidden_window", "script_file_payload"))
	// The same with PowerShell 7, whose profiles live under Documents\PowerShell.
	c.add(bad(u1Run, sz("pwshUpdater", `"C:\Program Files\PowerShell\7\pwsh.exe" -NoLogo -NonInteractive -WindowStyle Hidden`), "run", "powersploit_profile_pwsh",
		"hidden_window", "script_file_payload"))
	// -File with nothing after it: the profile again, and no installer's line.
	c.add(bad(u1RunOnce, sz("WinMgmt", `powershell.exe -w hidden -File`), "run_once", "powershell_file_without_path", "file_without_path"))
	// Benign: vendor autoruns through standard variables.
	c.add(good(u2Run, expandSZ("SunJavaUpdateSched", `"%ProgramFiles(x86)%\Common Files\Java\Java Update\jusched.exe"`), "run", "java_update"))
	c.add(good(u2Run, expandSZ("RtkAudUService", `"%SystemRoot%\System32\RtkAudUService64.exe" -background`), "run", "realtek_audio"))

	// ------------------------------------------------------------ item 5: Winlogon per user
	// A user's Winlogon Shell that prepends a binary in %APPDATA%
	// (T1547.004 as Turla, Ursnif and commodity RATs write it).
	c.add(bad(u1WL, sz("Shell", `explorer.exe, `+la+`\Roaming\Microsoft\Network\winhost.exe`), "winlogon_shell", "winlogon_user_shell_appdata", "winlogon_modified"))
	c.add(bad(u2WL, sz("Userinit", `C:\Windows\system32\userinit.exe,`+lb+`\Local\Temp\ui.exe`), "winlogon_userinit", "winlogon_user_userinit", "winlogon_modified"))
	c.add(bad(u1PolSy, sz("Shell", `C:\ProgramData\Intel\igfxtray.exe`), "policies_system_shell", "policies_system_shell_user", "winlogon_modified"))
	// Benign: Server Core's documented default shell and Windows' own values.
	c.add(good(u2WL, sz("Shell", `cmd.exe /c "cd /d "%USERPROFILE%" & start cmd.exe /k runonce.exe /AlternateShellStartup"`), "winlogon_shell", "server_core_shell"))
	c.add(good(u1WL, sz("Userinit", `C:\Windows\system32\userinit.exe,`), "winlogon_userinit", "winlogon_default_user"))
	c.add(good(u2PolSy, sz("Shell", `explorer.exe`), "policies_system_shell", "policies_shell_default"))

	// ------------------------------------------------------------ item 8: admin scripts
	c.add(good(mRun, sz("UEMS Agent", admin+`"C:\Program Files (x86)\ManageEngine\UEMS_Agent\bin\agent_startup.ps1"`), "run", "manageengine_agent_script"))
	c.add(good(mRun, sz("IntuneDriveMap", admin+`"C:\Program Files\IntuneScripts\DriveMapping.ps1"`), "run", "intune_drive_mapping"))
	c.add(good(u1Run, sz("LogonScript", admin+`\\corp.example.com\NETLOGON\logon.ps1`), "run", "netlogon_logon_script"))
	c.add(good(u2Run, sz("MapDrives", admin+`\\corp.example.com\SYSVOL\corp.example.com\scripts\MapDrives.ps1`), "run", "sysvol_logon_script"))
	c.add(good(mRunOnce, sz("OSDCleanup", admin+`C:\Windows\Setup\Scripts\cleanup.ps1`), "run_once", "osd_setup_script"))
	c.add(good(mRun, sz("CCMHealth", admin+`C:\Windows\CCM\ScriptStore\CCMHealthCheck.ps1`), "run", "configmgr_client_script"))
	c.add(good(mWowRun, sz("DellCommandUpdate", admin+`"C:\Program Files (x86)\Dell\CommandUpdate\Scripts\dcu_logon.ps1"`), "run_wow64", "dell_command_update_script"))
	c.add(good(mRun, sz("IMEScriptRunner", `powershell.exe -NoProfile -ExecutionPolicy Bypass -WindowStyle Hidden -File "C:\Program Files (x86)\Microsoft Intune Management Extension\Policies\Scripts\logon.ps1"`), "run", "intune_management_extension_script"))
	c.add(bad(mRun, sz("SysMaint", admin+`C:\ProgramData\sysmaint.ps1`), "run", "admin_line_programdata_script", "script_file_payload", "user_writable_image"))
	c.add(bad(u1Run, sz("InvoiceScript", admin+`C:\Users\alice\Downloads\invoice.ps1`), "run", "admin_line_downloads_script", "script_file_payload", "user_writable_image"))
	c.add(bad(u1Run, sz("Maintenance", admin+la+`\Local\Temp\maint.ps1`), "run", "admin_line_temp_script", "script_file_payload", "user_writable_image"))
	c.add(bad(u2Run, sz("Maintenance", admin+`C:\Users\Public\maint.ps1`), "run", "admin_line_public_script", "script_file_payload", "user_writable_image"))
}
