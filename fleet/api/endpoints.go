package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/runkeyhunt/runkeyhunt/fleet/resultlog"
)

// Fleet 4.83 renamed queries to reports and teams to fleets, in paths,
// parameters and JSON keys (server/service/handler.go serves the old paths
// as deprecated aliases; the renamed fields carry `renameto` tags, and a
// request that sends both names is refused with AliasConflictError).
// Older servers know only the old names. The client asks
// GET /api/v1/fleet/version once and speaks the server's generation; when
// the version does not tell (an error, a development build), it tries the
// new paths and falls back to the old ones on a 404, once, and remembers.
type generation int

const (
	genUnknown generation = iota
	genReports            // Fleet 4.83 and later: /reports, fleet_id, /fleets/:id/policies
	genQueries            // before 4.83: /queries, team_id, /teams/:id/policies
)

func (g generation) String() string {
	switch g {
	case genReports:
		return "reports (Fleet 4.83+)"
	case genQueries:
		return "queries (Fleet before 4.83)"
	}
	return "unknown"
}

// renameVersion is the first Fleet release with the new names.
var renameVersion = [2]int{4, 83}

// apiNames is the client's knowledge of the server's generation.
type apiNames struct {
	mu      sync.Mutex
	asked   bool
	gen     generation
	version string
}

// parseVersion reads "4.83.0", "v4.83.1-rc.1", ... into major and minor.
func parseVersion(v string) (major, minor int, ok bool) {
	v = strings.TrimPrefix(strings.TrimSpace(v), "v")
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return 0, 0, false
	}
	major, err1 := strconv.Atoi(parts[0])
	minorText := parts[1]
	if i := strings.IndexAny(minorText, "-+"); i >= 0 {
		minorText = minorText[:i]
	}
	minor, err2 := strconv.Atoi(minorText)
	if err1 != nil || err2 != nil || major <= 0 {
		return 0, 0, false
	}
	return major, minor, true
}

func generationOf(version string) generation {
	major, minor, ok := parseVersion(version)
	switch {
	case !ok:
		return genUnknown
	case major > renameVersion[0] || (major == renameVersion[0] && minor >= renameVersion[1]):
		return genReports
	}
	return genQueries
}

// generation asks the server's version once ("Version",
// GET /api/v1/fleet/version → {"version": "4.83.0", ...}).
func (c *Client) generation(ctx context.Context) generation {
	c.names.mu.Lock()
	defer c.names.mu.Unlock()
	if !c.names.asked {
		c.names.asked = true
		var resp struct {
			Version string `json:"version"`
		}
		if err := c.do(ctx, http.MethodGet, "/api/v1/fleet/version", nil, nil, &resp); err != nil {
			c.log.Debug("fleet version unknown; trying the 4.83 paths first", "error", err.Error())
		} else {
			c.names.version = resp.Version
			c.names.gen = generationOf(resp.Version)
			c.log.Debug("fleet version", "version", resp.Version, "api", c.names.gen.String())
		}
	}
	return c.names.gen
}

func (c *Client) settle(g generation) {
	c.names.mu.Lock()
	defer c.names.mu.Unlock()
	if c.names.gen == genUnknown {
		c.names.gen = g
		c.log.Debug("fleet API generation settled by probing", "api", g.String())
	}
}

// route is one endpoint in both generations; build fills in the path,
// query and body for a generation.
type route struct {
	method string
	build  func(g generation) (path string, query url.Values, body any)
}

// call sends r in the server's generation. With the generation unknown it
// tries the new names, and on a 404 the old ones.
func (c *Client) call(ctx context.Context, r route, out func(g generation) any) error {
	g := c.generation(ctx)
	try := func(g generation) error {
		path, query, body := r.build(g)
		return c.do(ctx, r.method, path, query, body, out(g))
	}
	if g != genUnknown {
		return try(g)
	}
	err := try(genReports)
	if StatusOf(err) != http.StatusNotFound {
		if err == nil {
			c.settle(genReports)
		}
		return err
	}
	if oldErr := try(genQueries); oldErr != nil {
		return oldErr
	}
	c.settle(genQueries)
	return nil
}

func reportsPath(g generation) string {
	if g == genQueries {
		return "/api/v1/fleet/queries"
	}
	return "/api/v1/fleet/reports"
}

func fleetParam(g generation) string {
	if g == genQueries {
		return "team_id"
	}
	return "fleet_id"
}

// Query is a Fleet report (before 4.83: query) as "Get report" / "List
// reports" return it; only the fields runkeyhunt manages or reads. The
// fleet is `fleet_id` in 4.83 answers and `team_id` before.
type Query struct {
	ID                 int64  `json:"id"`
	Name               string `json:"name"`
	Description        string `json:"description"`
	Query              string `json:"query"`
	TeamID             *int64 `json:"team_id"`
	FleetID            *int64 `json:"fleet_id"`
	Interval           int    `json:"interval"`
	Platform           string `json:"platform"`
	MinOsqueryVersion  string `json:"min_osquery_version"`
	AutomationsEnabled bool   `json:"automations_enabled"`
	Logging            string `json:"logging"`
	ObserverCanRun     bool   `json:"observer_can_run"`
	DiscardData        bool   `json:"discard_data"`
}

// Fleet is the fleet (team) the query belongs to, nil when global.
func (q Query) Fleet() *int64 {
	if q.FleetID != nil {
		return q.FleetID
	}
	return q.TeamID
}

// QueryBody is the body of "Create report" (POST /api/v1/fleet/reports,
// before 4.83 POST /api/v1/fleet/queries) and "Update report" (PATCH
// .../:id). Fleet is sent as fleet_id or team_id, never both.
type QueryBody struct {
	Name               string `json:"name"`
	Query              string `json:"query"`
	Description        string `json:"description"`
	ObserverCanRun     bool   `json:"observer_can_run"`
	Fleet              *int64 `json:"-"`
	Interval           int    `json:"interval"`
	Platform           string `json:"platform"`
	MinOsqueryVersion  string `json:"min_osquery_version"`
	AutomationsEnabled bool   `json:"automations_enabled"`
	Logging            string `json:"logging"`
	DiscardData        bool   `json:"discard_data"`
}

// wire is the body in a generation's names.
func (b QueryBody) wire(g generation) any {
	type plain QueryBody
	w := struct {
		plain
		TeamID  *int64 `json:"team_id,omitempty"`
		FleetID *int64 `json:"fleet_id,omitempty"`
	}{plain: plain(b)}
	if g == genQueries {
		w.TeamID = b.Fleet
	} else {
		w.FleetID = b.Fleet
	}
	return w
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
	FleetID     *int64 `json:"fleet_id"`
}

// PolicyBody is the body of "Add policy" / "Edit policy" and their fleet
// (team) variants (policies.md).
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

// ListQueries is "List reports": GET /api/v1/fleet/reports (before 4.83
// /queries), global when fleet is nil, else fleet_id (team_id) = fleet,
// without inherited global reports.
func (c *Client) ListQueries(ctx context.Context, fleet *int64) ([]Query, error) {
	var all []Query
	err := c.paginate(ctx, func(page int) (int, *meta, error) {
		var resp struct {
			Reports []Query `json:"reports"`
			Queries []Query `json:"queries"`
			Meta    *meta   `json:"meta"`
		}
		err := c.call(ctx, route{http.MethodGet, func(g generation) (string, url.Values, any) {
			q := c.pageQuery(page)
			q.Set("order_key", "name")
			if fleet != nil {
				q.Set(fleetParam(g), strconv.FormatInt(*fleet, 10))
			}
			return reportsPath(g), q, nil
		}}, func(generation) any { resp.Reports, resp.Queries, resp.Meta = nil, nil, nil; return &resp })
		if err != nil {
			return 0, nil, err
		}
		got := append(resp.Reports, resp.Queries...)
		all = append(all, got...)
		return len(got), resp.Meta, nil
	})
	return all, err
}

// queryAnswer is the answer of Create/Update report: {"report": {...}}
// in 4.83, {"query": {...}} before.
type queryAnswer struct {
	Report *Query `json:"report"`
	Query  *Query `json:"query"`
}

func (a queryAnswer) get() Query {
	switch {
	case a.Report != nil:
		return *a.Report
	case a.Query != nil:
		return *a.Query
	}
	return Query{}
}

// CreateQuery is "Create report": POST /api/v1/fleet/reports (/queries).
func (c *Client) CreateQuery(ctx context.Context, body QueryBody) (Query, error) {
	var resp queryAnswer
	err := c.call(ctx, route{http.MethodPost, func(g generation) (string, url.Values, any) {
		return reportsPath(g), nil, body.wire(g)
	}}, func(generation) any { resp = queryAnswer{}; return &resp })
	return resp.get(), err
}

// ModifyQuery is "Update report": PATCH /api/v1/fleet/reports/:id
// (/queries/:id). The fleet is not a parameter of it.
func (c *Client) ModifyQuery(ctx context.Context, id int64, body QueryBody) (Query, error) {
	body.Fleet = nil
	var resp queryAnswer
	err := c.call(ctx, route{http.MethodPatch, func(g generation) (string, url.Values, any) {
		return reportsPath(g) + "/" + strconv.FormatInt(id, 10), nil, body.wire(g)
	}}, func(generation) any { resp = queryAnswer{}; return &resp })
	return resp.get(), err
}

// policiesPath: global policies are /global/policies in both generations;
// a fleet's are /fleets/:id/policies (before 4.83 /teams/:id/policies).
func policiesPath(g generation, fleet *int64) string {
	switch {
	case fleet == nil:
		return "/api/v1/fleet/global/policies"
	case g == genQueries:
		return "/api/v1/fleet/teams/" + strconv.FormatInt(*fleet, 10) + "/policies"
	}
	return "/api/v1/fleet/fleets/" + strconv.FormatInt(*fleet, 10) + "/policies"
}

// ListPolicies is "List policies" (GET /api/v1/fleet/global/policies) or
// "List fleet policies" (GET /api/v1/fleet/fleets/:id/policies; the
// fleet's own policies, not inherited_policies).
func (c *Client) ListPolicies(ctx context.Context, fleet *int64) ([]Policy, error) {
	var all []Policy
	err := c.paginate(ctx, func(page int) (int, *meta, error) {
		var resp struct {
			Policies []Policy `json:"policies"`
			Meta     *meta    `json:"meta"`
		}
		err := c.call(ctx, route{http.MethodGet, func(g generation) (string, url.Values, any) {
			return policiesPath(g, fleet), c.pageQuery(page), nil
		}}, func(generation) any { resp.Policies, resp.Meta = nil, nil; return &resp })
		if err != nil {
			return 0, nil, err
		}
		all = append(all, resp.Policies...)
		return len(resp.Policies), resp.Meta, nil
	})
	return all, err
}

// CreatePolicy is "Add policy" / "Add fleet policy" → {"policy": {...}}.
func (c *Client) CreatePolicy(ctx context.Context, fleet *int64, body PolicyBody) (Policy, error) {
	var resp struct {
		Policy Policy `json:"policy"`
	}
	err := c.call(ctx, route{http.MethodPost, func(g generation) (string, url.Values, any) {
		return policiesPath(g, fleet), nil, body
	}}, func(generation) any { return &resp })
	return resp.Policy, err
}

// ModifyPolicy is "Edit policy" (PATCH /api/v1/fleet/global/policies/:id)
// or "Edit fleet policy" (PATCH /api/v1/fleet/fleets/:fleet_id/policies/:policy_id).
func (c *Client) ModifyPolicy(ctx context.Context, fleet *int64, id int64, body PolicyBody) (Policy, error) {
	var resp struct {
		Policy Policy `json:"policy"`
	}
	err := c.call(ctx, route{http.MethodPatch, func(g generation) (string, url.Values, any) {
		return policiesPath(g, fleet) + "/" + strconv.FormatInt(id, 10), nil, body
	}}, func(generation) any { return &resp })
	return resp.Policy, err
}

// ReportResult is one element of "Get report data" results.
type ReportResult struct {
	HostID      int64         `json:"host_id"`
	HostName    string        `json:"host_name"`
	LastFetched string        `json:"last_fetched"`
	Columns     resultlog.Row `json:"columns"`
}

// QueryReport is the answer of "Get report data":
// GET /api/v1/fleet/reports/:id/report → {"report_id", "report_clipped",
// "results"} (before 4.83 /queries/:id/report and "query_id").
type QueryReport struct {
	ReportID      int64          `json:"report_id"`
	QueryID       int64          `json:"query_id"`
	ReportClipped bool           `json:"report_clipped"`
	Results       []ReportResult `json:"results"`
}

// GetQueryReport fetches the stored results of one report, of every host
// or, with fleet set, of that fleet's hosts.
func (c *Client) GetQueryReport(ctx context.Context, id int64, fleet *int64) (QueryReport, error) {
	var resp QueryReport
	err := c.call(ctx, route{http.MethodGet, func(g generation) (string, url.Values, any) {
		var q url.Values
		if fleet != nil {
			q = url.Values{fleetParam(g): {strconv.FormatInt(*fleet, 10)}}
		}
		return reportsPath(g) + "/" + strconv.FormatInt(id, 10) + "/report", q, nil
	}}, func(generation) any { resp = QueryReport{}; return &resp })
	return resp, err
}
