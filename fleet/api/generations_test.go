package api

import (
	"context"
	"strings"
	"testing"

	"github.com/runkeyhunt/runkeyhunt/fleet/definitions"
	"github.com/runkeyhunt/runkeyhunt/fleet/resultlog"
)

// The servers of both API generations, with and without a usable
// GET /version answer (then the client probes the 4.83 paths and falls
// back on a 404).
var generations = []struct {
	name    string
	legacy  bool
	version string
}{
	{"4.83", false, "4.83.0"},
	{"4.85-rc", false, "v4.85.0-rc.1"},
	{"4.83 without version", false, ""},
	{"4.82", true, "4.82.2"},
	{"4.60", true, "4.60.0"},
	{"4.82 without version", true, ""},
}

// usedPaths fails when a request used the other generation's names.
func usedPaths(t *testing.T, f *fakeFleet, probing bool) {
	t.Helper()
	oldNames, newNames := []string{"/fleet/queries", "/fleet/teams/"}, []string{"/fleet/reports", "/fleet/fleets/"}
	for i, call := range f.calls {
		forbidden := oldNames
		if f.legacy {
			forbidden = newNames
		}
		// Without a version, the first request of a legacy server probes
		// a new path and gets 404; nothing after it may.
		if probing && f.legacy && i == 0 {
			continue
		}
		for _, name := range forbidden {
			if strings.Contains(call, name) {
				t.Errorf("request %d %q uses %s on a %s server (calls %v)", i, call, name, map[bool]string{true: "pre-4.83", false: "4.83"}[f.legacy], f.calls)
			}
		}
	}
}

func TestBothGenerationsApplyAndPull(t *testing.T) {
	for _, g := range generations {
		t.Run(g.name, func(t *testing.T) {
			for _, team := range []*int64{nil, new(int64(7))} {
				fake, srv := newFake(t)
				fake.setGeneration(g.legacy, g.version)
				c := testClient(t, srv.URL, nil, nil)
				ctx := context.Background()
				plan, err := Plan(ctx, c, team)
				if err != nil {
					t.Fatal(err)
				}
				if err := Execute(ctx, c, team, plan); err != nil {
					t.Fatal(err)
				}
				if n := len(definitions.Queries) + len(definitions.Policies); len(fake.writes) != n {
					t.Fatalf("apply wrote %d times, want %d: %v", len(fake.writes), n, fake.writes)
				}
				// Objects land on the fleet asked for: a pre-4.83 server
				// ignores fleet_id and would create them globally.
				for _, q := range fake.queries {
					if !sameTeamPtr(q.TeamID, team) {
						t.Errorf("query %s on fleet %v, want %v", q.Name, q.TeamID, team)
					}
				}
				for _, p := range fake.policies {
					if !sameTeamPtr(p.TeamID, team) {
						t.Errorf("policy %s on fleet %v, want %v", p.Name, p.TeamID, team)
					}
				}
				plan, err = Plan(ctx, c, team)
				if err != nil {
					t.Fatal(err)
				}
				for _, ch := range plan {
					if ch.Action != Unchanged {
						t.Errorf("second plan: %v", ch)
					}
				}
				// Pull reads the snapshot reports only.
				var inventory int64
				for id, q := range fake.queries {
					if q.Name == "runkeyhunt_autorun_inventory" {
						inventory = id
					}
				}
				fake.reports[inventory] = []map[string]any{{"host_id": 3, "host_name": "ws3", "last_fetched": "2025-03-01T10:00:00Z", "columns": map[string]any{"path": `HKEY_USERS\S\Run\OneDrive`, "verdict": "benign", "score": "0"}}}
				var recs []resultlog.Record
				missing, _, err := Pull(ctx, c, team, func(r resultlog.Record) { recs = append(recs, r) })
				if err != nil || len(missing) != 0 || len(recs) != 1 || recs[0].Host != "ws3" {
					t.Fatalf("pull: %v missing %v records %+v", err, missing, recs)
				}
				var want []string
				for _, q := range definitions.Queries {
					if q.Pullable() {
						want = append(want, q.Name)
					}
				}
				if strings.Join(fake.reportCalls, ",") != strings.Join(want, ",") {
					t.Errorf("pull fetched the reports of %v, want the snapshot queries %v", fake.reportCalls, want)
				}
				usedPaths(t, fake, g.version == "")
				if fake.versionCalls != 1 {
					t.Errorf("GET /version asked %d times by one client, want once", fake.versionCalls)
				}
			}
		})
	}
}

func TestVersionParsing(t *testing.T) {
	for v, want := range map[string]generation{
		"4.83.0": genReports, "v4.83.2": genReports, "4.90.0-rc.1": genReports, "5.0.0": genReports,
		"4.82.9": genQueries, "4.9.0": genQueries, "3.13.0": genQueries, "v4.82.0+build": genQueries,
		"": genUnknown, "dev": genUnknown, "0.0.0-SNAPSHOT": genUnknown, "4": genUnknown,
	} {
		if got := generationOf(v); got != want {
			t.Errorf("generationOf(%q) = %v, want %v", v, got, want)
		}
	}
}

// A request never carries both team_id and fleet_id: Fleet 4.83 refuses
// that (AliasConflictError) and the fake does too.
func TestBodyCarriesOneFleetName(t *testing.T) {
	team := int64(3)
	for g, want := range map[generation]string{genReports: `"fleet_id":3`, genQueries: `"team_id":3`} {
		b, err := jsonString(QueryBody{Name: "x", Query: "SELECT 1", Fleet: &team}.wire(g))
		if err != nil {
			t.Fatal(err)
		}
		other := `"team_id"`
		if g == genQueries {
			other = `"fleet_id"`
		}
		if !strings.Contains(b, want) || strings.Contains(b, other) {
			t.Errorf("%v body %s: want %s and no %s", g, b, want, other)
		}
	}
}
