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
	return table.NewPlugin(t.Schema.Name, t.Schema.OsqueryColumns(), t.Generate)
}

// Equals returns the distinct values a query constrains column to with `=`
// (or IN, which osquery and SQLite pass as several equalities), sorted.
// Other operators are not parameters: osquery and SQLite apply them to the
// returned rows.
func Equals(qc table.QueryContext, column string) []string {
	list, ok := qc.Constraints[column]
	if !ok {
		return nil
	}
	eq := table.ConstraintList{Affinity: list.Affinity}
	for _, c := range list.Constraints {
		if c.Operator == table.OperatorEquals {
			eq.Constraints = append(eq.Constraints, c)
		}
	}
	filtered := table.QueryContext{Constraints: map[string]table.ConstraintList{column: eq}}
	// No character filter: a source may be any path; it is only ever opened
	// read-only, never passed to a shell.
	values := tablehelpers.GetConstraints(filtered, column)
	sort.Strings(values)
	return values
}

// LiveSource is the source value of rows read from the running system.
const LiveSource = "live"

// Sources returns what a query reads: the values it constrains source to,
// else the default offline input (`runkeyhunt query --source`), else the
// live system.
func Sources(qc table.QueryContext, defaultSource string) []string {
	if sources := Equals(qc, "source"); len(sources) > 0 {
		return sources
	}
	if defaultSource != "" {
		return []string{defaultSource}
	}
	return []string{LiveSource}
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
