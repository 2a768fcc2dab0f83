package schema

import (
	"context"
	"database/sql"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/osquery/osquery-go/plugin/table"
	_ "modernc.org/sqlite"
)

var demo = Table{
	Name:        "demo",
	Description: "A demo table.",
	Columns: []Column{
		Col("path", Text, "The key", Index),
		Col("score", Integer, "0..100"),
		Col("source", Text, "Parameter: the input", Hidden),
		Col("both", BigInt, "Index and hidden", Hidden, Index),
	},
}

// osquery's ColumnOptions bitmask (osquery/core/sql/column.h): INDEX 1,
// REQUIRED 2, ADDITIONAL 4, OPTIMIZED 8, HIDDEN 16. osqueryd reads it from
// the columns route's "op".
func TestOsqueryColumnsCarryOptionsAndDescriptions(t *testing.T) {
	defs := demo.OsqueryColumns()
	want := []struct {
		name, typ, desc string
		op              uint8
	}{
		{"path", "TEXT", "The key", 1},
		{"score", "INTEGER", "0..100", 0},
		{"source", "TEXT", "Parameter: the input", 16},
		{"both", "BIGINT", "Index and hidden", 17},
	}
	if len(defs) != len(want) {
		t.Fatalf("got %d columns, want %d", len(defs), len(want))
	}
	for i, w := range want {
		d := defs[i]
		if d.Name != w.name || string(d.Type) != w.typ || d.Description != w.desc || d.Options() != w.op {
			t.Errorf("column %d = %s %s %q op %d, want %s %s %q op %d", i, d.Name, d.Type, d.Description, d.Options(), w.name, w.typ, w.desc, w.op)
		}
	}
}

func TestCreateSQLDeclaresHiddenColumns(t *testing.T) {
	got := demo.CreateSQL()
	want := `CREATE TABLE x("path" TEXT, "score" INTEGER, "source" TEXT HIDDEN, "both" BIGINT HIDDEN)`
	if got != want {
		t.Errorf("CreateSQL:\n got %s\nwant %s", got, want)
	}
	// SQLite itself takes the declaration as it takes a vtab's: HIDDEN is
	// part of the type there, and PRAGMA table_xinfo reports it.
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(strings.Replace(got, "CREATE TABLE x", "CREATE TABLE demo", 1)); err != nil {
		t.Fatalf("SQLite refuses %s: %v", got, err)
	}
	rows, err := db.QueryContext(context.Background(), "SELECT name, type FROM pragma_table_info('demo')")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, name+" "+typ)
	}
	if want := []string{"path TEXT", "score INTEGER", "source TEXT HIDDEN", "both BIGINT HIDDEN"}; !reflect.DeepEqual(cols, want) {
		t.Errorf("SQLite's columns %q, want %q", cols, want)
	}
}

func TestMarkdownNotesOptions(t *testing.T) {
	md := demo.Markdown()
	for _, want := range []string{
		"| `path` | TEXT | *(index)* The key |",
		"| `score` | INTEGER | 0..100 |",
		"| `source` | TEXT | *(hidden: not in `SELECT *`)* Parameter: the input |",
		"| `both` | BIGINT | *(index, hidden: not in `SELECT *`)* Index and hidden |",
	} {
		if !strings.Contains(md, want+"\n") {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
}

// The spec osquery-go generates from the declaration: osquery's spec
// shape, lowercase keys and types, the same on every build platform.
func TestPluginSpec(t *testing.T) {
	p := table.NewPlugin(demo.Name, demo.OsqueryColumns(), nil, demo.PluginOptions()...)
	b, err := json.Marshal(p.Spec())
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Name, Description, URL string
		Platforms              []string
		Columns                []map[string]any
	}
	if err := json.Unmarshal(b, &spec); err != nil {
		t.Fatal(err)
	}
	if spec.Name != "demo" || spec.Description != "A demo table." || spec.URL != URL || !reflect.DeepEqual(spec.Platforms, []string{"windows", "linux"}) {
		t.Errorf("spec = %s", b)
	}
	src := spec.Columns[2]
	if src["name"] != "source" || src["type"] != "text" || src["description"] != "Parameter: the input" || src["hidden"] != true || src["index"] != false {
		t.Errorf("source column spec = %v", src)
	}
	if spec.Columns[0]["index"] != true {
		t.Errorf("path column spec = %v", spec.Columns[0])
	}
}
