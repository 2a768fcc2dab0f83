// Package schema declares a table's columns once; osquery's column
// definitions, the SQLite virtual-table declaration and the README's schema
// are all derived from the same declaration.
package schema

import (
	"fmt"
	"strings"

	"github.com/osquery/osquery-go/plugin/table"
)

// Type is a column type as osquery names it.
type Type string

const (
	Text    Type = "TEXT"
	Integer Type = "INTEGER"
	BigInt  Type = "BIGINT"
	Double  Type = "DOUBLE"
)

// Column is one column of a table.
type Column struct {
	Name        string
	Type        Type
	Description string
}

// Table is a table's name, purpose and columns.
type Table struct {
	Name        string
	Description string
	Columns     []Column
}

// OsqueryColumns derives osquery-go's column definitions.
func (t Table) OsqueryColumns() []table.ColumnDefinition {
	defs := make([]table.ColumnDefinition, 0, len(t.Columns))
	for _, c := range t.Columns {
		var ct table.ColumnType
		switch c.Type {
		case Integer:
			ct = table.ColumnTypeInteger
		case BigInt:
			ct = table.ColumnTypeBigInt
		case Double:
			ct = table.ColumnTypeDouble
		default:
			ct = table.ColumnTypeText
		}
		defs = append(defs, table.ColumnDefinition{Name: c.Name, Type: ct})
	}
	return defs
}

// CreateSQL derives the declaration SQLite's virtual-table module needs.
func (t Table) CreateSQL() string {
	cols := make([]string, 0, len(t.Columns))
	for _, c := range t.Columns {
		cols = append(cols, fmt.Sprintf("%q %s", c.Name, c.Type))
	}
	return fmt.Sprintf("CREATE TABLE x(%s)", strings.Join(cols, ", "))
}

// Markdown derives the README's schema section.
func (t Table) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "### `%s`\n\n%s\n\n| column | type | description |\n|---|---|---|\n", t.Name, t.Description)
	for _, c := range t.Columns {
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", c.Name, c.Type, strings.ReplaceAll(c.Description, "|", `\|`))
	}
	return b.String()
}

// Col declares a column; it keeps long column lists readable.
func Col(name string, t Type, description string) Column {
	return Column{Name: name, Type: t, Description: description}
}
