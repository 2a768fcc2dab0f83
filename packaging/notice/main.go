// Command notice writes the repository's NOTICE: runkeyhunt's own line,
// then every third-party module linked into the runkeyhunt binary (the
// Linux and the Windows build, from `go list -deps`), with its version, the
// SPDX identifier of its license, and the license and notice texts that its
// license asks binary distributions to carry (MIT, BSD and ISC require the
// copyright notice and terms; Apache-2.0 §4(d) requires the module's NOTICE
// file; the Apache-2.0 text itself is LICENSE). Run from the repository
// root or anywhere inside it, as `go generate ./packaging` does;
// TestNoticeIsCurrent fails when NOTICE is stale.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

func main() {
	out := flag.String("o", "", "write to this file instead of stdout")
	flag.Parse()
	root, err := moduleRoot()
	if err != nil {
		fmt.Fprintf(os.Stderr, "notice: %v\n", err)
		os.Exit(1)
	}
	text, err := Generate(root)
	if err != nil {
		fmt.Fprintf(os.Stderr, "notice: %v\n", err)
		os.Exit(1)
	}
	if *out == "" {
		os.Stdout.WriteString(text)
		return
	}
	if err := os.WriteFile(*out, []byte(text), 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "notice: %v\n", err)
		os.Exit(1)
	}
}

// moduleRoot is the directory of the main module's go.mod, so the command
// works from any directory inside the repository (go generate runs it in
// packaging/).
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %v", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("not inside the runkeyhunt module")
	}
	return filepath.Dir(gomod), nil
}

// mainPackage is the binary whose dependencies NOTICE lists.
const mainPackage = "./extension"

// buildOSes are the platforms the binary is released for.
var buildOSes = []string{"linux", "windows"}

type module struct {
	Path, Version, Dir string
	OSes               []string
}

// Generate returns NOTICE's text for the module rooted at root.
func Generate(root string) (string, error) {
	mods := map[string]*module{}
	for _, goos := range buildOSes {
		cmd := exec.Command("go", "list", "-deps", "-f",
			"{{with .Module}}{{if not .Main}}{{.Path}}\t{{.Version}}\t{{with .Replace}}{{.Dir}}{{else}}{{.Dir}}{{end}}{{end}}{{end}}", mainPackage)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH=amd64", "CGO_ENABLED=0")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return "", fmt.Errorf("go list -deps %s (GOOS=%s): %v: %s", mainPackage, goos, err, strings.TrimSpace(stderr.String()))
		}
		for _, line := range strings.Split(string(out), "\n") {
			f := strings.Split(line, "\t")
			if len(f) != 3 {
				continue
			}
			m := mods[f[0]]
			if m == nil {
				m = &module{Path: f[0], Version: f[1], Dir: f[2]}
				mods[f[0]] = m
			}
			if !contains(m.OSes, goos) {
				m.OSes = append(m.OSes, goos)
			}
		}
	}
	paths := make([]string, 0, len(mods))
	for p := range mods {
		paths = append(paths, p)
	}
	sort.Strings(paths)

	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOROOT: %v", err)
	}
	goLicense, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(goroot)), "LICENSE"))
	if err != nil {
		return "", fmt.Errorf("the Go distribution's license: %w", err)
	}

	var summary, texts strings.Builder
	summary.WriteString(header)
	fmt.Fprintf(&summary, "%-60s %-40s %s\n", "module", "version", "license")
	fmt.Fprintf(&summary, "%-60s %-40s %s\n", "Go standard library and runtime", "(toolchain)", spdx(string(goLicense)))
	fmt.Fprintf(&texts, "\n%s\nGo standard library and runtime: LICENSE\n\n%s", rule, strings.TrimSpace(string(goLicense))+"\n")
	for _, p := range paths {
		m := mods[p]
		if m.Dir == "" {
			return "", fmt.Errorf("module %s %s is not in the module cache (run go mod download)", m.Path, m.Version)
		}
		files, err := licenseFiles(m.Dir)
		if err != nil {
			return "", fmt.Errorf("module %s: %w", m.Path, err)
		}
		if len(files) == 0 {
			return "", fmt.Errorf("module %s %s has no LICENSE, COPYING or NOTICE file in %s: check its terms by hand", m.Path, m.Version, m.Dir)
		}
		id := ""
		for _, f := range files {
			if isPrimary(f.name) {
				id = spdx(f.text)
				break
			}
		}
		if id == "" {
			return "", fmt.Errorf("module %s %s: license not recognised in %s: check its terms and teach spdx()", m.Path, m.Version, m.Dir)
		}
		only := ""
		if len(m.OSes) < len(buildOSes) {
			only = " (" + strings.Join(m.OSes, ", ") + " build only)"
		}
		fmt.Fprintf(&summary, "%-60s %-40s %s%s\n", m.Path, m.Version, id, only)
		for _, f := range files {
			body := f.text
			if spdx(body) == "Apache-2.0" {
				body = apacheExtra(body)
				if body == "" {
					continue // the Apache-2.0 terms alone: LICENSE has them
				}
				body = "(Apache-2.0 terms as in LICENSE; what the file adds:)\n\n" + body
			}
			fmt.Fprintf(&texts, "\n%s\n%s %s: %s\n\n%s\n", rule, m.Path, m.Version, f.name, strings.TrimSpace(body))
		}
	}
	return summary.String() + texts.String(), nil
}

const header = `runkeyhunt
Copyright the runkeyhunt authors. Licensed under the Apache License,
Version 2.0 (LICENSE; SPDX-License-Identifier: Apache-2.0).

The runkeyhunt binaries link the third-party Go modules below (the Linux and
the Windows amd64 build). Their license and notice texts follow the list.
This file is generated by packaging/notice (go generate ./packaging); do not
edit it by hand.

`

var rule = strings.Repeat("-", 78)

type licenseFile struct{ name, text string }

var licenseName = regexp.MustCompile(`(?i)^(licen[cs]e|copying|notice|patents)([-._].*)?$`)

// licenseFiles returns the license, notice and patent-grant files at the
// root of a module, sorted by name.
func licenseFiles(dir string) ([]licenseFile, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []licenseFile
	for _, e := range entries {
		if e.IsDir() || !licenseName.MatchString(e.Name()) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, licenseFile{e.Name(), strings.ReplaceAll(string(b), "\r\n", "\n")})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}

// isPrimary: the module's own license, as opposed to the licenses of code
// it vendors (LICENSE-GO, LICENSE-3RD-PARTY.md) or its NOTICE.
func isPrimary(name string) bool {
	base := strings.ToUpper(strings.TrimSuffix(strings.TrimSuffix(name, ".md"), ".txt"))
	return base == "LICENSE" || base == "LICENCE" || base == "COPYING"
}

// spdx identifies a license text by phrases each license's text has;
// texts holding several licenses (gopkg.in/yaml.v3: MIT and Apache-2.0)
// give each. "" when none is recognised.
func spdx(text string) string {
	t := strings.Join(strings.Fields(text), " ")
	var ids []string
	if strings.Contains(t, "Permission is hereby granted, free of charge") {
		ids = append(ids, "MIT")
	}
	if strings.Contains(t, "Apache License") && strings.Contains(t, "Version 2.0") {
		ids = append(ids, "Apache-2.0")
	}
	if strings.Contains(t, "Mozilla Public License") && strings.Contains(t, "2.0") {
		ids = append(ids, "MPL-2.0")
	}
	if strings.Contains(t, "Permission to use, copy, modify, and/or distribute this software for any purpose") ||
		strings.Contains(t, "Permission to use, copy, modify, and distribute this software for any purpose with or without fee") {
		ids = append(ids, "ISC")
	}
	if strings.Contains(t, "Redistribution and use in source and binary forms") && len(ids) == 0 {
		if strings.Contains(t, "Neither the name") || strings.Contains(t, "names of its contributors may be used") {
			ids = append(ids, "BSD-3-Clause")
		} else {
			ids = append(ids, "BSD-2-Clause")
		}
	}
	return strings.Join(ids, " AND ")
}

// apacheExtra returns what an Apache-2.0 license file adds to the terms
// (the licenses of bundled subcomponents after END OF TERMS AND
// CONDITIONS), without the standard "how to apply" appendix.
func apacheExtra(text string) string {
	i := strings.Index(text, "END OF TERMS AND CONDITIONS")
	if i < 0 {
		return strings.TrimSpace(text) // not the Apache text itself: keep it whole
	}
	rest := text[i+len("END OF TERMS AND CONDITIONS"):]
	if a := strings.Index(rest, "APPENDIX: How to apply the Apache License"); a >= 0 {
		end := "limitations under the License."
		if e := strings.Index(rest[a:], end); e >= 0 {
			rest = rest[:a] + rest[a+e+len(end):]
		} else {
			rest = rest[:a]
		}
	}
	return strings.TrimSpace(rest)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
