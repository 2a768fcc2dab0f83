package main

import (
	"github.com/hashicorp/go-hclog"
	"github.com/osquery/osquery-go/plugin/table"

	"github.com/runkeyhunt/runkeyhunt/tables/host"
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
// `runkeyhunt query` alike. Both open their source through one host
// opener: the live host is the running system (nil off Windows).
func allTables(opts tableOptions) []tablekit.Table {
	open := host.Options{Live: host.LiveSystem, Logger: opts.logger.Named("host")}.Open
	return []tablekit.Table{
		runkeypayloads.New(runkeypayloads.Options{DefaultSource: opts.defaultSource, Open: open}),
		sysmonchain.New(sysmonchain.Options{DefaultSource: opts.defaultSource, Open: open}),
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
