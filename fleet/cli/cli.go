// Package cli is `runkeyhunt fleet ...`: pack rendering, the fleet report,
// and applying to / pulling from a Fleet server.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/runkeyhunt/runkeyhunt/fleet/api"
	"github.com/runkeyhunt/runkeyhunt/fleet/definitions"
	"github.com/runkeyhunt/runkeyhunt/fleet/report"
	"github.com/runkeyhunt/runkeyhunt/fleet/resultlog"
	"github.com/runkeyhunt/runkeyhunt/internal/progress"
)

// Exit codes.
const (
	exitOK       = 0
	exitError    = 1
	exitUsage    = 2
	exitFindings = 3 // --fail-on matched
	// exitInterrupted is the shells' 128+SIGINT: Ctrl-C (or SIGTERM)
	// stopped the command and nothing was written.
	exitInterrupted = 130
)

// Usage is the help text of `runkeyhunt fleet`.
const Usage = `runkeyhunt fleet: scheduled queries, policies and fleet-wide reports.

Usage:
  runkeyhunt fleet pack [--format osquery|gitops|gitops-legacy|fleetctl|fleetctl-legacy|fleetctl-pack]
                        [--out DIR]
      print the queries and policies in one format, or write every format
      (the files committed under fleet/packs/) into DIR. gitops and fleetctl
      use Fleet 4.83's names (reports:, fleets/, kind: report); the -legacy
      formats are for older servers (queries:, teams/, kind: query).
  runkeyhunt fleet report [--format text|json|csv|markdown|html] [--output FILE]
                          [--fail-on suspicious|malicious] [--state FILE]
                          [--no-progress] [FILES|DIRS|-]...
      read osquery result logs (event, batch and snapshot formats; rotated
      and .gz files; directories walked; - or nothing for stdin) and report
      incidents (one per host and autorun value, Sysmon writes merged in),
      autorun stacking and Sysmon write-chain statistics. --state FILE keeps
      the state in a SQLite database: each run reads only the lines logged
      since the last one (files are known by their first line, so rotation
      and .gz are followed), reports what is new since the last run, and
      saves the state once the report is written.
  runkeyhunt fleet apply [--url URL] [--token TOKEN | --token-file FILE] [--fleet ID]
                         [--dry-run] [--insecure]
      create or update the reports (queries) and policies on a Fleet server,
      by name; unchanged ones are left alone. --dry-run prints the plan only.
  runkeyhunt fleet pull [--url URL] [--token TOKEN | --token-file FILE] [--fleet ID]
                        [--insecure] [report flags]
      fetch the stored results of the runkeyhunt snapshot queries and report
      on them like result logs. Fleet stores rows only for snapshot queries:
      runkeyhunt_autorun_findings_snapshot feeds Findings (current state, no
      history), runkeyhunt_autorun_inventory feeds Autorun stacking; the
      differential queries (runkeyhunt_autorun_findings, and
      runkeyhunt_autorun_write_chain behind the Sysmon sections) reach only
      the log destination: run fleet report on those logs for them.

The server's API generation is asked once (GET /api/v1/fleet/version):
Fleet 4.83+ gets /reports, fleet_id and /fleets/ID/policies, older servers
/queries, team_id and /teams/ID/policies. --team is an alias of --fleet.

URL and token also come from FLEET_URL and FLEET_API_TOKEN (the token file
is read when neither flag nor variable is set). The token is never logged.

Exit status: 0 success, 1 error, 2 bad usage, 3 --fail-on matched,
130 interrupted (Ctrl-C; no report file is left behind).
`

// reportMemoryLimit is the soft heap limit of fleet report and pull: the
// runtime and read buffers come on top, and peak RSS at 10,000 hosts must
// stay under 256 MiB (fleet/bench.sh; 198 MiB measured).
const reportMemoryLimit = 192 << 20

// Main runs `runkeyhunt fleet` with args after the word "fleet".
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, Usage)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := environment{stdin: os.Stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv, ctx: ctx}
	return env.dispatch(args)
}

func (env environment) dispatch(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(env.stderr, Usage)
		return exitUsage
	}
	switch args[0] {
	case "pack":
		return env.pack(args[1:])
	case "report":
		return env.report(args[1:])
	case "apply":
		return env.apply(args[1:])
	case "pull":
		return env.pull(args[1:])
	case "help", "-h", "-help", "--help":
		fmt.Fprint(env.stdout, Usage)
		return exitOK
	}
	fmt.Fprintf(env.stderr, "runkeyhunt fleet: unknown subcommand %q\n\n%s", args[0], Usage)
	return exitUsage
}

// environment carries the process's I/O so tests can run commands in-process.
type environment struct {
	ctx            context.Context
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	stderrIsTTY    *bool // nil: detect
	sleep          func(context.Context, time.Duration) error
}

func (env environment) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("runkeyhunt fleet "+name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	fs.Usage = func() { fmt.Fprint(env.stderr, Usage) }
	return fs
}

func parse(fs *flag.FlagSet, args []string) (int, bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, false
		}
		return exitUsage, false
	}
	return 0, true
}

func (env environment) logger(verbose bool) hclog.Logger {
	level := hclog.Info
	if verbose {
		level = hclog.Debug
	}
	return hclog.New(&hclog.LoggerOptions{Name: "runkeyhunt", Output: env.stderr, Level: level})
}

func (env environment) pack(args []string) int {
	fs := env.flags("pack")
	format := fs.String("format", "osquery", "output format: "+strings.Join(definitions.Formats, "|"))
	out := fs.String("out", "", "write every format into this directory instead")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.stderr, "runkeyhunt fleet pack: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	if *out != "" {
		files, err := definitions.Files()
		if err != nil {
			fmt.Fprintf(env.stderr, "runkeyhunt fleet pack: %v\n", err)
			return exitError
		}
		for _, name := range definitions.SortedFileNames(files) {
			path := filepath.Join(*out, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				fmt.Fprintf(env.stderr, "runkeyhunt fleet pack: %v\n", err)
				return exitError
			}
			if err := os.WriteFile(path, files[name], 0o644); err != nil {
				fmt.Fprintf(env.stderr, "runkeyhunt fleet pack: %v\n", err)
				return exitError
			}
			fmt.Fprintln(env.stdout, path)
		}
		return exitOK
	}
	b, err := definitions.Render(*format)
	if err != nil {
		fmt.Fprintf(env.stderr, "runkeyhunt fleet pack: %v\n", err)
		return exitUsage
	}
	env.stdout.Write(b)
	return exitOK
}

// reportFlags are shared by report and pull.
type reportFlags struct {
	format, output, failOn string
	noProgress, verbose    bool
}

func addReportFlags(fs *flag.FlagSet) *reportFlags {
	rf := &reportFlags{}
	fs.StringVar(&rf.format, "format", "text", "output format: "+strings.Join(report.Formats, "|"))
	fs.StringVar(&rf.output, "output", "", "write the report to FILE instead of stdout")
	fs.StringVar(&rf.failOn, "fail-on", "", "exit 3 when active findings of this verdict or worse exist: suspicious|malicious")
	fs.BoolVar(&rf.noProgress, "no-progress", false, "no progress bar, even on a terminal")
	fs.BoolVar(&rf.verbose, "verbose", false, "debug logging")
	return rf
}

func (rf *reportFlags) validate() error {
	ok := false
	for _, f := range report.Formats {
		ok = ok || f == rf.format
	}
	if !ok {
		return fmt.Errorf("unknown format %q (want %s)", rf.format, strings.Join(report.Formats, "|"))
	}
	if rf.failOn != "" && rf.failOn != report.Suspicious && rf.failOn != report.Malicious {
		return fmt.Errorf("--fail-on %q: want suspicious or malicious", rf.failOn)
	}
	return nil
}

// emit writes the report and returns the exit code --fail-on asks for. A
// file is written beside its target and renamed into place when complete,
// so an interrupted or failed run never leaves a partial report.
func (env environment) emit(rf *reportFlags, r *report.Report, cmd string) int {
	if env.ctx.Err() != nil {
		return env.interrupted(cmd)
	}
	if rf.output == "" || rf.output == "-" {
		if err := report.Write(env.stdout, rf.format, r); err != nil {
			fmt.Fprintf(env.stderr, "%s: write report: %v\n", cmd, err)
			return exitError
		}
	} else if err := writeFileAtomic(rf.output, func(w io.Writer) error {
		if err := report.Write(w, rf.format, r); err != nil {
			return err
		}
		return env.ctx.Err()
	}); err != nil {
		if env.ctx.Err() != nil {
			return env.interrupted(cmd)
		}
		fmt.Fprintf(env.stderr, "%s: write report: %v\n", cmd, err)
		return exitError
	}
	if rf.failOn != "" && r.Worst() >= report.Severity(rf.failOn) {
		return exitFindings
	}
	return exitOK
}

func (env environment) interrupted(cmd string) int {
	fmt.Fprintf(env.stderr, "%s: interrupted; no report written\n", cmd)
	return exitInterrupted
}

// writeFileAtomic writes path through a temporary file in the same
// directory, renamed over path only when write succeeded. A link is
// followed, so the file it names is replaced, not the link; a path that
// is not a regular file (/dev/null, a FIFO, a terminal) is written
// directly, since renaming over it would replace the device itself.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	if resolved, err := filepath.EvalSymlinks(path); err == nil {
		path = resolved
	}
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		if fi.IsDir() {
			return fmt.Errorf("%s is a directory", path)
		}
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		if err := write(f); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := write(tmp); err != nil {
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	done = true
	return nil
}

func (env environment) report(args []string) int {
	const cmd = "runkeyhunt fleet report"
	fs := env.flags("report")
	rf := addReportFlags(fs)
	statePath := fs.String("state", "", "keep state in this SQLite file: read only new lines, report what is new since the last run")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if err := rf.validate(); err != nil {
		fmt.Fprintf(env.stderr, "%s: %v\n", cmd, err)
		return exitUsage
	}
	inputs := fs.Args()
	if len(inputs) == 0 {
		inputs = []string{resultlog.Stdin}
	}
	paths := resultlog.Expand(inputs)
	log := env.logger(rf.verbose)
	// The engine keeps little; the garbage is parsed lines. Trading some
	// heap headroom for fewer collections speeds ingest up markedly, and a
	// soft limit keeps that headroom under osquery-watchdog-sized memory:
	// past it the collector runs as often as it must, so the heap tracks
	// what is live (hosts and findings), not the lines read.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(reportMemoryLimit))
	engine := report.New()
	var state *report.State
	if *statePath != "" {
		var err error
		if state, err = report.OpenState(*statePath); err != nil {
			fmt.Fprintf(env.stderr, "%s: %v\n", cmd, err)
			return exitError
		}
		defer state.Close()
		if engine, err = state.Engine(); err != nil {
			fmt.Fprintf(env.stderr, "%s: %v\n", cmd, err)
			return exitError
		}
	}
	bar := progress.New(env.stderr, resultlog.TotalSize(paths), !rf.noProgress && env.isTTY())
	h := engine.Handler(bar.Update)
	if state != nil {
		h.Open = state.Open
	}
	badShown := 0
	h.BadLine = func(file string, line int, err error) {
		engine.AddBadLine(file, line, err)
		if badShown < 10 {
			bar.Clear()
			log.Warn("skipping bad input line", "file", file, "line", line, "error", err.Error())
		} else if badShown == 10 {
			bar.Clear()
			log.Warn("more bad input lines; the report lists them")
		}
		badShown++
	}
	badFiles := 0
	h.BadFile = func(file string, err error) {
		badFiles++
		engine.AddBadFile(file, err)
		bar.Clear()
		log.Warn("skipping the rest of an unreadable input file; the report covers the other inputs", "file", file, "error", err.Error())
	}
	err := resultlog.ReadAll(env.ctx, paths, env.stdin, h)
	bar.Done()
	if env.ctx.Err() != nil {
		return env.interrupted(cmd)
	}
	if err != nil {
		fmt.Fprintf(env.stderr, "%s: %v\n", cmd, err)
		return exitError
	}
	// Nothing read at all would render as an all-clear.
	if badFiles > 0 && engine.LinesRead() == 0 {
		fmt.Fprintf(env.stderr, "%s: no input could be read (%d bad file(s), listed above)\n", cmd, badFiles)
		return exitError
	}
	r := engine.Report()
	if state == nil {
		return env.emit(rf, r, cmd)
	}
	ids, err := state.NewIncidents(r)
	if err != nil {
		fmt.Fprintf(env.stderr, "%s: %v\n", cmd, err)
		return exitError
	}
	report.MarkNew(r, ids)
	code := env.emit(rf, r, cmd)
	if code != exitOK && code != exitFindings {
		return code // the state is kept as it was: the next run reads these lines again
	}
	if err := state.Save(env.ctx, engine, r); err != nil {
		fmt.Fprintf(env.stderr, "%s: %v\n", cmd, err)
		return exitError
	}
	return code
}

func (env environment) isTTY() bool {
	if env.stderrIsTTY != nil {
		return *env.stderrIsTTY
	}
	f, ok := env.stderr.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// serverFlags are shared by apply and pull.
type serverFlags struct {
	url, token, tokenFile, team string
	teamAlias                   string // --team, the pre-4.83 name of --fleet
	insecure                    bool
	timeout                     time.Duration
}

func addServerFlags(fs *flag.FlagSet) *serverFlags {
	sf := &serverFlags{}
	fs.StringVar(&sf.url, "url", "", "Fleet server URL (default $FLEET_URL)")
	fs.StringVar(&sf.token, "token", "", "Fleet API token (default $FLEET_API_TOKEN, then --token-file)")
	fs.StringVar(&sf.tokenFile, "token-file", "", "file holding the Fleet API token")
	fs.StringVar(&sf.team, "fleet", "", "fleet ID (Fleet Premium; a team before Fleet 4.83); default: global reports and policies")
	fs.StringVar(&sf.teamAlias, "team", "", "alias of --fleet")
	fs.BoolVar(&sf.insecure, "insecure", false, "do not verify the server's TLS certificate")
	fs.DurationVar(&sf.timeout, "timeout", 30*time.Second, "per-request timeout")
	return sf
}

func (env environment) client(sf *serverFlags, log hclog.Logger) (*api.Client, *int64, error) {
	url := sf.url
	if url == "" {
		url = env.getenv("FLEET_URL")
	}
	if url == "" {
		return nil, nil, errors.New("no Fleet URL: use --url or FLEET_URL")
	}
	token := sf.token
	if token == "" {
		token = env.getenv("FLEET_API_TOKEN")
	}
	if token == "" && sf.tokenFile != "" {
		b, err := os.ReadFile(sf.tokenFile)
		if err != nil {
			// The path is safe to show; the content never is.
			return nil, nil, fmt.Errorf("read token file %s: %w", sf.tokenFile, errors.Unwrap(err))
		}
		token = strings.TrimSpace(string(b))
	}
	flagName, fleetID := "--fleet", sf.team
	switch {
	case sf.teamAlias != "" && sf.team != "" && sf.teamAlias != sf.team:
		return nil, nil, fmt.Errorf("--fleet %q and --team %q disagree (--team is an alias of --fleet)", sf.team, sf.teamAlias)
	case sf.teamAlias != "":
		flagName, fleetID = "--team", sf.teamAlias
	}
	var team *int64
	if fleetID != "" {
		id, err := strconv.ParseInt(fleetID, 10, 64)
		if err != nil || id <= 0 {
			return nil, nil, fmt.Errorf("%s %q: want the fleet's numeric ID", flagName, fleetID)
		}
		team = &id
	}
	if sf.insecure {
		log.Warn("TLS certificate verification is off (--insecure)")
	}
	c, err := api.New(url, token, api.Options{Insecure: sf.insecure, Timeout: sf.timeout, Logger: log, Sleep: env.sleep})
	return c, team, err
}

func (env environment) apply(args []string) int {
	const cmd = "runkeyhunt fleet apply"
	fs := env.flags("apply")
	sf := addServerFlags(fs)
	dryRun := fs.Bool("dry-run", false, "show what would change, change nothing")
	verbose := fs.Bool("verbose", false, "debug logging")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	log := env.logger(*verbose)
	c, team, err := env.client(sf, log)
	if err != nil {
		fmt.Fprintf(env.stderr, "%s: %v\n", cmd, err)
		return exitUsage
	}
	plan, err := api.Plan(env.ctx, c, team)
	if env.ctx.Err() != nil {
		fmt.Fprintf(env.stderr, "%s: interrupted before any change\n", cmd)
		return exitInterrupted
	}
	if err != nil {
		fmt.Fprintf(env.stderr, "%s: %v\n", cmd, err)
		return exitError
	}
	changes := 0
	for _, ch := range plan {
		fmt.Fprintln(env.stdout, ch.String())
		if ch.Action != api.Unchanged {
			changes++
		}
	}
	switch {
	case *dryRun:
		fmt.Fprintf(env.stdout, "dry run: %d change(s) not applied\n", changes)
		return exitOK
	case changes == 0:
		fmt.Fprintln(env.stdout, "nothing to change")
		return exitOK
	}
	if err := api.Execute(env.ctx, c, team, plan); err != nil {
		if env.ctx.Err() != nil {
			fmt.Fprintf(env.stderr, "%s: interrupted; some changes may be applied, run it again to finish: %v\n", cmd, err)
			return exitInterrupted
		}
		fmt.Fprintf(env.stderr, "%s: %v\n", cmd, err)
		return exitError
	}
	fmt.Fprintf(env.stdout, "applied %d change(s)\n", changes)
	return exitOK
}

func (env environment) pull(args []string) int {
	const cmd = "runkeyhunt fleet pull"
	fs := env.flags("pull")
	sf := addServerFlags(fs)
	rf := addReportFlags(fs)
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if err := rf.validate(); err != nil {
		fmt.Fprintf(env.stderr, "%s: %v\n", cmd, err)
		return exitUsage
	}
	log := env.logger(rf.verbose)
	c, team, err := env.client(sf, log)
	if err != nil {
		fmt.Fprintf(env.stderr, "%s: %v\n", cmd, err)
		return exitUsage
	}
	engine := report.New()
	missing, clipped, err := api.Pull(env.ctx, c, team, engine.Add)
	if env.ctx.Err() != nil {
		return env.interrupted(cmd)
	}
	if err != nil {
		fmt.Fprintf(env.stderr, "%s: %v\n", cmd, err)
		return exitError
	}
	for _, m := range missing {
		log.Warn("query not on the server; run `runkeyhunt fleet apply` first", "query", m)
	}
	for _, q := range clipped {
		log.Warn("Fleet clipped this query's report; it holds only part of the fleet", "query", q)
	}
	log.Debug("Fleet stores reports of snapshot queries only: no Sysmon sections or finding history here; run `runkeyhunt fleet report` on the result logs for those")
	return env.emit(rf, engine.Report(), cmd)
}
