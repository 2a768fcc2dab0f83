package catalog

import (
	"strings"
	"testing"
)

func TestProxyMatch(t *testing.T) {
	tests := []struct {
		image     string
		args      []string
		ok        bool
		launcher  bool
		innerFrom int
	}{
		{"pcalua.exe", []string{"-a", `C:\x.exe`}, true, false, 1},
		{`C:\Windows\System32\PCALUA`, []string{"/a", `C:\x.exe`}, true, false, 1},
		{"pcalua.exe", []string{"-abc"}, false, false, 0},
		{"forfiles", []string{"/p", `c:\windows`, "/m", "notepad.exe", "/c", "cmd /c x"}, true, false, 5},
		{"wmic.exe", []string{"process", "call", "create", "x.exe"}, true, false, 3},
		{"wmic.exe", []string{"os", "get", "caption"}, false, false, 0},
		{"msiexec", []string{"/q", "/i", "http://x/a.msi"}, true, false, 0},
		{"msiexec", []string{"/i", `C:\setup.msi`}, false, false, 0},
		{"rundll32.exe", []string{"url.dll,FileProtocolHandler", "x.exe"}, true, false, 1},
		{"rundll32.exe", []string{`C:\Windows\System32\shell32.dll,ShellExec_RunDLL`, "x.exe"}, true, false, 1},
		{"rundll32.exe", []string{"printui.dll,PrintUIEntry"}, false, false, 0},
		{"cmd.exe", []string{"/q", "/c", "del", "x"}, true, true, 2},
		{"conhost.exe", []string{"--headless", "x.exe"}, true, false, 1},
		{"conhost.exe", []string{"x.exe"}, true, true, 0},
		{"mshta", nil, false, false, 0},
		{"certutil.exe", []string{"/urlcache", "-f", "http://x"}, true, false, 0},
		{"notepad.exe", []string{"x"}, false, false, 0},
	}
	for _, tt := range tests {
		p, found := ProxyFor(tt.image)
		ok := false
		var s Shape
		inner := 0
		if found {
			s, inner, ok = p.Match(tt.args)
		}
		if ok != tt.ok || ok && (s.Launcher != tt.launcher || s.Inner && inner != tt.innerFrom) {
			t.Errorf("%s %q: ok=%v launcher=%v inner=%d, want %v %v %d", tt.image, tt.args, ok, s.Launcher, inner, tt.ok, tt.launcher, tt.innerFrom)
		}
	}
}

func TestStagingFolderMatch(t *testing.T) {
	root := func(name string) StagingFolder {
		for _, f := range StagingFolders {
			if f.Name == name {
				return f
			}
		}
		t.Fatalf("no staging folder %q", name)
		return StagingFolder{}
	}
	appdata := root("%APPDATA% (root)")
	if !appdata.Match(`\users\alice\appdata\roaming\`) || appdata.Match(`\users\alice\appdata\roaming\spotify\`) {
		t.Errorf("%%APPDATA%% root must match only the folder itself")
	}
	if !root("drive root").Match(`\`) || root("drive root").Match(`\tools\`) {
		t.Errorf("drive root must match only the root")
	}
}

func TestKnownAutorunImages(t *testing.T) {
	if imgs, ok := KnownAutorunImages(" SecurityHealth "); !ok || imgs[0] != "securityhealthsystray.exe" {
		t.Errorf("SecurityHealth = %q, %v", imgs, ok)
	}
	if _, ok := KnownAutorunImages("Updater"); ok {
		t.Errorf("Updater is not a well-known name")
	}
}

// TestCatalogsWellFormed: every list entry is in the form its matcher
// compares (lower case, folders ending in a backslash) and every proxy
// names its source.
func TestCatalogsWellFormed(t *testing.T) {
	lowerDir := func(what, d string) {
		if d != strings.ToLower(d) || !strings.HasPrefix(d, `\`) || !strings.HasSuffix(d, `\`) {
			t.Errorf("%s: folder %q must be lower-case, start and end with a backslash", what, d)
		}
	}
	for name, dirs := range SystemBinaries {
		if name != strings.ToLower(name) || !strings.HasSuffix(name, ".exe") {
			t.Errorf("system binary %q", name)
		}
		for _, d := range dirs {
			lowerDir(name, d)
		}
	}
	for _, f := range StagingFolders {
		if (f.Contains == "") == (f.Root == "") {
			t.Errorf("staging folder %q needs exactly one of Contains and Root", f.Name)
		}
		lowerDir(f.Name, f.Contains+f.Root)
	}
	for _, d := range UserWritableFolders {
		lowerDir("user-writable", d)
	}
	for name, images := range WellKnownAutoruns {
		if name != strings.ToLower(name) || len(images) == 0 {
			t.Errorf("well-known autorun %q", name)
		}
	}
	for _, p := range Proxies {
		if p.Source == "" || len(p.Shapes) == 0 || p.Binary != strings.ToLower(p.Binary) {
			t.Errorf("proxy %q: source %q, %d shapes", p.Binary, p.Source, len(p.Shapes))
		}
	}
}
