package api

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/runkeyhunt/runkeyhunt/fleet/definitions"
	"github.com/runkeyhunt/runkeyhunt/fleet/resultlog"
)

// Actions of a planned change.
const (
	Create    = "create"
	Update    = "update"
	Unchanged = "unchanged"
)

// Change is one query or policy and what apply does to it.
type Change struct {
	Kind   string   // "report" (a query before Fleet 4.83) or "policy"
	Name   string   // name in Fleet (the key: apply is idempotent by name)
	Action string   // Create, Update or Unchanged
	Fields []string // fields that differ, for Update
	ID     int64    // existing id (Update, Unchanged)

	query  QueryBody
	policy PolicyBody
}

func (c Change) String() string {
	s := fmt.Sprintf("%-9s %-6s %s", c.Action, c.Kind, c.Name)
	if len(c.Fields) > 0 {
		s += " (" + strings.Join(c.Fields, ", ") + ")"
	}
	return s
}

// DesiredQueries turns the definition into Create report bodies.
func DesiredQueries(fleet *int64) []QueryBody {
	var out []QueryBody
	for _, q := range definitions.Queries {
		out = append(out, QueryBody{
			Name: q.Name, Query: q.SQL, Description: q.Description, Fleet: fleet,
			Interval: q.Interval, Platform: q.Platform, AutomationsEnabled: true, Logging: q.Logging,
		})
	}
	return out
}

// DesiredPolicies turns the definition into Add policy bodies.
func DesiredPolicies() []PolicyBody {
	var out []PolicyBody
	for _, p := range definitions.Policies {
		out = append(out, PolicyBody{Name: p.Name, Query: p.SQL, Description: p.Description, Resolution: p.Resolution, Platform: p.Platform, Critical: p.Critical})
	}
	return out
}

func diffQuery(have Query, want QueryBody) []string {
	var d []string
	add := func(name string, differ bool) {
		if differ {
			d = append(d, name)
		}
	}
	add("query", have.Query != want.Query)
	add("description", have.Description != want.Description)
	add("interval", have.Interval != want.Interval)
	add("platform", have.Platform != want.Platform)
	add("logging", have.Logging != want.Logging)
	add("automations_enabled", have.AutomationsEnabled != want.AutomationsEnabled)
	add("observer_can_run", have.ObserverCanRun != want.ObserverCanRun)
	add("discard_data", have.DiscardData != want.DiscardData)
	add("min_osquery_version", have.MinOsqueryVersion != want.MinOsqueryVersion)
	return d
}

func diffPolicy(have Policy, want PolicyBody) []string {
	var d []string
	add := func(name string, differ bool) {
		if differ {
			d = append(d, name)
		}
	}
	add("query", have.Query != want.Query)
	add("description", have.Description != want.Description)
	add("resolution", have.Resolution != want.Resolution)
	add("platform", have.Platform != want.Platform)
	add("critical", have.Critical != want.Critical)
	return d
}

// Plan compares the definition with what the server holds (global, or the
// fleet's own reports and policies when fleet is set).
func Plan(ctx context.Context, c *Client, team *int64) ([]Change, error) {
	queries, err := c.ListQueries(ctx, team)
	if err != nil {
		return nil, err
	}
	byName := map[string]Query{}
	for _, q := range queries {
		if sameTeam(q.Fleet(), team) {
			byName[q.Name] = q
		}
	}
	var plan []Change
	for _, want := range DesiredQueries(team) {
		ch := Change{Kind: "report", Name: want.Name, Action: Create, query: want}
		if have, ok := byName[want.Name]; ok {
			ch.ID, ch.Fields = have.ID, diffQuery(have, want)
			ch.Action = Unchanged
			if len(ch.Fields) > 0 {
				ch.Action = Update
			}
		}
		plan = append(plan, ch)
	}
	policies, err := c.ListPolicies(ctx, team)
	if err != nil {
		return nil, err
	}
	polByName := map[string]Policy{}
	for _, p := range policies {
		polByName[p.Name] = p
	}
	for _, want := range DesiredPolicies() {
		ch := Change{Kind: "policy", Name: want.Name, Action: Create, policy: want}
		if have, ok := polByName[want.Name]; ok {
			ch.ID, ch.Fields = have.ID, diffPolicy(have, want)
			ch.Action = Unchanged
			if len(ch.Fields) > 0 {
				ch.Action = Update
			}
		}
		plan = append(plan, ch)
	}
	return plan, nil
}

func sameTeam(have, want *int64) bool {
	if have == nil || want == nil {
		return have == nil && want == nil
	}
	return *have == *want
}

// Execute carries out the changes that are not Unchanged.
func Execute(ctx context.Context, c *Client, team *int64, plan []Change) error {
	for _, ch := range plan {
		var err error
		switch {
		case ch.Action == Unchanged:
			continue
		case ch.Kind == "report" && ch.Action == Create:
			_, err = c.CreateQuery(ctx, ch.query)
		case ch.Kind == "report":
			_, err = c.ModifyQuery(ctx, ch.ID, ch.query)
		case ch.Action == Create:
			_, err = c.CreatePolicy(ctx, team, ch.policy)
		default:
			_, err = c.ModifyPolicy(ctx, team, ch.ID, ch.policy)
		}
		if err != nil {
			return fmt.Errorf("%s %s %q: %w", ch.Action, ch.Kind, ch.Name, err)
		}
		c.log.Info("applied", "action", ch.Action, "kind", ch.Kind, "name", ch.Name)
	}
	return nil
}

// Pull fetches the stored reports of runkeyhunt's snapshot queries (Fleet
// keeps report rows only for `logging: snapshot`; differential results
// exist only at the log destination) and hands each host's rows to emit
// as a snapshot record, the way the report engine reads result logs:
// runkeyhunt_autorun_findings_snapshot feeds the findings,
// runkeyhunt_autorun_inventory the stacking. Queries missing on the server
// are reported in missing.
func Pull(ctx context.Context, c *Client, team *int64, emit func(resultlog.Record)) (missing []string, clipped []string, err error) {
	queries, err := c.ListQueries(ctx, team)
	if err != nil {
		return nil, nil, err
	}
	byName := map[string]Query{}
	for _, q := range queries {
		byName[q.Name] = q
	}
	for _, def := range definitions.Queries {
		if !def.Pullable() {
			continue
		}
		q, ok := byName[def.Name]
		if !ok {
			missing = append(missing, def.Name)
			continue
		}
		rep, err := c.GetQueryReport(ctx, q.ID, team)
		if err != nil {
			return missing, clipped, err
		}
		if rep.ReportClipped {
			clipped = append(clipped, def.Name)
		}
		type hostKey struct {
			id   int64
			name string
		}
		byHost := map[hostKey]*resultlog.Record{}
		var order []hostKey
		for _, res := range rep.Results {
			k := hostKey{res.HostID, res.HostName}
			rec := byHost[k]
			if rec == nil {
				host := res.HostName
				if host == "" {
					host = fmt.Sprintf("fleet-host-%d", res.HostID)
				}
				rec = &resultlog.Record{File: "fleet:" + def.Name, Name: def.Name, Host: host, HostName: res.HostName, Kind: resultlog.Snapshot, Counter: -1}
				byHost[k] = rec
				order = append(order, k)
			}
			if t, err := time.Parse(time.RFC3339, res.LastFetched); err == nil && t.Unix() > rec.Time {
				rec.Time = t.Unix()
			}
			if res.Columns != nil {
				rec.Rows = append(rec.Rows, res.Columns)
			}
		}
		sort.SliceStable(order, func(i, j int) bool { return order[i].id < order[j].id })
		for _, k := range order {
			emit(*byHost[k])
		}
	}
	return missing, clipped, nil
}
