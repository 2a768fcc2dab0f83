package sysmonchain

import "github.com/runkeyhunt/runkeyhunt/tables/schema"

// Name is the table's name in osquery and in `runkeyhunt query`.
const Name = "sysmon_reg_net_chain"

// Schema is the one declaration of the table (SPEC §5).
var Schema = schema.Table{
	Name:        Name,
	Description: "One row per Sysmon registry event (12, 13, 14) that writes an autorun location or a payload location an autorun command reads, with the network activity of the writing process around it.",
	Columns: []schema.Column{
		schema.Col("time", schema.BigInt, "The registry event's TimeCreated, unix seconds"),
		schema.Col("datetime", schema.Text, "The same, RFC 3339 with milliseconds, UTC"),
		schema.Col("utc_time", schema.Text, "Sysmon's own UtcTime field, as written"),
		schema.Col("computer", schema.Text, "Computer that logged the event"),
		schema.Col("record_id", schema.BigInt, "EventRecordID"),
		schema.Col("event_id", schema.Integer, "12, 13 or 14"),
		schema.Col("event_type", schema.Text, "SetValue, CreateKey, DeleteKey, DeleteValue, RenameKey"),
		schema.Col("process_guid", schema.Text, "ProcessGuid of the writing process"),
		schema.Col("process_id", schema.BigInt, "ProcessId of the writing process"),
		schema.Col("image", schema.Text, "Image of the writing process"),
		schema.Col("user", schema.Text, "User of the writing process (from the event or from that process's other events)"),
		schema.Col("target_object", schema.Text, "TargetObject as Sysmon wrote it"),
		schema.Col("path", schema.Text, "Canonical path; JOINs `run_key_payloads.path`", schema.Index),
		schema.Col("details", schema.Text, "The value written, as Sysmon wrote it"),
		schema.Col("role", schema.Text, "`autorun` or `payload`"),
		schema.Col("location", schema.Text, "Catalog id of the autorun location (autorun rows)"),
		schema.Col("linked_record_id", schema.BigInt, "Autorun row: the payload write it references; payload row: the autorun write that references it; 0 when none"),
		schema.Col("net_before", schema.Integer, "NetworkConnect events of the same process within `window` seconds before the write"),
		schema.Col("net_after", schema.Integer, "NetworkConnect events of the same process within `window` seconds after the write"),
		schema.Col("seconds_before", schema.Double, "Gap to the nearest such event before, -1 when none"),
		schema.Col("seconds_after", schema.Double, "Gap to the nearest such event after, -1 when none"),
		schema.Col("remote_addresses", schema.Text, "Distinct `ip:port`, sorted, comma-separated"),
		schema.Col("remote_hostnames", schema.Text, "Distinct destination host names, sorted, comma-separated"),
		schema.Col("indicators", schema.Text, "Sorted, comma-separated indicator ids"),
		schema.Col("score", schema.Integer, "0..100"),
		schema.Col("verdict", schema.Text, "`benign`, `suspicious` or `malicious`"),
		schema.Col("window", schema.Integer, "Parameter: the correlation window in seconds (default 300); rows carry the value used", schema.Hidden),
		schema.Col("source", schema.Text, "`live`, or the offline input; `WHERE source = '...'` reads that input", schema.Hidden),
		schema.Col("source_file", schema.Text, "The file the event was read from (empty for live)"),
	},
}
