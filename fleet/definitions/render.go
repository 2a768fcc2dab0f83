package definitions

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"

	"go.yaml.in/yaml/v3"
)

// Formats that `runkeyhunt fleet pack --format` renders. Fleet 4.83
// renamed queries to reports and teams to fleets: "gitops" and "fleetctl"
// use the new names (GitOps `reports:` keys in default.yml or
// fleets/<fleet>.yml, fleetctl `kind: report`); the "-legacy" formats are
// the same content for older servers (`queries:`, teams/<team>.yml,
// `kind: query`); "fleetctl-pack" is a Kolide Fleet pack.
var Formats = []string{"osquery", "gitops", "gitops-legacy", "fleetctl", "fleetctl-legacy", "fleetctl-pack"}

// Render returns one format as the bytes written to stdout.
func Render(format string) ([]byte, error) {
	switch format {
	case "osquery":
		return OsqueryPack()
	case "gitops":
		return GitOpsInline()
	case "gitops-legacy":
		return GitOpsLegacyInline()
	case "fleetctl":
		return Fleetctl()
	case "fleetctl-legacy":
		return FleetctlLegacy()
	case "fleetctl-pack":
		return FleetctlLegacyPack()
	}
	return nil, fmt.Errorf("unknown pack format %q (want one of %v)", format, Formats)
}

// Files is every committed file under fleet/packs/, by relative path.
func Files() (map[string][]byte, error) {
	out := map[string][]byte{}
	add := func(path string, render func() ([]byte, error)) error {
		b, err := render()
		if err != nil {
			return fmt.Errorf("render %s: %w", path, err)
		}
		out[path] = b
		return nil
	}
	for _, f := range []struct {
		path   string
		render func() ([]byte, error)
	}{
		{"osquery/runkeyhunt.conf", OsqueryPack},
		{"gitops/runkeyhunt.yml", GitOpsInline},
		{GitOpsReportsFile, GitOpsReports},
		{GitOpsPoliciesFile, GitOpsPolicies},
		{"gitops-legacy/runkeyhunt.yml", GitOpsLegacyInline},
		{"gitops-legacy/lib/runkeyhunt.queries.yml", GitOpsLegacyQueries},
		{"gitops-legacy/lib/runkeyhunt.policies.yml", GitOpsLegacyPolicies},
		{"fleetctl/runkeyhunt.yml", Fleetctl},
		{"fleetctl/runkeyhunt-legacy.yml", FleetctlLegacy},
		{"fleetctl/runkeyhunt-legacy-pack.yml", FleetctlLegacyPack},
	} {
		if err := add(f.path, f.render); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Where the GitOps list files sit, in the layout `fleetctl new` (4.83)
// scaffolds: platforms/<platform>/{reports,policies}/*.yml.
const (
	GitOpsReportsFile  = "gitops/platforms/windows/reports/runkeyhunt.yml"
	GitOpsPoliciesFile = "gitops/platforms/windows/policies/runkeyhunt.yml"
)

// osquery pack format (osquery docs, "Query packs"): platform, shard,
// discovery queries, and a map of query name to {query, interval, ...};
// "removed" false drops removals, "snapshot" true logs the full result
// each run.
type osqueryPack struct {
	Platform  string                      `json:"platform"`
	Version   string                      `json:"version"`
	Shard     int                         `json:"shard"`
	Discovery []string                    `json:"discovery"`
	Queries   map[string]osqueryPackQuery `json:"queries"`
}

type osqueryPackQuery struct {
	Query       string `json:"query"`
	Interval    int    `json:"interval"`
	Description string `json:"description"`
	Platform    string `json:"platform"`
	Snapshot    bool   `json:"snapshot,omitempty"`
	Removed     *bool  `json:"removed,omitempty"`
}

// PackVersion is the minimum osquery version the pack declares.
const PackVersion = "5.0.0"

// OsqueryPack renders the osquery pack (JSON), usable as a pack file in
// osquery's `packs` config or with `--config_path`.
func OsqueryPack() ([]byte, error) {
	p := osqueryPack{Platform: windows, Version: PackVersion, Shard: PackShard, Discovery: []string{Discovery}, Queries: map[string]osqueryPackQuery{}}
	for _, q := range Queries {
		pq := osqueryPackQuery{Query: q.SQL, Interval: q.Interval, Description: q.Description, Platform: q.Platform}
		pq.Snapshot, pq.Removed = packLogging(q.Logging)
		p.Queries[q.Name] = pq
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(p); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// packLogging maps a Fleet logging mode to osquery's pack options, as
// Fleet itself does (server/fleet/scheduled_queries.go).
func packLogging(logging string) (snapshot bool, removed *bool) {
	switch logging {
	case Snapshot:
		return true, nil
	case DifferentialIgnoreRemovals:
		return false, new(false)
	}
	return false, new(true)
}

// gitopsQuery follows docs/Configuration/yaml-files.md "reports" (before
// 4.83 "queries"): the options are the Create report API parameters;
// fleet_id/team_id is not allowed in GitOps.
type gitopsQuery struct {
	Name               string `yaml:"name"`
	Description        string `yaml:"description"`
	Query              string `yaml:"query"`
	Platform           string `yaml:"platform"`
	Interval           int    `yaml:"interval"`
	ObserverCanRun     bool   `yaml:"observer_can_run"`
	AutomationsEnabled bool   `yaml:"automations_enabled"`
	Logging            string `yaml:"logging"`
	DiscardData        bool   `yaml:"discard_data"`
}

// gitopsPolicy follows docs/Configuration/yaml-files.md "policies"
// (options are the Add policy API parameters).
type gitopsPolicy struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	Resolution  string `yaml:"resolution"`
	Query       string `yaml:"query"`
	Platform    string `yaml:"platform"`
	Critical    bool   `yaml:"critical"`
}

func gitopsQueries() []gitopsQuery {
	out := make([]gitopsQuery, 0, len(Queries))
	for _, q := range Queries {
		out = append(out, gitopsQuery{
			Name: q.Name, Description: q.Description, Query: q.SQL, Platform: q.Platform,
			Interval: q.Interval, AutomationsEnabled: true, Logging: q.Logging,
		})
	}
	return out
}

func gitopsPolicies() []gitopsPolicy {
	out := make([]gitopsPolicy, 0, len(Policies))
	for _, p := range Policies {
		out = append(out, gitopsPolicy{Name: p.Name, Description: p.Description, Resolution: p.Resolution, Query: p.SQL, Platform: p.Platform, Critical: p.Critical})
	}
	return out
}

const generatedHeader = "# Generated by `runkeyhunt fleet pack` from fleet/definitions; do not edit.\n"

// GitOpsInline renders the inline form for Fleet 4.83 and later: the
// `policies:` and `reports:` keys of default.yml (every host) or
// fleets/<fleet>.yml (one fleet).
func GitOpsInline() ([]byte, error) {
	doc := struct {
		Policies []gitopsPolicy `yaml:"policies"`
		Reports  []gitopsQuery  `yaml:"reports"`
	}{gitopsPolicies(), gitopsQueries()}
	return marshalYAML(generatedHeader+"# Fleet 4.83+: merge these keys into default.yml or fleets/<fleet>.yml, or copy platforms/ next to them\n# and reference the list files (from fleets/<fleet>.yml):\n#   policies: [{paths: ../platforms/windows/policies/*.yml}]\n#   reports:  [{paths: ../platforms/windows/reports/*.yml}]\n", doc)
}

// GitOpsReports renders platforms/windows/reports/runkeyhunt.yml (a list).
func GitOpsReports() ([]byte, error) {
	return marshalYAML(generatedHeader+"# Fleet 4.83+. From fleets/<fleet>.yml:  reports: [{paths: ../platforms/windows/reports/*.yml}]\n", gitopsQueries())
}

// GitOpsPolicies renders platforms/windows/policies/runkeyhunt.yml (a list).
func GitOpsPolicies() ([]byte, error) {
	return marshalYAML(generatedHeader+"# Fleet 4.83+. From fleets/<fleet>.yml:  policies: [{paths: ../platforms/windows/policies/*.yml}]\n", gitopsPolicies())
}

// GitOpsLegacyInline is GitOpsInline for Fleet before 4.83: `queries:`
// in default.yml or teams/<team>.yml.
func GitOpsLegacyInline() ([]byte, error) {
	doc := struct {
		Policies []gitopsPolicy `yaml:"policies"`
		Queries  []gitopsQuery  `yaml:"queries"`
	}{gitopsPolicies(), gitopsQueries()}
	return marshalYAML(generatedHeader+"# Fleet before 4.83: merge these keys into default.yml or teams/<team>.yml, or reference lib/runkeyhunt.*.yml with `- path:`.\n", doc)
}

// GitOpsLegacyQueries renders lib/runkeyhunt.queries.yml (pre-4.83).
func GitOpsLegacyQueries() ([]byte, error) {
	return marshalYAML(generatedHeader+"# Fleet before 4.83. From default.yml or teams/<team>.yml:  queries: [{path: ../lib/runkeyhunt.queries.yml}]\n", gitopsQueries())
}

// GitOpsLegacyPolicies renders lib/runkeyhunt.policies.yml (pre-4.83).
func GitOpsLegacyPolicies() ([]byte, error) {
	return marshalYAML(generatedHeader+"# Fleet before 4.83. From default.yml or teams/<team>.yml:  policies: [{path: ../lib/runkeyhunt.policies.yml}]\n", gitopsPolicies())
}

// fleetctl documents (docs/Configuration/configuration-files "Reports"):
// apiVersion v1, kind report (before 4.83 query)|policy|pack, spec.
type fleetctlDoc struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Spec       any    `yaml:"spec"`
}

type fleetctlQuerySpec struct {
	Name               string `yaml:"name"`
	Description        string `yaml:"description"`
	Query              string `yaml:"query"`
	Interval           int    `yaml:"interval,omitempty"`
	ObserverCanRun     bool   `yaml:"observer_can_run"`
	AutomationsEnabled bool   `yaml:"automations_enabled,omitempty"`
	Platform           string `yaml:"platform,omitempty"`
	Logging            string `yaml:"logging,omitempty"`
	DiscardData        bool   `yaml:"discard_data"`
}

type fleetctlPolicySpec struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	Resolution  string `yaml:"resolution"`
	Query       string `yaml:"query"`
	Platform    string `yaml:"platform"`
	Critical    bool   `yaml:"critical"`
}

// Legacy Kolide Fleet pack spec: targets by label, queries by name.
type fleetctlPackSpec struct {
	Name        string              `yaml:"name"`
	Description string              `yaml:"description"`
	Platform    string              `yaml:"platform"`
	Targets     fleetctlPackTargets `yaml:"targets"`
	Queries     []fleetctlPackQuery `yaml:"queries"`
}

type fleetctlPackTargets struct {
	Labels []string `yaml:"labels"`
}

type fleetctlPackQuery struct {
	Query       string `yaml:"query"`
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	Interval    int    `yaml:"interval"`
	Snapshot    bool   `yaml:"snapshot,omitempty"`
	Removed     *bool  `yaml:"removed,omitempty"`
	Platform    string `yaml:"platform"`
}

// Fleetctl renders `fleetctl apply -f` YAML for Fleet 4.83 and later: one
// `kind: report` document per query (scheduled through interval) and one
// `kind: policy` per policy.
func Fleetctl() ([]byte, error) {
	return fleetctlDocs("report", generatedHeader+"# Fleet 4.83+: fleetctl apply -f runkeyhunt.yml (older servers: runkeyhunt-legacy.yml)\n")
}

// FleetctlLegacy is Fleetctl for servers before 4.83 (`kind: query`).
func FleetctlLegacy() ([]byte, error) {
	return fleetctlDocs("query", generatedHeader+"# Fleet before 4.83: fleetctl apply -f runkeyhunt-legacy.yml\n")
}

func fleetctlDocs(queryKind, header string) ([]byte, error) {
	var docs []any
	for _, q := range Queries {
		docs = append(docs, fleetctlDoc{"v1", queryKind, fleetctlQuerySpec{
			Name: q.Name, Description: q.Description, Query: q.SQL, Interval: q.Interval,
			AutomationsEnabled: true, Platform: q.Platform, Logging: q.Logging,
		}})
	}
	for _, p := range Policies {
		docs = append(docs, fleetctlDoc{"v1", "policy", fleetctlPolicySpec{
			Name: p.Name, Description: p.Description, Resolution: p.Resolution, Query: p.SQL, Platform: p.Platform, Critical: p.Critical,
		}})
	}
	return marshalDocs(header, docs)
}

// FleetctlLegacyPack renders the same queries as a legacy Kolide Fleet pack
// (queries without schedule plus a kind: pack that schedules them on the
// built-in "MS Windows" label). Do not apply it next to runkeyhunt.yml on a
// current Fleet, or each query runs twice.
func FleetctlLegacyPack() ([]byte, error) {
	var docs []any
	pack := fleetctlPackSpec{
		Name: PackName, Description: "runkeyhunt: Run-key loaders and the payloads they hide elsewhere.",
		Platform: windows, Targets: fleetctlPackTargets{Labels: []string{"MS Windows"}},
	}
	for _, q := range Queries {
		docs = append(docs, fleetctlDoc{"v1", "query", fleetctlQuerySpec{Name: q.Name, Description: q.Description, Query: q.SQL}})
		pq := fleetctlPackQuery{Query: q.Name, Name: q.Name, Description: q.Description, Interval: q.Interval, Platform: q.Platform}
		pq.Snapshot, pq.Removed = packLogging(q.Logging)
		pack.Queries = append(pack.Queries, pq)
	}
	docs = append(docs, fleetctlDoc{"v1", "pack", pack})
	return marshalDocs(generatedHeader+"# Legacy Kolide Fleet: fleetctl apply -f runkeyhunt-legacy-pack.yml\n", docs)
}

func marshalYAML(header string, v any) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(header)
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func marshalDocs(header string, docs []any) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(header)
	for _, d := range docs {
		b, err := marshalYAML("---\n", d)
		if err != nil {
			return nil, err
		}
		buf.Write(b)
	}
	return buf.Bytes(), nil
}

// SortedFileNames lists Files' keys in order, for stable output.
func SortedFileNames(files map[string][]byte) []string {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
