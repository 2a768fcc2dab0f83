package sysmonchain

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const scenarioDir = "../../testdata/sysmon"

type expectedRow struct {
	RecordID          int64    `json:"record_id"`
	EventID           int      `json:"event_id"`
	EventType         string   `json:"event_type"`
	Role              string   `json:"role"`
	Location          string   `json:"location"`
	Path              string   `json:"path"`
	TargetObject      string   `json:"target_object"`
	Time              int64    `json:"time"`
	UtcTime           string   `json:"utc_time"`
	ProcessGUID       string   `json:"process_guid"`
	ProcessID         int64    `json:"process_id"`
	Image             string   `json:"image"`
	User              *string  `json:"user"`
	LinkedRecordID    int64    `json:"linked_record_id"`
	NetBefore         int      `json:"net_before"`
	NetAfter          int      `json:"net_after"`
	SecondsBefore     float64  `json:"seconds_before"`
	SecondsAfter      float64  `json:"seconds_after"`
	NXLogBefore       *float64 `json:"nxlog_seconds_before"`
	NXLogAfter        *float64 `json:"nxlog_seconds_after"`
	RemoteAddresses   string   `json:"remote_addresses"`
	RemoteHostnames   *string  `json:"remote_hostnames"`
	Verdict           string   `json:"verdict"`
	IndicatorsInclude []string `json:"indicators_include"`
	IndicatorsExclude []string `json:"indicators_exclude"`
}

type expectedFile struct {
	Files          []string      `json:"files"`
	Computer       string        `json:"computer"`
	Window         int           `json:"window"`
	Tolerance      float64       `json:"seconds_tolerance"`
	RowCount       int           `json:"row_count"`
	Rows           []expectedRow `json:"rows"`
	NoRowFor       []int64       `json:"no_row_for_record_ids"`
	WindowVariants []struct {
		Window int `json:"window"`
		Rows   []struct {
			RecordID  int64 `json:"record_id"`
			NetBefore int   `json:"net_before"`
			NetAfter  int   `json:"net_after"`
		} `json:"rows"`
	} `json:"window_variants"`
}

func generate(t *testing.T, source string, window string) []map[string]string {
	t.Helper()
	constraints := map[string]string{"source": source}
	if window != "" {
		constraints["window"] = window
	}
	rows, err := New(Options{}).Rows(context.Background(), constraints)
	if err != nil {
		t.Fatalf("generate %s: %v", source, err)
	}
	return rows
}

// TestScenarioAllFormats runs the team's scenario, written as event XML,
// Winlogbeat ECS and NXLog JSON lines, and checks every row against the
// hand-computed expectation: the same rows whatever the format.
func TestScenarioAllFormats(t *testing.T) { checkScenario(t, "expected.json") }

// TestDepthScenario runs issue 9's scenario (SharpHide's NUL-named value,
// a per-user Winlogon Shell, rundll32 on a bare DLL, ...) in XML, both JSON
// lines formats and EVTX: each write gets the verdict run_key_payloads
// gives the same value.
func TestDepthScenario(t *testing.T) { checkScenario(t, "depth_expected.json") }

func checkScenario(t *testing.T, expected string) {
	raw, err := os.ReadFile(filepath.Join(scenarioDir, expected))
	if err != nil {
		t.Fatal(err)
	}
	var exp expectedFile
	if err := json.Unmarshal(raw, &exp); err != nil {
		t.Fatal(err)
	}
	var canon []string
	for _, file := range exp.Files {
		t.Run(file, func(t *testing.T) {
			src := filepath.Join(scenarioDir, file)
			rows := generate(t, src, "")
			if len(rows) != exp.RowCount {
				t.Errorf("%d rows, want %d", len(rows), exp.RowCount)
			}
			byID := map[int64]map[string]string{}
			for _, r := range rows {
				id, _ := strconv.ParseInt(r["record_id"], 10, 64)
				byID[id] = r
				if r["source"] != src || r["window"] != "300" || r["computer"] != exp.Computer {
					t.Errorf("record %d: source %q window %q computer %q", id, r["source"], r["window"], r["computer"])
				}
			}
			nxlog := strings.Contains(file, "nxlog")
			for _, e := range exp.Rows {
				r, ok := byID[e.RecordID]
				if !ok {
					t.Errorf("no row for record %d", e.RecordID)
					continue
				}
				checkRow(t, r, e, exp.Tolerance, nxlog)
			}
			for _, id := range exp.NoRowFor {
				if _, ok := byID[id]; ok {
					t.Errorf("unexpected row for record %d", id)
				}
			}
			for _, v := range exp.WindowVariants {
				got := map[int64]map[string]string{}
				for _, r := range generate(t, src, strconv.Itoa(v.Window)) {
					id, _ := strconv.ParseInt(r["record_id"], 10, 64)
					got[id] = r
					if r["window"] != strconv.Itoa(v.Window) {
						t.Errorf("window %d: row carries %q", v.Window, r["window"])
					}
				}
				for _, e := range v.Rows {
					r := got[e.RecordID]
					if r["net_before"] != strconv.Itoa(e.NetBefore) || r["net_after"] != strconv.Itoa(e.NetAfter) {
						t.Errorf("window %d record %d: %s/%s, want %d/%d", v.Window, e.RecordID, r["net_before"], r["net_after"], e.NetBefore, e.NetAfter)
					}
				}
			}
			// Identical rows across formats, but for what only differs by
			// nature: the file, and NXLog's whole-second times.
			var lines []string
			for _, r := range rows {
				lines = append(lines, strings.Join([]string{r["record_id"], r["role"], r["path"], r["details"], r["linked_record_id"],
					r["net_before"], r["net_after"], r["remote_addresses"], r["indicators"], r["score"], r["verdict"], r["user"]}, "|"))
			}
			sort.Strings(lines)
			canon = append(canon, strings.Join(lines, "\n"))
		})
	}
	for i := 1; i < len(canon); i++ {
		if canon[i] != canon[0] {
			t.Errorf("%s rows differ from %s:\n%s\n---\n%s", exp.Files[i], exp.Files[0], canon[i], canon[0])
		}
	}
}

func checkRow(t *testing.T, r map[string]string, e expectedRow, tol float64, nxlog bool) {
	t.Helper()
	eq := func(col, want string) {
		if r[col] != want {
			t.Errorf("record %d %s = %q, want %q", e.RecordID, col, r[col], want)
		}
	}
	eq("event_id", strconv.Itoa(e.EventID))
	eq("event_type", e.EventType)
	eq("role", e.Role)
	eq("location", e.Location)
	eq("path", e.Path)
	eq("target_object", e.TargetObject)
	eq("time", strconv.FormatInt(e.Time, 10))
	eq("utc_time", e.UtcTime)
	eq("process_guid", e.ProcessGUID)
	eq("process_id", strconv.FormatInt(e.ProcessID, 10))
	eq("image", e.Image)
	eq("linked_record_id", strconv.FormatInt(e.LinkedRecordID, 10))
	eq("net_before", strconv.Itoa(e.NetBefore))
	eq("net_after", strconv.Itoa(e.NetAfter))
	eq("remote_addresses", e.RemoteAddresses)
	eq("verdict", e.Verdict)
	if e.User != nil {
		eq("user", *e.User)
	}
	if e.RemoteHostnames != nil {
		eq("remote_hostnames", *e.RemoteHostnames)
	}
	before, after := e.SecondsBefore, e.SecondsAfter
	if nxlog && e.NXLogBefore != nil {
		before, after = *e.NXLogBefore, *e.NXLogAfter
	}
	for col, want := range map[string]float64{"seconds_before": before, "seconds_after": after} {
		got, err := strconv.ParseFloat(r[col], 64)
		if err != nil || math.Abs(got-want) > tol+1e-9 {
			t.Errorf("record %d %s = %q, want %.3f", e.RecordID, col, r[col], want)
		}
	}
	inds := "," + r["indicators"] + ","
	for _, id := range e.IndicatorsInclude {
		if !strings.Contains(inds, ","+id+",") {
			t.Errorf("record %d indicators %q lack %s", e.RecordID, r["indicators"], id)
		}
	}
	for _, id := range e.IndicatorsExclude {
		if strings.Contains(inds, ","+id+",") {
			t.Errorf("record %d indicators %q include %s", e.RecordID, r["indicators"], id)
		}
	}
}

const seedLog = "../../../shared/data/seed/registryautorun.evtx"

// TestSeedLog is the acceptance test on the real Sysmon log of the
// attack.
func TestSeedLog(t *testing.T) {
	if _, err := os.Stat(seedLog); err != nil {
		t.Skipf("../shared not present (%v): the seed log test needs ../shared/data/seed/registryautorun.evtx", err)
	}
	rows := generate(t, seedLog, "")
	if len(rows) != 2 {
		t.Fatalf("want exactly 2 rows, got %d: %v", len(rows), rows)
	}
	payloadRow, autorun := rows[0], rows[1]
	if payloadRow["role"] != "payload" || !strings.HasSuffix(payloadRow["path"], `\Software\Microsoft\Windows\CurrentVersion\Debug`) {
		t.Errorf("payload row: %v", payloadRow)
	}
	if autorun["role"] != "autorun" || !strings.HasSuffix(autorun["path"], `\Software\Microsoft\Windows\CurrentVersion\Run\Updater`) {
		t.Errorf("autorun row: %v", autorun)
	}
	for _, r := range rows {
		if !strings.HasPrefix(r["path"], `HKEY_USERS\S-1-5-21-`) {
			t.Errorf("path %q not canonical", r["path"])
		}
		if r["net_before"] != "2" || r["net_after"] != "2" || r["remote_addresses"] != "172.168.103.188:80" {
			t.Errorf("%s row: before %s after %s remotes %s", r["role"], r["net_before"], r["net_after"], r["remote_addresses"])
		}
	}
	if autorun["linked_record_id"] != payloadRow["record_id"] || payloadRow["linked_record_id"] != autorun["record_id"] {
		t.Errorf("links: autorun -> %s, payload -> %s", autorun["linked_record_id"], payloadRow["linked_record_id"])
	}
	if autorun["verdict"] != "malicious" || !strings.Contains(autorun["indicators"], "two_stage_write") {
		t.Errorf("autorun verdict %s indicators %s", autorun["verdict"], autorun["indicators"])
	}
}

func TestBadWindow(t *testing.T) {
	for _, w := range []string{"0", "-5", "abc"} {
		if _, err := New(Options{}).Rows(context.Background(), map[string]string{"source": filepath.Join(scenarioDir, "scenario.xml"), "window": w}); err == nil {
			t.Errorf("window %q accepted", w)
		}
	}
}

// TestASEPScenario runs issue 10's scenario (one write to each autostart
// location the catalog declares, REG_MULTI_SZ lists as "Binary Data" scored
// from their writer, a Command Processor AutoRun reading a payload value)
// in XML, both JSON lines formats and EVTX: each write is an autorun row at
// its location id, with the network counts and the link as built.
func TestASEPScenario(t *testing.T) { checkScenario(t, "asep_expected.json") }
