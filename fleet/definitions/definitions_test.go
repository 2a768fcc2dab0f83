package definitions

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
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
	// A file no renderer writes any more is stale: users would apply it.
	err = filepath.WalkDir(packsDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(packsDir, path)
		if _, ok := files[filepath.ToSlash(rel)]; ok {
			return nil
		}
		if *update {
			return os.Remove(path)
		}
		t.Errorf("%s is not rendered from fleet/definitions any more (run go test ./fleet/definitions -update)", path)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestOsqueryPackShape(t *testing.T) {
	b, err := OsqueryPack()
	if err != nil {
		t.Fatal(err)
	}
	var pack struct {
		Platform  string   `json:"platform"`
		Shard     *int     `json:"shard"`
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
	if pack.Shard == nil || *pack.Shard < 1 || *pack.Shard > 100 {
		t.Errorf("shard = %v, want a percentage 1..100", pack.Shard)
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
		case DifferentialIgnoreRemovals:
			if pq.Snapshot != nil || pq.Removed == nil || *pq.Removed {
				t.Errorf("%s: differential_ignore_removals must render \"removed\": false", q.Name)
			}
		default:
			t.Errorf("%s: logging %q", q.Name, q.Logging)
		}
	}
}

// Fleet stores a report only for snapshot queries, so pull needs one for
// the current findings; the write chain must not log every write again as
// removed once it leaves the time slice.
func TestLoggingModes(t *testing.T) {
	snap, ok := QueryNamed("runkeyhunt_autorun_findings_snapshot")
	if !ok || snap.Logging != Snapshot || !snap.Pullable() || !strings.Contains(snap.SQL, "verdict IN ('suspicious', 'malicious')") {
		t.Errorf("findings snapshot query: %+v", snap)
	}
	chain, _ := QueryNamed("runkeyhunt_autorun_write_chain")
	if chain.Logging != DifferentialIgnoreRemovals || chain.Pullable() {
		t.Errorf("write chain logging %q, want %s", chain.Logging, DifferentialIgnoreRemovals)
	}
	if !strings.Contains(chain.SQL, "WHERE "+ChainTimeBound) || chain.Interval != ChainInterval {
		t.Errorf("write chain SQL is not bounded to its interval: %s", chain.SQL)
	}
	// The slice covers the interval, the splay and the settle time, and
	// never the live table's default 24 hours.
	if ChainLookback-ChainSettle < ChainInterval || ChainLookback > 2*ChainInterval {
		t.Errorf("lookback %d s for a %d s interval", ChainLookback, ChainInterval)
	}
	pullable := 0
	for _, q := range Queries {
		if q.Pullable() {
			pullable++
		}
	}
	if pullable != 2 {
		t.Errorf("%d snapshot queries, want 2 (findings snapshot, inventory)", pullable)
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
	// Fleet 4.83 renamed the `queries:` key to `reports:`.
	if len(inline) != 2 || len(inline["reports"]) != len(Queries) || len(inline["policies"]) != len(Policies) {
		t.Fatalf("inline GitOps: keys %v", keysOf(inline))
	}
	checkKeys(t, "gitops report", inline["reports"], queryKeys)
	checkKeys(t, "gitops policy", inline["policies"], policyKeys)
	if !strings.Contains(string(b), "fleets/<fleet>.yml") || strings.Contains(string(b), "teams/") {
		t.Errorf("current GitOps file must point at fleets/, not teams/:\n%s", b)
	}
	legacy, err := GitOpsLegacyInline()
	if err != nil {
		t.Fatal(err)
	}
	var old map[string][]map[string]any
	if err := yaml.Unmarshal(legacy, &old); err != nil {
		t.Fatal(err)
	}
	if len(old) != 2 || len(old["queries"]) != len(Queries) || len(old["policies"]) != len(Policies) || !strings.Contains(string(legacy), "teams/<team>.yml") {
		t.Fatalf("legacy GitOps: keys %v", keysOf(old))
	}
	checkKeys(t, "legacy gitops query", old["queries"], queryKeys)
	for _, lib := range []struct {
		render func() ([]byte, error)
		keys   map[string]bool
		n      int
	}{{GitOpsReports, queryKeys, len(Queries)}, {GitOpsPolicies, policyKeys, len(Policies)}, {GitOpsLegacyQueries, queryKeys, len(Queries)}, {GitOpsLegacyPolicies, policyKeys, len(Policies)}} {
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
	for _, q := range inline["reports"] {
		if q["platform"] != "windows" || q["automations_enabled"] != true {
			t.Errorf("query %v: want platform windows and automations enabled", q["name"])
		}
		if l := q["logging"]; l != Snapshot && l != Differential && l != DifferentialIgnoreRemovals {
			t.Errorf("query %v: logging %v", q["name"], l)
		}
	}
}

func TestFleetctlShape(t *testing.T) {
	for _, c := range []struct {
		render func() ([]byte, error)
		kinds  map[string]int
	}{
		{Fleetctl, map[string]int{"report": len(Queries), "policy": len(Policies), "query": 0}},
		{FleetctlLegacy, map[string]int{"query": len(Queries), "policy": len(Policies), "report": 0}},
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

// The README's table of queries and the write chain's slice stay true.
func TestREADMEDescribesTheQueries(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, q := range Queries {
		if !strings.Contains(readme, "| `"+q.Name+"` |") {
			t.Errorf("README's query table lacks %s", q.Name)
		}
	}
	for _, want := range []string{
		fmt.Sprintf("last %d s, ending %d s ago", ChainLookback, ChainSettle),
		fmt.Sprintf(`"shard": %d`, PackShard),
	} {
		if !strings.Contains(readme, want) {
			t.Errorf("README does not say %q", want)
		}
	}
}
