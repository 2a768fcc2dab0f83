// Package runkeypayloads is the run_key_payloads table plugin: it picks the
// registry view the query asks for (live, or offline input through the
// source column) and turns the autoruns scanner's rows into osquery rows.
package runkeypayloads

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"

	"github.com/hashicorp/go-hclog"
	"github.com/osquery/osquery-go/plugin/table"

	"github.com/runkeyhunt/runkeyhunt/tables/autoruns"
	"github.com/runkeyhunt/runkeyhunt/tables/chain"
	"github.com/runkeyhunt/runkeyhunt/tables/evidence"
	"github.com/runkeyhunt/runkeyhunt/tables/input"
	"github.com/runkeyhunt/runkeyhunt/tables/registry"
	"github.com/runkeyhunt/runkeyhunt/tables/registry/offline"
	"github.com/runkeyhunt/runkeyhunt/tables/tablekit"
)

// LiveSource is the source value of rows read from the running system.
const LiveSource = tablekit.LiveSource

// LiveRegistry opens the running system's registry and payload resolver.
type LiveRegistry func() (registry.View, autoruns.Resolver, error)

// Options configure the table.
type Options struct {
	// DefaultSource is the offline input used when a query does not
	// constrain source (`runkeyhunt query --source`); empty means live.
	DefaultSource string
	// Live is nil where there is no live registry (anything but Windows).
	Live LiveRegistry
	// InputLimits bound .zip and .gz input; zero fields take
	// input.DefaultLimits.
	InputLimits input.Limits
	// Logger gets warnings, and at Debug level each input file read or
	// skipped and why (`--verbose`).
	Logger hclog.Logger
}

// New returns the table.
func New(opts Options) tablekit.Table {
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	return tablekit.Table{Schema: Schema, Generate: func(ctx context.Context, qc table.QueryContext) ([]map[string]string, error) {
		sources := tablekit.Sources(qc, opts.DefaultSource)
		var out []map[string]string
		for _, src := range sources {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			rows, err := Generate(ctx, src, opts)
			if err != nil {
				return nil, err
			}
			for _, r := range rows {
				out = append(out, RowMap(r, src))
			}
		}
		return out, nil
	}}
}

// Generate scans one source: "live" or an offline input specification.
// A cancelled ctx stops it with ctx's error, whatever was read so far.
func Generate(ctx context.Context, source string, opts Options) (rows []autoruns.Row, err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	defer func() {
		if ctx.Err() != nil {
			rows, err = nil, ctx.Err()
		}
	}()
	log := opts.Logger
	if log == nil {
		log = hclog.NewNullLogger()
	}
	warn := func(err error) { log.Warn("run_key_payloads", "source", source, "warning", err.Error()) }
	if source == LiveSource {
		if opts.Live == nil {
			log.Warn("no live registry on this platform; constrain source to read offline input", "table", Name)
			return nil, nil
		}
		view, resolver, err := opts.Live()
		if err != nil {
			return nil, fmt.Errorf("open live registry: %w", err)
		}
		scanner := autoruns.Scanner{View: view, Resolver: resolver, Warn: warn, Images: evidence.LiveInspector()}
		return scanner.Scan(ctx)
	}
	files, err := input.ExpandContext(ctx, source, input.Options{Logger: log, Warn: warn, Limits: opts.InputLimits})
	if err != nil {
		return nil, err
	}
	return ScanFiles(ctx, files, warn)
}

// ScanFiles scans the registry input among already expanded offline
// files. Files with Sysmon events but no registry input are read as the
// registry state their events wrote, so a JOIN with sysmon_reg_net_chain on
// path finds the command.
func ScanFiles(ctx context.Context, files []input.File, warn func(error)) ([]autoruns.Row, error) {
	scanner := autoruns.Scanner{Warn: warn}
	if colls := input.Collections(files); len(colls) > 0 {
		scanner.Resolver = collectionResolver(colls)
		scanner.Images = evidence.NewOffline(colls)
	}
	if len(input.Filter(files, input.RegExport, input.Hive)) == 0 {
		rows, err := chain.Correlate(ctx, files, chain.DefaultWindow, nil, warn)
		if err != nil {
			return nil, err
		}
		scanner.View = chain.RegistryState(rows)
		return scanner.Scan(ctx)
	}
	view, warnings, err := offline.Load(ctx, files)
	if err != nil {
		return nil, err
	}
	for _, w := range warnings {
		warn(w)
	}
	// Hive files stay open while the view is read.
	if c, ok := view.(io.Closer); ok {
		defer c.Close()
	}
	scanner.View = view
	return scanner.Scan(ctx)
}

// collectionResolver reads the files autorun commands name
// (C:\Users\Public\x.ps1, an alternate data stream) inside the drive
// layouts of the offline input, never on the host. Event-log payloads are
// not read from collections.
type collectionResolver []*input.Collection

func (r collectionResolver) ReadFile(path string, limit int64) ([]byte, error) {
	for _, c := range r {
		content, err := c.Open(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		defer content.Close()
		data, err := io.ReadAll(io.LimitReader(content, limit))
		if err != nil {
			return nil, fmt.Errorf("%s in %s: %w", path, c.Root, err)
		}
		return data, nil
	}
	return nil, autoruns.ErrPayloadNotFound
}

func (collectionResolver) ReadEventLog(string, int, int64) ([]byte, error) {
	return nil, autoruns.ErrPayloadNotFound
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
