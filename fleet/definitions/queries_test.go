package definitions

import (
	"database/sql"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// buildRunkeyhunt builds the real binary: the rendered SQL must run
// unchanged on `runkeyhunt query`.
func buildRunkeyhunt(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the runkeyhunt binary")
	}
	bin := filepath.Join(t.TempDir(), "runkeyhunt")
	cmd := exec.Command("go", "build", "-o", bin, "./extension")
	cmd.Dir = "../.."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./extension: %v\n%s", err, out)
	}
	return bin
}

func runQuery(t *testing.T, bin, source, sqlText string) []map[string]string {
	t.Helper()
	cmd := exec.Command(bin, "query", "--source", source, "--format", "json", sqlText)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("runkeyhunt query --source %s %q: %v\n%s", source, sqlText, err, stderr.String())
	}
	var rows []map[string]string
	if err := json.Unmarshal(out, &rows); err != nil {
		t.Fatalf("runkeyhunt query output: %v\n%s", err, out)
	}
	return rows
}

// TestRenderedSQLRunsOnExampleData runs every rendered query and policy on
// `runkeyhunt query` against a host with Empire persistence and its Sysmon
// events (testdata/host), a clean host (testdata/clean), and the bundled
// examples/demo when present.
func TestRenderedSQLRunsOnExampleData(t *testing.T) {
	bin := buildRunkeyhunt(t)
	sources := []string{"testdata/host"}
	if st, err := os.Stat("../../examples/demo"); err == nil && st.IsDir() {
		sources = append(sources, "../../examples/demo")
	}
	findings, _ := QueryNamed("runkeyhunt_autorun_findings")
	snapshot, _ := QueryNamed("runkeyhunt_autorun_findings_snapshot")
	inventory, _ := QueryNamed("runkeyhunt_autorun_inventory")
	chain, _ := QueryNamed("runkeyhunt_autorun_write_chain")
	// The fixtures' events are from 2024, outside the rendered query's
	// time slice; the content checks run the same query unbounded.
	unboundedChain := strings.Replace(chain.SQL, ChainTimeBound, "time > 0", 1)
	for _, src := range sources {
		t.Run(filepath.Base(src), func(t *testing.T) {
			rows := runQuery(t, bin, src, findings.SQL)
			empire := 0
			for _, r := range rows {
				if r["verdict"] != "suspicious" && r["verdict"] != "malicious" {
					t.Errorf("findings query returned a %s row: %s", r["verdict"], r["path"])
				}
				if strings.HasSuffix(r["path"], `\CurrentVersion\Run\Updater`) && r["verdict"] == "malicious" && r["payload_kind"] == "registry" {
					empire++
				}
			}
			if empire == 0 {
				t.Errorf("findings query: no malicious registry-payload Run\\Updater row in %v", rows)
			}
			snap := runQuery(t, bin, src, snapshot.SQL)
			if len(snap) != len(rows) {
				t.Errorf("findings snapshot: %d rows, differential findings %d", len(snap), len(rows))
			}
			inv := runQuery(t, bin, src, inventory.SQL)
			benign := 0
			for _, r := range inv {
				if r["verdict"] == "benign" {
					benign++
				}
			}
			if len(inv) <= len(rows) || benign == 0 {
				t.Errorf("inventory: %d rows (%d benign), findings %d: want every autorun", len(inv), benign, len(rows))
			}
			for _, p := range Policies {
				if p.OsqueryOnly {
					continue
				}
				if got := runQuery(t, bin, src, p.SQL); len(got) != 0 {
					t.Errorf("policy %q passes on a host with Empire persistence: %v", p.Name, got)
				}
			}
			if src != "testdata/host" {
				runQuery(t, bin, src, unboundedChain) // must run; the demo may carry no Sysmon events
				return
			}
			if old := runQuery(t, bin, src, chain.SQL); len(old) != 0 {
				t.Errorf("chain query returned %d rows from 2024 events: the time bound does not hold", len(old))
			}
			var autorun map[string]string
			for _, r := range runQuery(t, bin, src, unboundedChain) {
				if r["role"] == "autorun" && strings.HasSuffix(r["path"], `\Run\Updater`) {
					autorun = r
				}
			}
			if autorun == nil {
				t.Fatal("chain query: no autorun row for Run\\Updater")
			}
			if autorun["net_before"] != "1" || autorun["net_after"] != "1" || autorun["remote_addresses"] != "203.0.113.7:80" || autorun["linked_record_id"] != "101" {
				t.Errorf("chain row: %v", autorun)
			}
		})
	}
	t.Run("clean", func(t *testing.T) {
		for _, p := range Policies {
			if p.OsqueryOnly {
				continue
			}
			if got := runQuery(t, bin, "testdata/clean", p.SQL); len(got) != 1 {
				t.Errorf("policy %q: %d rows on a clean host, want 1 (passing)", p.Name, len(got))
			}
		}
		if got := runQuery(t, bin, "testdata/clean", findings.SQL); len(got) != 0 {
			t.Errorf("findings on a clean host: %v", got)
		}
	})
}

// The write-chain query reads writes from one interval plus slack, ending
// ChainSettle seconds ago: the fixture host's Sysmon events moved to just
// inside that slice are found, moved before it or after it are not.
func TestChainQueryTimeSlice(t *testing.T) {
	bin := buildRunkeyhunt(t)
	chain, _ := QueryNamed("runkeyhunt_autorun_write_chain")
	xml, err := os.ReadFile("testdata/host/sysmon.xml")
	if err != nil {
		t.Fatal(err)
	}
	reg, err := os.ReadFile("testdata/host/host.reg")
	if err != nil {
		t.Fatal(err)
	}
	systemTime := regexp.MustCompile(`SystemTime='([0-9T:.-]+)Z'`)
	utcTime := regexp.MustCompile(`<Data Name='UtcTime'>([0-9 :.-]+)</Data>`)
	var first, last time.Time
	for _, m := range systemTime.FindAllSubmatch(xml, -1) {
		ts, err := time.Parse("2006-01-02T15:04:05.000", string(m[1]))
		if err != nil {
			t.Fatal(err)
		}
		if first.IsZero() || ts.Before(first) {
			first = ts
		}
		if ts.After(last) {
			last = ts
		}
	}
	if last.Sub(first) > 5*time.Minute {
		t.Fatalf("fixture spans %v; the slice is %d s", last.Sub(first), ChainLookback-ChainSettle)
	}
	// shifted writes a copy of the host whose events start at start.
	shifted := func(start time.Time) string {
		delta := start.Sub(first)
		shift := func(re *regexp.Regexp, layout string, b []byte) []byte {
			return re.ReplaceAllFunc(b, func(m []byte) []byte {
				sub := re.FindSubmatch(m)
				ts, err := time.Parse(layout, string(sub[1]))
				if err != nil {
					t.Fatal(err)
				}
				return []byte(strings.Replace(string(m), string(sub[1]), ts.Add(delta).UTC().Format(layout), 1))
			})
		}
		out := shift(systemTime, "2006-01-02T15:04:05.000", xml)
		out = shift(utcTime, "2006-01-02 15:04:05.000", out)
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "sysmon.xml"), out, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "host.reg"), reg, 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	now := time.Now().UTC()
	span := last.Sub(first)
	for _, c := range []struct {
		name  string
		start time.Time
		want  bool
	}{
		{"inside", now.Add(-time.Duration(ChainSettle)*time.Second - span - time.Minute), true},
		{"before the slice", now.Add(-time.Duration(ChainLookback)*time.Second - span - time.Minute), false},
		{"not settled", now.Add(-time.Minute), false},
	} {
		found := false
		for _, r := range runQuery(t, bin, shifted(c.start), chain.SQL) {
			if r["role"] == "autorun" && strings.HasSuffix(r["path"], `\Run\Updater`) {
				found = true
			}
		}
		if found != c.want {
			t.Errorf("%s (events from %s): Run\\Updater write found = %v, want %v", c.name, c.start.Format(time.RFC3339), found, c.want)
		}
	}
}

// Queries on osquery's own tables cannot run offline; they must still be
// valid SQLite against those tables' documented columns.
func TestOsqueryOnlySQLParses(t *testing.T) {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, stmt := range []string{
		"CREATE TABLE osquery_extensions (uuid BIGINT, name TEXT, version TEXT, sdk_version TEXT, path TEXT, type TEXT)",
		"CREATE TABLE osquery_registry (registry TEXT, name TEXT, owner_uuid INTEGER, internal INTEGER, active INTEGER)",
	} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	stmts := []string{Discovery}
	for _, p := range Policies {
		if p.OsqueryOnly {
			stmts = append(stmts, p.SQL)
		}
	}
	for _, q := range Queries {
		if q.OsqueryOnly {
			stmts = append(stmts, q.SQL)
		}
	}
	for _, s := range stmts {
		if _, err := db.Exec("EXPLAIN " + s); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
}
