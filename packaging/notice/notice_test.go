package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// NOTICE must list what the binary links today: a dependency added,
// removed or upgraded without `go generate ./packaging` fails here.
func TestNoticeIsCurrent(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("needs the go command (go list -deps)")
	}
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	want, err := Generate(root)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(root, "NOTICE"))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("NOTICE is stale: run go generate ./packaging")
	}
	for _, mod := range []string{"github.com/osquery/osquery-go", "github.com/kolide/launcher", "github.com/apache/thrift", "modernc.org/sqlite", "golang.org/x/sys", "github.com/Microsoft/go-winio"} {
		if !strings.Contains(want, "\n"+mod+" ") {
			t.Errorf("NOTICE does not list %s, which the binary links", mod)
		}
	}
	if strings.Contains(want, "github.com/runkeyhunt/runkeyhunt ") {
		t.Error("NOTICE lists the main module as a third party")
	}
}

// The repository's own license is the Apache License 2.0, whole.
func TestLicenseIsApache2(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "LICENSE"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	if spdx(text) != "Apache-2.0" || !strings.Contains(text, "END OF TERMS AND CONDITIONS") || apacheExtra(text) != "" {
		t.Errorf("LICENSE is not the plain Apache License 2.0 text")
	}
	for _, section := range []string{"1. Definitions.", "4. Redistribution.", "9. Accepting Warranty or Additional Liability."} {
		if !strings.Contains(text, section) {
			t.Errorf("LICENSE lacks %q", section)
		}
	}
}

func TestSPDX(t *testing.T) {
	for _, tt := range []struct{ text, want string }{
		{"Permission is hereby granted, free of charge, to any person", "MIT"},
		{"Apache License\n Version 2.0, January 2004", "Apache-2.0"},
		{"Redistribution and use in source and binary forms, with or without\nmodification ... Neither the name of Google Inc.", "BSD-3-Clause"},
		{"Redistribution and use in source and binary forms, with or without modification, are permitted", "BSD-2-Clause"},
		{"Permission to use, copy, modify, and distribute this software for any purpose with or without fee is hereby granted", "ISC"},
		{"MIT: Permission is hereby granted, free of charge ... Apache License Version 2.0", "MIT AND Apache-2.0"},
		{"All rights reserved. Do not copy.", ""},
	} {
		if got := spdx(tt.text); got != tt.want {
			t.Errorf("spdx(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestApacheExtraKeepsSubcomponentLicenses(t *testing.T) {
	plain := "Apache License Version 2.0\nterms\nEND OF TERMS AND CONDITIONS\n\nAPPENDIX: How to apply the Apache License to your work.\n...\nlimitations under the License.\n"
	if got := apacheExtra(plain); got != "" {
		t.Errorf("plain Apache text: extra %q", got)
	}
	bundled := plain + "\nSOFTWARE DISTRIBUTED WITH THRIFT:\nMIT License for x.js\n"
	if got := apacheExtra(bundled); got != "SOFTWARE DISTRIBUTED WITH THRIFT:\nMIT License for x.js" {
		t.Errorf("bundled: extra %q", got)
	}
}
