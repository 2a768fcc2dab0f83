package report

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/runkeyhunt/runkeyhunt/fleet/resultlog"
)

// hostileReport holds one finding whose attacker-written fields try a CSV
// formula, HTML and extra Markdown table columns.
func hostileReport(t *testing.T) *Report {
	t.Helper()
	e := New()
	row := resultlog.Row{
		resultlog.NewField("path", `=HYPERLINK("http://evil.example/x","open")`),
		resultlog.NewField("data", `-enc AAAA|<img src=x onerror=alert(1)>`),
		resultlog.NewField("username", "@alice"),
		resultlog.NewField("payload_path", "+cmd|' /C calc'!A0"),
		resultlog.NewField("payload_preview", "<script>alert(1)</script>\n| injected | row |"),
		resultlog.NewField("indicators", "\tencoded_command"),
		resultlog.NewField("verdict", Malicious),
		resultlog.NewField("score", "95"),
	}
	e.Add(resultlog.Record{Name: "q", Host: "h", Time: 10, Counter: 0, Kind: resultlog.Added, Rows: []resultlog.Row{row}})
	r := e.Report()
	if len(r.Findings) != 1 {
		t.Fatalf("want one finding, got %+v", r.Findings)
	}
	return r
}

func TestCSVNeutralisesFormulas(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, "csv", hostileReport(t)); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil || len(recs) != 2 {
		t.Fatalf("csv: %v %q", err, recs)
	}
	for i, cell := range recs[1] {
		if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
			t.Errorf("column %s = %q starts with a formula prefix", recs[0][i], cell)
		}
	}
	col := map[string]string{}
	for i, h := range recs[0] {
		col[h] = recs[1][i]
	}
	if col["path"] != `'=HYPERLINK("http://evil.example/x","open")` || col["command"] != "'-enc AAAA|<img src=x onerror=alert(1)>" || col["user"] != "'@alice" {
		t.Errorf("want the value kept behind a single quote: %q", col)
	}
}

func TestMarkdownEscapesHostileText(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, "markdown", hostileReport(t)); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	for _, bad := range []string{"<img", "<script", "\n| injected"} {
		if strings.Contains(md, bad) {
			t.Errorf("markdown keeps %q:\n%s", bad, md)
		}
	}
	var findingRow string
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "| malicious |") {
			findingRow = line
		}
	}
	if findingRow == "" {
		t.Fatalf("no finding row:\n%s", md)
	}
	// 11 columns: 12 unescaped pipes, whatever the cells hold.
	pipes := 0
	for i := 0; i < len(findingRow); i++ {
		switch findingRow[i] {
		case '\\':
			i++
		case '|':
			pipes++
		}
	}
	if pipes != 12 {
		t.Errorf("finding row has %d unescaped pipes, want 12: %s", pipes, findingRow)
	}
}
