package evidence

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// Fixture PE files, built once per test binary: a tiny Go program
// cross-built for Windows with a VERSIONINFO (OriginalFilename cmd.exe,
// CompanyName Microsoft Corporation) linked from a windres .syso, signed
// by osslsigncode with a throwaway CA made by openssl.
type fixtures struct {
	dir      string
	unsigned string // no certificate table
	signed   string // signed by "Runkeyhunt Test Signer"
	tampered string // signed, one byte of code changed afterwards
	err      error
}

const testSigner = "Runkeyhunt Test Signer"

var (
	fixtureOnce sync.Once
	fixture     fixtures
)

// peFixtures builds the fixtures or skips the test, saying which tool is
// missing.
func peFixtures(t testing.TB) fixtures {
	t.Helper()
	// Under Wine: the fixtures TestExportFixtures wrote on the build host.
	if dir := os.Getenv("RKH_EVIDENCE_FIXTURES"); dir != "" {
		fx := fixtures{dir: dir, unsigned: filepath.Join(dir, "unsigned.exe"), signed: filepath.Join(dir, "signed.exe"), tampered: filepath.Join(dir, "tampered.exe")}
		if _, err := os.Stat(fx.tampered); err == nil {
			return fx
		}
	}
	for _, tool := range []string{"osslsigncode", "openssl", "x86_64-w64-mingw32-windres"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (apt-get install osslsigncode openssl binutils-mingw-w64-x86-64): signed PE fixtures cannot be built", tool)
		}
	}
	fixtureOnce.Do(func() { fixture = buildFixtures() })
	if fixture.err != nil {
		t.Fatalf("build PE fixtures: %v", fixture.err)
	}
	return fixture
}

func buildFixtures() fixtures {
	dir, err := os.MkdirTemp("", "evidence-pe-")
	if err != nil {
		return fixtures{err: err}
	}
	f := fixtures{dir: dir, unsigned: filepath.Join(dir, "unsigned.exe"), signed: filepath.Join(dir, "signed.exe"), tampered: filepath.Join(dir, "tampered.exe")}
	src := filepath.Join(dir, "src")
	files := map[string]string{
		"go.mod":  "module fixture\n\ngo 1.21\n",
		"main.go": "package main\n\nfunc main() { println(\"runkeyhunt fixture\") }\n",
		"v.rc": `1 VERSIONINFO
FILEVERSION 10,0,0,1
PRODUCTVERSION 10,0,0,1
BEGIN
  BLOCK "StringFileInfo"
  BEGIN
    BLOCK "040904b0"
    BEGIN
      VALUE "CompanyName", "Microsoft Corporation"
      VALUE "FileDescription", "Windows Command Processor"
      VALUE "OriginalFilename", "cmd.exe"
    END
  END
  BLOCK "VarFileInfo"
  BEGIN
    VALUE "Translation", 0x409, 1200
  END
END
`,
		"ext.cnf": "extendedKeyUsage=codeSigning\nkeyUsage=digitalSignature\n",
	}
	if err := os.MkdirAll(src, 0o755); err != nil {
		return fixtures{err: err}
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(src, name), []byte(text), 0o644); err != nil {
			return fixtures{err: err}
		}
	}
	run := func(env []string, name string, args ...string) error {
		cmd := exec.Command(name, args...)
		cmd.Dir = src
		cmd.Env = append(os.Environ(), env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			return &exec.Error{Name: name + " " + string(out), Err: err}
		}
		return nil
	}
	steps := []struct {
		env  []string
		name string
		args []string
	}{
		{nil, "x86_64-w64-mingw32-windres", []string{"-i", "v.rc", "-O", "coff", "-o", "rsrc_windows_amd64.syso"}},
		{[]string{"GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0", "GOFLAGS=-mod=mod", "GOWORK=off"}, "go", []string{"build", "-trimpath", "-ldflags=-s -w", "-o", f.unsigned, "."}},
		{nil, "openssl", []string{"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=Runkeyhunt Test CA", "-days", "3650"}},
		{nil, "openssl", []string{"req", "-newkey", "rsa:2048", "-nodes", "-keyout", "signer.key", "-out", "signer.csr", "-subj", "/CN=" + testSigner + "/O=Runkeyhunt"}},
		{nil, "openssl", []string{"x509", "-req", "-in", "signer.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "signer.crt", "-days", "3650", "-extfile", "ext.cnf"}},
		{nil, "osslsigncode", []string{"sign", "-certs", "signer.crt", "-ac", "ca.crt", "-key", "signer.key", "-h", "sha256", "-n", "fixture", "-in", f.unsigned, "-out", f.signed}},
	}
	for _, s := range steps {
		if err := run(s.env, s.name, s.args...); err != nil {
			return fixtures{err: err}
		}
	}
	data, err := os.ReadFile(f.signed)
	if err != nil {
		return fixtures{err: err}
	}
	data[len(data)/3] ^= 0xff // inside .text, far from headers and the certificate table
	if err := os.WriteFile(f.tampered, data, 0o644); err != nil {
		return fixtures{err: err}
	}
	return f
}

// copyFile copies a fixture to dst, making its folders.
func copyFile(t testing.TB, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// FixturePaths builds the fixtures (or skips) for the external tests:
// unsigned, signed and tampered PE paths.
func FixturePaths(t testing.TB) (unsigned, signed, tampered string) {
	fx := peFixtures(t)
	return fx.unsigned, fx.signed, fx.tampered
}

// TestSigner is the CN of the fixtures' signing certificate.
const TestSigner = testSigner

// SyntheticPE is a small unsigned PE whose version resource names
// original and company (for the external tests).
func SyntheticPE(original, company string) []byte {
	return syntheticPE(versionInfo(original, company), nil)
}

// TempDir is t.TempDir whose cleanup may fail: Go's os.RemoveAll fails
// under Wine 8 ("unlinkat: Invalid function"), which t.TempDir reports
// as a test failure.
func TempDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "evidence-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}
