// Package tablekit is what both table plugins share: a table is a schema
// plus one generate function, served to osqueryd as an osquery-go plugin and
// to `runkeyhunt query` as a SQLite virtual table, with the same
// constraint handling. Generate gives its rows as a RowSet, in the
// table's own form, rendered a value at a time: a string map per row (what
// osquery-go needs, made only at that edge) costs about 2.5 KB a row, and a
// busy host's chain query returns hundreds of thousands of rows.
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
	Generate GenerateFunc
}

// GenerateFunc makes the rows of one call with the query's constraints.
type GenerateFunc func(ctx context.Context, qc table.QueryContext) (RowSet, error)

// RowSet is the rows of one generate call. Values are rendered when asked
// for, from rows the set keeps in its own form; a set is not changed once
// returned (the query engine keeps it for rescans).
type RowSet interface {
	Len() int
	// Value is row's value of column col (an index into the table's
	// Schema.Columns); false when the row has none (NULL, and no key in
	// osquery's map).
	Value(row, col int) (string, bool)
}

// OsqueryPlugin wraps the table for osquery-go's extension server.
func (t Table) OsqueryPlugin() *table.Plugin {
	return table.NewPlugin(t.Schema.Name, t.Schema.OsqueryColumns(), t.GenerateMaps, t.Schema.PluginOptions()...)
}

// GenerateMaps is Generate with the rows as osquery-go's string maps.
func (t Table) GenerateMaps(ctx context.Context, qc table.QueryContext) ([]map[string]string, error) {
	rows, err := t.Generate(ctx, qc)
	if err != nil {
		return nil, err
	}
	return Maps(t.Schema, rows), nil
}

// Maps renders a row set as string maps keyed by s's column names; no
// rows give nil, as the tables' generate functions always did.
func Maps(s schema.Table, rows RowSet) []map[string]string {
	if m, ok := rows.(mapRows); ok {
		return m.rows
	}
	if rows == nil || rows.Len() == 0 {
		return nil
	}
	out := make([]map[string]string, rows.Len())
	for i := range out {
		m := make(map[string]string, len(s.Columns))
		for c, col := range s.Columns {
			if v, ok := rows.Value(i, c); ok {
				m[col.Name] = v
			}
		}
		out[i] = m
	}
	return out
}

// FromMaps adapts a generate function that makes string maps (a table
// whose rows are few) to a GenerateFunc.
func FromMaps(s schema.Table, generate table.GenerateFunc) GenerateFunc {
	names := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		names[i] = c.Name
	}
	return func(ctx context.Context, qc table.QueryContext) (RowSet, error) {
		rows, err := generate(ctx, qc)
		if err != nil {
			return nil, err
		}
		return mapRows{names: names, rows: rows}, nil
	}
}

// mapRows is a RowSet of string maps; Maps gives the maps back as they
// are.
type mapRows struct {
	names []string
	rows  []map[string]string
}

func (m mapRows) Len() int { return len(m.rows) }

func (m mapRows) Value(row, col int) (string, bool) {
	if col < 0 || col >= len(m.names) {
		return "", false
	}
	v, ok := m.rows[row][m.names[col]]
	return v, ok
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
	return t.GenerateMaps(ctx, qc)
}
