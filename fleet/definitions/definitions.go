// Package definitions is the one definition of runkeyhunt's scheduled
// queries and policies. Every rendered format (osquery pack, Fleet GitOps
// YAML, fleetctl YAML) and `runkeyhunt fleet apply` read this list, so the
// formats cannot drift apart.
package definitions

import "fmt"

// ExtensionName is the name the extension registers with osqueryd.
const ExtensionName = "runkeyhunt"

// Logging modes, as Fleet names them (REST API "Create report", `logging`;
// server/fleet/scheduled_queries.go maps them to osquery's pack options:
// snapshot = "snapshot": true, differential = "removed": true,
// differential_ignore_removals = "removed": false).
const (
	Differential               = "differential"
	DifferentialIgnoreRemovals = "differential_ignore_removals"
	Snapshot                   = "snapshot"
)

// Fleet keeps a stored report (the rows `runkeyhunt fleet pull` reads)
// only for snapshot queries; differential results go to the log
// destination only.
func (q Query) Pullable() bool { return q.Logging == Snapshot }

// Query is one scheduled query.
type Query struct {
	Name        string
	Description string
	SQL         string
	Interval    int    // seconds
	Logging     string // Differential, DifferentialIgnoreRemovals or Snapshot
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

// PackShard is the osquery pack's "shard": the percentage of hosts that
// run it (osquery hashes the host identifier, so a host stays in or out
// as the number grows). 100 is every host; lower it in the rendered file
// (10, then 50, then 100) for a staged rollout.
const PackShard = 100

// The write-chain query re-reads a bounded slice of the Sysmon log each
// run instead of the live table's default 24 hours: writes from the last
// interval plus the schedule's splay (osquery's default 10 %), ending
// ChainSettle seconds ago so the network activity after each write (the
// table's default 300 s window) is complete when it is logged. Runs
// overlap by the splay; differential logging drops the rows a run shares
// with the previous one, and differential_ignore_removals drops the rows
// leaving the slice, so each write is logged once.
const (
	ChainInterval = 900
	ChainSettle   = 300
	ChainLookback = ChainInterval + ChainInterval/10 + ChainSettle
)

// ChainTimeBound is the write-chain query's WHERE clause. osquery passes
// both bounds to the table as constraints on `time` (the Windows event log
// reader turns them into its XPath time range).
var ChainTimeBound = fmt.Sprintf("time > strftime('%%s', 'now') - %d AND time <= strftime('%%s', 'now') - %d", ChainLookback, ChainSettle)

// Discovery is the osquery pack's discovery query: the pack is scheduled
// only on hosts where the extension is registered, so hosts without it do
// not log "no such table" errors every interval.
const Discovery = "SELECT 1 FROM osquery_extensions WHERE name = '" + ExtensionName + "';"

const windows = "windows"

// Queries are the scheduled queries, in rendering order.
var Queries = []Query{
	{
		Name:        "runkeyhunt_autorun_findings",
		Description: "Autorun values whose command or payload scores suspicious or worse (run_key_payloads), for log destinations. Differential: each finding is logged once when it appears and once when it goes away. Fleet stores no report for it; `runkeyhunt fleet pull` reads runkeyhunt_autorun_findings_snapshot instead.",
		SQL: "SELECT key, path, name, type, data, mtime, location, scope, sid, username, enabled, image, arguments, " +
			"payload_kind, payload_ref, payload_path, payload_exists, payload_size, payload_sha256, payload_entropy, payload_encoding, " +
			"substr(payload_preview, 1, 1024) AS payload_preview, indicators, score, verdict " +
			"FROM run_key_payloads WHERE verdict IN ('suspicious', 'malicious');",
		Interval: 3600,
		Logging:  Differential,
		Platform: windows,
	},
	{
		Name:        "runkeyhunt_autorun_findings_snapshot",
		Description: "The current suspicious-or-worse autorun values (run_key_payloads), small: Fleet keeps each host's latest rows as the query's report, which feeds the Findings section of `runkeyhunt fleet pull`. Snapshot: each run replaces the host's rows.",
		SQL: "SELECT path, name, data, mtime, location, sid, username, image, " +
			"payload_kind, payload_path, payload_sha256, substr(payload_preview, 1, 256) AS payload_preview, indicators, score, verdict " +
			"FROM run_key_payloads WHERE verdict IN ('suspicious', 'malicious');",
		Interval: 3600,
		Logging:  Snapshot,
		Platform: windows,
	},
	{
		Name:        "runkeyhunt_autorun_inventory",
		Description: "Every autorun value with its verdict (run_key_payloads), once a day, for stacking across the fleet (the Autorun stacking sections of `runkeyhunt fleet report` and `pull`: by command and by image hash). Snapshot: each run logs the full set.",
		SQL: "SELECT key, path, name, data, mtime, location, scope, sid, username, enabled, image, image_sha256, image_signer, " +
			"payload_kind, payload_path, payload_exists, payload_sha256, payload_encoding, " +
			"substr(payload_preview, 1, 256) AS payload_preview, indicators, score, verdict " +
			"FROM run_key_payloads;",
		Interval: 86400,
		Logging:  Snapshot,
		Platform: windows,
	},
	{
		Name:        "runkeyhunt_autorun_write_chain",
		Description: "Sysmon registry writes to autorun and payload locations with the writing process's network activity before and after (sysmon_reg_net_chain), read from the last interval of the Sysmon log. Differential, removals ignored: each write is logged once, when it first appears; the Sysmon sections of `runkeyhunt fleet report` come from these logs (Fleet stores no report for it).",
		SQL: "SELECT time, datetime, utc_time, computer, record_id, event_id, event_type, process_guid, process_id, image, user, " +
			"target_object, path, substr(details, 1, 1024) AS details, role, location, linked_record_id, " +
			"net_before, net_after, seconds_before, seconds_after, remote_addresses, remote_hostnames, " +
			"indicators, score, verdict, window FROM sysmon_reg_net_chain WHERE " + ChainTimeBound + ";",
		Interval: ChainInterval,
		Logging:  DifferentialIgnoreRemovals,
		Platform: windows,
	},
}

// Policies are the Fleet policies, in rendering order.
var Policies = []Policy{
	{
		Name:        "runkeyhunt - no malicious registry-stored autorun payload",
		Description: "Passes when no autorun value loads a payload stored in another registry value that scores malicious (Empire persistence/userland/registry, PowerSploit Add-Persistence, Kovter-style loaders).",
		Resolution:  "Open the host's runkeyhunt_autorun_findings_snapshot report: delete the Run value (path) and the payload value (payload_path), then investigate how they were written (runkeyhunt_autorun_write_chain shows the writing process and its network peers).",
		SQL:         "SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM run_key_payloads WHERE verdict = 'malicious' AND payload_kind = 'registry');",
		Platform:    windows,
		Critical:    true,
	},
	{
		Name:        "runkeyhunt - no malicious autorun payload",
		Description: "Passes when no autorun value scores malicious, wherever its payload is stored (registry, alternate data stream, event log, file, inline).",
		Resolution:  "Open the host's runkeyhunt_autorun_findings_snapshot report, remove the autorun value and its payload, and investigate the writer.",
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
