package packaging

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// gitConfig is an empty global git config for the test repositories, so
// the user's settings (signing, hooks, default branch) do not leak in.
var gitConfig string

func sh(t *testing.T, dir string, args ...string) string {
	t.Helper()
	if gitConfig == "" {
		gitConfig = filepath.Join(t.TempDir(), "gitconfig")
		if err := os.WriteFile(gitConfig, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { gitConfig = "" }) // the temp dir goes with t
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.invalid",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.invalid", "GIT_CONFIG_GLOBAL="+gitConfig, "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// One version, derived once by version.sh, and the package version lib.sh
// takes from it: a tag, commits after a tag, untagged history, a dirty tree.
func TestVersionDerivation(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("needs git")
	}
	versionSh, err := filepath.Abs("version.sh")
	if err != nil {
		t.Fatal(err)
	}
	libSh, _ := filepath.Abs("lib.sh")
	repo := t.TempDir()
	commit := func(n int) {
		for i := 0; i < n; i++ {
			sh(t, repo, "git", "commit", "-q", "--allow-empty", "-m", "c")
		}
	}
	check := func(wantVersion, wantPkg string) {
		t.Helper()
		v := sh(t, repo, versionSh, repo)
		if wantVersion[0] == '~' {
			if !regexp.MustCompile(wantVersion[1:]).MatchString(v) {
				t.Errorf("version.sh = %q, want it to match %s", v, wantVersion[1:])
			}
		} else if v != wantVersion {
			t.Errorf("version.sh = %q, want %q", v, wantVersion)
		}
		if pkg := sh(t, repo, "bash", "-c", `. "$1"; pkg_version "$2" 0`, "_", libSh, v); pkg != wantPkg {
			t.Errorf("pkg_version %q = %q, want %q", v, pkg, wantPkg)
		}
	}
	if got := sh(t, repo, versionSh, repo); got != "0.0.0-dev" {
		t.Errorf("outside a git checkout: %q, want 0.0.0-dev", got)
	}
	sh(t, repo, "git", "init", "-q")
	commit(3)
	check("0.0.3", "0.0.3")
	if err := os.WriteFile(filepath.Join(repo, "f"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	sh(t, repo, "git", "add", "f")
	sh(t, repo, "git", "commit", "-q", "-m", "f")
	check("0.0.4", "0.0.4")
	os.WriteFile(filepath.Join(repo, "f"), []byte("y"), 0o644)
	check("0.0.4-dirty", "0.0.4")
	sh(t, repo, "git", "checkout", "-q", "f")
	sh(t, repo, "git", "tag", "not-a-version") // only vX.Y.Z tags count
	sh(t, repo, "git", "tag", "v1.2.3")
	check("1.2.3", "1.2.3")
	commit(2)
	check(`~^1\.2\.3-2-g[0-9a-f]{7,}$`, "1.2.3")
}

// The Makefile and package.sh take VERSION from version.sh, not from a
// derivation of their own; the binary gets it as main.version, and the
// extension registers with osqueryd under the same variable (serve.go).
func TestVersionHasOneSource(t *testing.T) {
	mk := read(t, "../Makefile")
	if !regexp.MustCompile(`(?m)^VERSION +\?= \$\(shell packaging/version\.sh[ )]`).MatchString(mk) {
		t.Error("Makefile: VERSION is not taken from packaging/version.sh")
	}
	if !strings.Contains(mk, "-X main.version=$(VERSION)") {
		t.Error("Makefile: LDFLAGS do not stamp main.version with VERSION")
	}
	if pkg := read(t, "package.sh"); !strings.Contains(pkg, `: "${VERSION:=$("$here/version.sh" "$root")}"`) ||
		!strings.Contains(pkg, `pkg_version "$VERSION"`) {
		t.Error("package.sh: VERSION or PKG_VERSION not derived from version.sh")
	}
	if serve := read(t, "../extension/serve.go"); !strings.Contains(serve, "osquery.ExtensionVersion(version)") {
		t.Error("extension/serve.go: the registration does not carry main.version")
	}
	for _, f := range []string{"../Makefile", "package.sh"} {
		if strings.Contains(read(t, f), "describe --tags --always") {
			t.Errorf("%s derives a version of its own with git describe", f)
		}
	}
}
