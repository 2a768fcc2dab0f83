package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
)

func TestSourcePolicy(t *testing.T) {
	root := t.TempDir()
	cases := filepath.Join(root, "cases")
	other := filepath.Join(root, "other")
	os.Mkdir(cases, 0o700)
	os.Mkdir(other, 0o700)
	os.WriteFile(filepath.Join(cases, "a.reg"), nil, 0o600)
	os.WriteFile(filepath.Join(other, "b.reg"), nil, 0o600)

	var flagValues sourceList
	flagValues.Set("")            // --allow_source= adds nothing
	flagValues.Set(cases + "/./") // cleaned
	p, err := newSourcePolicy(allowedSources(flagValues, " "+other+" ,"), hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	for spec, want := range map[string]string{
		"live":                            "",
		filepath.Join(cases, "a.reg"):     "",
		cases:                             "",
		filepath.Join(other, "b.reg"):     "",         // from the environment
		filepath.Join(cases, "nope.reg"):  "nope.reg", // not found, said as such (below)
		filepath.Join(root, "x", "y.reg"): "refused",
		root:                              "refused",
		"/etc/passwd":                     "refused",
	} {
		err := p.check(spec)
		switch {
		case want == "" && err != nil:
			t.Errorf("check(%s) = %v, want allowed", spec, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("check(%s) = %v, want %q", spec, err, want)
		}
	}
	if err := p.check(filepath.Join(cases, "nope.reg")); !errors.Is(err, fs.ErrNotExist) || strings.Contains(err.Error(), "refused") {
		t.Errorf("missing file under a prefix: %v, want not found", err)
	}
	// A prefix that does not exist yet is kept; what is later created
	// under it is allowed, a link there pointing out is not.
	later := filepath.Join(root, "later")
	p, err = newSourcePolicy([]string{later}, hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	os.Mkdir(later, 0o700)
	os.WriteFile(filepath.Join(later, "c.reg"), nil, 0o600)
	os.Symlink(filepath.Join(other, "b.reg"), filepath.Join(later, "link.reg"))
	if err := p.check(filepath.Join(later, "c.reg")); err != nil {
		t.Errorf("file under a prefix created later: %v", err)
	}
	if err := p.check(filepath.Join(later, "link.reg")); err == nil {
		t.Error("link out of a prefix created later is allowed")
	}
}

func TestWithin(t *testing.T) {
	sep := string(filepath.Separator)
	a := sep + "cases"
	for path, want := range map[string]bool{
		a: true, a + sep + "x": true, a + "2": false, sep + "case": false, sep: false,
	} {
		if got := within(path, a); got != want {
			t.Errorf("within(%q, %q) = %v", path, a, got)
		}
	}
	if !within(sep+"x", sep) {
		t.Error("root prefix")
	}
}
