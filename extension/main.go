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
      osquery extension mode (osqueryd starts it this way); registers the
      tables run_key_payloads and sysmon_reg_net_chain.
  runkeyhunt query [--source PATHS] [--format table|json|csv] "SQL"
      run SQL over the same tables on an embedded SQLite. --source is the
      offline input (files, comma-separated list, or directories walked
      recursively: EVTX, event XML, JSON lines, .reg exports, hive files)
      for tables whose query does not constrain source.
  runkeyhunt schema [--format markdown|json]
      print the tables' schemas.
  runkeyhunt fleet pack|report|apply|pull [flags]
      osquery pack, Fleet GitOps and fleetctl YAML, the fleet-wide report and
      dashboard, and apply/pull through Fleet's REST API (runkeyhunt fleet --help).
  runkeyhunt --version
  runkeyhunt --help

Exit status: 0 on success, 1 on an error in the SQL or the input, 2 on bad usage,
3 when fleet report/pull --fail-on matches.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// exitUsage and exitError are the exit codes for bad usage and failures.
const (
	exitError = 1
	exitUsage = 2
)

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "query":
			return runQuery(args[1:], stdout, stderr)
		case "schema":
			return runSchema(args[1:], stdout, stderr)
		case "fleet":
			return cli.Main(args[1:], stdout, stderr)
		case "help":
			fmt.Fprint(stdout, usage)
			return 0
		}
	}
	return runExtension(args, stdout, stderr)
}

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	return fs
}

func runExtension(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("runkeyhunt", stderr)
	socket := fs.String("socket", "", "osquery extension manager socket (osqueryd passes it)")
	timeout := fs.Int("timeout", 3, "seconds to wait for osqueryd")
	interval := fs.Int("interval", 3, "seconds between pings of osqueryd")
	verbose := fs.Bool("verbose", false, "debug logging")
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
		fmt.Fprint(stdout, usage)
		return 0
	case *showVersion:
		fmt.Fprintf(stdout, "runkeyhunt %s (commit %s, built %s)\n", version, commit, date)
		return 0
	case *socket == "":
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	logger := newLogger(stderr, hclog.Info, *verbose)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := serve(ctx, serveOptions{
		socket:   *socket,
		timeout:  time.Duration(*timeout) * time.Second,
		interval: time.Duration(*interval) * time.Second,
		logger:   logger,
	})
	if err != nil {
		logger.Error("extension stopped", "error", err)
		return exitError
	}
	return 0
}

func runQuery(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("query", stderr)
	source := fs.String("source", "", "offline input: paths, comma-separated, directories walked")
	format := fs.String("format", "table", "output format: "+strings.Join(query.Formats, "|"))
	verbose := fs.Bool("verbose", false, "debug logging")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return exitUsage
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, `runkeyhunt query: want exactly one SQL statement, e.g. runkeyhunt query --source triage/ "SELECT * FROM run_key_payloads"`)
		return exitUsage
	}
	if !validFormat(*format) {
		fmt.Fprintf(stderr, "runkeyhunt query: unknown format %q (want %s)\n", *format, strings.Join(query.Formats, "|"))
		return exitUsage
	}
	logger := newLogger(stderr, hclog.Warn, *verbose)
	ctx := context.Background()
	engine, err := query.Open(ctx, allTables(tableOptions{defaultSource: *source, logger: logger})...)
	if err != nil {
		fmt.Fprintf(stderr, "runkeyhunt query: %v\n", err)
		return exitError
	}
	defer engine.Close()
	res, err := engine.Run(ctx, fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "runkeyhunt query: %s\n", oneLine(err.Error()))
		return exitError
	}
	if err := query.Write(stdout, *format, res); err != nil {
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

func validFormat(f string) bool {
	for _, want := range query.Formats {
		if f == want {
			return true
		}
	}
	return false
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
