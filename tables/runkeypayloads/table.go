// Package runkeypayloads is the run_key_payloads table plugin: it opens the
// host of the source the query asks for (live, or offline input through
// the source column) and turns its autorun rows into osquery rows.
package runkeypayloads

import (
	"context"
	"strconv"

	"github.com/osquery/osquery-go/plugin/table"

	"github.com/runkeyhunt/runkeyhunt/tables/autoruns"
	"github.com/runkeyhunt/runkeyhunt/tables/host"
	"github.com/runkeyhunt/runkeyhunt/tables/tablekit"
)

// LiveSource is the source value of rows read from the running system.
const LiveSource = tablekit.LiveSource

// Options configure the table.
type Options struct {
	// DefaultSource is the offline input used when a query does not
	// constrain source (`runkeyhunt query --source`); empty means live.
	DefaultSource string
	// Open opens a source's host; nil: host.Options{}.Open (offline input
	// only, default limits, no logging).
	Open host.Opener
}

// New returns the table.
func New(opts Options) tablekit.Table {
	return tablekit.Table{Schema: Schema, Generate: tablekit.FromMaps(Schema, func(ctx context.Context, qc table.QueryContext) ([]map[string]string, error) {
		sources := tablekit.Sources(qc, opts.DefaultSource)
		// Flood-controlled locations' benign rows only when asked for.
		asked := tablekit.Equals(qc, "location")
		var out []map[string]string
		for _, src := range sources {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			rows, err := generate(ctx, src, opts, asked)
			if err != nil {
				return nil, err
			}
			for _, r := range rows {
				out = append(out, RowMap(r, src))
			}
		}
		return out, nil
	})}
}

// Generate scans one source: "live" or an offline input specification.
// A source with Sysmon events but no registry input is read as the
// registry state its events wrote, so a JOIN with sysmon_reg_net_chain on
// path finds the command. A platform without a live registry gives no
// rows and a warning. A cancelled ctx stops it with ctx's error, whatever
// was read so far.
// Benign rows of flood-controlled locations are left out.
func Generate(ctx context.Context, source string, opts Options) (rows []autoruns.Row, err error) {
	return generate(ctx, source, opts, nil)
}

// generate is Generate keeping the benign rows of the flood-controlled
// locations in asked.
func generate(ctx context.Context, source string, opts Options, asked []string) (rows []autoruns.Row, err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	defer func() {
		if ctx.Err() != nil {
			rows, err = nil, ctx.Err()
		}
	}()
	open := opts.Open
	if open == nil {
		open = host.Options{}.Open
	}
	h, err := open(ctx, source)
	if err != nil {
		return nil, err
	}
	all, err := h.Autoruns(ctx)
	return autoruns.VisibleRows(all, asked), err
}

// RowMap renders a row as osquery's string map; source is echoed verbatim
// because osquery re-applies the WHERE clause to returned rows.
func RowMap(r autoruns.Row, source string) map[string]string {
	return map[string]string{
		"key":                 r.Key,
		"path":                r.Path,
		"name":                r.Name,
		"type":                r.Type,
		"data":                r.Data,
		"mtime":               strconv.FormatInt(r.Mtime, 10),
		"location":            r.Location,
		"scope":               r.Scope,
		"sid":                 r.SID,
		"username":            r.Username,
		"enabled":             strconv.Itoa(r.Enabled),
		"image":               r.Image,
		"arguments":           r.Arguments,
		"image_exists":        r.ImageExists,
		"image_size":          strconv.FormatInt(r.ImageSize, 10),
		"image_sha256":        r.ImageSHA256,
		"image_signed":        r.ImageSigned,
		"image_signer":        r.ImageSigner,
		"image_original_name": r.ImageOriginalName,
		"image_company":       r.ImageCompany,
		"payload_kind":        r.PayloadKind,
		"payload_ref":         r.PayloadRef,
		"payload_path":        r.PayloadPath,
		"payload_exists":      strconv.Itoa(r.PayloadExists),
		"payload_size":        strconv.FormatInt(r.PayloadSize, 10),
		"payload_sha256":      r.PayloadSHA256,
		"payload_entropy":     strconv.FormatFloat(r.PayloadEntropy, 'f', 4, 64),
		"payload_encoding":    r.PayloadEncoding,
		"payload_preview":     r.PayloadPreview,
		"indicators":          r.Indicators,
		"score":               strconv.Itoa(r.Score),
		"verdict":             r.Verdict,
		"source":              source,
		"source_file":         r.SourceFile,
	}
}
