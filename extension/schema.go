package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

func runSchema(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("schema", stderr)
	format := fs.String("format", "markdown", "markdown|json")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return exitUsage
	}
	switch strings.ToLower(strings.TrimSpace(*format)) {
	case "markdown":
		for i, s := range schemas() {
			if i > 0 {
				fmt.Fprintln(stdout)
			}
			fmt.Fprint(stdout, s.Markdown())
		}
	case "json":
		// osquery-go's spec shape (osquery's own table specs): lowercase
		// keys, column options, lowercase types.
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(specs()); err != nil {
			fmt.Fprintf(stderr, "runkeyhunt schema: %v\n", err)
			return exitError
		}
	default:
		fmt.Fprintf(stderr, "runkeyhunt schema: unknown format %q\n", *format)
		return exitUsage
	}
	return 0
}
