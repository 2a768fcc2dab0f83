package evidence

import (
	"errors"
	"testing"
)

func TestLivePath(t *testing.T) {
	ok := map[string]string{
		`C:\Windows\System32\cmd.exe`:      `C:\Windows\System32\cmd.exe`,
		`c:/Users/bob/a.exe`:               `c:\Users\bob\a.exe`,
		`\\?\D:\x\y.dll`:                   `D:\x\y.dll`,
		`C:\Program Files (x86)\a b\c.exe`: `C:\Program Files (x86)\a b\c.exe`,
	}
	for in, want := range ok {
		if got, err := livePath(in); err != nil || got != want {
			t.Errorf("%q: %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{``, `cmd.exe`, `\\server\share\x.exe`, `C:x.exe`, `C:\x.txt:evil.exe`, `C:\a\..\Windows\x.exe`, `C:\a\\b.exe`, `C:\*.exe`, "C:\\a\x00.exe", `\\?\UNC\s\x.exe`, `C:\`} {
		if _, err := livePath(in); !errors.Is(err, ErrPathRefused) {
			t.Errorf("%q: %v, want refused", in, err)
		}
	}
}
