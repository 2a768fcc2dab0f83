package report

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
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

// TestHTMLInChromium renders the fixture report in headless chromium: the
// DOM must show the seeded finding, the console must stay free of errors,
// and a screenshot is written (to $RKH_SCREENSHOT when set, for make
// report-demo).
func TestHTMLInChromium(t *testing.T) {
	bin := chromium(t)
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	var buf bytes.Buffer
	if err := WriteHTML(&buf, fixtureReport(t)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	dom, err := exec.CommandContext(ctx, bin, chromiumArgs(filepath.Join(dir, "p1"), "--dump-dom", "file://"+page)...).Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom: %v", err)
	}
	for _, want := range []string{"seeded-empire-stager", `Run\<wbr>Updater`, "<svg", "hosts malicious"} {
		if !strings.Contains(string(dom), want) {
			t.Errorf("rendered DOM lacks %q", want)
		}
	}

	shot := os.Getenv("RKH_SCREENSHOT")
	if shot == "" {
		shot = filepath.Join(dir, "report.png")
	}
	cmd := exec.CommandContext(ctx, bin, chromiumArgs(filepath.Join(dir, "p2"), "--enable-logging=stderr", "--v=0",
		"--screenshot="+shot, "--window-size=1400,2000", "file://"+page)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium --screenshot: %v\n%s", err, stderr.String())
	}
	for _, line := range strings.Split(stderr.String(), "\n") {
		// Page console messages arrive as "CONSOLE(...)" / "Uncaught" lines.
		if strings.Contains(line, "CONSOLE") || strings.Contains(line, "Uncaught") || strings.Contains(line, "Refused to") {
			t.Errorf("console output: %s", line)
		}
	}
	st, err := os.Stat(shot)
	if err != nil || st.Size() < 10000 {
		t.Errorf("screenshot %s: %v", shot, err)
	}
}
