// Package hivetest builds real regf hive files for tests with independent
// tools (chntpw's reged to import, hivex's hivexsh to clear the base hive),
// and dumps any registry.Hive as deterministic text for comparisons.
//
// The builders start from regparser's own test hive (testdata/NTUSER.DAT in
// the module cache), remove everything under its root, then import the .reg
// text. Tests skip when reged, hivexsh or that file is missing; CI installs
// the Debian packages chntpw and libhivex-bin.
//
// reged's import has limits the .reg text must respect: keys must start
// with the prefix the builder imports under (HKEY_CURRENT_USER for user
// hives, HKEY_LOCAL_MACHINE\SOFTWARE for SOFTWARE hives), no deletions
// ([-KEY] or "name"=- make reged abort), and ASCII text.
package hivetest

import (
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"unicode/utf16"

	"github.com/runkeyhunt/runkeyhunt/tables/registry"
)

const regparserModule = "www.velocidex.com/golang/regparser"

var (
	baseOnce sync.Once
	basePath string
	baseErr  error
)

// BaseHive locates regparser's testdata/NTUSER.DAT, a real Windows XP
// user hive.
func BaseHive() (string, error) {
	baseOnce.Do(func() {
		out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", regparserModule).Output()
		if err != nil {
			baseErr = fmt.Errorf("locate %s: %w", regparserModule, err)
			return
		}
		basePath = filepath.Join(strings.TrimSpace(string(out)), "testdata", "NTUSER.DAT")
		if _, err := os.Stat(basePath); err != nil {
			baseErr = err
		}
	})
	return basePath, baseErr
}

// RequireTools skips the test when reged or hivexsh is missing.
func RequireTools(t testing.TB) {
	t.Helper()
	for _, tool := range []struct{ name, pkg string }{{"reged", "chntpw"}, {"hivexsh", "libhivex-bin"}} {
		if _, err := exec.LookPath(tool.name); err != nil {
			t.Skipf("%s not installed (apt-get install %s): hive fixtures cannot be built", tool.name, tool.pkg)
		}
	}
}

// emptyHive copies the base hive to dir/fileName and removes every key
// under its root.
func emptyHive(t testing.TB, dir, fileName string) string {
	t.Helper()
	RequireTools(t)
	base, err := BaseHive()
	if err != nil {
		t.Skipf("base hive unavailable: %v", err)
	}
	data, err := os.ReadFile(base)
	if err != nil {
		t.Fatalf("read base hive: %v", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, fileName)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	ls := exec.Command("hivexsh", path)
	ls.Stdin = strings.NewReader("ls\n")
	out, err := ls.Output()
	if err != nil {
		t.Fatalf("hivexsh ls %s: %v\n%s", path, err, out)
	}
	script := []string{}
	for _, name := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if name = strings.TrimSpace(name); name != "" {
			script = append(script, `cd \`+name, "del")
		}
	}
	script = append(script, "commit")
	cmd := exec.Command("hivexsh", "-w", path)
	cmd.Stdin = strings.NewReader(strings.Join(script, "\n") + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("hivexsh clear %s: %v\n%s", path, err, out)
	}
	return path
}

// importReg imports regText into the hive with reged under prefix.
func importReg(t testing.TB, hive, prefix, regText string) {
	t.Helper()
	regPath := hive + ".import.reg"
	if err := os.WriteFile(regPath, []byte(regText), 0o644); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(regPath)
	// reged exits non-zero even on success; its report says how it went.
	out, _ := exec.Command("reged", "-I", "-C", hive, prefix, regPath).CombinedOutput()
	if !strings.Contains(string(out), "operation SUCCEEDED") || strings.Contains(string(out), "not matching prefix") {
		t.Fatalf("reged import into %s failed:\n%s", hive, out)
	}
}

// BuildUserHive returns the path of a new NTUSER.DAT (in a temp dir) that
// holds exactly the keys of regText, whose keys start with
// HKEY_CURRENT_USER.
func BuildUserHive(t testing.TB, regText string) string {
	t.Helper()
	return BuildUserHiveAt(t, t.TempDir(), regText)
}

// BuildUserHiveAt is BuildUserHive writing dir/NTUSER.DAT (e.g. a
// triage-like C/Users/alice).
func BuildUserHiveAt(t testing.TB, dir, regText string) string {
	t.Helper()
	path := emptyHive(t, dir, "NTUSER.DAT")
	importReg(t, path, `HKEY_CURRENT_USER`, regText)
	return path
}

// BuildClassesHiveAt writes dir/UsrClass.dat, a user's classes hive
// holding exactly the keys of regText, whose keys start with
// HKEY_CURRENT_USER standing for the hive's root (as
// HKEY_USERS\<SID>_Classes shows it): `[HKEY_CURRENT_USER\CLSID\{...}]`.
// The base block's embedded name is the one Windows writes for it.
func BuildClassesHiveAt(t testing.TB, dir, regText string) string {
	t.Helper()
	path := emptyHive(t, dir, "UsrClass.dat")
	importReg(t, path, `HKEY_CURRENT_USER`, regText)
	if err := SetEmbeddedName(path, `\??\C:\Users\user\AppData\Local\Microsoft\Windows\UsrClass.dat`); err != nil {
		t.Fatal(err)
	}
	return path
}

// BuildSoftwareHive returns the path of a new SOFTWARE hive holding
// exactly the keys of regText, whose keys start with
// HKEY_LOCAL_MACHINE\SOFTWARE.
func BuildSoftwareHive(t testing.TB, regText string) string {
	t.Helper()
	return BuildSoftwareHiveAt(t, t.TempDir(), regText)
}

// BuildSoftwareHiveAt is BuildSoftwareHive writing dir/SOFTWARE. The base
// block's embedded name is set to the one Windows writes for SOFTWARE.
func BuildSoftwareHiveAt(t testing.TB, dir, regText string) string {
	t.Helper()
	path := emptyHive(t, dir, "SOFTWARE")
	importReg(t, path, `HKEY_LOCAL_MACHINE\SOFTWARE`, regText)
	if err := SetEmbeddedName(path, `\SystemRoot\System32\Config\SOFTWARE`); err != nil {
		t.Fatal(err)
	}
	return path
}

// BuildSystemHiveAt writes dir/SYSTEM holding exactly the keys of regText,
// whose keys start with HKEY_LOCAL_MACHINE\SYSTEM (a SYSTEM hive names its
// control sets ControlSet001...; give it a Select key to be recognised).
func BuildSystemHiveAt(t testing.TB, dir, regText string) string {
	t.Helper()
	path := emptyHive(t, dir, "SYSTEM")
	importReg(t, path, `HKEY_LOCAL_MACHINE\SYSTEM`, regText)
	if err := SetEmbeddedName(path, `\SystemRoot\System32\Config\SYSTEM`); err != nil {
		t.Fatal(err)
	}
	return path
}

// SetEmbeddedName writes name (its last 31 characters, as Windows does)
// into the base block's file name field and fixes the header checksum.
func SetEmbeddedName(path, name string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("set embedded name of %s: %w", path, err)
	}
	defer f.Close()
	header := make([]byte, 0x200)
	if _, err := f.ReadAt(header, 0); err != nil {
		return fmt.Errorf("set embedded name of %s: %w", path, err)
	}
	u := utf16.Encode([]rune(name))
	if len(u) > 31 {
		u = u[len(u)-31:]
	}
	field := header[0x30:0x70]
	clear(field)
	for i, c := range u {
		binary.LittleEndian.PutUint16(field[2*i:], c)
	}
	binary.LittleEndian.PutUint32(header[0x1fc:], Checksum(header))
	if _, err := f.WriteAt(header, 0); err != nil {
		return fmt.Errorf("set embedded name of %s: %w", path, err)
	}
	return nil
}

// Checksum is the base block checksum: XOR of its first 127 dwords.
func Checksum(header []byte) uint32 {
	var sum uint32
	for i := 0; i < 0x1fc; i += 4 {
		sum ^= binary.LittleEndian.Uint32(header[i:])
	}
	switch sum {
	case 0:
		return 1
	case 0xFFFFFFFF:
		return 0xFFFFFFFE
	}
	return sum
}

// Dump renders a hive as text: its HiveInfo, then every key below rel
// depth-first in name order with mtime (unix seconds, 0 when unknown) and
// its values in name order with type, length and hex data.
func Dump(h registry.Hive, rel string) (string, error) {
	var sb strings.Builder
	info := h.Info()
	fmt.Fprintf(&sb, "hive root=%q scope=%s sid=%q username=%q source_file=%q\n",
		info.Root, info.Scope, info.SID, info.Username, filepath.Base(info.SourceFile))
	err := dumpKey(&sb, h, rel, 0)
	return sb.String(), err
}

func dumpKey(sb *strings.Builder, h registry.Hive, rel string, depth int) error {
	if depth > 64 {
		return fmt.Errorf("dump %s: deeper than 64 keys", rel)
	}
	k, err := h.Key(rel)
	if err != nil {
		return fmt.Errorf("dump %s: %w", rel, err)
	}
	var mtime int64
	if !k.ModTime.IsZero() {
		mtime = k.ModTime.Unix()
	}
	fmt.Fprintf(sb, "[%s] mtime=%d\n", k.Path, mtime)
	values := append([]registry.Value(nil), k.Values...)
	sort.Slice(values, func(i, j int) bool { return strings.ToLower(values[i].Name) < strings.ToLower(values[j].Name) })
	for _, v := range values {
		fmt.Fprintf(sb, "  %q %s len=%d %x\n", v.Name, registry.TypeName(v.Type), len(v.Data), v.Data)
	}
	subkeys := append([]string(nil), k.Subkeys...)
	sort.Slice(subkeys, func(i, j int) bool { return strings.ToLower(subkeys[i]) < strings.ToLower(subkeys[j]) })
	for _, s := range subkeys {
		child := s
		if rel != "" {
			child = rel + `\` + s
		}
		if err := dumpKey(sb, h, child, depth+1); err != nil {
			return err
		}
	}
	return nil
}
