package cli

import (
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/runkeyhunt/runkeyhunt/fleet/definitions"
)

// --fleet is the flag (Fleet 4.83 renamed teams to fleets); --team stays
// as its alias; two different values are refused.
func TestFleetFlagAndTeamAlias(t *testing.T) {
	env := environment{getenv: func(string) string { return "" }}
	for _, c := range []struct {
		args    []string
		want    int64
		wantErr string
	}{
		{[]string{"--fleet", "7"}, 7, ""},
		{[]string{"--team", "7"}, 7, ""},
		{[]string{"--fleet", "7", "--team", "7"}, 7, ""},
		{[]string{"--fleet", "7", "--team", "8"}, 0, "disagree"},
		{[]string{"--team", "x"}, 0, `--team "x"`},
		{[]string{"--fleet", "0"}, 0, `--fleet "0"`},
		{nil, 0, ""},
	} {
		fs := env.flags("apply")
		sf := addServerFlags(fs)
		if err := fs.Parse(append([]string{"--url", "https://fleet.example", "--token", "t"}, c.args...)); err != nil {
			t.Fatal(err)
		}
		_, team, err := env.client(sf, hclog.NewNullLogger())
		switch {
		case c.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%v: error %v, want %q", c.args, err, c.wantErr)
			}
		case err != nil:
			t.Errorf("%v: %v", c.args, err)
		case c.want == 0 && team != nil, c.want != 0 && (team == nil || *team != c.want):
			t.Errorf("%v: fleet %v, want %d", c.args, team, c.want)
		}
	}
}

// --help says which query feeds which section of pull.
func TestUsageNamesTheQueriesBehindPull(t *testing.T) {
	for _, q := range definitions.Queries {
		if !strings.Contains(Usage, q.Name) {
			t.Errorf("Usage does not say what %s feeds", q.Name)
		}
	}
	for _, f := range definitions.Formats {
		if !strings.Contains(Usage, f) {
			t.Errorf("Usage does not list pack format %s", f)
		}
	}
	if !strings.Contains(Usage, "--fleet ID") || !strings.Contains(Usage, "--team is an alias of --fleet") {
		t.Error("Usage does not document --fleet and its --team alias")
	}
}
