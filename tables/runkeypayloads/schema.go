package runkeypayloads

import "github.com/runkeyhunt/runkeyhunt/tables/schema"

// Name is the table's name in osquery and in `runkeyhunt query`.
const Name = "run_key_payloads"

// Schema is the one declaration of the table (SPEC §4).
var Schema = schema.Table{
	Name:        Name,
	Description: "One row per autorun value and payload reference: the loader command in a Run-style key, the payload it reads from elsewhere, decoded and scored.",
	Columns: []schema.Column{
		schema.Col("key", schema.Text, "Key holding the autorun value"),
		schema.Col("path", schema.Text, "Key\\value name, as osquery's `registry.path` (the default value is `(Default)`)", schema.Index),
		schema.Col("name", schema.Text, "Value name; a NUL is shown as `\\0`"),
		schema.Col("type", schema.Text, "REG_SZ, REG_EXPAND_SZ, ..."),
		schema.Col("data", schema.Text, "The command line as stored"),
		schema.Col("mtime", schema.BigInt, "Last write time of the key, unix seconds (0 when the input has none, e.g. .reg)"),
		schema.Col("location", schema.Text, "Catalog id of the autorun location (`run`, `run_once`, `winlogon_shell`, `ifeo_debugger`, `boot_execute`, `service_dll`, `user_shell_command`, ...; `_wow64` for WOW6432Node; every id in the README's Autostart locations). `location = 'service_image_path'` (or another flood-controlled id) also returns that location's benign items"),
		schema.Col("scope", schema.Text, "`machine` or `user`"),
		schema.Col("sid", schema.Text, "SID of the hive's owner (empty for machine, or when unknown)"),
		schema.Col("username", schema.Text, "User name of the hive's owner"),
		schema.Col("enabled", schema.Integer, "0 when `Explorer\\StartupApproved` marks the value disabled, else 1"),
		schema.Col("image", schema.Text, "Executable, environment variables expanded where known"),
		schema.Col("arguments", schema.Text, "The rest of the command line"),
		schema.Col("payload_kind", schema.Text, "`registry`, `ads`, `eventlog`, `file`, `inline`, or empty"),
		schema.Col("payload_ref", schema.Text, "The reference as written in the command"),
		schema.Col("payload_path", schema.Text, "Resolved location: registry path incl. value name, `C:\\dir\\file:stream`, `Application:EventID=4242`, or a file path"),
		schema.Col("payload_exists", schema.Integer, "1 when the payload was found"),
		schema.Col("payload_size", schema.BigInt, "Bytes of the raw payload"),
		schema.Col("payload_sha256", schema.Text, "SHA-256 of the raw payload"),
		schema.Col("payload_entropy", schema.Double, "Shannon entropy of the raw payload, bits per byte"),
		schema.Col("payload_encoding", schema.Text, "Layers peeled, e.g. `base64/utf16le`, `base64/deflate/utf8`"),
		schema.Col("payload_preview", schema.Text, "Decoded payload text, first 4096 characters"),
		schema.Col("image_exists", schema.Integer, "1 when the file that really runs exists (the DLL of rundll32/regsvr32, the target of `cmd /c start`/`pcalua -a`, the script of a script host), 0 when it does not (offline: only when the collection holds its folder), NULL when unknown"),
		schema.Col("image_size", schema.BigInt, "Bytes of that file"),
		schema.Col("image_sha256", schema.Text, "SHA-256 of that file (at most 256 MiB are hashed)"),
		schema.Col("image_signed", schema.Text, "`signed`, `unsigned`, `invalid`, `catalog` (live: signed through a system catalog) or `unknown`; empty for scripts. Offline `signed` means the embedded signature verifies and its digest matches the file; no chain is built"),
		schema.Col("image_signer", schema.Text, "Subject CN of the signing certificate"),
		schema.Col("image_original_name", schema.Text, "OriginalFilename of the version resource"),
		schema.Col("image_company", schema.Text, "CompanyName of the version resource"),
		schema.Col("indicators", schema.Text, "Sorted, comma-separated indicator ids"),
		schema.Col("score", schema.Integer, "0..100, the sum of the indicators' weights, capped"),
		schema.Col("verdict", schema.Text, "`benign` (<30), `suspicious` (30..69), `malicious` (>=70)"),
		schema.Col("source", schema.Text, "`live`, or the offline input; `WHERE source = '...'` reads that input instead of the live registry", schema.Hidden),
		schema.Col("source_file", schema.Text, "The file the row was read from (empty for live)"),
	},
}
