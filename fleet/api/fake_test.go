package api

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

const testToken = "s3cr3t-fleet-token-value"

// fakeFleet implements the documented endpoints (queries.md,
// policies.md, API-errors.md) in memory: Bearer auth, page/per_page
// pagination, 429 with Retry-After on demand, Fleet's error body. It is
// either generation of the API:
//   - Fleet 4.83+ (legacy false): /reports, /fleets/:id/policies and
//     fleet_id, with the old paths served as deprecated aliases and
//     team_id accepted as an alias (both at once is an error), answers in
//     the new names (reports, report, report_id, fleet_id), as
//     server/service/handler.go, deprecated_paths.go and the renameto
//     tags of server/fleet/queries.go have it;
//   - before 4.83 (legacy true): only /queries, /teams/:id/policies and
//     team_id; like any Fleet it ignores query parameters and JSON fields
//     it does not know, so a client speaking the new names to it silently
//     works on global objects instead of the team's.
type fakeFleet struct {
	t        *testing.T
	mu       sync.Mutex
	nextID   int64
	queries  map[int64]Query
	policies map[int64]Policy
	reports  map[int64][]map[string]any
	writes   []string // method + path of every write
	// throttle answers this many requests with 429 first.
	throttle int
	// failures answers this many requests with 500 first.
	failures int
	// withMeta adds meta.has_next_results to list answers (newer Fleet).
	withMeta bool
	requests int
	echoAuth bool // error bodies echo the Authorization header
	// legacy is a pre-4.83 server; version is GET /version's answer ("":
	// the endpoint answers 404).
	legacy  bool
	version string
	calls   []string // method and path of every API request
	// reportCalls names the queries whose report was fetched.
	reportCalls  []string
	versionCalls int
}

func (f *fakeFleet) setGeneration(legacy bool, version string) {
	f.legacy, f.version = legacy, version
}

// wire renders v (Query, Policy, ...) with the generation's field names.
func (f *fakeFleet) wire(v any) map[string]any {
	b, _ := json.Marshal(v)
	var m map[string]any
	json.Unmarshal(b, &m)
	team := m["team_id"]
	delete(m, "team_id")
	delete(m, "fleet_id")
	if f.legacy {
		m["team_id"] = team
	} else {
		m["fleet_id"] = team
	}
	return m
}

func (f *fakeFleet) wireList(key string, items []map[string]any) map[string]any {
	if !f.legacy && key == "queries" {
		key = "reports"
	}
	return map[string]any{key: items}
}

// fleetOf reads the fleet (team) of a request parameter or body field.
func (f *fakeFleet) fleetOf(w http.ResponseWriter, r *http.Request, values map[string]string) (*int64, bool) {
	team, hasTeam := values["team_id"]
	fleet, hasFleet := values["fleet_id"]
	if f.legacy {
		hasFleet = false // unknown to the old server, ignored
	}
	if hasTeam && hasFleet {
		f.fail(w, r, http.StatusBadRequest, "Bad request", "team_id and fleet_id are aliases; send one")
		return nil, false
	}
	v := team
	if hasFleet {
		v = fleet
	}
	if v == "" {
		return nil, true
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		f.fail(w, r, http.StatusBadRequest, "Bad request", "fleet id")
		return nil, false
	}
	return &id, true
}

func newFake(t *testing.T) (*fakeFleet, *httptest.Server) {
	f := &fakeFleet{t: t, nextID: 1, queries: map[int64]Query{}, policies: map[int64]Policy{}, reports: map[int64][]map[string]any{}, version: "4.83.0"}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeFleet) fail(w http.ResponseWriter, r *http.Request, status int, message, reason string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if f.echoAuth {
		reason += " (" + r.Header.Get("Authorization") + ")"
	}
	json.NewEncoder(w).Encode(map[string]any{"message": message, "errors": []map[string]string{{"name": "base", "reason": reason}}, "uuid": "c0532a64-bec2-4cf9-aa37-96fe47ead814"})
}

func (f *fakeFleet) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	if r.Header.Get("Authorization") != "Bearer "+testToken {
		f.fail(w, r, http.StatusUnauthorized, "Authentication required", "Authorization header required")
		return
	}
	if f.throttle > 0 {
		f.throttle--
		w.Header().Set("Retry-After", "2")
		f.fail(w, r, http.StatusTooManyRequests, "Too many requests", "rate limited")
		return
	}
	if f.failures > 0 {
		f.failures--
		f.fail(w, r, http.StatusInternalServerError, "Internal server error", "database unavailable")
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) < 3 || parts[0] != "api" || parts[1] != "v1" || parts[2] != "fleet" {
		f.fail(w, r, http.StatusNotFound, "Resource Not Found", "no route")
		return
	}
	parts = parts[3:]
	if len(parts) == 1 && parts[0] == "version" && r.Method == http.MethodGet {
		f.versionCalls++
		if f.version == "" {
			f.fail(w, r, http.StatusNotFound, "Resource Not Found", "no route")
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"version": f.version, "branch": "main", "revision": "0000000", "go_version": "go1.26", "build_date": "2026-01-01", "build_user": "fleet"})
		return
	}
	f.calls = append(f.calls, r.Method+" "+r.URL.Path)
	reports, fleets := "reports", "fleets"
	if f.legacy {
		reports, fleets = "\x00", "\x00" // no such routes before 4.83
	}
	switch {
	case len(parts) >= 1 && (parts[0] == "queries" || parts[0] == reports):
		params := map[string]string{}
		for _, k := range []string{"team_id", "fleet_id"} {
			if r.URL.Query().Has(k) {
				params[k] = r.URL.Query().Get(k)
			}
		}
		team, ok := f.fleetOf(w, r, params)
		if !ok {
			return
		}
		f.queriesRoute(w, r, parts[1:], team)
	case len(parts) >= 2 && parts[0] == "global" && parts[1] == "policies":
		f.policiesRoute(w, r, parts[2:], nil)
	case len(parts) >= 3 && (parts[0] == "teams" || parts[0] == fleets || (!f.legacy && parts[0] == "team")) && parts[2] == "policies":
		id, err := strconv.ParseInt(parts[1], 10, 64)
		if err != nil {
			f.fail(w, r, http.StatusBadRequest, "Bad request", "team id")
			return
		}
		f.policiesRoute(w, r, parts[3:], &id)
	default:
		f.fail(w, r, http.StatusNotFound, "Resource Not Found", "no route")
	}
}

func page(r *http.Request, n int) (lo, hi int, hasNext bool) {
	p, _ := strconv.Atoi(r.URL.Query().Get("page"))
	per, err := strconv.Atoi(r.URL.Query().Get("per_page"))
	if err != nil || per <= 0 {
		per = n + 1
	}
	lo, hi = min(p*per, n), min((p+1)*per, n)
	return lo, hi, hi < n
}

func sameTeamPtr(a, b *int64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

func (f *fakeFleet) queriesRoute(w http.ResponseWriter, r *http.Request, rest []string, team *int64) {
	switch {
	case len(rest) == 0 && r.Method == http.MethodGet:
		var list []Query
		for _, q := range f.queries {
			if sameTeamPtr(q.TeamID, team) {
				list = append(list, q)
			}
		}
		sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
		lo, hi, next := page(r, len(list))
		items := []map[string]any{}
		for _, q := range list[lo:hi] {
			items = append(items, f.wire(q))
		}
		resp := f.wireList("queries", items)
		if f.withMeta {
			resp["meta"] = map[string]bool{"has_next_results": next, "has_previous_results": lo > 0}
			resp["count"] = len(list)
		}
		json.NewEncoder(w).Encode(resp)
	case len(rest) == 0 && r.Method == http.MethodPost:
		var raw map[string]json.RawMessage
		var body QueryBody
		data, _ := io.ReadAll(r.Body)
		if json.Unmarshal(data, &raw) != nil || json.Unmarshal(data, &body) != nil || body.Name == "" || body.Query == "" {
			f.fail(w, r, http.StatusUnprocessableEntity, "Validation Failed", "name and query are required")
			return
		}
		ids := map[string]string{}
		for _, k := range []string{"team_id", "fleet_id"} {
			if v, ok := raw[k]; ok && string(v) != "null" {
				ids[k] = string(v)
			}
		}
		team, ok := f.fleetOf(w, r, ids)
		if !ok {
			return
		}
		for _, q := range f.queries {
			if q.Name == body.Name && sameTeamPtr(q.TeamID, team) {
				f.fail(w, r, http.StatusConflict, "Resource Already Exists", "query name already exists")
				return
			}
		}
		q := Query{ID: f.nextID, Name: body.Name, Query: body.Query, Description: body.Description, TeamID: team, Interval: body.Interval,
			Platform: body.Platform, AutomationsEnabled: body.AutomationsEnabled, Logging: body.Logging, ObserverCanRun: body.ObserverCanRun, DiscardData: body.DiscardData}
		f.nextID++
		f.queries[q.ID] = q
		f.writes = append(f.writes, "POST /queries "+q.Name)
		f.encodeQuery(w, q)
	case len(rest) >= 1:
		id, err := strconv.ParseInt(rest[0], 10, 64)
		q, ok := f.queries[id]
		if err != nil || !ok {
			f.fail(w, r, http.StatusNotFound, "Resource Not Found", "query not found")
			return
		}
		switch {
		case len(rest) == 2 && rest[1] == "report" && r.Method == http.MethodGet:
			idKey := "report_id"
			if f.legacy {
				idKey = "query_id"
			}
			f.reportCalls = append(f.reportCalls, q.Name)
			json.NewEncoder(w).Encode(map[string]any{idKey: id, "report_clipped": false, "results": f.reports[id]})
		case len(rest) == 1 && r.Method == http.MethodPatch:
			var body map[string]any
			if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
				f.fail(w, r, http.StatusBadRequest, "Bad request", "Expected JSON Body")
				return
			}
			_, team := body["team_id"]
			_, fleet := body["fleet_id"]
			if team || (fleet && !f.legacy) {
				f.fail(w, r, http.StatusUnprocessableEntity, "Validation Failed", "fleet_id cannot be modified")
				return
			}
			delete(body, "fleet_id")
			b, _ := json.Marshal(body)
			json.Unmarshal(b, &q)
			f.queries[id] = q
			f.writes = append(f.writes, "PATCH /queries "+q.Name)
			f.encodeQuery(w, q)
		default:
			f.fail(w, r, http.StatusMethodNotAllowed, "Method not allowed", r.Method)
		}
	default:
		f.fail(w, r, http.StatusMethodNotAllowed, "Method not allowed", r.Method)
	}
}

func (f *fakeFleet) encodeQuery(w http.ResponseWriter, q Query) {
	key := "report"
	if f.legacy {
		key = "query"
	}
	json.NewEncoder(w).Encode(map[string]any{key: f.wire(q)})
}

func (f *fakeFleet) policiesRoute(w http.ResponseWriter, r *http.Request, rest []string, team *int64) {
	switch {
	case len(rest) == 0 && r.Method == http.MethodGet:
		var list []Policy
		for _, p := range f.policies {
			if sameTeamPtr(p.TeamID, team) {
				list = append(list, p)
			}
		}
		sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
		lo, hi, _ := page(r, len(list))
		items := []map[string]any{}
		for _, p := range list[lo:hi] {
			items = append(items, f.wire(p))
		}
		resp := map[string]any{"policies": items}
		if team != nil {
			resp["inherited_policies"] = []Policy{{ID: 999, Name: "runkeyhunt - extension loaded", Query: "SELECT 1"}}
		}
		json.NewEncoder(w).Encode(resp)
	case len(rest) == 0 && r.Method == http.MethodPost:
		var body PolicyBody
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Name == "" || body.Query == "" {
			f.fail(w, r, http.StatusUnprocessableEntity, "Validation Failed", "name and query are required")
			return
		}
		p := Policy{ID: f.nextID, Name: body.Name, Query: body.Query, Description: body.Description, Resolution: body.Resolution, Platform: body.Platform, Critical: body.Critical, TeamID: team}
		f.nextID++
		f.policies[p.ID] = p
		f.writes = append(f.writes, "POST /policies "+p.Name)
		json.NewEncoder(w).Encode(map[string]any{"policy": f.wire(p)})
	case len(rest) == 1 && r.Method == http.MethodPatch:
		id, _ := strconv.ParseInt(rest[0], 10, 64)
		p, ok := f.policies[id]
		if !ok || !sameTeamPtr(p.TeamID, team) {
			f.fail(w, r, http.StatusNotFound, "Resource Not Found", "policy not found")
			return
		}
		var body PolicyBody
		json.NewDecoder(r.Body).Decode(&body)
		p.Name, p.Query, p.Description, p.Resolution, p.Platform, p.Critical = body.Name, body.Query, body.Description, body.Resolution, body.Platform, body.Critical
		f.policies[id] = p
		f.writes = append(f.writes, "PATCH /policies "+p.Name)
		json.NewEncoder(w).Encode(map[string]any{"policy": f.wire(p)})
	default:
		f.fail(w, r, http.StatusMethodNotAllowed, "Method not allowed", r.Method)
	}
}

func jsonString(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}
