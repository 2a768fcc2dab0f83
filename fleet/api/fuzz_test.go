package api

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/runkeyhunt/runkeyhunt/fleet/resultlog"
)

// answerTransport answers every request with one status and body, without
// sockets; pages after the first are empty so pagination ends.
type answerTransport struct {
	status int
	body   []byte
}

func (a answerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	body := a.body
	if p := r.URL.Query().Get("page"); p != "" && p != "0" {
		body = []byte(`{}`)
	}
	return &http.Response{StatusCode: a.status, Header: http.Header{"Retry-After": {"1"}}, Body: io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)), Request: r}, nil
}

var fuzzStatuses = []int{200, 201, 204, 302, 400, 401, 404, 422, 429, 500, 502}

// FuzzFleetAnswers: whatever Fleet answers (any JSON or not, any status),
// the client decodes it or returns an error, never panics, never shows
// the token (or a piece of it) in an error, and Pull's records carry a
// host and decodable rows.
func FuzzFleetAnswers(f *testing.F) {
	for _, s := range []string{
		`{"queries":[{"id":1,"name":"runkeyhunt_autorun_findings","query":"SELECT 1","team_id":null,"interval":3600}],"meta":{"has_next_results":false}}`,
		`{"query_id":1,"report_clipped":true,"queries":[{"id":1,"name":"runkeyhunt_autorun_inventory"}],"results":[{"host_id":1,"host_name":"ws1","last_fetched":"2025-03-01T10:00:00Z","columns":{"path":"a\\b","data":"x","n":1,"z":null}},{"host_id":2,"columns":null}]}`,
		`{"policies":[{"id":3,"name":"p","critical":true,"team_id":7}],"policy":{"id":3}}`,
		`{"message":"Validation Failed","errors":[{"name":"base","reason":"bad ` + testToken + `"}],"uuid":"u"}`,
		strings.Repeat("x", 288) + testToken,
		`{"results":[{"columns":{"a":{"b":[1,2]}}}]}`,
		`{"version":"4.83.0","reports":[{"id":1,"name":"runkeyhunt_autorun_findings_snapshot","fleet_id":3}],"results":[{"host_id":9,"host_name":"ws9","columns":{"path":"p","data":"d","verdict":"malicious"}}]}`,
		`{"version":"4.70.1-dev","queries":[{"id":2,"name":"runkeyhunt_autorun_inventory"}],"report_clipped":false}`,
	} {
		f.Add([]byte(s), uint8(0))
		f.Add([]byte(s), uint8(4))
	}
	f.Fuzz(func(t *testing.T, body []byte, statusPick uint8) {
		c, err := New("https://fleet.example", testToken, Options{MaxRetries: 1, MaxAnswerBytes: 1 << 16,
			Sleep: func(context.Context, time.Duration) error { return nil }})
		if err != nil {
			t.Fatal(err)
		}
		c.http.Transport = answerTransport{status: fuzzStatuses[int(statusPick)%len(fuzzStatuses)], body: body}
		ctx := context.Background()
		// A piece of the token may show only where the body itself holds
		// that piece apart from a whole token (which is redacted).
		redacted := strings.ReplaceAll(string(body), testToken, "")
		check := func(err error) {
			if err == nil {
				return
			}
			msg := err.Error()
			for i := 0; i+8 <= len(testToken); i++ {
				if piece := testToken[i : i+8]; strings.Contains(msg, piece) && !strings.Contains(redacted, piece) {
					t.Fatalf("error shows part of the token: %s", msg)
				}
			}
		}
		_, err = c.ListQueries(ctx, nil)
		check(err)
		_, err = c.ListPolicies(ctx, nil)
		check(err)
		_, err = c.CreateQuery(ctx, QueryBody{Name: "x"})
		check(err)
		rep, err := c.GetQueryReport(ctx, 1, nil)
		check(err)
		for _, res := range rep.Results {
			for _, field := range res.Columns {
				_ = field.Value()
			}
		}
		_, _, err = Pull(ctx, c, nil, func(r resultlog.Record) {
			if r.Host == "" || r.Kind != resultlog.Snapshot {
				t.Fatalf("pulled record %+v", r)
			}
			for _, row := range r.Rows {
				for _, field := range row {
					_ = field.Value()
				}
			}
		})
		check(err)
	})
}
