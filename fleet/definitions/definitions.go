// Package definitions is the one definition of runkeyhunt's scheduled
// queries and policies. Every rendered format (osquery pack, Fleet GitOps
// YAML, fleetctl YAML) and `runkeyhunt fleet apply` read this list, so the
// formats cannot drift apart.
package definitions

// ExtensionName is the name the extension registers with osqueryd.
const ExtensionName = "runkeyhunt"

// Logging modes, as Fleet names them (REST API "Create query", `logging`).
const (
	Differential = "differential"
	Snapshot     = "snapshot"
)

// Query is one scheduled query.
type Query struct {
	Name        string
	Description string
	SQL         string
	Interval    int    // seconds
	Logging     string // Differential or Snapshot
	Platform    string // osquery/Fleet platform string
	// OsqueryOnly marks queries on osquery's own tables that the offline
	// `runkeyhunt query` engine cannot run (it only has our tables).
	OsqueryOnly bool
}

// Policy is one Fleet policy: a host passes when the query returns a row.
type Policy struct {
	Name        string
	Description string
	Resolution  string
	SQL         string
	Platform    string
	Critical    bool
	OsqueryOnly bool
}

// PackName names the osquery pack and the legacy fleetctl pack.
const PackName = "runkeyhunt"

// Discovery is the osquery pack's discovery query: the pack is scheduled
// only on hosts where the extension is registered, so hosts without it do
// not log "no such table" errors every interval.
const Discovery = "SELECT 1 FROM osquery_extensions WHERE name = '" + ExtensionName + "';"

const windows = "windows"

// Queries are the scheduled queries, in rendering order.
var Queries = []Query{
	{
		Name:        "runkeyhunt_autorun_findings",
		Description: "Autorun values whose command or payload scores suspicious or worse (run_key_payloads). Differential: each finding is logged once when it appears and once when it goes away.",
		SQL: "SELECT key, path, name, type, data, mtime, location, scope, sid, username, enabled, image, arguments, " +
			"payload_kind, payload_ref, payload_path, payload_exists, payload_size, payload_sha256, payload_entropy, payload_encoding, " +
			"substr(payload_preview, 1, 1024) AS payload_preview, indicators, score, verdict " +
			"FROM run_key_payloads WHERE verdict IN ('suspicious', 'malicious');",
		Interval: 3600,
		Logging:  Differential,
		Platform: windows,
	},
	{
		Name:        "runkeyhunt_autorun_inventory",
		Description: "Every autorun value with its verdict (run_key_payloads), once a day, for stacking across the fleet. Snapshot: each run logs the full set.",
		SQL: "SELECT key, path, name, data, mtime, location, scope, sid, username, enabled, image, " +
			"payload_kind, payload_path, payload_exists, payload_sha256, payload_encoding, " +
			"substr(payload_preview, 1, 256) AS payload_preview, indicators, score, verdict " +
			"FROM run_key_payloads;",
		Interval: 86400,
		Logging:  Snapshot,
		Platform: windows,
	},
	{
		// "Recent" is the Sysmon log's own retention: the live table reads
		// what the rolling Operational log still holds, and differential
		// logging reports each write once, when it first appears.
		Name:        "runkeyhunt_autorun_write_chain",
		Description: "Sysmon registry writes to autorun and payload locations with the writing process's network activity before and after (sysmon_reg_net_chain). Differential: each write is logged once, when it appears in the Sysmon log.",
		SQL: "SELECT time, datetime, utc_time, computer, record_id, event_id, event_type, process_guid, process_id, image, user, " +
			"target_object, path, substr(details, 1, 1024) AS details, role, location, linked_record_id, " +
			"net_before, net_after, seconds_before, seconds_after, remote_addresses, remote_hostnames, " +
			"indicators, score, verdict, window FROM sysmon_reg_net_chain;",
		Interval: 900,
		Logging:  Differential,
		Platform: windows,
	},
}

// Policies are the Fleet policies, in rendering order.
var Policies = []Policy{
	{
		Name:        "runkeyhunt - no malicious registry-stored autorun payload",
		Description: "Passes when no autorun value loads a payload stored in another registry value that scores malicious (Empire persistence/userland/registry, PowerSploit Add-Persistence, Kovter-style loaders).",
		Resolution:  "Open the host's runkeyhunt_autorun_findings results: delete the Run value (path) and the payload value (payload_path), then investigate how they were written (runkeyhunt_autorun_write_chain shows the writing process and its network peers).",
		SQL:         "SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM run_key_payloads WHERE verdict = 'malicious' AND payload_kind = 'registry');",
		Platform:    windows,
		Critical:    true,
	},
	{
		Name:        "runkeyhunt - no malicious autorun payload",
		Description: "Passes when no autorun value scores malicious, wherever its payload is stored (registry, alternate data stream, event log, file, inline).",
		Resolution:  "Open the host's runkeyhunt_autorun_findings results, remove the autorun value and its payload, and investigate the writer.",
		SQL:         "SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM run_key_payloads WHERE verdict = 'malicious');",
		Platform:    windows,
	},
	{
		// osquery_registry never errors, unlike querying our table on a
		// host without the extension (Fleet's documented pattern).
		Name:        "runkeyhunt - extension loaded",
		Description: "Passes when the runkeyhunt osquery extension is registered, so the other runkeyhunt policies and queries can run.",
		Resolution:  "Install the runkeyhunt MSI (or add runkeyhunt.exe to osquery's extensions.load) and restart osqueryd.",
		SQL:         "SELECT 1 FROM osquery_registry WHERE registry = 'table' AND name = 'run_key_payloads' AND active = 1;",
		Platform:    windows,
		OsqueryOnly: true,
	},
}

// QueryNamed returns the query with that name.
func QueryNamed(name string) (Query, bool) {
	for _, q := range Queries {
		if q.Name == name {
			return q, true
		}
	}
	return Query{}, false
}
