package cli

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
