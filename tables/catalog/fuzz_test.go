package catalog

import (
	"strings"
	"testing"

	"github.com/runkeyhunt/runkeyhunt/tables/registry"
)

// FuzzMatch feeds Sysmon-shaped key paths and data (untrusted: any
// process can write any key) to Match and the default comparison: no
// panic, a wildcard location always names its item, and a match is
// stable under the ControlSet00N spelling.
func FuzzMatch(f *testing.F) {
	f.Add(`SYSTEM\ControlSet001\Services\x\Parameters`, "ServiceDll", "autocheck autochk *\nx")
	f.Add(`SOFTWARE\Microsoft\Windows NT\CurrentVersion\Image File Execution Options\sethc.exe`, "Debugger", "cmd.exe")
	f.Add(`Software\Classes\ms-settings\shell\open\command`, "", "*\\*")
	f.Add(`SYSTEM\ControlSet00`, "", "")
	f.Fuzz(func(t *testing.T, key, value, data string) {
		for _, scope := range []string{registry.ScopeMachine, registry.ScopeUser} {
			loc, ok := Match(scope, key, value)
			if !ok {
				continue
			}
			if loc.Subkeys && loc.Item == "" && !strings.HasSuffix(key, `\`) {
				t.Errorf("%s matched %s with no item", key, loc.ID)
			}
			loc.IsDefault(data)
			loc.IsStrong()
			if again, ok2 := Match(scope, CurrentControlSet(key), value); !ok2 || again.ID != loc.ID {
				t.Errorf("%s: %s, but %s: %s %v", key, loc.ID, CurrentControlSet(key), again.ID, ok2)
			}
		}
	})
}

// FuzzMatchIndex: the index finds exactly what trying every location in
// order finds, item included, for any key path and value name.
func FuzzMatchIndex(f *testing.F) {
	f.Add(`SYSTEM\ControlSet001\Services\x\Parameters`, "ServiceDll")
	f.Add(`Software\Classes\CLSID\{X}\InprocServer32`, "")
	f.Add(`SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Run\`, "a")
	f.Add(`software\classes\\shell\open\command`, "")
	f.Fuzz(func(t *testing.T, key, value string) {
		for _, scope := range []string{registry.ScopeMachine, registry.ScopeUser} {
			checkIndexAgrees(t, scope, key, value)
		}
	})
}

func checkIndexAgrees(t *testing.T, scope, key, value string) {
	t.Helper()
	got, ok := Match(scope, key, value)
	want, wantOK := matchLinear(All, scope, CurrentControlSet(strings.Trim(key, `\`)), value)
	if ok != wantOK || got.ID != want.ID || got.Scope != want.Scope || got.Item != want.Item {
		t.Errorf("Match(%s, %q, %q) = %s %q %v, every location in order gives %s %q %v", scope, key, value, got.ID, got.Item, ok, want.ID, want.Item, wantOK)
	}
}
