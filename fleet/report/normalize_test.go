package report

import "testing"

func TestNormalizeCommand(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`"C:\Users\alice\AppData\Local\Microsoft\OneDrive\OneDrive.exe" /background`, `"c:\users\<user>\appdata\local\microsoft\onedrive\onedrive.exe" /background`},
		{`"C:\Users\Bob Smith\AppData\Local\Microsoft\OneDrive\OneDrive.exe" /background`, `"c:\users\<user>\appdata\local\microsoft\onedrive\onedrive.exe" /background`},
		{`C:\ProgramData\{8F2C1A3E-5B7D-4E9F-A1B2-C3D4E5F60708}\setup.exe /S-1-5-21-1004336348-1177238915-682003330-1001`, `c:\programdata\<guid>\setup.exe /<sid>`},
		{`powershell -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA`, `powershell -enc <base64>`},
		{`"C:\Program Files\App\23.038.0219.0001\app.exe"`, `"c:\program files\app\<version>\app.exe"`},
		{`  explorer.exe  `, `explorer.exe`},
	} {
		if got := NormalizeCommand(c.in); got != c.want {
			t.Errorf("NormalizeCommand(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}
