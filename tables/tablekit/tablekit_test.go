package tablekit

import (
	"context"
	"reflect"
	"testing"

	"github.com/osquery/osquery-go/plugin/table"

	"github.com/runkeyhunt/runkeyhunt/tables/schema"
)

func qc(col string, cs ...table.Constraint) table.QueryContext {
	return table.QueryContext{Constraints: map[string]table.ConstraintList{col: {Affinity: table.ColumnTypeText, Constraints: cs}}}
}

func TestEqualsKeepsOnlyEqualities(t *testing.T) {
	q := qc("source",
		table.Constraint{Operator: table.OperatorEquals, Expression: `C:\cases\b.reg`},
		table.Constraint{Operator: table.OperatorLike, Expression: "%x%"},
		table.Constraint{Operator: table.OperatorEquals, Expression: "/triage/a, /triage/c"},
		table.Constraint{Operator: table.OperatorEquals, Expression: `C:\cases\b.reg`},
	)
	got := Equals(q, "source")
	want := []string{"/triage/a, /triage/c", `C:\cases\b.reg`}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Equals = %q, want %q", got, want)
	}
	if got := Equals(q, "window"); got != nil {
		t.Errorf("unconstrained column: %q", got)
	}
}

func TestSources(t *testing.T) {
	eq := qc("source", table.Constraint{Operator: table.OperatorEquals, Expression: "x.reg"})
	for _, tt := range []struct {
		q    table.QueryContext
		def  string
		want []string
	}{
		{eq, "default/", []string{"x.reg"}},
		{table.QueryContext{}, "default/", []string{"default/"}},
		{table.QueryContext{}, "", []string{LiveSource}},
		{qc("source", table.Constraint{Operator: table.OperatorGreaterThan, Expression: "a"}), "", []string{LiveSource}},
	} {
		if got := Sources(tt.q, tt.def); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Sources(%v, %q) = %q, want %q", tt.q.Constraints, tt.def, got, tt.want)
		}
	}
}

// A table of string maps goes through FromMaps and back to osquery's maps
// unchanged; a key a row lacks reads as no value (NULL).
func TestFromMapsRoundTrip(t *testing.T) {
	s := schema.Table{Name: "t", Columns: []schema.Column{schema.Col("a", schema.Text, "a"), schema.Col("n", schema.Integer, "n")}}
	rows := []map[string]string{{"a": "x", "n": "1"}, {"a": "y"}}
	tbl := Table{Schema: s, Generate: FromMaps(s, func(context.Context, table.QueryContext) ([]map[string]string, error) { return rows, nil })}
	set, err := tbl.Generate(context.Background(), table.QueryContext{})
	if err != nil || set.Len() != 2 {
		t.Fatalf("Generate = %v, %v", set, err)
	}
	if v, ok := set.Value(0, 1); !ok || v != "1" {
		t.Errorf("Value(0, n) = %q %v", v, ok)
	}
	if v, ok := set.Value(1, 1); ok {
		t.Errorf("Value(1, n) = %q, want none", v)
	}
	if v, ok := set.Value(0, 2); ok {
		t.Errorf("Value(0, 2) = %q, want none", v)
	}
	got, err := tbl.Rows(context.Background(), nil)
	if err != nil || !reflect.DeepEqual(got, rows) {
		t.Errorf("Rows = %v, %v", got, err)
	}
}

// Maps of another row set makes one map per row, leaving out the values a
// row lacks, and nil for no rows.
func TestMaps(t *testing.T) {
	s := schema.Table{Name: "t", Columns: []schema.Column{schema.Col("a", schema.Text, "a"), schema.Col("b", schema.Text, "b")}}
	got := Maps(s, pairs{{"1", ""}, {"2", "z"}})
	want := []map[string]string{{"a": "1"}, {"a": "2", "b": "z"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Maps = %v, want %v", got, want)
	}
	if got := Maps(s, pairs{}); got != nil {
		t.Errorf("Maps(no rows) = %v, want nil", got)
	}
}

// pairs is a row set of two columns; an empty second value is none.
type pairs [][2]string

func (p pairs) Len() int { return len(p) }
func (p pairs) Value(row, col int) (string, bool) {
	v := p[row][col]
	return v, col == 0 || v != ""
}
