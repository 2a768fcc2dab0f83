package tablekit

import (
	"reflect"
	"testing"

	"github.com/osquery/osquery-go/plugin/table"
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
