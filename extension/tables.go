package main

import (
	"github.com/hashicorp/go-hclog"
	"github.com/osquery/osquery-go/plugin/table"

	"github.com/runkeyhunt/runkeyhunt/tables/runkeypayloads"
	"github.com/runkeyhunt/runkeyhunt/tables/schema"
	"github.com/runkeyhunt/runkeyhunt/tables/sysmonchain"
	"github.com/runkeyhunt/runkeyhunt/tables/tablekit"
)

type tableOptions struct {
	defaultSource string // query --source
	logger        hclog.Logger
}

// allTables builds every table the binary serves, in extension mode and in
// `runkeyhunt query` alike.
func allTables(opts tableOptions) []tablekit.Table {
	return []tablekit.Table{
		runkeypayloads.New(runkeypayloads.Options{
			DefaultSource: opts.defaultSource,
			Live:          liveRegistry,
			Logger:        opts.logger.Named(runkeypayloads.Name),
		}),
		sysmonchain.New(sysmonchain.Options{
			DefaultSource: opts.defaultSource,
			Live:          liveSysmon,
			Logger:        opts.logger.Named(sysmonchain.Name),
		}),
	}
}

// schemas lists the declarations, for `runkeyhunt schema` and the README.
func schemas() []schema.Table {
	var out []schema.Table
	for _, t := range allTables(tableOptions{logger: hclog.NewNullLogger()}) {
		out = append(out, t.Schema)
	}
	return out
}

// specs lists the tables as osquery-go's spec generation describes them,
// for `runkeyhunt schema --format json`.
func specs() []table.OsqueryTableSpec {
	var out []table.OsqueryTableSpec
	for _, t := range allTables(tableOptions{logger: hclog.NewNullLogger()}) {
		out = append(out, t.Spec())
	}
	return out
}
