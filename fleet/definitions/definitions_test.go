package definitions

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

var update = flag.Bool("update", false, "rewrite the committed files under fleet/packs/ from the definition")

const packsDir = "../packs"

// TestCommittedPacksMatchDefinition fails when fleet/packs/ drifts from the
// definition; `go test ./fleet/definitions -update` regenerates it.
func TestCommittedPacksMatchDefinition(t *testing.T) {
	files, err := Files()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range SortedFileNames(files) {
		path := filepath.Join(packsDir, filepath.FromSlash(name))
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, files[name], 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%s: %v (run go test ./fleet/definitions -update)", path, err)
			continue
		}
		if !bytes.Equal(got, files[name]) {
			t.Errorf("%s drifted from fleet/definitions (run go test ./fleet/definitions -update)", path)
		}
	}
}

func TestOsqueryPackShape(t *testing.T) {
	b, err := OsqueryPack()
	if err != nil {
		t.Fatal(err)
	}
	var pack struct {
		Platform  string   `json:"platform"`
		Discovery []string `json:"discovery"`
		Queries   map[string]struct {
			Query    string `json:"query"`
			Interval int    `json:"interval"`
			Platform string `json:"platform"`
			Snapshot *bool  `json:"snapshot"`
			Removed  *bool  `json:"removed"`
		} `json:"queries"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&pack); err != nil {
		// "version" and "description" are known pack keys; decode again leniently.
		if err := json.Unmarshal(b, &pack); err != nil {
			t.Fatal(err)
		}
	}
	if pack.Platform != "windows" {
		t.Errorf("platform = %q", pack.Platform)
	}
	if len(pack.Discovery) != 1 || !strings.Contains(pack.Discovery[0], "osquery_extensions") || !strings.Contains(pack.Discovery[0], "'runkeyhunt'") {
		t.Errorf("discovery = %q", pack.Discovery)
	}
	if len(pack.Queries) != len(Queries) {
		t.Fatalf("%d queries, want %d", len(pack.Queries), len(Queries))
	}
	for _, q := range Queries {
		pq, ok := pack.Queries[q.Name]
		if !ok {
			t.Fatalf("query %s missing", q.Name)
		}
		if pq.Query != q.SQL || pq.Interval != q.Interval || pq.Interval < 60 {
			t.Errorf("%s: query/interval mismatch: %+v", q.Name, pq)
		}
		switch q.Logging {
		case Snapshot:
			if pq.Snapshot == nil || !*pq.Snapshot {
				t.Errorf("%s: snapshot query without \"snapshot\": true", q.Name)
			}
		case Differential:
			if pq.Snapshot != nil || pq.Removed == nil || !*pq.Removed {
				t.Errorf("%s: differential query must log removals and not be a snapshot", q.Name)
			}
		}
	}
}

// The YAML must have exactly the keys Fleet documents: GitOps queries take
// the Create query API parameters (no team_id), policies the Add policy ones.
func TestGitOpsShape(t *testing.T) {
	queryKeys := setOf("name", "description", "query", "platform", "interval", "observer_can_run", "automations_enabled", "logging", "discard_data", "min_osquery_version")
	policyKeys := setOf("name", "description", "resolution", "query", "platform", "critical", "calendar_events_enabled")
	b, err := GitOpsInline()
	if err != nil {
		t.Fatal(err)
	}
	var inline map[string][]map[string]any
	if err := yaml.Unmarshal(b, &inline); err != nil {
		t.Fatal(err)
	}
	if len(inline) != 2 || len(inline["queries"]) != len(Queries) || len(inline["policies"]) != len(Policies) {
		t.Fatalf("inline GitOps: keys %v", keysOf(inline))
	}
	checkKeys(t, "gitops query", inline["queries"], queryKeys)
	checkKeys(t, "gitops policy", inline["policies"], policyKeys)
	for _, lib := range []struct {
		render func() ([]byte, error)
		keys   map[string]bool
		n      int
	}{{GitOpsQueries, queryKeys, len(Queries)}, {GitOpsPolicies, policyKeys, len(Policies)}} {
		b, err := lib.render()
		if err != nil {
			t.Fatal(err)
		}
		var list []map[string]any
		if err := yaml.Unmarshal(b, &list); err != nil {
			t.Fatal(err)
		}
		if len(list) != lib.n {
			t.Fatalf("lib file has %d entries, want %d", len(list), lib.n)
		}
		checkKeys(t, "gitops lib", list, lib.keys)
	}
	for _, q := range inline["queries"] {
		if q["platform"] != "windows" || q["automations_enabled"] != true {
			t.Errorf("query %v: want platform windows and automations enabled", q["name"])
		}
		if l := q["logging"]; l != Snapshot && l != Differential {
			t.Errorf("query %v: logging %v", q["name"], l)
		}
	}
}

func TestFleetctlShape(t *testing.T) {
	for _, c := range []struct {
		render func() ([]byte, error)
		kinds  map[string]int
	}{
		{Fleetctl, map[string]int{"query": len(Queries), "policy": len(Policies)}},
		{FleetctlLegacyPack, map[string]int{"query": len(Queries), "pack": 1}},
	} {
		b, err := c.render()
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		got := map[string]int{}
		for {
			var doc struct {
				APIVersion string         `yaml:"apiVersion"`
				Kind       string         `yaml:"kind"`
				Spec       map[string]any `yaml:"spec"`
			}
			if err := dec.Decode(&doc); err != nil {
				break
			}
			if doc.APIVersion != "v1" || doc.Spec["name"] == nil {
				t.Errorf("document %+v: want apiVersion v1 and spec.name", doc)
			}
			if doc.Kind == "pack" {
				targets, _ := doc.Spec["targets"].(map[string]any)
				if targets == nil || len(doc.Spec["queries"].([]any)) != len(Queries) {
					t.Errorf("pack spec %v: want targets and every query", doc.Spec)
				}
			}
			got[doc.Kind]++
		}
		for k, n := range c.kinds {
			if got[k] != n {
				t.Errorf("%d %s documents, want %d (all: %v)", got[k], k, n, got)
			}
		}
	}
}

func TestRenderUnknownFormat(t *testing.T) {
	if _, err := Render("xml"); err == nil {
		t.Fatal("want an error for an unknown format")
	}
	for _, f := range Formats {
		if b, err := Render(f); err != nil || len(b) == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func setOf(keys ...string) map[string]bool {
	m := map[string]bool{}
	for _, k := range keys {
		m[k] = true
	}
	return m
}

func keysOf[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func checkKeys(t *testing.T, what string, entries []map[string]any, allowed map[string]bool) {
	t.Helper()
	for _, e := range entries {
		for k := range e {
			if !allowed[k] {
				t.Errorf("%s %v: key %q is not in Fleet's documented options", what, e["name"], k)
			}
		}
		if e["name"] == nil || e["query"] == nil {
			t.Errorf("%s: name and query are required: %v", what, e)
		}
	}
}
