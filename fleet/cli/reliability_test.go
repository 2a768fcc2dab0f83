package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func resultLine(host string, n int, verdict string) string {
	return fmt.Sprintf(`{"name":"pack/runkeyhunt/runkeyhunt_autorun_findings","hostIdentifier":%q,"unixTime":%d,"epoch":0,"counter":1,"columns":{"path":"HKEY_USERS\\S-1\\Run\\e%d","data":"tool%d.exe","verdict":%q,"score":"90"},"action":"added"}`+"\n", host, 1740787200+n, n, n, verdict)
}

// One truncated .gz among the inputs is a warning naming it; the report
// covers the other files (it used to exit 1 with no output at all).
func TestReportSurvivesTruncatedGzip(t *testing.T) {
	dir := t.TempDir()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	for n := range 3000 {
		zw.Write([]byte(resultLine("old-host", n, "benign")))
	}
	zw.Close()
	bad := filepath.Join(dir, "osqueryd.results.log.1.gz")
	os.WriteFile(bad, gz.Bytes()[:gz.Len()/2], 0o644)
	os.WriteFile(filepath.Join(dir, "osqueryd.results.log"), []byte(resultLine("live-host", 1, "malicious")), 0o644)
	code, out, errOut := run(t, environment{}, "report", "--fail-on", "malicious", dir)
	if code != exitFindings {
		t.Fatalf("exit %d, want %d (findings of the good file)\nstdout: %s\nstderr: %s", code, exitFindings, out, errOut)
	}
	if !strings.Contains(out, "Hosts reporting:        2") || !strings.Contains(out, "live-host") {
		t.Errorf("report lacks the other files:\n%s", out)
	}
	if !strings.Contains(errOut, bad) || !strings.Contains(errOut, "unexpected EOF") {
		t.Errorf("no warning naming the bad file: %s", errOut)
	}
}

// endlessLog serves result lines forever (a pipe that never closes) and
// calls onRead once after the first n bytes.
type endlessLog struct {
	n      int
	read   int
	onRead func()
	buf    []byte
	i      int
}

func (r *endlessLog) Read(p []byte) (int, error) {
	if len(r.buf) == 0 {
		r.buf = []byte(resultLine("h", r.i, "benign"))
		r.i++
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	r.read += n
	if r.onRead != nil && r.read >= r.n {
		r.onRead()
		r.onRead = nil
	}
	return n, nil
}

// Cancelling (what Ctrl-C does through signal.NotifyContext) stops the
// report within a second, exit 130, and leaves no output file behind.
func TestReportCancelledLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "report.html")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var cancelledAt time.Time
	stdin := &endlessLog{n: 4 << 20, onRead: func() { cancelledAt = time.Now(); cancel() }}
	code, stdout, stderr := run(t, environment{ctx: ctx, stdin: stdin}, "report", "--format", "html", "--output", out, "-")
	took := time.Since(cancelledAt)
	t.Logf("returned %v after the cancel", took)
	if took > time.Second {
		t.Errorf("stopped %v after the cancel, want under a second", took)
	}
	if code != exitInterrupted || stdout != "" || !strings.Contains(stderr, "interrupted") {
		t.Errorf("exit %d, want %d; stdout %q; stderr %q", code, exitInterrupted, stdout, stderr)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("files left behind: %v", left)
	}
}

// The report file appears only whole: written beside the target, renamed
// on success; a failed write leaves the old file as it was.
func TestReportOutputIsAtomic(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "report.json")
	os.WriteFile(out, []byte("previous"), 0o644)
	stdin := strings.NewReader(resultLine("h", 1, "malicious"))
	if code, _, stderr := run(t, environment{stdin: stdin}, "report", "--format", "json", "--output", out, "-"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, _ := os.ReadFile(out)
	if !strings.Contains(string(b), `"hosts_reporting": 1`) {
		t.Errorf("report file: %.200s", b)
	}
	if left, _ := os.ReadDir(dir); len(left) != 1 {
		t.Errorf("temp files left: %v", left)
	}
	if code, _, _ := run(t, environment{stdin: strings.NewReader("")}, "report", "--output", filepath.Join(dir, "no", "such", "dir.txt"), "-"); code != exitError {
		t.Errorf("unwritable output: exit %d", code)
	}
}

// A missing input among good ones is a warning like any bad file; when no
// input could be read at all the report would be an all-clear, so that is
// an error.
func TestReportMissingAndAllBadInputs(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.log")
	os.WriteFile(good, []byte(resultLine("h1", 1, "malicious")), 0o644)
	missing := filepath.Join(dir, "missing.log")
	code, out, errOut := run(t, environment{}, "report", "--fail-on", "malicious", good, missing)
	if code != exitFindings || !strings.Contains(out, "h1") || !strings.Contains(errOut, missing) {
		t.Errorf("good + missing: exit %d\n%s\n%s", code, out, errOut)
	}
	truncated := filepath.Join(dir, "t.log.gz")
	os.WriteFile(truncated, []byte{0x1f, 0x8b, 8, 0}, 0o644)
	code, out, errOut = run(t, environment{}, "report", "--fail-on", "malicious", missing, truncated)
	if code != exitError || out != "" || !strings.Contains(errOut, "no input could be read") {
		t.Errorf("only bad inputs: exit %d\n%s\n%s", code, out, errOut)
	}
}

// The first-run regression end to end: --fail-on malicious sees the
// malicious row of a counter-0 run logged one line per row.
func TestReportFailOnFirstRunEventFormat(t *testing.T) {
	first := strings.ReplaceAll(resultLine("h1", 1, "malicious")+resultLine("h1", 2, "benign"), `"counter":1`, `"counter":0`)
	first = strings.ReplaceAll(first, `"unixTime":1740787202`, `"unixTime":1740787201`) // one run: one unixTime
	if code, out, _ := run(t, environment{stdin: strings.NewReader(first)}, "report", "--fail-on", "malicious", "-"); code != exitFindings {
		t.Errorf("exit %d, want %d:\n%s", code, exitFindings, out)
	}
}

// pull against a Fleet that never answers stops on Ctrl-C as well.
func TestPullCancelled(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	out := filepath.Join(t.TempDir(), "r.txt")
	code, _, stderr := run(t, environment{ctx: ctx}, "pull", "--url", srv.URL, "--token", secret, "--output", out)
	if took := time.Since(start); took > 1200*time.Millisecond {
		t.Errorf("pull stopped %v after start (cancel at 200ms)", took)
	}
	if code != exitInterrupted || !strings.Contains(stderr, "interrupted") {
		t.Errorf("exit %d, want %d: %s", code, exitInterrupted, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("report file written")
	}
}
