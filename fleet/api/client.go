// Package api is a small client for the parts of Fleet's REST API that
// runkeyhunt uses: queries, global and team policies, and query reports.
// Request and response shapes follow fleetdm/fleet docs/REST API
// (queries.md, policies.md, API-errors.md); each type names its section.
package api

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
)

// Options configure a Client.
type Options struct {
	Insecure   bool          // skip TLS verification (--insecure)
	Timeout    time.Duration // per request; default 30s
	MaxRetries int           // on 429 and 5xx; default 5
	Backoff    time.Duration // first retry delay, doubled each time; default 500ms
	MaxBackoff time.Duration // cap for backoff and Retry-After; default 60s
	PerPage    int           // page size of list calls; default 100
	// MaxAnswerBytes bounds one answer body; default DefaultMaxAnswerBytes.
	MaxAnswerBytes int64
	Logger         hclog.Logger
	// Sleep waits between retries; tests replace it to record the delays.
	Sleep func(ctx context.Context, d time.Duration) error
}

// DefaultMaxAnswerBytes bounds one answer: a query report of many hosts
// fits, a runaway or hostile server cannot exhaust memory.
const DefaultMaxAnswerBytes = 64 << 20

// Client talks to one Fleet server with one API token.
type Client struct {
	base  *url.URL
	token string
	http  *http.Client
	opts  Options
	log   hclog.Logger
	names apiNames // the server's API generation, asked once (endpoints.go)
}

// New checks the URL and token and returns a client. The token is kept
// only for the Authorization header; it never enters logs or errors.
func New(baseURL, token string, opts Options) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(strings.TrimSpace(baseURL), "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("fleet URL %q: want http(s)://host[:port]", redactURL(baseURL))
	}
	if u.User != nil {
		return nil, errors.New("fleet URL must not carry credentials; pass the API token with --token, FLEET_API_TOKEN or --token-file")
	}
	token = strings.TrimSpace(token)
	if token == "" {
		return nil, errors.New("no Fleet API token: use --token, FLEET_API_TOKEN or --token-file")
	}
	if opts.Timeout == 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.MaxRetries == 0 {
		opts.MaxRetries = 5
	}
	if opts.Backoff == 0 {
		opts.Backoff = 500 * time.Millisecond
	}
	if opts.MaxBackoff == 0 {
		opts.MaxBackoff = 60 * time.Second
	}
	if opts.PerPage == 0 {
		opts.PerPage = 100
	}
	if opts.MaxAnswerBytes <= 0 {
		opts.MaxAnswerBytes = DefaultMaxAnswerBytes
	}
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	if opts.Sleep == nil {
		opts.Sleep = sleep
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	if opts.Insecure {
		transport.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // only with --insecure
	}
	c := &Client{base: u, token: token, opts: opts, log: opts.Logger}
	c.http = &http.Client{Timeout: opts.Timeout, Transport: transport, CheckRedirect: c.checkRedirect}
	return c, nil
}

// maxRedirects bounds same-origin redirects of a read.
const maxRedirects = 5

// checkRedirect keeps the token at the configured origin. Go's client
// forwards Authorization to any port of the same host name and over an
// https→http downgrade, and re-sends a POST answered with 301/302/303 as a
// GET; so a read follows a redirect only within the same scheme, host and
// port, and a write never follows one. The 3xx answer then comes back to
// do, which reports it.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if m := via[0].Method; m != http.MethodGet && m != http.MethodHead {
		return http.ErrUseLastResponse
	}
	if !sameOrigin(req.URL, c.base) || len(via) >= maxRedirects {
		return http.ErrUseLastResponse
	}
	return nil
}

// sameOrigin compares scheme, host and port (default ports filled in).
func sameOrigin(a, b *url.URL) bool {
	port := func(u *url.URL) string {
		if p := u.Port(); p != "" {
			return p
		}
		if strings.EqualFold(u.Scheme, "https") {
			return "443"
		}
		return "80"
	}
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Hostname(), b.Hostname()) && port(a) == port(b)
}

// permanent reports transport errors that a retry cannot fix: a name that
// does not resolve, a certificate that does not verify, a TLS handshake
// with something that does not speak TLS.
func permanent(err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return dnsErr.IsNotFound || !(dnsErr.IsTimeout || dnsErr.IsTemporary)
	}
	var (
		verifyErr    *tls.CertificateVerificationError
		unknownCA    x509.UnknownAuthorityError
		hostErr      x509.HostnameError
		invalidErr   x509.CertificateInvalidError
		recordHdrErr tls.RecordHeaderError
		alertErr     tls.AlertError
	)
	return errors.As(err, &verifyErr) || errors.As(err, &unknownCA) || errors.As(err, &hostErr) ||
		errors.As(err, &invalidErr) || errors.As(err, &recordHdrErr) || errors.As(err, &alertErr)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		if err != nil {
			return "(unparsable)"
		}
		return s
	}
	u.User = url.User("REDACTED")
	return u.String()
}

// Error is a non-2xx answer. Fleet's error body (API-errors.md):
// {"message": "...", "errors": [{"name": "...", "reason": "..."}], "uuid": "..."}.
type Error struct {
	Method  string
	Path    string
	Status  int
	Message string       `json:"message"`
	Errors  []ErrorEntry `json:"errors"`
	UUID    string       `json:"uuid"`
}

// ErrorEntry is one element of Error.Errors.
type ErrorEntry struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "fleet %s %s: HTTP %d", e.Method, e.Path, e.Status)
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	for _, r := range e.Errors {
		fmt.Fprintf(&b, "; %s: %s", r.Name, r.Reason)
	}
	if e.UUID != "" {
		b.WriteString(" (uuid " + e.UUID + ")")
	}
	return b.String()
}

// StatusOf returns the HTTP status of an *Error, or 0.
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// redact removes the token from any text that could reach a user: an
// error body may echo request headers.
func (c *Client) redact(s string) string {
	if c.token == "" {
		return s
	}
	return strings.ReplaceAll(s, c.token, "[REDACTED]")
}

// do sends one request with retries and decodes a JSON answer into out.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body, out any) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return fmt.Errorf("encode %s %s: %w", method, path, err)
		}
	}
	u := *c.base
	u.Path = c.base.Path + path
	u.RawQuery = query.Encode()
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(payload))
		if err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
		req.Header.Set("Authorization", "Bearer "+c.token)
		req.Header.Set("Accept", "application/json")
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := c.http.Do(req)
		var retryAfter time.Duration
		if err != nil {
			if ctx.Err() != nil || permanent(err) || !retryableMethod(method, 0) || attempt >= c.opts.MaxRetries {
				return fmt.Errorf("%s %s: %s", method, path, c.redact(err.Error()))
			}
			c.log.Warn("fleet request failed, retrying", "method", method, "path", path, "attempt", attempt+1, "error", c.redact(err.Error()))
		} else {
			data, readErr := c.readAnswer(resp)
			if readErr != nil {
				return fmt.Errorf("%s %s: %w", method, path, readErr)
			}
			if resp.StatusCode >= 300 && resp.StatusCode < 400 {
				return c.redirectError(method, path, resp)
			}
			if resp.StatusCode >= 200 && resp.StatusCode < 300 {
				if out == nil || len(bytes.TrimSpace(data)) == 0 {
					return nil
				}
				if err := json.Unmarshal(data, out); err != nil {
					return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
				}
				return nil
			}
			apiErr := &Error{Method: method, Path: path, Status: resp.StatusCode}
			if json.Unmarshal(data, apiErr) != nil || (apiErr.Message == "" && len(apiErr.Errors) == 0) {
				// Redact before cutting: a cut through the token would
				// leave a piece of it that redaction no longer matches.
				apiErr.Message = truncateText(c.redact(strings.TrimSpace(string(data))), 300)
			}
			apiErr.Message = c.redact(apiErr.Message)
			apiErr.UUID = c.redact(apiErr.UUID)
			for i := range apiErr.Errors {
				apiErr.Errors[i].Name = c.redact(apiErr.Errors[i].Name)
				apiErr.Errors[i].Reason = c.redact(apiErr.Errors[i].Reason)
			}
			if !retryableMethod(method, resp.StatusCode) || attempt >= c.opts.MaxRetries {
				return apiErr
			}
			retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
			c.log.Warn("fleet answered with a retryable status", "method", method, "path", path, "status", resp.StatusCode, "attempt", attempt+1)
		}
		delay := c.backoff(attempt)
		if retryAfter > 0 {
			delay = retryAfter
		}
		if delay > c.opts.MaxBackoff {
			delay = c.opts.MaxBackoff
		}
		if err := c.opts.Sleep(ctx, delay); err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
}

// readAnswer reads the body up to MaxAnswerBytes; a longer answer is an
// error that says so, not a JSON decode error about the cut.
func (c *Client) readAnswer(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	limit := c.opts.MaxAnswerBytes
	tooLarge := func(size string) error {
		return fmt.Errorf("answer too large (HTTP %d): %sover the limit of %d bytes", resp.StatusCode, size, limit)
	}
	if resp.ContentLength > limit {
		return nil, tooLarge(strconv.FormatInt(resp.ContentLength, 10) + " bytes, ")
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read answer: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, tooLarge("")
	}
	return data, nil
}

// redirectError reports a redirect that was not followed. It is never
// retried: for a write, Fleet did not apply anything at the given URL.
func (c *Client) redirectError(method, path string, resp *http.Response) error {
	to := resp.Header.Get("Location")
	if loc, err := resp.Location(); err == nil {
		to = loc.Redacted()
	}
	msg := fmt.Sprintf("redirect to %q not followed: the API token is sent only to %s", truncateText(c.redact(to), 200), c.origin())
	if method != http.MethodGet && method != http.MethodHead {
		msg = fmt.Sprintf("redirect to %q: a %s is never re-sent elsewhere, nothing was applied", truncateText(c.redact(to), 200), method)
	}
	return &Error{Method: method, Path: path, Status: resp.StatusCode, Message: msg + "; check --url (scheme, host and port of the Fleet server)"}
}

func (c *Client) origin() string {
	return c.base.Scheme + "://" + c.base.Host
}

func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// retryableMethod: 429 is always safe to repeat (Fleet did not act on the
// request); other 5xx only for requests that are safe to repeat, and POST
// only for gateway errors, so a create is not made twice.
func retryableMethod(method string, status int) bool {
	switch {
	case status == http.StatusTooManyRequests:
		return true
	case status == 0: // transport error
		return method != http.MethodPost
	case status >= 500:
		if method == http.MethodPost {
			return status == http.StatusBadGateway || status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout
		}
		return true
	}
	return false
}

func (c *Client) backoff(attempt int) time.Duration {
	d := c.opts.Backoff << uint(min(attempt, 16))
	if d <= 0 || d > c.opts.MaxBackoff {
		d = c.opts.MaxBackoff
	}
	// Up to 20% jitter so that many runners do not retry in step.
	return d - time.Duration(rand.Int64N(int64(d)/5+1))
}

// parseRetryAfter reads delta-seconds or an HTTP date (RFC 9110 10.2.3).
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}
