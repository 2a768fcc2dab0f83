// Package tablekit is what both table plugins share: a table is a schema
// plus one generate function, served to osqueryd as an osquery-go plugin and
// to `runkeyhunt query` as a SQLite virtual table, with the same
// constraint handling.
package tablekit

import (
	"context"
	"sort"

	"github.com/kolide/launcher/ee/tables/tablehelpers"
	"github.com/osquery/osquery-go/plugin/table"

	"github.com/runkeyhunt/runkeyhunt/tables/schema"
)

// Table is one table: its declaration and the function that makes its rows.
type Table struct {
	Schema   schema.Table
	Generate table.GenerateFunc
}

// OsqueryPlugin wraps the table for osquery-go's extension server.
func (t Table) OsqueryPlugin() *table.Plugin {
	return table.NewPlugin(t.Schema.Name, t.Schema.OsqueryColumns(), t.Generate, t.Schema.PluginOptions()...)
}

// Spec is the table as osquery's spec files describe it (osquery-go's
// generation): what `runkeyhunt schema --format json` prints.
func (t Table) Spec() table.OsqueryTableSpec {
	return t.OsqueryPlugin().Spec()
}

// Equals returns the distinct values a query constrains column to with `=`
// (or IN, which osquery and SQLite pass as several equalities), sorted.
// Other operators are not parameters: osquery and SQLite apply them to the
// returned rows. opts are launcher's (tablehelpers.WithDefaults: the values
// when the query has no equality on column).
func Equals(qc table.QueryContext, column string, opts ...tablehelpers.GetConstraintOpts) []string {
	list := qc.Constraints[column]
	eq := table.ConstraintList{Affinity: list.Affinity}
	for _, c := range list.Constraints {
		if c.Operator == table.OperatorEquals {
			eq.Constraints = append(eq.Constraints, c)
		}
	}
	filtered := table.QueryContext{Constraints: map[string]table.ConstraintList{column: eq}}
	// No character filter: a source may be any path; it is only ever opened
	// read-only, never passed to a shell.
	values := tablehelpers.GetConstraints(filtered, column, opts...)
	sort.Strings(values)
	return values
}

// LiveSource is the source value of rows read from the running system.
const LiveSource = "live"

// Sources returns what a query reads: the values it constrains source to,
// else the default offline input (`runkeyhunt query --source`), else the
// live system.
func Sources(qc table.QueryContext, defaultSource string) []string {
	if defaultSource == "" {
		defaultSource = LiveSource
	}
	return Equals(qc, "source", tablehelpers.WithDefaults(defaultSource))
}

// Rows is a convenience for tests and callers that need the generated rows
// without osquery: it calls Generate with the given equality constraints.
func (t Table) Rows(ctx context.Context, equals map[string]string) ([]map[string]string, error) {
	qc := table.QueryContext{Constraints: map[string]table.ConstraintList{}}
	for col, v := range equals {
		qc.Constraints[col] = table.ConstraintList{
			Affinity:    table.ColumnTypeText,
			Constraints: []table.Constraint{{Operator: table.OperatorEquals, Expression: v}},
		}
	}
	return t.Generate(ctx, qc)
}
