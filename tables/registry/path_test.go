package registry

import (
	"strings"
	"testing"
)

func TestParsePathSpellings(t *testing.T) {
	const run = `Software\Microsoft\Windows\CurrentVersion\Run`
	tests := []struct {
		in   string
		want string
	}{
		{`HKLM\` + run, `HKEY_LOCAL_MACHINE\` + run},
		{`hklm\` + run, `HKEY_LOCAL_MACHINE\` + run},
		{`HKEY_LOCAL_MACHINE\` + run + `\`, `HKEY_LOCAL_MACHINE\` + run},
		{`HKU\S-1-5-21-1-2-3-1001\` + run, `HKEY_USERS\S-1-5-21-1-2-3-1001\` + run},
		{`HKCU\` + run, `HKEY_CURRENT_USER\` + run},
		{`\REGISTRY\MACHINE\` + run, `HKEY_LOCAL_MACHINE\` + run},
		{`\Registry\User\S-1-5-18\` + run, `HKEY_USERS\S-1-5-18\` + run},
		{`HKCU:` + run, `HKEY_CURRENT_USER\` + run},
		{`HKCU:\` + run, `HKEY_CURRENT_USER\` + run},
		{`HKLM:Software`, `HKEY_LOCAL_MACHINE\Software`},
		{`hkcu:software\microsoft`, `HKEY_CURRENT_USER\software\microsoft`},
		{`Registry::HKEY_CURRENT_USER\` + run, `HKEY_CURRENT_USER\` + run},
		{`Microsoft.PowerShell.Core\Registry::HKEY_LOCAL_MACHINE\` + run, `HKEY_LOCAL_MACHINE\` + run},
		{`registry::hkcu\` + run, `HKEY_CURRENT_USER\` + run},
		{`HKEY_CURRENT_USER\\Software\\Microsoft\\Windows`, `HKEY_CURRENT_USER\Software\Microsoft\Windows`},
		{`'HKCU:\Software\x'`, `HKEY_CURRENT_USER\Software\x`},
		{`"HKLM\Software\x\\"`, `HKEY_LOCAL_MACHINE\Software\x`},
		{`HKCU:/Software/x`, `HKEY_CURRENT_USER\Software\x`},
		{`Registry::HKEY_CURRENT_USER/Software//x/`, `HKEY_CURRENT_USER\Software\x`},
		// Outside PowerShell's provider paths `/` is part of a key name.
		{`HKLM\SYSTEM\CurrentControlSet\Control\Print\Monitors\Standard TCP/IP Port`, `HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\Print\Monitors\Standard TCP/IP Port`},
		{`\REGISTRY\MACHINE\SYSTEM\ControlSet001\Control\Print\Monitors\Standard TCP/IP Port\Driver`, `HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Control\Print\Monitors\Standard TCP/IP Port\Driver`},
		{`HKCR\.htm/x`, `HKEY_LOCAL_MACHINE\SOFTWARE\Classes\.htm/x`},
		// Sysmon's TargetObject for the monitor's DLL.
		{`HKLM\System\CurrentControlSet\Control\Print\Monitors\Standard TCP/IP Port\Driver`, `HKEY_LOCAL_MACHINE\System\CurrentControlSet\Control\Print\Monitors\Standard TCP/IP Port\Driver`},
		{`HKEY_CLASSES_ROOT\CLSID`, `HKEY_LOCAL_MACHINE\SOFTWARE\Classes\CLSID`},
		{`HKCR:\ms-settings\shell\open\command`, `HKEY_LOCAL_MACHINE\SOFTWARE\Classes\ms-settings\shell\open\command`},
		{`Registry::HKEY_CLASSES_ROOT\CLSID\{x}`, `HKEY_LOCAL_MACHINE\SOFTWARE\Classes\CLSID\{x}`},
		{`HKCR`, `HKEY_LOCAL_MACHINE\SOFTWARE\Classes`},
		{`HKU\S-1-5-21-1-2-3-1001_Classes\CLSID\{x}\InprocServer32`, `HKEY_USERS\S-1-5-21-1-2-3-1001\Software\Classes\CLSID\{x}\InprocServer32`},
		{`\REGISTRY\USER\S-1-5-21-1-2-3-1001_CLASSES\mscfile`, `HKEY_USERS\S-1-5-21-1-2-3-1001\Software\Classes\mscfile`},
		{`HKEY_USERS\S-1-5-21-1-2-3-1001_Classes`, `HKEY_USERS\S-1-5-21-1-2-3-1001\Software\Classes`},
		{`HKU\_Classes\x`, `HKEY_USERS\_Classes\x`},
		{`HKEY_USERS\S-1-5-21-1-2-3-1001\Software\Classes\x`, `HKEY_USERS\S-1-5-21-1-2-3-1001\Software\Classes\x`},
		{`HKLM`, `HKEY_LOCAL_MACHINE`},
		{`HKLM:`, `HKEY_LOCAL_MACHINE`},
	}
	for _, tt := range tests {
		got, ok := ParsePath(tt.in)
		if !ok {
			t.Errorf("ParsePath(%q) failed", tt.in)
			continue
		}
		if got.String() != tt.want {
			t.Errorf("ParsePath(%q) = %q, want %q", tt.in, got.String(), tt.want)
		}
	}
}

func TestParsePathRejects(t *testing.T) {
	for _, in := range []string{``, `C:\Windows\system32`, `Software\Microsoft`, `MACHINE\Software`, `foo:bar`, `\REGISTRY\A\x`, `$env:TEMP`, `HKCU/Software/x`} {
		if p, ok := ParsePath(in); ok {
			t.Errorf("ParsePath(%q) = %q, want no registry path", in, p)
		}
	}
}

func FuzzParsePath(f *testing.F) {
	for _, s := range []string{`HKCU:Software\x`, `\REGISTRY\USER\S-1\x`, `Registry::HKLM\\a\\`, `HKLM:`, `::`, `\\\\`, `HKCR:\CLSID`, `HKU\S-1_Classes_Classes\x`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, ok := ParsePath(s)
		if !ok {
			return
		}
		// The canonical form is a fixed point.
		again, ok := ParsePath(p.String())
		if !ok || again != p {
			t.Fatalf("ParsePath(%q) = %q, reparsed as %q (%v)", s, p, again, ok)
		}
		if strings.HasPrefix(p.Rel, `\`) || strings.HasSuffix(p.Rel, `\`) || strings.Contains(p.Rel, `\\`) {
			t.Fatalf("ParsePath(%q): unclean rel %q", s, p.Rel)
		}
	})
}

func TestMemHive(t *testing.T) {
	h := NewMemHive(HiveInfo{Root: `HKEY_USERS\S-1`, Scope: ScopeUser, SID: "S-1"})
	h.SetValue(`Software\Run`, Value{Name: "A", Type: RegSZ, Data: EncodeUTF16("a.exe")})
	h.SetValue(`software\run`, Value{Name: "a", Type: RegSZ, Data: EncodeUTF16("b.exe")})
	h.SetValue(`Software\Run\Sub`, Value{Name: "", Type: RegSZ, Data: EncodeUTF16("d")})
	k, err := h.Key(`SOFTWARE\RUN`)
	if err != nil {
		t.Fatal(err)
	}
	if k.Path != `HKEY_USERS\S-1\Software\Run` || len(k.Values) != 1 || k.Values[0].String() != "b.exe" {
		t.Errorf("key = %+v", k)
	}
	if len(k.Subkeys) != 1 || k.Subkeys[0] != "Sub" {
		t.Errorf("subkeys = %v", k.Subkeys)
	}
	h.DeleteValue(`Software\Run`, "A")
	h.DeleteKey(`Software\Run\Sub`)
	k, _ = h.Key(`Software\Run`)
	if len(k.Values) != 0 || len(k.Subkeys) != 0 {
		t.Errorf("after deletes: %+v", k)
	}
	if _, err := h.Key(`Software\Nope`); err != ErrNotFound {
		t.Errorf("missing key: %v", err)
	}
}

func TestValueString(t *testing.T) {
	tests := []struct {
		v    Value
		want string
	}{
		{Value{Type: RegSZ, Data: EncodeUTF16("x.exe")}, "x.exe"},
		{Value{Type: RegExpandSZ, Data: EncodeUTF16(`%windir%\a.exe`)}, `%windir%\a.exe`},
		{Value{Type: RegMultiSZ, Data: append(EncodeUTF16("a"), EncodeUTF16("b")...)}, "a\nb"},
		{Value{Type: RegDWORD, Data: []byte{1, 1, 0, 0}}, "257"},
		{Value{Type: RegQWORD, Data: []byte{2, 0, 0, 0, 0, 0, 0, 0}}, "2"},
		{Value{Type: RegBinary, Data: []byte{0xde, 0xad}}, "dead"},
		{Value{Type: RegSZ, Data: []byte{0x41}}, ""}, // odd length: trailing byte dropped
	}
	for _, tt := range tests {
		if got := tt.v.String(); got != tt.want {
			t.Errorf("%s %x: got %q want %q", TypeName(tt.v.Type), tt.v.Data, got, tt.want)
		}
	}
}
