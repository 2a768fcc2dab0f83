// Command fixturegen (re)writes runkeyhunt's generated test fixtures and
// the demo input, deterministically: fixed content, no randomness, no
// clock. Run it from the repository root:
//
//	go run ./internal/fixturegen          # write the files
//	go run ./internal/fixturegen -check   # fail if a file differs from what would be written
//
// It writes testdata/corpus (registry exports and their expectations),
// testdata/sysmon (one Sysmon scenario in three log formats and the rows
// the chain table must produce, the depth and ASEP scenarios) and examples/demo. Every payload is a
// harmless stager look-alike kept as Go constants in stagers.go.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	root := flag.String("root", ".", "repository root (the directory holding go.mod)")
	check := flag.Bool("check", false, "do not write; exit 1 when a generated file is missing or differs")
	flag.Parse()
	if _, err := os.Stat(filepath.Join(*root, "go.mod")); err != nil {
		fmt.Fprintf(os.Stderr, "fixturegen: %s is not the repository root (no go.mod); run from the root or pass -root\n", *root)
		os.Exit(2)
	}
	stale := 0
	for _, f := range generate() {
		path := filepath.Join(*root, filepath.FromSlash(f.path))
		if *check {
			old, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(old, f.data) {
				fmt.Fprintf(os.Stderr, "fixturegen: %s is stale\n", f.path)
				stale++
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			fmt.Fprintln(os.Stderr, "fixturegen:", err)
			os.Exit(1)
		}
		if err := os.WriteFile(path, f.data, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "fixturegen:", err)
			os.Exit(1)
		}
		fmt.Println("wrote", f.path)
	}
	if stale > 0 {
		fmt.Fprintln(os.Stderr, "fixturegen: run `go run ./internal/fixturegen` to regenerate")
		os.Exit(1)
	}
}

type outFile struct {
	path string
	data []byte
}

// generate builds every output file in memory.
func generate() []outFile {
	corpus := buildCorpus()
	winlogon := buildWinlogonDefault()
	system := buildASEPSystem()
	expected := append(append(append([]expectation{}, corpus.exp...), winlogon.exp...), system.exp...)

	events := scenarioEvents()
	chain := chainExpectation(events)
	depth := depthEvents()
	depthExp := depthExpectation(depth)
	asep, asepRows := asepEvents()
	asepExp := asepExpectation(asep, asepRows)

	return []outFile{
		{"testdata/corpus/corpus.reg", []byte(corpus.doc.render())},
		{"testdata/corpus/winlogon_default.reg", utf16File(winlogon.doc.render())},
		{"testdata/corpus/asep_system.reg", []byte(system.doc.render())},
		{"testdata/corpus/expected.json", marshalJSON(expected)},
		{"testdata/corpus/README.md", []byte(corpusReadme)},
		{"testdata/sysmon/scenario.xml", renderXML(events)},
		{"testdata/sysmon/scenario.ecs.jsonl", renderECS(events)},
		{"testdata/sysmon/scenario.nxlog.jsonl", renderNXLog(events)},
		{"testdata/sysmon/expected.json", marshalJSON(chain)},
		{"testdata/sysmon/README.md", []byte(sysmonReadme)},
		{"testdata/sysmon/depth.xml", renderXML(depth)},
		{"testdata/sysmon/depth.ecs.jsonl", renderECS(depth)},
		{"testdata/sysmon/depth.nxlog.jsonl", renderNXLog(depth)},
		{"testdata/sysmon/depth.evtx", renderEVTX(depth)},
		{"testdata/sysmon/depth_expected.json", marshalJSON(depthExp)},
		{"testdata/sysmon/asep.xml", renderXML(asep)},
		{"testdata/sysmon/asep.ecs.jsonl", renderECS(asep)},
		{"testdata/sysmon/asep.nxlog.jsonl", renderNXLog(asep)},
		{"testdata/sysmon/asep.evtx", renderEVTX(asep)},
		{"testdata/sysmon/asep_expected.json", marshalJSON(asepExp)},
		{"examples/demo/host1.reg", []byte(buildDemo().render())},
		{"examples/demo/host1-sysmon.xml", renderXML(events)},
		{"examples/demo/README.md", []byte(demoReadme)},
	}
}
