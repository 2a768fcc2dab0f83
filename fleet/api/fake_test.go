package api

import (
	"encoding/json"
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
// pagination, 429 with Retry-After on demand, Fleet's error body.
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
}

func newFake(t *testing.T) (*fakeFleet, *httptest.Server) {
	f := &fakeFleet{t: t, nextID: 1, queries: map[int64]Query{}, policies: map[int64]Policy{}, reports: map[int64][]map[string]any{}}
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
	var team *int64
	switch {
	case len(parts) >= 1 && parts[0] == "queries":
		if v := r.URL.Query().Get("team_id"); v != "" {
			id, _ := strconv.ParseInt(v, 10, 64)
			team = &id
		}
		f.queriesRoute(w, r, parts[1:], team)
	case len(parts) >= 2 && parts[0] == "global" && parts[1] == "policies":
		f.policiesRoute(w, r, parts[2:], nil)
	case len(parts) >= 3 && parts[0] == "teams" && parts[2] == "policies":
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
		resp := map[string]any{"queries": append([]Query{}, list[lo:hi]...)}
		if f.withMeta {
			resp["meta"] = map[string]bool{"has_next_results": next, "has_previous_results": lo > 0}
			resp["count"] = len(list)
		}
		json.NewEncoder(w).Encode(resp)
	case len(rest) == 0 && r.Method == http.MethodPost:
		var body QueryBody
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Name == "" || body.Query == "" {
			f.fail(w, r, http.StatusUnprocessableEntity, "Validation Failed", "name and query are required")
			return
		}
		for _, q := range f.queries {
			if q.Name == body.Name && sameTeamPtr(q.TeamID, body.TeamID) {
				f.fail(w, r, http.StatusConflict, "Resource Already Exists", "query name already exists")
				return
			}
		}
		q := Query{ID: f.nextID, Name: body.Name, Query: body.Query, Description: body.Description, TeamID: body.TeamID, Interval: body.Interval,
			Platform: body.Platform, AutomationsEnabled: body.AutomationsEnabled, Logging: body.Logging, ObserverCanRun: body.ObserverCanRun, DiscardData: body.DiscardData}
		f.nextID++
		f.queries[q.ID] = q
		f.writes = append(f.writes, "POST /queries "+q.Name)
		json.NewEncoder(w).Encode(map[string]any{"query": q})
	case len(rest) >= 1:
		id, err := strconv.ParseInt(rest[0], 10, 64)
		q, ok := f.queries[id]
		if err != nil || !ok {
			f.fail(w, r, http.StatusNotFound, "Resource Not Found", "query not found")
			return
		}
		switch {
		case len(rest) == 2 && rest[1] == "report" && r.Method == http.MethodGet:
			json.NewEncoder(w).Encode(map[string]any{"query_id": id, "report_clipped": false, "results": f.reports[id]})
		case len(rest) == 1 && r.Method == http.MethodPatch:
			var body map[string]any
			if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
				f.fail(w, r, http.StatusBadRequest, "Bad request", "Expected JSON Body")
				return
			}
			if _, bad := body["team_id"]; bad {
				f.fail(w, r, http.StatusUnprocessableEntity, "Validation Failed", "team_id cannot be modified")
				return
			}
			b, _ := json.Marshal(body)
			json.Unmarshal(b, &q)
			f.queries[id] = q
			f.writes = append(f.writes, "PATCH /queries "+q.Name)
			json.NewEncoder(w).Encode(map[string]any{"query": q})
		default:
			f.fail(w, r, http.StatusMethodNotAllowed, "Method not allowed", r.Method)
		}
	default:
		f.fail(w, r, http.StatusMethodNotAllowed, "Method not allowed", r.Method)
	}
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
		resp := map[string]any{"policies": append([]Policy{}, list[lo:hi]...)}
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
		json.NewEncoder(w).Encode(map[string]any{"policy": p})
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
		json.NewEncoder(w).Encode(map[string]any{"policy": p})
	default:
		f.fail(w, r, http.StatusMethodNotAllowed, "Method not allowed", r.Method)
	}
}
