package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/runkeyhunt/runkeyhunt/fleet/resultlog"
)

// Query is a Fleet query as "Get query" / "List queries" return it
// (queries.md); only the fields runkeyhunt manages or reads.
type Query struct {
	ID                 int64  `json:"id"`
	Name               string `json:"name"`
	Description        string `json:"description"`
	Query              string `json:"query"`
	TeamID             *int64 `json:"team_id"`
	Interval           int    `json:"interval"`
	Platform           string `json:"platform"`
	MinOsqueryVersion  string `json:"min_osquery_version"`
	AutomationsEnabled bool   `json:"automations_enabled"`
	Logging            string `json:"logging"`
	ObserverCanRun     bool   `json:"observer_can_run"`
	DiscardData        bool   `json:"discard_data"`
}

// QueryBody is the body of "Create query" (POST /api/v1/fleet/queries)
// and "Modify query" (PATCH /api/v1/fleet/queries/:id), queries.md.
type QueryBody struct {
	Name               string `json:"name"`
	Query              string `json:"query"`
	Description        string `json:"description"`
	ObserverCanRun     bool   `json:"observer_can_run"`
	TeamID             *int64 `json:"team_id,omitempty"`
	Interval           int    `json:"interval"`
	Platform           string `json:"platform"`
	MinOsqueryVersion  string `json:"min_osquery_version"`
	AutomationsEnabled bool   `json:"automations_enabled"`
	Logging            string `json:"logging"`
	DiscardData        bool   `json:"discard_data"`
}

// Policy is a Fleet policy as "List policies" / "Get policy by ID" return
// it (policies.md).
type Policy struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Query       string `json:"query"`
	Description string `json:"description"`
	Resolution  string `json:"resolution"`
	Platform    string `json:"platform"`
	Critical    bool   `json:"critical"`
	TeamID      *int64 `json:"team_id"`
}

// PolicyBody is the body of "Add policy" / "Edit policy" and their team
// variants (policies.md).
type PolicyBody struct {
	Name        string `json:"name"`
	Query       string `json:"query"`
	Description string `json:"description"`
	Resolution  string `json:"resolution"`
	Platform    string `json:"platform"`
	Critical    bool   `json:"critical"`
}

// meta is the pagination block newer Fleet versions add to list answers.
type meta struct {
	HasNextResults     bool `json:"has_next_results"`
	HasPreviousResults bool `json:"has_previous_results"`
}

// paginate calls fetch for page 0, 1, ... until the answer says there is
// no next page: meta.has_next_results when present, else a short page.
func (c *Client) paginate(ctx context.Context, fetch func(page int) (n int, m *meta, err error)) error {
	for page := 0; page < 100000; page++ {
		n, m, err := fetch(page)
		if err != nil {
			return err
		}
		if m != nil {
			if !m.HasNextResults {
				return nil
			}
			continue
		}
		if n < c.opts.PerPage {
			return nil
		}
	}
	return fmt.Errorf("pagination did not end after 100000 pages")
}

func (c *Client) pageQuery(page int) url.Values {
	return url.Values{"page": {strconv.Itoa(page)}, "per_page": {strconv.Itoa(c.opts.PerPage)}}
}

// ListQueries is "List queries": GET /api/v1/fleet/queries, global when
// team is nil, else team_id=<team> (without inherited global queries).
func (c *Client) ListQueries(ctx context.Context, team *int64) ([]Query, error) {
	var all []Query
	err := c.paginate(ctx, func(page int) (int, *meta, error) {
		q := c.pageQuery(page)
		q.Set("order_key", "name")
		if team != nil {
			q.Set("team_id", strconv.FormatInt(*team, 10))
		}
		var resp struct {
			Queries []Query `json:"queries"`
			Meta    *meta   `json:"meta"`
		}
		if err := c.do(ctx, http.MethodGet, "/api/v1/fleet/queries", q, nil, &resp); err != nil {
			return 0, nil, err
		}
		all = append(all, resp.Queries...)
		return len(resp.Queries), resp.Meta, nil
	})
	return all, err
}

// CreateQuery is "Create query": POST /api/v1/fleet/queries → {"query": {...}}.
func (c *Client) CreateQuery(ctx context.Context, body QueryBody) (Query, error) {
	var resp struct {
		Query Query `json:"query"`
	}
	err := c.do(ctx, http.MethodPost, "/api/v1/fleet/queries", nil, body, &resp)
	return resp.Query, err
}

// ModifyQuery is "Modify query": PATCH /api/v1/fleet/queries/:id.
func (c *Client) ModifyQuery(ctx context.Context, id int64, body QueryBody) (Query, error) {
	body.TeamID = nil // not a Modify query parameter
	var resp struct {
		Query Query `json:"query"`
	}
	err := c.do(ctx, http.MethodPatch, "/api/v1/fleet/queries/"+strconv.FormatInt(id, 10), nil, body, &resp)
	return resp.Query, err
}

func policiesPath(team *int64) string {
	if team == nil {
		return "/api/v1/fleet/global/policies"
	}
	return "/api/v1/fleet/teams/" + strconv.FormatInt(*team, 10) + "/policies"
}

// ListPolicies is "List policies" (GET /api/v1/fleet/global/policies) or
// "List team policies" (GET /api/v1/fleet/teams/:id/policies; the team's
// own policies, not inherited_policies).
func (c *Client) ListPolicies(ctx context.Context, team *int64) ([]Policy, error) {
	var all []Policy
	err := c.paginate(ctx, func(page int) (int, *meta, error) {
		var resp struct {
			Policies []Policy `json:"policies"`
			Meta     *meta    `json:"meta"`
		}
		if err := c.do(ctx, http.MethodGet, policiesPath(team), c.pageQuery(page), nil, &resp); err != nil {
			return 0, nil, err
		}
		all = append(all, resp.Policies...)
		return len(resp.Policies), resp.Meta, nil
	})
	return all, err
}

// CreatePolicy is "Add policy" / "Add team policy" → {"policy": {...}}.
func (c *Client) CreatePolicy(ctx context.Context, team *int64, body PolicyBody) (Policy, error) {
	var resp struct {
		Policy Policy `json:"policy"`
	}
	err := c.do(ctx, http.MethodPost, policiesPath(team), nil, body, &resp)
	return resp.Policy, err
}

// ModifyPolicy is "Edit policy" (PATCH /api/v1/fleet/global/policies/:id)
// or "Edit team policy" (PATCH /api/v1/fleet/teams/:team_id/policies/:policy_id).
func (c *Client) ModifyPolicy(ctx context.Context, team *int64, id int64, body PolicyBody) (Policy, error) {
	var resp struct {
		Policy Policy `json:"policy"`
	}
	err := c.do(ctx, http.MethodPatch, policiesPath(team)+"/"+strconv.FormatInt(id, 10), nil, body, &resp)
	return resp.Policy, err
}

// ReportResult is one element of "Get query report" results.
type ReportResult struct {
	HostID      int64         `json:"host_id"`
	HostName    string        `json:"host_name"`
	LastFetched string        `json:"last_fetched"`
	Columns     resultlog.Row `json:"columns"`
}

// QueryReport is the answer of "Get query report":
// GET /api/v1/fleet/queries/:id/report → {"query_id", "report_clipped", "results"}.
type QueryReport struct {
	QueryID       int64          `json:"query_id"`
	ReportClipped bool           `json:"report_clipped"`
	Results       []ReportResult `json:"results"`
}

// GetQueryReport fetches the stored results of one query.
func (c *Client) GetQueryReport(ctx context.Context, id int64) (QueryReport, error) {
	var resp QueryReport
	err := c.do(ctx, http.MethodGet, "/api/v1/fleet/queries/"+strconv.FormatInt(id, 10)+"/report", nil, nil, &resp)
	return resp, err
}
