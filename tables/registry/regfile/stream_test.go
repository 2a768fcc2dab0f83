package regfile

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/runkeyhunt/runkeyhunt/tables/registry"
)

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

// streamWants stand for the catalog's: a key, one with its subkeys, and
// one below a deleted key.
var streamWants = []Want{
	{Scope: registry.ScopeUser, Rel: `Software\Run`},
	{Scope: registry.ScopeUser, Rel: `Software\RunOnceEx`, Subkeys: true},
	{Scope: registry.ScopeMachine, Rel: `SOFTWARE\Run`},
	{Scope: registry.ScopeMachine, Rel: `SOFTWARE\List`, Subkeys: true},
	{Scope: registry.ScopeMachine, Rel: `SYSTEM\Services`, Subkeys: true, Suffix: `Parameters`},
}

// allKeys lists every key of a hive, parents first, at most limit.
func allKeys(h registry.Hive, limit int) []string {
	out := []string{}
	queue := []string{""}
	for len(queue) > 0 && len(out) < limit {
		rel := queue[0]
		queue = queue[1:]
		out = append(out, rel)
		k, err := h.Key(rel)
		if err != nil {
			continue
		}
		for _, s := range k.Subkeys {
			queue = append(queue, strings.TrimPrefix(rel+`\`+s, `\`))
		}
	}
	return out
}

func sameKey(a, b *registry.Key) bool {
	if a == nil || b == nil {
		return a == b
	}
	sa, sb := append([]string(nil), a.Subkeys...), append([]string(nil), b.Subkeys...)
	sort.Strings(sa)
	sort.Strings(sb)
	return a.Path == b.Path && reflect.DeepEqual(sa, sb) && reflect.DeepEqual(a.Values, b.Values)
}

// checkStreamMatchesWhole: every key the streamed hives hold or fetch is
// the key of the whole file in memory, for the wanted keys and any other.
func checkStreamMatchesWhole(t *testing.T, data []byte) {
	mems, _, err := Parse(bytes.NewReader(data), "x.reg")
	open := func() (io.ReadSeekCloser, error) { return nopCloser{bytes.NewReader(data)}, nil }
	hives, _, serr := open2(t, open)
	if (err == nil) != (serr == nil) {
		t.Fatalf("Parse err %v, Open err %v", err, serr)
	}
	if err != nil {
		return
	}
	if len(mems) != len(hives) {
		t.Fatalf("%d hives whole, %d streamed", len(mems), len(hives))
	}
	for i, m := range mems {
		s := hives[i]
		if m.Info() != s.Info() {
			t.Fatalf("hive %d: info %+v, streamed %+v", i, m.Info(), s.Info())
		}
		rels := allKeys(m, 64)
		for _, w := range streamWants {
			if w.Scope == m.Info().Scope {
				rels = append(rels, w.Rel, w.Rel+`\0001`)
				if w.Suffix != "" {
					rels = append(rels, w.Rel+`\0001\`+w.Suffix, w.Rel+`\0001\Other`)
				}
			}
		}
		for round := 0; round < 2; round++ {
			for _, rel := range rels {
				want, _ := m.Key(rel)
				got, gerr := s.Key(rel)
				if gerr != nil && round == 0 {
					continue // not read yet: fetched below
				}
				if !sameKey(want, got) {
					t.Fatalf("hive %s key %q (round %d):\nwhole    %+v\nstreamed %+v", m.Info().Root, rel, round, want, got)
				}
			}
			if _, err := s.Fetch(context.Background(), nil); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func open2(t *testing.T, openFile func() (io.ReadSeekCloser, error)) ([]*Hive, []error, error) {
	return OpenWith(context.Background(), "x.reg", func() (io.ReadCloser, error) { return openFile() }, streamWants)
}

func TestStreamMatchesWhole(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.reg")
	files = append(files, "../../../testdata/corpus/corpus.reg")
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.Base(path), func(t *testing.T) { checkStreamMatchesWhole(t, data) })
	}
	t.Run("deletes and recreation", func(t *testing.T) {
		checkStreamMatchesWhole(t, []byte("Windows Registry Editor Version 5.00\r\n"+
			"[HKCU\\Software\\Run]\r\n\"a\"=\"1\"\r\n\"b\"=\"2\"\r\n"+
			"[HKCU\\Software\\RunOnceEx\\0001\\Deep]\r\n\"x\"=\"deep\"\r\n"+
			"[HKCU\\software\\runonceex\\0002]\r\n@=\"two\"\r\n"+
			"[HKCU\\Software\\Other]\r\n\"p\"=hex:01,\\\r\n  02\r\n"+
			"[-HKCU\\Software\\RunOnceEx\\0002]\r\n"+
			"[HKCU\\Software\\Run]\r\n\"a\"=-\r\n"+
			"[-HKCU\\SOFTWARE]\r\n"+
			"[HKCU\\SOFTWARE\\run]\r\n\"c\"=\"3\"\r\n"+
			"[HKLM\\SOFTWARE\\List\\S-1]\r\n\"ProfileImagePath\"=\"C:\\\\Users\\\\a\"\r\n"+
			"[HKEY_USERS\\S-1-5-21-1\\Software\\Run]\r\n\"u\"=\"v\"\r\n"))
	})
}

// FuzzStreamMatchesWhole holds the streamed reader to the whole-file one
// on any input.
func FuzzStreamMatchesWhole(f *testing.F) {
	f.Add([]byte("Windows Registry Editor Version 5.00\r\n[HKCU\\Software\\Run]\r\n\"a\"=\"1\"\r\n[HKCU\\Software\\RunOnceEx\\0001]\r\n@=\"x\"\r\n[-HKCU\\Software\\Run]\r\n[HKLM\\SOFTWARE\\List\\S]\r\n\"p\"=hex(2):41,00,00,00\r\n[HKCU\\Software\\Other]\r\n\"o\"=\"p\"\r\n"))
	f.Add([]byte("Windows Registry Editor Version 5.00\r\n[HKLM\\SYSTEM\\Services\\0001\\Parameters]\r\n\"ServiceDll\"=\"a.dll\"\r\n[HKLM\\SYSTEM\\Services\\0001\\Other]\r\n\"x\"=\"y\"\r\n"))
	f.Add([]byte("REGEDIT4\n[HKEY_USERS\\S-1\\Software\\RunOnceEx\\a\\b]\n\"v\"=hex(7):61,\\\n 00\n[HKCU\\software\\run]\n\"\"=dword:1\n"))
	// The class views: HKCR is the machine's SOFTWARE\Classes, <SID>_Classes
	// the user's Software\Classes, both merged with the keys spelled so.
	f.Add([]byte("Windows Registry Editor Version 5.00\r\n[HKEY_CLASSES_ROOT\\CLSID\\{1}\\InprocServer32]\r\n@=\"a.dll\"\r\n[HKU\\S-1_Classes\\CLSID\\{1}\\InprocServer32]\r\n@=\"b.dll\"\r\n[HKU\\S-1\\Software\\Classes\\ms-settings\\shell\\open\\command]\r\n@=\"c.exe\"\r\n[-HKCR\\CLSID]\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkStreamMatchesWhole(t, data)
	})
}

// TestSuffixWantKeptInFirstPass: a want with a Suffix keeps the key at the
// suffix below every direct subkey (Services\<name>\Parameters) in the
// first pass, and only that key of the subkey's subtree.
func TestSuffixWantKeptInFirstPass(t *testing.T) {
	data := []byte("Windows Registry Editor Version 5.00\r\n" +
		"[HKLM\\SYSTEM\\Services\\svc]\r\n\"ImagePath\"=\"svc.exe\"\r\n" +
		"[HKLM\\SYSTEM\\Services\\svc\\Parameters]\r\n\"ServiceDll\"=\"svc.dll\"\r\n" +
		"[HKLM\\SYSTEM\\Services\\svc\\Enum]\r\n\"Count\"=\"1\"\r\n" +
		"[HKLM\\SYSTEM\\Services\\other\\Parameters\\Deeper]\r\n\"x\"=\"y\"\r\n")
	hives, warnings, err := open2(t, func() (io.ReadSeekCloser, error) { return nopCloser{bytes.NewReader(data)}, nil })
	if err != nil || len(warnings) > 0 || len(hives) != 1 {
		t.Fatal(err, warnings, len(hives))
	}
	h := hives[0]
	k, err := h.Key(`SYSTEM\Services\svc\Parameters`)
	if err != nil {
		t.Fatalf("Parameters not kept: %v", err)
	}
	if v, ok := k.Value("ServiceDll"); !ok || v.String() != "svc.dll" {
		t.Errorf("ServiceDll = %+v", k.Values)
	}
	if k, err := h.Key(`SYSTEM\Services\other\Parameters`); err != nil || len(k.Values) != 0 || len(k.Subkeys) != 1 {
		t.Errorf("other\\Parameters: %+v, %v", k, err)
	}
	for _, rel := range []string{`SYSTEM\Services\svc\Enum`, `SYSTEM\Services\other\Parameters\Deeper`} {
		if k, err := h.Key(rel); err == nil && len(k.Values) > 0 {
			t.Errorf("%s kept in the first pass: %+v", rel, k)
		}
	}
}
