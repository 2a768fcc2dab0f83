package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/osquery/osquery-go/plugin/table"

	"github.com/runkeyhunt/runkeyhunt/tables/host"
	"github.com/runkeyhunt/runkeyhunt/tables/input"
	"github.com/runkeyhunt/runkeyhunt/tables/tablekit"
)

// sourceList is a repeatable path flag (--source, --allow_source): each
// use adds its value, so a path that contains a comma can be given on its
// own flag.
type sourceList []string

func (s *sourceList) String() string { return strings.Join(*s, ",") }

// Set adds a value; an empty one adds nothing (--allow_source= allows none).
func (s *sourceList) Set(v string) error {
	if strings.TrimSpace(v) != "" {
		*s = append(*s, v)
	}
	return nil
}

// spec is the source specification the tables read: the flags' values as
// one list (input.SplitSpec's syntax). A value that is an existing path is
// one path, commas and quotes included (quoted by input.JoinSpec); any other
// value is a list already, as with a single --source.
func (s sourceList) spec() string {
	if len(s) == 1 {
		return s[0]
	}
	var paths []string
	for _, v := range s {
		paths = append(paths, specPaths(v)...)
	}
	return input.JoinSpec(paths)
}

// paths splits every value as a list: --allow_source a,b --allow_source c.
func (s sourceList) paths() []string {
	var out []string
	for _, v := range s {
		out = append(out, specPaths(v)...)
	}
	return out
}

// specPaths are the paths of a source specification exactly as
// input.ExpandContext reads them: a spec that is itself an existing path is
// that one path, commas included; otherwise input.SplitSpec's list. A list
// that does not parse is kept whole, so that it is checked (and refused)
// as one path.
func specPaths(spec string) []string {
	if _, err := os.Lstat(spec); err == nil && strings.ContainsAny(spec, `,"`) {
		return []string{spec}
	}
	paths, err := input.SplitSpec(spec)
	if err != nil {
		return []string{spec}
	}
	return paths
}

// allowSourceEnv adds --allow_source prefixes: osqueryd starts an
// autoloaded extension with its own flags only, so an operator sets this in
// the osqueryd service's environment instead.
const allowSourceEnv = "RUNKEYHUNT_ALLOW_SOURCE"

// allowedSources is the union of the flag's and the environment's prefixes.
func allowedSources(flagValues sourceList, env string) []string {
	return append(flagValues.paths(), specPaths(env)...)
}

// sourcePolicy decides which offline sources a query may name in extension
// mode. Whoever may run a live query in Fleet may write
// `WHERE source = '...'`, and the extension runs as SYSTEM or root: without
// a policy any file on the host could be opened. Only paths under an
// operator's --allow_source prefix are read; none by default.
type sourcePolicy struct {
	prefixes []string // cleaned, absolute, symlinks resolved
}

// newSourcePolicy resolves the allowed prefixes. One that does not exist
// (yet) is kept as written, cleaned and absolute, with a warning: a source
// under it is still resolved before the comparison, so a link created there
// later cannot lead out.
func newSourcePolicy(allowed []string, logger hclog.Logger) (*sourcePolicy, error) {
	p := &sourcePolicy{}
	for _, a := range allowed {
		resolved, err := resolvePath(a)
		if errors.Is(err, os.ErrNotExist) {
			logger.Warn("--allow_source prefix does not exist", "path", a)
			resolved, err = filepath.Abs(a)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", a, err)
		}
		p.prefixes = append(p.prefixes, filepath.Clean(resolved))
	}
	return p, nil
}

// resolvePath makes a path absolute and clean and resolves its symlinks,
// so neither ".." nor a link can lead out of a prefix.
func resolvePath(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", err
	}
	return filepath.Clean(real), nil
}

// check returns nil when every path of an offline source specification is
// under an allowed prefix.
func (p *sourcePolicy) check(spec string) error {
	if spec == tablekit.LiveSource {
		return nil
	}
	if len(p.prefixes) == 0 {
		return fmt.Errorf("source %s refused: offline sources are off in extension mode (start the extension with --allow_source PATH to allow them)", spec)
	}
	for _, path := range specPaths(spec) {
		resolved, err := resolvePath(path)
		if err != nil {
			// Say why only inside the allowed prefixes: elsewhere the
			// answer would tell a prober which paths exist on the host.
			if abs, absErr := filepath.Abs(path); absErr == nil && p.allows(filepath.Clean(abs)) {
				return fmt.Errorf("source %s: %w", path, err)
			}
			return fmt.Errorf("source %s refused: not under an --allow_source prefix", path)
		}
		if !p.allows(resolved) {
			return fmt.Errorf("source %s refused: not under an --allow_source prefix", path)
		}
	}
	return nil
}

// checkFiles expands an allowed specification as the tables will and
// checks every file it yields: a walk follows links to directories, so a
// link under an allowed prefix must not lead out of it. A zip member is
// checked by its archive's path (input.MemberSeparator). Expansion errors
// are left to the table, which reports them.
func (p *sourcePolicy) checkFiles(ctx context.Context, spec string, limits input.Limits) error {
	if spec == tablekit.LiveSource {
		return nil
	}
	files, err := input.ExpandContext(ctx, spec, input.Options{Logger: hclog.NewNullLogger(), Warn: func(error) {}, Limits: limits})
	if err != nil {
		return nil
	}
	for _, f := range files {
		if !p.allowsFile(f.Path) {
			return fmt.Errorf("source %s refused: %s is not under an --allow_source prefix", spec, f.Path)
		}
	}
	return nil
}

// allowsFile resolves a file's path, or the archive part of a member's.
func (p *sourcePolicy) allowsFile(path string) bool {
	for candidate := path; ; {
		if resolved, err := resolvePath(candidate); err == nil {
			return p.allows(resolved)
		}
		i := strings.LastIndex(candidate, input.MemberSeparator)
		if i <= 0 {
			return false
		}
		candidate = candidate[:i]
	}
}

func (p *sourcePolicy) allows(resolved string) bool {
	for _, prefix := range p.prefixes {
		if within(resolved, prefix) {
			return true
		}
	}
	return false
}

// within tells whether path is prefix or below it, whole components only
// (/cases does not allow /cases2); Windows paths compare without case.
func within(path, prefix string) bool {
	equal := func(a, b string) bool { return a == b }
	if runtime.GOOS == "windows" {
		equal = strings.EqualFold
	}
	if equal(path, prefix) {
		return true
	}
	if !strings.HasSuffix(prefix, string(filepath.Separator)) {
		prefix += string(filepath.Separator)
	}
	return len(path) > len(prefix) && equal(path[:len(prefix)], prefix)
}

// guard wraps a table's generate for extension mode: the sources a query
// names are checked against the policy (a refusal is the query's error and
// one log line), the call shares hosts through hosts (only once allowed),
// and it is cancelled when osquery abandons it (the Thrift server's
// connectivity check cancels ctx), when the extension shuts down (life),
// or after timeout.
func guard(t tablekit.Table, policy *sourcePolicy, hosts *host.Cache, life context.Context, timeout time.Duration, logger hclog.Logger) tablekit.Table {
	generate := t.Generate
	t.Generate = func(ctx context.Context, qc table.QueryContext) (tablekit.RowSet, error) {
		for _, src := range tablekit.Equals(qc, "source") {
			err := policy.check(src)
			if err == nil {
				err = policy.checkFiles(ctx, src, input.Limits{})
			}
			if err != nil {
				logger.Warn("source refused", "table", t.Schema.Name, "source", src, "error", err.Error())
				return nil, err
			}
		}
		ctx, endCall := hosts.Call(ctx)
		defer endCall()
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		defer context.AfterFunc(life, cancel)()
		if timeout > 0 {
			var cancelTimeout context.CancelFunc
			ctx, cancelTimeout = context.WithTimeout(ctx, timeout)
			defer cancelTimeout()
		}
		rows, err := generate(ctx, qc)
		if ctxErr := ctx.Err(); ctxErr != nil {
			logger.Info("table call cancelled", "table", t.Schema.Name, "reason", context.Cause(ctx).Error())
			if err == nil {
				err = ctxErr
			}
		}
		return rows, err
	}
	return t
}
