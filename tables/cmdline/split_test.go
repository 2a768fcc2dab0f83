package cmdline

import (
	"reflect"
	"testing"
)

func TestSplit(t *testing.T) {
	env := map[string]string{"SystemRoot": `C:\Windows`, "ProgramFiles": `C:\Program Files`}
	tests := []struct {
		name string
		line string
		want Command
	}{
		{"empty", "", Command{}},
		{"only whitespace", " \t ", Command{}},
		{"quoted image with spaces",
			`"C:\Program Files\x\y.exe" /a "b c"`,
			Command{`C:\Program Files\x\y.exe`, `/a "b c"`, []string{"/a", "b c"}}},
		{"unquoted image with spaces",
			`C:\Program Files\Microsoft OneDrive\OneDrive.exe /background`,
			Command{`C:\Program Files\Microsoft OneDrive\OneDrive.exe`, "/background", []string{"/background"}}},
		{"unquoted image with spaces and no arguments",
			`C:\Program Files\Common Files\Java\Java Update\jusched.exe`,
			Command{`C:\Program Files\Common Files\Java\Java Update\jusched.exe`, "", nil}},
		{"Sysmon doubled variables",
			`%%SystemRoot%%\system32\SecurityHealthSystray.exe -x`,
			Command{`C:\Windows\system32\SecurityHealthSystray.exe`, "-x", []string{"-x"}}},
		{"variable names ignore case",
			`%PROGRAMFILES%\Windows Defender\MSASCuiL.exe`,
			Command{`C:\Program Files\Windows Defender\MSASCuiL.exe`, "", nil}},
		{"unknown variable stays",
			`%NOPE%\x.exe a`,
			Command{`%NOPE%\x.exe`, "a", []string{"a"}}},
		{"unterminated quoted image",
			`"C:\x y\z.exe -a`,
			Command{`C:\x y\z.exe -a`, "", nil}},
		{"unterminated quoted argument",
			`x.exe "a b`,
			Command{"x.exe", `"a b`, []string{"a b"}}},
		{"backslash quote rules",
			`x.exe a\\\"b "c\\" d\e a\\b`,
			Command{"x.exe", `a\\\"b "c\\" d\e a\\b`, []string{`a\"b`, `c\`, `d\e`, `a\\b`}}},
		{"doubled quote inside quotes ends the quoted part",
			`x.exe "a""b" c`,
			Command{"x.exe", `"a""b" c`, []string{`a"b c`}}},
		{"empty quoted argument",
			`x.exe "" b`,
			Command{"x.exe", `"" b`, []string{"", "b"}}},
		{"tabs separate",
			"x.exe\ta\t\tb",
			Command{"x.exe", "a\t\tb", []string{"a", "b"}}},
		{"argument glued to the quoted image",
			`"C:\a.exe"-x`,
			Command{`C:\a.exe`, "-x", []string{"-x"}}},
		{"userinit list",
			`C:\Windows\system32\userinit.exe,`,
			Command{`C:\Windows\system32\userinit.exe`, "", nil}},
		{"userinit list with a second entry",
			`C:\Windows\system32\userinit.exe,C:\Users\Public\evil.exe`,
			Command{`C:\Windows\system32\userinit.exe`, `C:\Users\Public\evil.exe`, []string{`C:\Users\Public\evil.exe`}}},
		{"extensionless system tool",
			`rundll32 javascript:"\..\mshtml,RunHTMLApplication ";alert(1)`,
			Command{"rundll32", `javascript:"\..\mshtml,RunHTMLApplication ";alert(1)`, []string{`javascript:\..\mshtml,RunHTMLApplication ;alert(1)`}}},
		{"extensionless system tool with a path",
			`C:\Windows\System32\mshta C:\x\y.exe`,
			Command{`C:\Windows\System32\mshta`, `C:\x\y.exe`, []string{`C:\x\y.exe`}}},
		{"a second path is not part of the image",
			`C:\tools\foo C:\x\y.vbs`,
			Command{`C:\tools\foo`, `C:\x\y.vbs`, []string{`C:\x\y.vbs`}}},
		{"an option ends the image search",
			`C:\tools\my tool -a x.exe`,
			Command{`C:\tools\my`, `tool -a x.exe`, []string{"tool", "-a", "x.exe"}}},
		{"leading whitespace",
			`   explorer.exe  `,
			Command{"explorer.exe", "", nil}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Split(tc.line, env)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Split(%q)\n got %#v\nwant %#v", tc.line, got, tc.want)
			}
		})
	}
}

func TestExpand(t *testing.T) {
	env := map[string]string{"A": "1", "SystemRoot": `C:\Windows`, "ProgramFiles(x86)": `C:\Program Files (x86)`}
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"%A%", "1"},
		{"%a%%A%", "11"},
		{"%%A%%", "1"},
		{"%%systemroot%%\\x", `C:\Windows\x`},
		{"%SYSTEMROOT%\\x", `C:\Windows\x`},
		{"%ProgramFiles(x86)%\\y", `C:\Program Files (x86)\y`},
		{"%X%", "%X%"},
		{"%%X%%", "%%X%%"},
		{"100% %A%", "100% 1"},
		{"%", "%"},
		{"%%", "%%"},
		{"%A", "%A"},
		{"new%20ActiveXObject(%A%)", "new%20ActiveXObject(1)"},
	}
	for _, tc := range tests {
		if got := Expand(tc.in, env); got != tc.want {
			t.Errorf("Expand(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := Expand("%A%", nil); got != "%A%" {
		t.Errorf("Expand with no env = %q", got)
	}
}
