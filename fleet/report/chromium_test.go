package report

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/runkeyhunt/runkeyhunt/fleet/resultlog"
)

// chromium finds Debian's headless browser; the test is skipped without it
// (CI installs the `chromium` package).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("chromium not installed (apt-get install chromium)")
	return ""
}

func chromiumArgs(profile string, extra ...string) []string {
	return append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--user-data-dir=" + profile}, extra...)
}

// shotPath is where a screenshot goes: next to $RKH_SCREENSHOT when set
// (make report-demo keeps them in dist/), else in the test's temp dir.
func shotPath(t *testing.T, name string) string {
	if base := os.Getenv("RKH_SCREENSHOT"); base != "" {
		if name == "demo-1400" {
			return base
		}
		return strings.TrimSuffix(base, ".png") + "-" + strings.TrimPrefix(name, "demo-") + ".png"
	}
	return filepath.Join(t.TempDir(), name+".png")
}

// screenshot renders page at a width and fails on any console output.
func screenshot(t *testing.T, ctx context.Context, bin, page, shot string, width int) {
	t.Helper()
	cmd := exec.CommandContext(ctx, bin, chromiumArgs(t.TempDir(), "--enable-logging=stderr", "--v=0",
		"--screenshot="+shot, fmt.Sprintf("--window-size=%d,2400", width), "file://"+page)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium --screenshot: %v\n%s", err, stderr.String())
	}
	consoleClean(t, stderr.String())
	st, err := os.Stat(shot)
	if err != nil || st.Size() < 10000 {
		t.Errorf("screenshot %s: %v", shot, err)
	}
	t.Logf("screenshot %s (%d px wide)", shot, width)
}

func consoleClean(t *testing.T, stderr string) {
	t.Helper()
	for _, line := range strings.Split(stderr, "\n") {
		// Page console messages arrive as "CONSOLE(...)" / "Uncaught" lines.
		if strings.Contains(line, "CONSOLE") || strings.Contains(line, "Uncaught") || strings.Contains(line, "Refused to") {
			t.Errorf("console output: %s", line)
		}
	}
}

// dumpDOM returns the DOM after the page's script ran.
func dumpDOM(t *testing.T, ctx context.Context, bin, url string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, bin, chromiumArgs(t.TempDir(), "--enable-logging=stderr", "--v=0", "--dump-dom", url)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	dom, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom %s: %v\n%s", url, err, stderr.String())
	}
	consoleClean(t, stderr.String())
	return string(dom)
}

var articleTag = regexp.MustCompile(`<article class="incident[^"]*"[^>]*>`)

// visibleVerdicts counts the incidents of a dumped DOM by verdict and
// whether the script hid them.
func visibleVerdicts(dom string) (shown, hidden map[string]int) {
	shown, hidden = map[string]int{}, map[string]int{}
	verdict := regexp.MustCompile(`data-verdict="([a-z]+)"`)
	for _, tag := range articleTag.FindAllString(dom, -1) {
		v := ""
		if m := verdict.FindStringSubmatch(tag); m != nil {
			v = m[1]
		}
		if strings.Contains(tag, " hidden") {
			hidden[v]++
		} else {
			shown[v]++
		}
	}
	return shown, hidden
}

func writePage(t *testing.T, r *Report) (string, int) {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteHTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(page, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return page, buf.Len()
}

// checkFilter loads page#verdict=malicious: only malicious incidents stay
// visible, and every other one is hidden.
func checkFilter(t *testing.T, ctx context.Context, bin, page string) {
	t.Helper()
	dom := dumpDOM(t, ctx, bin, "file://"+page+"#verdict=malicious")
	shown, hidden := visibleVerdicts(dom)
	if shown[Malicious] == 0 || len(shown) != 1 {
		t.Errorf("#verdict=malicious shows %v (hidden %v)", shown, hidden)
	}
	if hidden[Malicious] != 0 || hidden[Suspicious] == 0 {
		t.Errorf("#verdict=malicious hides %v", hidden)
	}
	if !strings.Contains(dom, "incidents shown") {
		t.Error("filter bar did not report its count")
	}
	all, _ := visibleVerdicts(dumpDOM(t, ctx, bin, "file://"+page))
	if all[Suspicious] == 0 || all[Malicious] != shown[Malicious] {
		t.Errorf("without a hash the page shows %v", all)
	}
}

// TestHTMLInChromium renders the fixture report in headless chromium at
// 1400 and 900 px: the DOM must show the seeded incident, the console must
// stay free of errors, #verdict=malicious must leave only malicious
// incidents, and screenshots are kept ($RKH_SCREENSHOT, for make
// report-demo).
func TestHTMLInChromium(t *testing.T) {
	bin := chromium(t)
	page, _ := writePage(t, fixtureReport(t))
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	dom := dumpDOM(t, ctx, bin, "file://"+page)
	for _, want := range []string{"seeded-empire-stager", `Run\<wbr>Updater`, "<svg", "hosts malicious", "write chain (Sysmon)", "203.0.113.7:80"} {
		if !strings.Contains(dom, want) {
			t.Errorf("rendered DOM lacks %q", want)
		}
	}
	checkFilter(t, ctx, bin, page)
	for _, width := range []int{1400, 900} {
		screenshot(t, ctx, bin, page, shotPath(t, fmt.Sprintf("demo-%d", width)), width)
	}
	// With --state, #new=1 leaves the incidents no earlier run reported.
	r := fixtureReport(t)
	MarkNew(r, map[string]bool{r.Incidents[1].ID: true})
	statePage, _ := writePage(t, r)
	dom = dumpDOM(t, ctx, bin, "file://"+statePage+"#new=1")
	shown, hidden := visibleVerdicts(dom)
	if n := shown[Malicious] + shown[Suspicious]; n != 1 || hidden[Malicious]+hidden[Suspicious] != len(r.Incidents)-1 || !strings.Contains(dom, `id="new"`) {
		t.Errorf("#new=1 shows %v, hides %v", shown, hidden)
	}
}

// TestHTMLInChromiumFleet renders a fleet of 10,000 hosts generated by
// fleet/cmd/genlogs (two days): under 2 MB, clean console, the filter.
func TestHTMLInChromiumFleet(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 10,000 hosts of logs")
	}
	bin := chromium(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Second)
	defer cancel()
	gen := exec.CommandContext(ctx, "go", "run", "../cmd/genlogs", "-hosts", "10000", "-days", "2", "-out", dir)
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("genlogs: %v\n%s", err, out)
	}
	e := New()
	if err := resultlog.ReadAll(ctx, resultlog.Expand([]string{dir}), nil, e.Handler(nil)); err != nil {
		t.Fatal(err)
	}
	r := e.Report()
	if r.Summary.HostsReporting != 10000 || r.Summary.Incidents == 0 {
		t.Fatalf("generated fleet: %+v", r.Summary)
	}
	page, size := writePage(t, r)
	if size >= 2<<20 {
		t.Errorf("page is %d bytes at 10,000 hosts, want under 2 MB", size)
	}
	t.Logf("10,000 hosts: %d incidents, page %d bytes", r.Summary.Incidents, size)
	checkFilter(t, ctx, bin, page)
	for _, width := range []int{1400, 900} {
		screenshot(t, ctx, bin, page, shotPath(t, fmt.Sprintf("fleet10k-%d", width)), width)
	}
}
