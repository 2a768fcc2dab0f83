package api

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// witness is a server that records what reached it.
type witness struct {
	mu    sync.Mutex
	hits  []string
	auths []string
}

func (w *witness) serve(t *testing.T, tls bool) *httptest.Server {
	h := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.mu.Lock()
		w.hits = append(w.hits, r.Method+" "+r.URL.Path)
		w.auths = append(w.auths, r.Header.Get("Authorization"))
		w.mu.Unlock()
		rw.Write([]byte(`{"queries":[],"query":{"id":1,"name":"x"}}`))
	})
	return start(t, h, tls)
}

// start serves h on loopback; the TLS server's handshake complaints (the
// client refusing its certificate) are expected and kept out of the log.
func start(t *testing.T, h http.Handler, tls bool) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if tls {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return srv
}

func redirector(t *testing.T, tls bool, status int, to func(r *http.Request) string) *httptest.Server {
	return start(t, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		http.Redirect(rw, r, to(r), status)
	}), tls)
}

func clientFor(t *testing.T, url string, sleeps *int) *Client {
	t.Helper()
	c, err := New(url, testToken, Options{Insecure: true, Sleep: func(context.Context, time.Duration) error {
		if sleeps != nil {
			*sleeps++
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The token never follows a redirect off the configured origin: not to
// another port of the same host, not from https down to http.
func TestRedirectsNeverCarryTheToken(t *testing.T) {
	for name, c := range map[string]struct {
		tls    bool
		target func(w *httptest.Server) string
	}{
		"other port": {false, func(w *httptest.Server) string { return w.URL }},
		"downgrade":  {true, func(w *httptest.Server) string { return strings.Replace(w.URL, "https://", "http://", 1) }},
		"localhost":  {false, func(w *httptest.Server) string { return strings.Replace(w.URL, "127.0.0.1", "localhost", 1) }},
	} {
		for _, status := range []int{http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
			var wit witness
			target := c.target(wit.serve(t, false))
			srv := redirector(t, c.tls, status, func(r *http.Request) string { return target + r.URL.Path })
			_, err := clientFor(t, srv.URL, nil).ListQueries(context.Background(), nil)
			if status == http.StatusFound {
				t.Logf("%s: %v", name, err)
			}
			if err == nil || !strings.Contains(err.Error(), "redirect") {
				t.Errorf("%s %d: err %v, want a redirect error", name, status, err)
			}
			if len(wit.hits) != 0 {
				t.Errorf("%s %d: redirect followed: %v (Authorization %q)", name, status, wit.hits, wit.auths)
			}
		}
	}
}

// A write answered with a redirect is an error: a 302 turned the POST
// into a GET that "succeeded", and the change was reported as applied.
func TestRedirectedWriteIsAnError(t *testing.T) {
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect} {
		var wit witness
		target := wit.serve(t, false)
		// Same origin, even: a write is never re-sent elsewhere.
		var srv *httptest.Server
		srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/moved/api/v1/fleet/queries" {
				target.Config.Handler.ServeHTTP(rw, r)
				return
			}
			http.Redirect(rw, r, srv.URL+"/moved"+r.URL.Path, status)
		}))
		t.Cleanup(srv.Close)
		_, err := clientFor(t, srv.URL, nil).CreateQuery(context.Background(), QueryBody{Name: "x", Query: "SELECT 1"})
		if err == nil || !strings.Contains(err.Error(), "redirect") || !strings.Contains(err.Error(), "POST") {
			t.Errorf("%d: err %v, want a redirected-write error", status, err)
		}
		if len(wit.hits) != 0 {
			t.Errorf("%d: write re-sent: %v", status, wit.hits)
		}
		if status == http.StatusFound {
			t.Logf("POST: %v", err)
		}
	}
}

// A read redirected within the same origin (scheme, host and port) is
// followed, with the token.
func TestSameOriginReadRedirectIsFollowed(t *testing.T) {
	var wit witness
	target := wit.serve(t, false)
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/new/") {
			target.Config.Handler.ServeHTTP(rw, r)
			return
		}
		http.Redirect(rw, r, "/new"+r.URL.Path+"?"+r.URL.RawQuery, http.StatusFound)
	}))
	t.Cleanup(srv.Close)
	if _, err := clientFor(t, srv.URL, nil).ListQueries(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	// Each request (the version probe, then the list) arrives redirected,
	// with the token.
	if len(wit.auths) == 0 {
		t.Errorf("same-origin read: nothing arrived")
	}
	for i, a := range wit.auths {
		if a != "Bearer "+testToken || !strings.HasPrefix(wit.hits[i], "GET /new/") {
			t.Errorf("same-origin read: %v %v", wit.hits, wit.auths)
		}
	}
}

// Permanent errors are not retried: a name that does not resolve, a
// certificate that does not verify, a 4xx other than 429.
func TestPermanentErrorsAreNotRetried(t *testing.T) {
	var wit witness
	tlsSrv := wit.serve(t, true)
	notFound := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		wit.mu.Lock()
		wit.hits = append(wit.hits, r.URL.Path)
		wit.mu.Unlock()
		rw.WriteHeader(http.StatusNotFound)
		rw.Write([]byte(`{"message":"Resource Not Found"}`))
	}))
	t.Cleanup(notFound.Close)
	// .invalid never resolves (RFC 6761); without a resolver that says so,
	// the DNS case cannot be told from a transient failure.
	var dnsErr *net.DNSError
	_, err := net.DefaultResolver.LookupHost(context.Background(), "fleet.invalid")
	canResolve := errors.As(err, &dnsErr) && dnsErr.IsNotFound
	for name, c := range map[string]struct {
		url      string
		insecure bool
		want     string
	}{
		"dns":  {"http://fleet.invalid", false, "fleet.invalid"},
		"tls":  {tlsSrv.URL, false, "certificate"},
		"http": {strings.Replace(tlsSrv.URL, "https://", "http://", 1), false, ""},
		"404":  {notFound.URL, false, "404"},
	} {
		if name == "dns" && !canResolve {
			t.Logf("dns: skipped, the resolver does not answer NXDOMAIN here (%v)", err)
			continue
		}
		sleeps := 0
		cl, err := New(c.url, testToken, Options{Insecure: c.insecure, Timeout: 5 * time.Second, Sleep: func(context.Context, time.Duration) error { sleeps++; return nil }})
		if err != nil {
			t.Fatal(err)
		}
		_, err = cl.ListQueries(context.Background(), nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want it to mention %q", name, err, c.want)
		}
		if sleeps != 0 {
			t.Errorf("%s: retried %d times: %v", name, sleeps, err)
		}
		t.Logf("%s: %v", name, err)
	}
	// The version probe and both API generations' paths, each once.
	seen := map[string]int{}
	for _, h := range wit.hits {
		if seen[h]++; seen[h] > 1 {
			t.Errorf("404 on %s retried: %v", h, wit.hits)
		}
	}
}
