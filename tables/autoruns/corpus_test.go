package autoruns_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/runkeyhunt/runkeyhunt/tables/autoruns"
	"github.com/runkeyhunt/runkeyhunt/tables/input"
	"github.com/runkeyhunt/runkeyhunt/tables/registry"
	"github.com/runkeyhunt/runkeyhunt/tables/registry/hivefile/hivetest"
	"github.com/runkeyhunt/runkeyhunt/tables/registry/offline"
	"github.com/runkeyhunt/runkeyhunt/tables/registry/regfile"
)

const corpusDir = "../../testdata/corpus"

// expectation is one object of testdata/corpus/expected.json; an absent
// field is not checked.
type expectation struct {
	File              string   `json:"file"`
	Path              string   `json:"path"`
	Family            string   `json:"family"`
	Verdict           string   `json:"verdict"`
	Type              *string  `json:"type"`
	PayloadKind       *string  `json:"payload_kind"`
	PayloadExists     *int     `json:"payload_exists"`
	PayloadPath       *string  `json:"payload_path"`
	PayloadEncoding   *string  `json:"payload_encoding"`
	PreviewContains   string   `json:"preview_contains"`
	IndicatorsInclude []string `json:"indicators_include"`
	Enabled           *int     `json:"enabled"`
	Location          *string  `json:"location"`
	Scope             *string  `json:"scope"`
	SID               *string  `json:"sid"`
	Username          *string  `json:"username"`
	HiveOnly          bool     `json:"hive_only"`
}

func loadExpectations(t *testing.T) []expectation {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(corpusDir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var exp []expectation
	if err := json.Unmarshal(raw, &exp); err != nil {
		t.Fatal(err)
	}
	return exp
}

func scanReg(t *testing.T, name string) []autoruns.Row {
	t.Helper()
	files, err := input.Expand(filepath.Join(corpusDir, name))
	if err != nil {
		t.Fatal(err)
	}
	view, warnings, err := offline.Load(context.Background(), files)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range warnings {
		t.Errorf("warning: %v", w)
	}
	s := autoruns.Scanner{View: view, Warn: func(err error) { t.Errorf("warning: %v", err) }}
	rows, err := s.Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestCorpus checks every benign and malicious corpus entry: benign
// autoruns stay benign, every malicious variant is at least suspicious, and
// registry payloads are found and decoded.
func TestCorpus(t *testing.T) {
	rowsByFile := map[string][]autoruns.Row{}
	for _, name := range []string{"corpus.reg", "winlogon_default.reg", "asep_system.reg"} {
		rowsByFile[name] = scanReg(t, name)
	}
	exps := loadExpectations(t)
	benign, bad := 0, 0
	covered := map[string]bool{}
	for _, e := range exps {
		if e.HiveOnly {
			continue
		}
		if e.Verdict == "benign" {
			benign++
		} else {
			bad++
		}
		t.Run(e.Family+"/"+e.Path[strings.LastIndexByte(e.Path, '\\')+1:], func(t *testing.T) {
			var matches []autoruns.Row
			for _, r := range rowsByFile[e.File] {
				if strings.EqualFold(r.Path, e.Path) {
					matches = append(matches, r)
				}
			}
			if len(matches) == 0 {
				t.Fatalf("no row for %s", e.Path)
			}
			covered[e.File+"|"+strings.ToLower(e.Path)] = true
			r := pick(matches, e)
			switch e.Verdict {
			case "benign", "malicious":
				if r.Verdict != e.Verdict {
					t.Errorf("verdict %s (score %d, %s), want %s", r.Verdict, r.Score, r.Indicators, e.Verdict)
				}
			case "suspicious+":
				if r.Verdict == "benign" {
					t.Errorf("verdict benign (score %d, %s), want suspicious or malicious", r.Score, r.Indicators)
				}
			}
			check := func(col, got string, want *string) {
				if want != nil && !strings.EqualFold(got, *want) {
					t.Errorf("%s = %q, want %q", col, got, *want)
				}
			}
			checkInt := func(col string, got int, want *int) {
				if want != nil && got != *want {
					t.Errorf("%s = %d, want %d", col, got, *want)
				}
			}
			check("type", r.Type, e.Type)
			check("payload_kind", r.PayloadKind, e.PayloadKind)
			check("payload_path", r.PayloadPath, e.PayloadPath)
			check("payload_encoding", r.PayloadEncoding, e.PayloadEncoding)
			check("location", r.Location, e.Location)
			check("scope", r.Scope, e.Scope)
			check("sid", r.SID, e.SID)
			check("username", r.Username, e.Username)
			checkInt("payload_exists", r.PayloadExists, e.PayloadExists)
			checkInt("enabled", r.Enabled, e.Enabled)
			if e.PreviewContains != "" && !strings.Contains(r.PayloadPreview, e.PreviewContains) {
				t.Errorf("payload_preview lacks %q: %.200q", e.PreviewContains, r.PayloadPreview)
			}
			for _, id := range e.IndicatorsInclude {
				if !strings.Contains(","+r.Indicators+",", ","+id+",") {
					t.Errorf("indicators %q lack %s", r.Indicators, id)
				}
			}
		})
	}
	if benign < 25 || bad < 15 {
		t.Errorf("corpus too small: %d benign, %d malicious (want >= 25 and >= 15)", benign, bad)
	}
	// Every row the scanner returns is expected: nothing unexplained.
	for file, rows := range rowsByFile {
		for _, r := range rows {
			if !covered[file+"|"+strings.ToLower(r.Path)] {
				t.Errorf("%s: unexpected row %s (%s)", file, r.Path, r.Verdict)
			}
		}
	}
}

// pick chooses, among the rows of one value (one per payload reference),
// the row the expectation describes.
func pick(rows []autoruns.Row, e expectation) autoruns.Row {
	best := rows[0]
	for _, r := range rows {
		if e.PayloadKind != nil && r.PayloadKind == *e.PayloadKind && (best.PayloadKind != *e.PayloadKind || r.Score > best.Score) {
			best = r
			continue
		}
		if (e.PayloadKind == nil || best.PayloadKind != *e.PayloadKind) && r.Score > best.Score {
			best = r
		}
	}
	return best
}

// rowKey renders the columns that must agree between sources; source_file
// and mtime differ by nature (.reg has no times), and the SID of a user
// hive read without ProfileList may be unknown.
func rowKey(r autoruns.Row) string {
	return fmt.Sprintf("%s|%s|%s|%s|%s|%s|%d|%s|%s|%s|%s|%d|%d|%s|%.4f|%s|%s|%d|%s",
		strings.ToLower(r.Path), r.Type, r.Data, r.Location, r.Scope, r.Username, r.Enabled, r.Image, r.Arguments,
		r.PayloadKind, strings.ToLower(r.PayloadPath), r.PayloadExists, r.PayloadSize, r.PayloadSHA256, r.PayloadEntropy,
		r.PayloadEncoding, r.Indicators, r.Score, r.Verdict)
}

// TestCorpusHivesMatchReg builds the corpus into real hive files (SOFTWARE
// plus one NTUSER.DAT per user, laid out like a triage collection) and
// checks the hive source gives the same rows as the .reg source.
func TestCorpusHivesMatchReg(t *testing.T) {
	hivetest.RequireTools(t)
	raw, err := os.ReadFile(filepath.Join(corpusDir, "corpus.reg"))
	if err != nil {
		t.Fatal(err)
	}
	machine, users := splitByHive(string(raw))
	root := t.TempDir()
	hivetest.BuildSoftwareHiveAt(t, filepath.Join(root, "C", "Windows", "System32", "config"), machine)
	for sid, text := range users {
		name, ok := corpusUsers[sid]
		if !ok {
			t.Fatalf("corpus has an unknown user %s", sid)
		}
		hivetest.BuildUserHiveAt(t, filepath.Join(root, "C", "Users", name), text)
	}
	fromHives, err := scanTree(t, root, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	fromReg := scanReg(t, "corpus.reg")
	a, b := keys(fromReg), keys(fromHives)
	if strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Errorf("hive rows differ from .reg rows:\n%s", diff(a, b))
	}
	if len(a) < 40 {
		t.Errorf("only %d rows compared", len(a))
	}
}

func keys(rows []autoruns.Row) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = rowKey(r)
	}
	sort.Strings(out)
	return out
}

func diff(a, b []string) string {
	in := func(list []string) map[string]bool {
		m := map[string]bool{}
		for _, s := range list {
			m[s] = true
		}
		return m
	}
	ma, mb := in(a), in(b)
	var sb strings.Builder
	for _, s := range a {
		if !mb[s] {
			sb.WriteString("- " + s + "\n")
		}
	}
	for _, s := range b {
		if !ma[s] {
			sb.WriteString("+ " + s + "\n")
		}
	}
	return sb.String()
}

// splitByHive rewrites one .reg export into reged's input: machine keys
// under HKEY_LOCAL_MACHINE\SOFTWARE, and per user SID the keys rewritten
// under HKEY_CURRENT_USER.
func splitByHive(reg string) (machine string, users map[string]string) {
	const header = "Windows Registry Editor Version 5.00\r\n\r\n"
	users = map[string]string{}
	var m strings.Builder
	m.WriteString(header)
	target := ""
	for _, line := range strings.Split(strings.ReplaceAll(reg, "\r\n", "\n"), "\n") {
		if strings.HasPrefix(line, "[") {
			key := strings.Trim(line, "[]")
			switch {
			case strings.HasPrefix(strings.ToUpper(key), `HKEY_LOCAL_MACHINE\SOFTWARE`):
				target = ""
				m.WriteString("\r\n" + line + "\r\n")
				continue
			case strings.HasPrefix(strings.ToUpper(key), `HKEY_USERS\`):
				rest := key[len(`HKEY_USERS\`):]
				sid, sub, _ := strings.Cut(rest, `\`)
				target = sid
				if users[sid] == "" {
					users[sid] = header
				}
				users[sid] += "\r\n[HKEY_CURRENT_USER\\" + sub + "]\r\n"
				continue
			default:
				target = "-"
				continue
			}
		}
		if strings.HasPrefix(line, "Windows Registry Editor") || strings.TrimSpace(line) == "" {
			continue
		}
		switch target {
		case "":
			m.WriteString(line + "\r\n")
		case "-":
		default:
			users[target] += line + "\r\n"
		}
	}
	return m.String(), users
}

// TestCorpusStreamedMatchesWhole: the streamed .reg reader, which keeps
// only the autorun locations and fetches referenced keys when asked, gives
// exactly the rows of the whole export held in memory.
func TestCorpusStreamedMatchesWhole(t *testing.T) {
	for _, name := range []string{"corpus.reg", "winlogon_default.reg", "asep_system.reg"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(corpusDir, name)
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			mems, warnings, err := regfile.Parse(f, path)
			if err != nil || len(warnings) > 0 {
				t.Fatal(err, warnings)
			}
			names := map[string]string{"S-1-5-21-1111111111-2222222222-3333333333-1001": "alice", "S-1-5-21-1111111111-2222222222-3333333333-1002": "bob"}
			var view registry.StaticView
			for _, m := range mems {
				info := m.Info()
				info.Username = names[info.SID]
				m.SetInfo(info)
				view = append(view, m)
			}
			whole, err := (&autoruns.Scanner{View: view}).Scan(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			streamed := scanReg(t, name)
			registryPayloads := 0
			for _, r := range whole {
				if r.PayloadKind == "registry" && r.PayloadExists == 1 {
					registryPayloads++
				}
			}
			if name == "corpus.reg" && registryPayloads < 5 {
				t.Errorf("only %d registry payloads found: the comparison proves little", registryPayloads)
			}
			if !reflect.DeepEqual(whole, streamed) {
				t.Errorf("streamed rows differ from whole-file rows:\n%s", diff(keys(whole), keys(streamed)))
			}
		})
	}
}

// TestSystemCorpusHiveMatchesReg builds asep_system.reg into a SYSTEM hive
// file, where the control set is ControlSet001 as on disk, and checks it
// gives the rows of the .reg export (which names CurrentControlSet).
func TestSystemCorpusHiveMatchesReg(t *testing.T) {
	hivetest.RequireTools(t)
	raw, err := os.ReadFile(filepath.Join(corpusDir, "asep_system.reg"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(raw), `HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet`, `HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001`)
	root := t.TempDir()
	hivetest.BuildSystemHiveAt(t, filepath.Join(root, "C", "Windows", "System32", "config"), text)
	fromHive, err := scanTree(t, root, t.Errorf)
	if err != nil {
		t.Fatal(err)
	}
	for i := range fromHive {
		fromHive[i].Path = strings.Replace(fromHive[i].Path, `\ControlSet001\`, `\CurrentControlSet\`, 1)
	}
	a, b := keys(scanReg(t, "asep_system.reg")), keys(fromHive)
	if strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Errorf("hive rows differ from .reg rows:\n%s", diff(a, b))
	}
	if len(a) < 12 {
		t.Errorf("only %d rows compared", len(a))
	}
}

// scanTree scans the registry of the triage tree at root, saying each load
// warning through warned (a log line, or a failure where none is allowed).
func scanTree(t *testing.T, root string, warned func(format string, args ...any)) ([]autoruns.Row, error) {
	t.Helper()
	files, err := input.Expand(root)
	if err != nil {
		t.Fatal(err)
	}
	view, warnings, err := offline.Load(context.Background(), files)
	if err != nil {
		t.Fatal(err)
	}
	defer view.(interface{ Close() error }).Close()
	for _, w := range warnings {
		warned("warning: %v", w)
	}
	return (&autoruns.Scanner{View: view}).Scan(context.Background())
}
