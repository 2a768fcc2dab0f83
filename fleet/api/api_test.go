package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/runkeyhunt/runkeyhunt/fleet/definitions"
	"github.com/runkeyhunt/runkeyhunt/fleet/resultlog"
)

func testClient(t *testing.T, url string, sleeps *[]time.Duration, logs *strings.Builder) *Client {
	t.Helper()
	opts := Options{PerPage: 2, Sleep: func(_ context.Context, d time.Duration) error {
		if sleeps != nil {
			*sleeps = append(*sleeps, d)
		}
		return nil
	}}
	if logs != nil {
		opts.Logger = hclog.New(&hclog.LoggerOptions{Output: logs, Level: hclog.Trace})
	}
	c, err := New(url, testToken, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestApplyIsIdempotent(t *testing.T) {
	for _, withMeta := range []bool{false, true} {
		fake, srv := newFake(t)
		fake.withMeta = withMeta
		c := testClient(t, srv.URL, nil, nil)
		ctx := context.Background()
		// An unrelated query on the server (pagination must page past it).
		fake.queries[100] = Query{ID: 100, Name: "aaa_other", Query: "SELECT 1"}
		plan, err := Plan(ctx, c, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, ch := range plan {
			if ch.Action != Create {
				t.Fatalf("first plan: %v", ch)
			}
		}
		if err := Execute(ctx, c, nil, plan); err != nil {
			t.Fatal(err)
		}
		if n := len(definitions.Queries) + len(definitions.Policies); len(fake.writes) != n {
			t.Fatalf("first apply wrote %d times, want %d: %v", len(fake.writes), n, fake.writes)
		}
		// Second apply: nothing changes, nothing is written.
		plan, err = Plan(ctx, c, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, ch := range plan {
			if ch.Action != Unchanged {
				t.Errorf("second plan (meta %v): %v", withMeta, ch)
			}
		}
		before := len(fake.writes)
		if err := Execute(ctx, c, nil, plan); err != nil || len(fake.writes) != before {
			t.Errorf("second apply wrote %v (err %v)", fake.writes[before:], err)
		}
		// Drift on the server is repaired with a PATCH of that object only.
		q := fake.queries[1]
		q.Interval = 60
		fake.queries[1] = q
		plan, _ = Plan(ctx, c, nil)
		updates := 0
		for _, ch := range plan {
			if ch.Action == Update {
				updates++
				if ch.Name != q.Name || len(ch.Fields) != 1 || ch.Fields[0] != "interval" {
					t.Errorf("update: %v", ch)
				}
			}
		}
		if updates != 1 {
			t.Fatalf("want one update, plan %v", plan)
		}
		if err := Execute(ctx, c, nil, plan); err != nil || fake.writes[len(fake.writes)-1] != "PATCH /queries "+q.Name {
			t.Errorf("repair: %v %v", err, fake.writes)
		}
	}
}

func TestApplyTeam(t *testing.T) {
	fake, srv := newFake(t)
	c := testClient(t, srv.URL, nil, nil)
	team := int64(7)
	plan, err := Plan(context.Background(), c, &team)
	if err != nil {
		t.Fatal(err)
	}
	// Inherited global policies of the same name must not count as present.
	for _, ch := range plan {
		if ch.Action != Create {
			t.Errorf("team plan: %v", ch)
		}
	}
	if err := Execute(context.Background(), c, &team, plan); err != nil {
		t.Fatal(err)
	}
	for _, q := range fake.queries {
		if q.TeamID == nil || *q.TeamID != 7 {
			t.Errorf("query %s not on team 7", q.Name)
		}
	}
	for _, p := range fake.policies {
		if p.TeamID == nil || *p.TeamID != 7 {
			t.Errorf("policy %s not on team 7", p.Name)
		}
	}
	plan, _ = Plan(context.Background(), c, &team)
	for _, ch := range plan {
		if ch.Action != Unchanged {
			t.Errorf("second team plan: %v", ch)
		}
	}
}

func TestRetriesOn429And5xx(t *testing.T) {
	fake, srv := newFake(t)
	fake.throttle, fake.failures = 2, 1
	var sleeps []time.Duration
	c := testClient(t, srv.URL, &sleeps, nil)
	if _, err := c.ListQueries(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if len(sleeps) != 3 || sleeps[0] != 2*time.Second || sleeps[1] != 2*time.Second {
		t.Errorf("sleeps %v: want Retry-After (2s) twice, then backoff", sleeps)
	}
	// Third attempt: 500ms doubled twice, minus up to 20% jitter.
	if sleeps[2] < 1600*time.Millisecond || sleeps[2] > 2*time.Second {
		t.Errorf("backoff after 500: %v", sleeps[2])
	}
	// A POST is not repeated after a plain 500: it might have been applied.
	fake.failures = 1
	_, err := c.CreateQuery(context.Background(), QueryBody{Name: "x", Query: "SELECT 1"})
	if StatusOf(err) != http.StatusInternalServerError {
		t.Errorf("POST after 500: %v", err)
	}
	// Retries end.
	fake.throttle = 100
	_, err = c.ListQueries(context.Background(), nil)
	if StatusOf(err) != http.StatusTooManyRequests {
		t.Errorf("after retries: %v", err)
	}
}

func TestErrorBodyAndTokenNeverShown(t *testing.T) {
	fake, srv := newFake(t)
	fake.echoAuth = true
	fake.failures = 100
	var logs strings.Builder
	c := testClient(t, srv.URL, nil, &logs)
	_, err := c.ListPolicies(context.Background(), nil)
	var apiErr *Error
	if !errors.As(err, &apiErr) || apiErr.Status != 500 || apiErr.Message != "Internal server error" || len(apiErr.Errors) != 1 || apiErr.UUID == "" {
		t.Fatalf("error: %#v", err)
	}
	if strings.Contains(err.Error(), testToken) || strings.Contains(logs.String(), testToken) {
		t.Errorf("token leaked:\nerror: %v\nlogs: %s", err, logs.String())
	}
	if !strings.Contains(err.Error(), "[REDACTED]") {
		t.Errorf("echoed token not redacted: %v", err)
	}
	bad, _ := New(srv.URL, "wrong-token", Options{Sleep: func(context.Context, time.Duration) error { return nil }})
	_, err = bad.ListQueries(context.Background(), nil)
	if StatusOf(err) != http.StatusUnauthorized || strings.Contains(err.Error(), "wrong-token") {
		t.Errorf("401: %v", err)
	}
	if _, err := New("ftp://x", testToken, Options{}); err == nil {
		t.Error("want an error for a non-http URL")
	}
	if _, err := New("https://user:"+testToken+"@fleet.example", testToken, Options{}); err == nil || strings.Contains(err.Error(), testToken) {
		t.Errorf("credentials in URL: %v", err)
	}
	if _, err := New(srv.URL, " ", Options{}); err == nil {
		t.Error("want an error without token")
	}
}

func TestPullFeedsReports(t *testing.T) {
	fake, srv := newFake(t)
	c := testClient(t, srv.URL, nil, nil)
	plan, _ := Plan(context.Background(), c, nil)
	if err := Execute(context.Background(), c, nil, plan); err != nil {
		t.Fatal(err)
	}
	var inventoryID int64
	for id, q := range fake.queries {
		if q.Name == "runkeyhunt_autorun_inventory" {
			inventoryID = id
		}
	}
	fake.reports[inventoryID] = []map[string]any{
		{"host_id": 1, "host_name": "ws1", "last_fetched": "2025-03-01T10:00:00Z", "columns": map[string]any{"path": `HKEY_USERS\S\Run\Updater`, "data": "x", "verdict": "malicious", "score": "100"}},
		{"host_id": 1, "host_name": "ws1", "last_fetched": "2025-03-01T10:00:00Z", "columns": map[string]any{"path": `HKEY_USERS\S\Run\OneDrive`, "data": "y", "verdict": "benign", "score": "0"}},
		{"host_id": 2, "host_name": "ws2", "last_fetched": "2025-03-01T11:00:00Z", "columns": map[string]any{"path": `HKEY_USERS\S\Run\OneDrive`, "data": "y", "verdict": "benign", "score": "0"}},
	}
	var recs []resultlog.Record
	missing, clipped, err := Pull(context.Background(), c, nil, func(r resultlog.Record) { recs = append(recs, r) })
	if err != nil || len(missing) != 0 || len(clipped) != 0 {
		t.Fatal(err, missing, clipped)
	}
	if len(recs) != 2 || recs[0].Host != "ws1" || len(recs[0].Rows) != 2 || recs[0].Kind != resultlog.Snapshot || recs[0].Time != 1740823200 || recs[1].Host != "ws2" {
		t.Errorf("records: %+v", recs)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{"": 0, "3": 3 * time.Second, "Wed, 01 Jan 2025 00:00:10 GMT": 10 * time.Second, "junk": 0, "-1": 0} {
		if got := parseRetryAfter(v, now); got != want {
			t.Errorf("Retry-After %q: %v, want %v", v, got, want)
		}
	}
}
