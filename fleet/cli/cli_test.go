package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runkeyhunt/runkeyhunt/fleet/definitions"
)

func run(t *testing.T, env environment, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	env.stdout, env.stderr = &stdout, &stderr
	if env.ctx == nil {
		env.ctx = context.Background()
	}
	if env.getenv == nil {
		env.getenv = func(string) string { return "" }
	}
	if env.stdin == nil {
		env.stdin = strings.NewReader("")
	}
	env.sleep = func(context.Context, time.Duration) error { return nil }
	code := env.dispatch(args)
	return code, stdout.String(), stderr.String()
}

func TestUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := Main([]string{"--help"}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "runkeyhunt fleet report") {
		t.Errorf("--help: %d %q", code, out.String())
	}
	if code := Main([]string{"bogus"}, &out, &errOut); code != exitUsage {
		t.Errorf("unknown subcommand: %d", code)
	}
	if code := Main(nil, &out, &errOut); code != exitUsage {
		t.Errorf("no subcommand: %d", code)
	}
}

func TestPack(t *testing.T) {
	for _, f := range definitions.Formats {
		code, out, _ := run(t, environment{}, "pack", "--format", f)
		want, _ := definitions.Render(f)
		if code != 0 || out != string(want) {
			t.Errorf("pack --format %s: code %d", f, code)
		}
	}
	if code, _, _ := run(t, environment{}, "pack", "--format", "nope"); code != exitUsage {
		t.Errorf("bad format: %d", code)
	}
	dir := t.TempDir()
	if code, _, errOut := run(t, environment{}, "pack", "--out", dir); code != 0 {
		t.Fatalf("pack --out: %s", errOut)
	}
	committed, _ := os.ReadFile("../packs/osquery/runkeyhunt.conf")
	written, _ := os.ReadFile(filepath.Join(dir, "osquery", "runkeyhunt.conf"))
	if len(committed) == 0 || !bytes.Equal(committed, written) {
		t.Error("pack --out differs from the committed osquery pack")
	}
}

func TestReportFailOnAndFormats(t *testing.T) {
	logs := "../report/testdata/logs"
	code, out, errOut := run(t, environment{}, "report", "--fail-on", "malicious", logs)
	if code != exitFindings || !strings.Contains(out, "Hosts with findings:    1 malicious") {
		t.Errorf("--fail-on malicious: code %d\n%s\n%s", code, out, errOut)
	}
	// Bad lines are logged with file and line; no progress bar off a terminal.
	if !strings.Contains(errOut, "fleet.results.log") || !strings.Contains(errOut, "line=5") || strings.Contains(errOut, "\r") {
		t.Errorf("stderr: %q", errOut)
	}
	code, out, _ = run(t, environment{}, "report", "--format", "json", logs)
	var parsed map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &parsed) != nil {
		t.Errorf("json: %d", code)
	}
	html := filepath.Join(t.TempDir(), "r.html")
	if code, _, errOut := run(t, environment{}, "report", "--format", "html", "--output", html, logs); code != 0 {
		t.Fatalf("html: %s", errOut)
	}
	if b, _ := os.ReadFile(html); !strings.Contains(string(b), "<svg") {
		t.Error("html output lacks charts")
	}
	if code, _, _ := run(t, environment{}, "report", "--fail-on", "benign", logs); code != exitUsage {
		t.Errorf("--fail-on benign: %d", code)
	}
	// Stdin, clean input: exit 0 even with --fail-on.
	clean := `{"name":"q","hostIdentifier":"h","unixTime":1,"snapshot":[{"path":"p","data":"explorer.exe","verdict":"benign","score":"0"}],"action":"snapshot"}` + "\n"
	code, out, _ = run(t, environment{stdin: strings.NewReader(clean)}, "report", "--fail-on", "suspicious", "-")
	if code != 0 || !strings.Contains(out, "Hosts reporting:        1") {
		t.Errorf("stdin: %d %s", code, out)
	}
}

func TestProgressOnTerminalOnly(t *testing.T) {
	tty := true
	_, _, errOut := run(t, environment{stderrIsTTY: &tty}, "report", "--format", "json", "../report/testdata/logs")
	_ = errOut // the fixture is read faster than the bar's refresh; check the bar directly
	// The bar itself is tested in internal/progress.
}

const secret = "fleet-token-must-not-leak-1234"

// A minimal Fleet that rejects everything with a body echoing the
// Authorization header, to prove the CLI never prints the token.
func echoingFleet(t *testing.T) (*httptest.Server, *[]string) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.Path)
		mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer "+secret {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"message":"Authentication required","errors":[{"name":"base","reason":"bad ` + r.Header.Get("Authorization") + `"}]}`))
			return
		}
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte(`{"message":"Internal server error","errors":[{"name":"base","reason":"saw ` + r.Header.Get("Authorization") + `"}]}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &seen
}

func TestTokenSourcesAndNoLeak(t *testing.T) {
	srv, _ := echoingFleet(t)
	tokenFile := filepath.Join(t.TempDir(), "token")
	os.WriteFile(tokenFile, []byte(secret+"\n"), 0o600)
	for name, c := range map[string]struct {
		env  environment
		args []string
	}{
		"flag":  {environment{}, []string{"apply", "--url", srv.URL, "--token", secret, "--verbose"}},
		"env":   {environment{getenv: func(k string) string { return map[string]string{"FLEET_API_TOKEN": secret, "FLEET_URL": srv.URL}[k] }}, []string{"apply", "--verbose"}},
		"file":  {environment{}, []string{"apply", "--url", srv.URL, "--token-file", tokenFile, "--verbose"}},
		"pull":  {environment{}, []string{"pull", "--url", srv.URL, "--token-file", tokenFile, "--verbose"}},
		"wrong": {environment{}, []string{"apply", "--url", srv.URL, "--token", secret + "x"}},
	} {
		code, out, errOut := run(t, c.env, c.args...)
		if code != exitError {
			t.Errorf("%s: exit %d, want %d\n%s", name, code, exitError, errOut)
		}
		if strings.Contains(out+errOut, secret) {
			t.Errorf("%s: token printed:\n%s\n%s", name, out, errOut)
		}
		if !strings.Contains(errOut, "HTTP 500") && !strings.Contains(errOut, "HTTP 401") {
			t.Errorf("%s: error not shown: %s", name, errOut)
		}
	}
	if code, _, errOut := run(t, environment{}, "apply", "--url", srv.URL); code != exitUsage || !strings.Contains(errOut, "FLEET_API_TOKEN") {
		t.Errorf("no token: %d %s", code, errOut)
	}
	if code, _, errOut := run(t, environment{}, "apply", "--url", srv.URL, "--token-file", "/nonexistent/token"); code != exitUsage || !strings.Contains(errOut, "/nonexistent/token") {
		t.Errorf("missing token file: %d %s", code, errOut)
	}
}

// A tiny in-memory Fleet for the end-to-end apply: list, create.
func TestApplyDryRunThenApplyThenNoop(t *testing.T) {
	var mu sync.Mutex
	queries, policies := []map[string]any{}, []map[string]any{}
	writes := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer "+secret {
			w.WriteHeader(401)
			return
		}
		var body map[string]any
		json.NewDecoder(r.Body).Decode(&body)
		switch r.Method + " " + r.URL.Path {
		case "GET /api/v1/fleet/queries":
			if r.URL.Query().Get("page") != "0" {
				json.NewEncoder(w).Encode(map[string]any{"queries": []any{}})
				return
			}
			json.NewEncoder(w).Encode(map[string]any{"queries": queries})
		case "GET /api/v1/fleet/global/policies":
			if r.URL.Query().Get("page") != "0" {
				json.NewEncoder(w).Encode(map[string]any{"policies": []any{}})
				return
			}
			json.NewEncoder(w).Encode(map[string]any{"policies": policies})
		case "POST /api/v1/fleet/queries":
			writes++
			body["id"] = len(queries) + 1
			body["team_id"] = nil
			queries = append(queries, body)
			json.NewEncoder(w).Encode(map[string]any{"query": body})
		case "POST /api/v1/fleet/global/policies":
			writes++
			body["id"] = len(policies) + 1
			policies = append(policies, body)
			json.NewEncoder(w).Encode(map[string]any{"policy": body})
		default:
			w.WriteHeader(404)
			w.Write([]byte(`{"message":"Resource Not Found"}`))
		}
	}))
	defer srv.Close()
	args := []string{"apply", "--url", srv.URL, "--token", secret}
	code, out, errOut := run(t, environment{}, append(args, "--dry-run")...)
	if code != 0 || writes != 0 || !strings.Contains(out, "dry run: 7 change(s) not applied") || !strings.Contains(out, "create    report runkeyhunt_autorun_findings") {
		t.Fatalf("dry run: %d writes=%d\n%s\n%s", code, writes, out, errOut)
	}
	if code, out, errOut = run(t, environment{}, args...); code != 0 || writes != 7 || !strings.Contains(out, "applied 7 change(s)") {
		t.Fatalf("apply: %d writes=%d\n%s\n%s", code, writes, out, errOut)
	}
	if code, out, _ = run(t, environment{}, args...); code != 0 || writes != 7 || !strings.Contains(out, "nothing to change") {
		t.Fatalf("re-apply: %d writes=%d\n%s", code, writes, out)
	}
}
