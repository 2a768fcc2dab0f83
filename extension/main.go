// Command runkeyhunt is the osquery extension (started by osqueryd with
// --socket) and the offline tool: `runkeyhunt query` runs SQL over the same
// tables on an embedded SQLite.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/runkeyhunt/runkeyhunt/extension/query"
	"github.com/runkeyhunt/runkeyhunt/fleet/cli"
	"github.com/runkeyhunt/runkeyhunt/tables/host"
)

// Stamped at build time (-ldflags -X).
var (
	version = "dev"
	commit  = "unknown"
	date    = "unknown"
)

const usage = `runkeyhunt: find Run-key loaders and the payloads they hide elsewhere.

Usage:
  runkeyhunt --socket PATH [--timeout S] [--interval S] [--verbose]
             [--allow_source PATH[,PATH]] [--generate_timeout S]
             [--share_window S]
      osquery extension mode (osqueryd starts it this way); registers the
      tables run_key_payloads and sysmon_reg_net_chain. Offline sources
      (WHERE source = 'PATH') are refused unless under an --allow_source
      prefix.
  runkeyhunt query [--source PATHS]... [--format table|json|csv|line]
                   [--width N] [--no-progress] [--verbose] "SQL"
      run SQL over the same tables on an embedded SQLite. --source is the
      offline input (files, comma-separated list, or directories walked
      recursively: EVTX, event XML, JSON lines, .reg exports, hive files)
      for tables whose query does not constrain source; repeat it for a
      path that contains a comma.
  runkeyhunt schema [--format markdown|json]
      print the tables' schemas.
  runkeyhunt fleet pack|report|apply|pull [flags]
      osquery pack, Fleet GitOps and fleetctl YAML, the fleet-wide report and
      dashboard, and apply/pull through Fleet's REST API (runkeyhunt fleet --help).
  runkeyhunt version        (or --version)
  runkeyhunt help [COMMAND] (or COMMAND --help)

Exit status: 0 on success, 1 on an error in the SQL or the input, 2 on bad usage,
3 when fleet report/pull --fail-on matches, 130 when interrupted (Ctrl-C).
`

// commandUsage is each command's synopsis, printed above its flags by
// `runkeyhunt COMMAND --help`.
var commandUsage = map[string]string{
	"runkeyhunt": `Usage: runkeyhunt --socket PATH [flags]
osquery extension mode: osqueryd starts the binary this way (see runkeyhunt help).

Flags:
`,
	"query": `Usage: runkeyhunt query [flags] "SQL" (flags may also follow the SQL)
Run one SQL statement over run_key_payloads and sysmon_reg_net_chain on an
embedded SQLite. --source is the offline input used by tables whose query does
not constrain source (files, comma-separated lists, directories walked
recursively; repeat the flag for a path that contains a comma).

Flags:
`,
	"schema": `Usage: runkeyhunt schema [flags]
Print the tables' schemas.

Flags:
`,
}

// command returns a subcommand; anything starting with "-" is extension
// mode's flags instead.
func command(name string) (func(args []string, stdout, stderr io.Writer) int, bool) {
	switch name {
	case "query":
		return runQuery, true
	case "schema":
		return runSchema, true
	case "fleet":
		return cli.Main, true
	case "version":
		return func(_ []string, stdout, _ io.Writer) int { printVersion(stdout); return 0 }, true
	case "help":
		return runHelp, true
	}
	return nil, false
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// exitUsage and exitError are the exit codes for bad usage and failures;
// exitInterrupted is the shell's code for a process ended by SIGINT.
const (
	exitError       = 1
	exitUsage       = 2
	exitInterrupted = 130
)

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if wantsHelp(args) {
			return runExtension([]string{"-help"}, stdout, stdout)
		}
		return runExtension(args, stdout, stderr)
	}
	cmd, ok := command(args[0])
	if !ok {
		fmt.Fprintf(stderr, "runkeyhunt: unknown command %q (want query, schema, fleet, version or help; runkeyhunt --help)\n", args[0])
		return exitUsage
	}
	if args[0] != "help" && wantsHelp(args[1:]) {
		// Help goes to stdout and exits 0 (flag's own goes to stderr).
		return cmd(args[1:], stdout, stdout)
	}
	return cmd(args[1:], stdout, stderr)
}

// wantsHelp tells whether the arguments ask for help (-h, -help, --help)
// before any "--".
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help", "-h=true", "-help=true", "--help=true":
			return true
		}
	}
	return false
}

func runHelp(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stdout, usage)
		return 0
	}
	if _, ok := command(args[0]); !ok || args[0] == "help" {
		fmt.Fprintf(stderr, "runkeyhunt help: unknown command %q\n", args[0])
		return exitUsage
	}
	return run([]string{args[0], "--help"}, stdout, stderr)
}

func printVersion(w io.Writer) {
	fmt.Fprintf(w, "runkeyhunt %s (commit %s, built %s)\n", version, commit, date)
}

// newFlagSet makes a command's flags. Its usage (on -help, or after a bad
// flag) is the command's synopsis and its flags with their defaults, written
// to stderr; run sends -help to stdout.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		synopsis, ok := commandUsage[name]
		if !ok {
			synopsis = usage + "\nFlags:\n"
		}
		fmt.Fprint(fs.Output(), synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseInterspersed parses flags wherever they are among the arguments
// (`runkeyhunt query "SQL" --format json`), as most CLIs do; after "--"
// everything is an argument.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(positional, rest...), nil
		}
		if len(rest) == 0 {
			return positional, nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

func runExtension(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("runkeyhunt", stderr)
	socket := fs.String("socket", "", "osquery extension manager socket (osqueryd passes it)")
	timeout := fs.Int("timeout", 3, "seconds to wait for osqueryd")
	interval := fs.Int("interval", 3, "seconds between pings of osqueryd")
	verbose := fs.Bool("verbose", false, "debug logging")
	var allow sourceList
	fs.Var(&allow, "allow_source", "offline `PATH` prefixes a query's source may name (comma-separated, repeatable; also $"+allowSourceEnv+"); none by default: only live data")
	generateTimeout := fs.Int("generate_timeout", 600, "seconds one table call may run before it is cancelled (0: no limit)")
	shareWindow := fs.Float64("share_window", host.DefaultCacheIdle.Seconds(), "seconds after a table call during which a call on the same source reuses its parsed host, so a JOIN's two tables read it once (0: only calls that overlap; changed files and live data older than "+host.DefaultLiveMaxAge.String()+" are read again)")
	showVersion := fs.Bool("version", false, "print version and exit")
	help := fs.Bool("help", false, "print usage and exit")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return exitUsage
	}
	switch {
	case *help:
		fmt.Fprint(stdout, usage+"\nExtension mode flags:\n")
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		return 0
	case *showVersion:
		printVersion(stdout)
		return 0
	case *socket == "":
		fmt.Fprint(stderr, usage)
		return exitUsage
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "runkeyhunt: unexpected argument %q (runkeyhunt --help)\n", fs.Arg(0))
		return exitUsage
	case *shareWindow < 0:
		fmt.Fprintf(stderr, "runkeyhunt: --share_window %v: want 0 or more seconds\n", *shareWindow)
		return exitUsage
	}
	logger := newLogger(stderr, hclog.Info, *verbose)
	policy, err := newSourcePolicy(allowedSources(allow, os.Getenv(allowSourceEnv)), logger)
	if err != nil {
		fmt.Fprintf(stderr, "runkeyhunt: --allow_source: %v\n", err)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err = serve(ctx, serveOptions{
		socket:          *socket,
		timeout:         time.Duration(*timeout) * time.Second,
		interval:        time.Duration(*interval) * time.Second,
		generateTimeout: time.Duration(*generateTimeout) * time.Second,
		shareWindow:     time.Duration(*shareWindow * float64(time.Second)),
		sources:         policy,
		logger:          logger,
	})
	if err != nil {
		logger.Error("extension stopped", "error", err)
		return exitError
	}
	return 0
}

func runQuery(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("query", stderr)
	var sources sourceList
	fs.Var(&sources, "source", "offline input: `PATHS`, comma-separated, directories walked; repeat for a path with a comma")
	format := fs.String("format", "table", "output format: "+strings.Join(query.Formats, "|")+" (any case)")
	width := fs.Int("width", 0, "cap table cells at `N` characters (0: whole values, as osqueryi)")
	noProgress := fs.Bool("no-progress", false, "no progress line, even on a terminal")
	verbose := fs.Bool("verbose", false, "debug logging")
	positional, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return exitUsage
	}
	if len(positional) != 1 {
		fmt.Fprintln(stderr, `runkeyhunt query: want exactly one SQL statement, e.g. runkeyhunt query --source triage/ "SELECT * FROM run_key_payloads"`)
		return exitUsage
	}
	outFormat, ok := query.ParseFormat(*format)
	if !ok {
		fmt.Fprintf(stderr, "runkeyhunt query: unknown format %q (want %s)\n", *format, strings.Join(query.Formats, "|"))
		return exitUsage
	}
	if *width < 0 {
		fmt.Fprintf(stderr, "runkeyhunt query: --width %d: want 0 or more\n", *width)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	bar := startQueryProgress(ctx, stderr, sources.spec(), !*noProgress && isTerminal(stderr))
	logger := newLogger(bar.logWriter(), hclog.Warn, *verbose)
	type outcome struct {
		res *query.Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		engine, err := query.Open(ctx, allTables(tableOptions{defaultSource: sources.spec(), logger: logger})...)
		if err != nil {
			done <- outcome{err: err}
			return
		}
		defer engine.Close()
		res, err := engine.Run(ctx, positional[0])
		done <- outcome{res, err}
	}()
	var out outcome
	select {
	case out = <-done:
	case <-ctx.Done():
		// Stop now, whatever the tables are doing: nothing has been
		// written, the output is printed only once the result is whole.
		bar.stop()
		fmt.Fprintln(stderr, "runkeyhunt query: interrupted")
		return exitInterrupted
	}
	bar.stop()
	if out.err != nil {
		if ctx.Err() != nil {
			fmt.Fprintln(stderr, "runkeyhunt query: interrupted")
			return exitInterrupted
		}
		fmt.Fprintf(stderr, "runkeyhunt query: %s\n", oneLine(out.err.Error()))
		return exitError
	}
	if err := query.WriteWith(stdout, outFormat, out.res, query.Options{Width: *width}); err != nil {
		fmt.Fprintf(stderr, "runkeyhunt query: write output: %v\n", err)
		return exitError
	}
	return 0
}

// newLogger logs to stderr at level, or Debug when verbose. It becomes
// go-hclog's default too: sources that log on their own (the live registry
// view) use the default.
func newLogger(stderr io.Writer, level hclog.Level, verbose bool) hclog.Logger {
	if verbose {
		level = hclog.Debug
	}
	logger := hclog.New(&hclog.LoggerOptions{Name: "runkeyhunt", Output: stderr, Level: level})
	hclog.SetDefault(logger)
	return logger
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
