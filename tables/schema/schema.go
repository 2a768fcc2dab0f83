// Package schema declares a table's columns once; osquery's column
// definitions (with their options), the table spec that
// `runkeyhunt schema --format json` prints, the SQLite virtual-table
// declaration and the README's schema are all derived from the same
// declaration.
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

// Option is a column option, as osquery's ColumnOptions
// (osquery/core/sql/column.h) defines them.
type Option uint8

const (
	// Index: the table can look rows up by this column (osquery's INDEX,
	// e.g. `registry.path`); a JOIN on it is planned as a lookup.
	Index Option = 1 << iota
	// Hidden: a parameter, absent from `SELECT *` but usable in WHERE
	// (osquery's HIDDEN, e.g. `windows_eventlog.xpath`, `yara.sigrule`).
	Hidden
)

// Column is one column of a table.
type Column struct {
	Name        string
	Type        Type
	Description string
	Index       bool
	Hidden      bool
}

// Table is a table's name, purpose and columns.
type Table struct {
	Name        string
	Description string
	Columns     []Column
}

// OsqueryColumns derives osquery-go's column definitions, options included
// (osqueryd reads them from the columns route as the `op` bitmask).
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
		opts := []table.ColumnOpt{table.ColumnDescription(c.Description)}
		if c.Index {
			opts = append(opts, table.IndexColumn())
		}
		if c.Hidden {
			opts = append(opts, table.HiddenColumn())
		}
		defs = append(defs, table.NewColumn(c.Name, ct, opts...))
	}
	return defs
}

// URL is the project's home, where the tables are documented (the
// README's schema section).
const URL = "https://github.com/runkeyhunt/runkeyhunt"

// PluginOptions derives the table-level options of osquery-go's plugin,
// which its spec carries: the description, the URL, and the platforms (live on
// Windows, offline through WHERE source = '...' wherever the packages
// install), fixed rather than osquery-go's runtime.GOOS default so that
// `runkeyhunt schema --format json` prints the same on every build.
func (t Table) PluginOptions() []table.TableOpt {
	return []table.TableOpt{
		table.WithDescription(t.Description),
		table.WithURL(URL),
		table.WithPlatforms(table.WindowsPlatform, table.LinuxPlatform),
	}
}

// CreateSQL derives the declaration SQLite's virtual-table module needs.
// Hidden columns carry SQLite's HIDDEN, so `SELECT *` in `runkeyhunt
// query` leaves them out as osquery does; they keep their index, so the
// column numbers SQLite passes are positions in Columns.
func (t Table) CreateSQL() string {
	cols := make([]string, 0, len(t.Columns))
	for _, c := range t.Columns {
		decl := fmt.Sprintf("%q %s", c.Name, c.Type)
		if c.Hidden {
			decl += " HIDDEN"
		}
		cols = append(cols, decl)
	}
	return fmt.Sprintf("CREATE TABLE x(%s)", strings.Join(cols, ", "))
}

// Markdown derives the README's schema section.
func (t Table) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "### `%s`\n\n%s\n\n| column | type | description |\n|---|---|---|\n", t.Name, t.Description)
	for _, c := range t.Columns {
		desc := strings.ReplaceAll(c.Description, "|", `\|`)
		var notes []string
		if c.Index {
			notes = append(notes, "index")
		}
		if c.Hidden {
			notes = append(notes, "hidden: not in `SELECT *`")
		}
		if len(notes) > 0 {
			desc = "*(" + strings.Join(notes, ", ") + ")* " + desc
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", c.Name, c.Type, desc)
	}
	return b.String()
}

// Col declares a column; it keeps long column lists readable.
func Col(name string, t Type, description string, opts ...Option) Column {
	c := Column{Name: name, Type: t, Description: description}
	for _, o := range opts {
		c.Index = c.Index || o&Index != 0
		c.Hidden = c.Hidden || o&Hidden != 0
	}
	return c
}
