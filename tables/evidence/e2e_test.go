package evidence_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/runkeyhunt/runkeyhunt/tables/evidence"
	"github.com/runkeyhunt/runkeyhunt/tables/runkeypayloads"
)

// TestRunKeyPayloadsImageColumns reads a drive-layout collection whose
// Run key points at the fixtures, through the run_key_payloads table's
// offline path: the image columns and indicators land in the rows.
func TestRunKeyPayloadsImageColumns(t *testing.T) {
	unsigned, signed, _ := evidence.FixturePaths(t)
	root := evidence.TempDir(t)
	drive := filepath.Join(root, "C")
	for rel, src := range map[string]string{
		`Users/bob/AppData/Roaming/Updater/svchost32.exe`:         unsigned,
		`Users/bob/AppData/Local/Microsoft/OneDrive/OneDrive.exe`: signed,
		`Program Files/Good/good.exe`:                             signed,
	} {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(drive, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tool := filepath.Join(drive, "Users", "bob", "AppData", "Local", "Tool", "tool.exe")
	if err := os.MkdirAll(filepath.Dir(tool), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tool, evidence.SyntheticPE("tool.exe", "Contoso"), 0o644); err != nil {
		t.Fatal(err)
	}
	reg := "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n" +
		`"Updater"="C:\\Users\\bob\\AppData\\Roaming\\Updater\\svchost32.exe /q"` + "\r\n" +
		`"OneDrive"="\"C:\\Users\\bob\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe\" /background"` + "\r\n" +
		`"Gone"="C:\\Users\\bob\\AppData\\Roaming\\Updater\\gone.exe"` + "\r\n" +
		`"Good"="rundll32.exe \"C:\\Program Files\\Good\\good.exe\",Run"` + "\r\n" +
		`"Elsewhere"="D:\\tools\\x.exe"` + "\r\n" +
		`"Tool"="C:\\Users\\bob\\AppData\\Local\\Tool\\tool.exe"` + "\r\n"
	if err := os.WriteFile(filepath.Join(drive, "Users", "bob", "NTUSER.reg"), []byte(reg), 0o644); err != nil {
		t.Fatal(err)
	}
	rows, err := runkeypayloads.Generate(context.Background(), root, runkeypayloads.Options{})
	if err != nil {
		t.Fatal(err)
	}
	type want struct{ exists, signed, signer, original, indicators, verdict string }
	wants := map[string]want{
		"Updater":   {"1", "unsigned", "", "cmd.exe", "original_name_mismatch,unsigned_image,user_writable_image", "suspicious"},
		"OneDrive":  {"1", "signed", evidence.TestSigner, "cmd.exe", "original_name_mismatch,signer_mismatch,user_writable_image", "malicious"},
		"Gone":      {"0", "", "", "", "image_missing,user_writable_image", "benign"},
		"Good":      {"1", "signed", evidence.TestSigner, "cmd.exe", "original_name_mismatch,script_file_payload", "suspicious"}, // rundll32's DLL
		"Elsewhere": {"", "", "", "", "", "benign"},
		// An unsigned per-user tool alone stays benign.
		"Tool": {"1", "unsigned", "", "tool.exe", "unsigned_image,user_writable_image", "benign"},
	}
	seen := 0
	for _, r := range rows {
		w, ok := wants[r.Name]
		if !ok {
			continue
		}
		seen++
		m := runkeypayloads.RowMap(r, root)
		got := want{m["image_exists"], m["image_signed"], m["image_signer"], m["image_original_name"], m["indicators"], m["verdict"]}
		if got != w {
			t.Errorf("%s:\n got %+v\nwant %+v", r.Name, got, w)
		}
		if w.exists == "1" && (len(m["image_sha256"]) != 64 || m["image_size"] == "0" || m["image_company"] == "") {
			t.Errorf("%s: sha %q size %q company %q", r.Name, m["image_sha256"], m["image_size"], m["image_company"])
		}
	}
	if seen != len(wants) {
		t.Errorf("%d of %d values found in %d rows", seen, len(wants), len(rows))
	}
}
