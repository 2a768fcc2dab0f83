package report

import (
	"sort"
	"strings"
	"time"
)

// Summary is the fleet overview.
type Summary struct {
	HostsReporting      int   `json:"hosts_reporting"`
	HostsWithAutoruns   int   `json:"hosts_with_autorun_results"`
	HostsMalicious      int   `json:"hosts_malicious"`
	HostsSuspicious     int   `json:"hosts_suspicious"`
	HostsClean          int   `json:"hosts_without_findings"`
	Incidents           int   `json:"incidents"`
	IncidentsOpen       int   `json:"incidents_open"`
	IncidentsMalicious  int   `json:"incidents_open_malicious"`
	IncidentsSuspicious int   `json:"incidents_open_suspicious"`
	IncidentsRemoved    int   `json:"incidents_removed"`
	IncidentsEventOnly  int   `json:"incidents_sysmon_only"`
	IncidentsRare       int   `json:"incidents_rare_in_fleet"`
	IncidentsNew        int   `json:"incidents_new_since_last_run,omitempty"`
	HostsAffected       int   `json:"hosts_with_open_incidents"`
	AutorunWrites       int   `json:"sysmon_autorun_writes"`
	WritesWithNetwork   int   `json:"sysmon_autorun_writes_with_network"`
	DistinctPatterns    int   `json:"distinct_autorun_patterns"`
	Lines               int64 `json:"lines"`
	Records             int64 `json:"records"`
	Rows                int64 `json:"rows"`
	OtherRows           int64 `json:"rows_of_other_queries"`
	SkippedLines        int64 `json:"non_result_lines"`
	BadLines            int64 `json:"bad_lines"`
	From                int64 `json:"from"`
	To                  int64 `json:"to"`
}

// Stack is one normalised autorun command across the fleet.
type Stack struct {
	Pattern    string  `json:"pattern"`
	Name       string  `json:"example_name"`
	Locations  string  `json:"locations"`
	Hosts      int     `json:"hosts"`
	Prevalence float64 `json:"prevalence"`
	Verdict    string  `json:"worst_verdict"`
	MaxScore   int     `json:"max_score"`
}

// HashStack is one image hash across the fleet: the same file under
// different names or commands on different hosts.
type HashStack struct {
	SHA256     string  `json:"image_sha256"`
	Signer     string  `json:"image_signer"`
	Names      string  `json:"names"` // distinct value names, sorted, at most maxHashNames
	NameCount  int     `json:"name_count"`
	Patterns   int     `json:"patterns"` // distinct normalised commands
	Hosts      int     `json:"hosts"`
	Prevalence float64 `json:"prevalence"`
	Verdict    string  `json:"worst_verdict"`
	MaxScore   int     `json:"max_score"`
}

// maxHashNames bounds the names listed per hash.
const maxHashNames = 5

// DayCount is incidents first seen on one UTC day.
type DayCount struct {
	Day        string `json:"day"`
	Suspicious int    `json:"suspicious"`
	Malicious  int    `json:"malicious"`
}

// Report is everything the outputs render.
type Report struct {
	Summary   Summary    `json:"summary"`
	Incidents []Incident `json:"incidents"`
	// Findings are the rows the incidents fold (one per table and key).
	Findings    []Finding `json:"-"`
	Stacks      []Stack   `json:"stacking"`
	StacksTotal int       `json:"stacking_total"`
	// HasState: built with --state, so "new since last run" means something.
	HasState bool `json:"-"`
	// InventoryHosts is the prevalence denominator: hosts with autorun rows.
	InventoryHosts int          `json:"hosts_with_inventory"`
	HashStacks     []HashStack  `json:"stacking_by_image_hash"`
	HashTotal      int          `json:"stacking_by_image_hash_total"`
	ChainImages    []ChainImage `json:"chain_by_image"`
	Endpoints      []Endpoint   `json:"top_remote_endpoints"`
	Timeline       []DayCount   `json:"incidents_by_first_seen_day"`
	BadLines       []BadLine    `json:"bad_lines"`
	BadFiles       []BadFile    `json:"bad_files,omitempty"`
}

// Limits of the rendered tables.
const (
	MaxStacks    = 200
	MaxEndpoints = 20
)

// Report builds the report from the state so far.
func (e *Engine) Report() *Report {
	r := &Report{BadLines: e.badLines, BadFiles: e.badFiles}
	s := &r.Summary
	s.Lines, s.Records, s.Rows, s.OtherRows = e.lines, e.records, e.rows, e.otherRows
	s.SkippedLines, s.BadLines, s.From, s.To = e.skipped, e.badCount, e.minTime, e.maxTime
	s.HostsReporting = len(e.hosts)

	for _, f := range e.findings {
		r.Findings = append(r.Findings, *f)
	}
	sort.Slice(r.Findings, func(i, j int) bool {
		a, b := r.Findings[i], r.Findings[j]
		if a.Active != b.Active {
			return a.Active
		}
		if Severity(a.Verdict) != Severity(b.Verdict) {
			return Severity(a.Verdict) > Severity(b.Verdict)
		}
		if a.Score != b.Score {
			return a.Score > b.Score
		}
		if a.Host != b.Host {
			return a.Host < b.Host
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.Path < b.Path
	})

	var patternHosts map[string]int
	var holder map[string]*hostState
	var inventoryHosts int
	r.Stacks, r.StacksTotal, patternHosts, holder, inventoryHosts = e.stacks()
	r.HashStacks, r.HashTotal = e.hashStacks()
	s.DistinctPatterns = r.StacksTotal
	r.InventoryHosts = inventoryHosts
	r.Incidents = e.incidents(patternHosts, holder, inventoryHosts)
	worst := map[string]int{}
	days := map[string]*DayCount{}
	for _, in := range r.Incidents {
		s.Incidents++
		for _, ind := range in.Indicators {
			if ind.ID == RareInFleet {
				s.IncidentsRare++
			}
		}
		day := time.Unix(in.FirstSeen, 0).UTC().Format("2006-01-02")
		d := days[day]
		if d == nil {
			d = &DayCount{Day: day}
			days[day] = d
		}
		if Severity(in.Verdict) == 2 {
			d.Malicious++
		} else {
			d.Suspicious++
		}
		if !in.Open() {
			s.IncidentsRemoved++
			continue
		}
		s.IncidentsOpen++
		if in.Status == StatusEventOnly {
			s.IncidentsEventOnly++
		}
		sev := Severity(in.Verdict)
		if sev == 2 {
			s.IncidentsMalicious++
		} else {
			s.IncidentsSuspicious++
		}
		worst[in.Host] = max(worst[in.Host], sev)
	}
	for _, d := range days {
		r.Timeline = append(r.Timeline, *d)
	}
	sort.Slice(r.Timeline, func(i, j int) bool { return r.Timeline[i].Day < r.Timeline[j].Day })
	for _, sev := range worst {
		if sev == 2 {
			s.HostsMalicious++
		} else if sev == 1 {
			s.HostsSuspicious++
		}
	}
	s.HostsAffected = s.HostsMalicious + s.HostsSuspicious
	s.HostsClean = s.HostsReporting - s.HostsAffected
	for _, h := range e.hosts {
		if h.hasInventory {
			s.HostsWithAutoruns++
		}
	}
	for _, img := range e.images {
		c := *img
		c.Hosts = len(img.hosts)
		r.ChainImages = append(r.ChainImages, c)
		s.AutorunWrites += c.Writes
		s.WritesWithNetwork += c.Writes - c.Neither
	}
	sort.Slice(r.ChainImages, func(i, j int) bool {
		a, b := r.ChainImages[i], r.ChainImages[j]
		if a.Writes != b.Writes {
			return a.Writes > b.Writes
		}
		return a.Image < b.Image
	})
	for _, ep := range e.endpoints {
		c := *ep
		c.Hosts = len(ep.hosts)
		c.Hostnames = strings.Join(sortedKeys(ep.hostnames), ",")
		r.Endpoints = append(r.Endpoints, c)
	}
	sort.Slice(r.Endpoints, func(i, j int) bool {
		a, b := r.Endpoints[i], r.Endpoints[j]
		if a.Hosts != b.Hosts {
			return a.Hosts > b.Hosts
		}
		if a.Writes != b.Writes {
			return a.Writes > b.Writes
		}
		return a.Address < b.Address
	})
	if len(r.Endpoints) > MaxEndpoints {
		r.Endpoints = r.Endpoints[:MaxEndpoints]
	}
	return r
}

type stackAcc struct {
	Stack
	locs map[string]struct{}
}

// stacks counts, per normalised command, the hosts whose current state
// holds it; rarest first, because the rare autorun is the odd one out.
// It also returns every pattern's host count, the host of each pattern held
// by one host only, and the number of hosts with inventory rows.
func (e *Engine) stacks() ([]Stack, int, map[string]int, map[string]*hostState, int) {
	acc := map[string]*stackAcc{}
	holder := map[string]*hostState{}
	inventoryHosts := 0
	for _, h := range e.hosts {
		seen := map[string]struct{}{}
		for _, qs := range h.queries {
			for _, row := range qs.rows {
				a := acc[row.pattern]
				if a == nil {
					a = &stackAcc{Stack: Stack{Pattern: row.pattern, Name: row.name}, locs: map[string]struct{}{}}
					acc[row.pattern] = a
				}
				if row.loc != "" {
					a.locs[row.loc] = struct{}{}
				}
				if row.name < a.Name { // the same example on every run, whatever the map order
					a.Name = row.name
				}
				raiseWorst(&a.Verdict, &a.MaxScore, row.verdict, row.score)
				if _, ok := seen[row.pattern]; !ok {
					seen[row.pattern] = struct{}{}
					a.Hosts++
					if a.Hosts == 1 {
						holder[row.pattern] = h
					}
				}
			}
		}
		if len(seen) > 0 {
			inventoryHosts++
		}
	}
	out := make([]Stack, 0, len(acc))
	counts := make(map[string]int, len(acc))
	for _, a := range acc {
		counts[a.Pattern] = a.Hosts
		a.Locations = strings.Join(sortedKeys(a.locs), ",")
		if inventoryHosts > 0 {
			a.Prevalence = float64(a.Hosts) / float64(inventoryHosts)
		}
		out = append(out, a.Stack)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Hosts != b.Hosts {
			return a.Hosts < b.Hosts
		}
		if a.MaxScore != b.MaxScore {
			return a.MaxScore > b.MaxScore
		}
		return a.Pattern < b.Pattern
	})
	total := len(out)
	if len(out) > MaxStacks {
		out = out[:MaxStacks]
	}
	return out, total, counts, holder, inventoryHosts
}

// raiseWorst keeps the worst verdict and the highest score a stack has seen.
func raiseWorst(verdict *string, maxScore *int, v string, score int) {
	if Severity(v) > Severity(*verdict) || *verdict == "" {
		*verdict = v
	}
	*maxScore = max(*maxScore, score)
}

// hashStacks counts, per image hash, the hosts, names and commands that
// run it: most names first (one dropper renamed per host), then rarest.
func (e *Engine) hashStacks() ([]HashStack, int) {
	type acc struct {
		HashStack
		names, patterns map[string]struct{}
	}
	byHash := map[string]*acc{}
	inventoryHosts := 0
	for _, h := range e.hosts {
		seen := map[string]struct{}{}
		any := false
		for _, qs := range h.queries {
			for _, row := range qs.rows {
				any = true
				if row.sha == "" {
					continue
				}
				a := byHash[row.sha]
				if a == nil {
					a = &acc{HashStack: HashStack{SHA256: row.sha, Signer: row.signer}, names: map[string]struct{}{}, patterns: map[string]struct{}{}}
					byHash[row.sha] = a
				}
				a.names[row.name] = struct{}{}
				a.patterns[row.pattern] = struct{}{}
				raiseWorst(&a.Verdict, &a.MaxScore, row.verdict, row.score)
				if _, ok := seen[row.sha]; !ok {
					seen[row.sha] = struct{}{}
					a.Hosts++
				}
			}
		}
		if any {
			inventoryHosts++
		}
	}
	out := make([]HashStack, 0, len(byHash))
	for _, a := range byHash {
		names := sortedKeys(a.names)
		a.NameCount = len(names)
		if len(names) > maxHashNames {
			names = names[:maxHashNames]
		}
		a.Names = strings.Join(names, ",")
		a.Patterns = len(a.patterns)
		if inventoryHosts > 0 {
			a.Prevalence = float64(a.Hosts) / float64(inventoryHosts)
		}
		out = append(out, a.HashStack)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.NameCount != b.NameCount {
			return a.NameCount > b.NameCount
		}
		if a.Hosts != b.Hosts {
			return a.Hosts < b.Hosts
		}
		return a.SHA256 < b.SHA256
	})
	total := len(out)
	if len(out) > MaxStacks {
		out = out[:MaxStacks]
	}
	return out, total
}

// Worst returns the highest severity among open incidents (0 when none).
func (r *Report) Worst() int {
	w := 0
	for _, in := range r.Incidents {
		if in.Open() && Severity(in.Verdict) > w {
			w = Severity(in.Verdict)
		}
	}
	return w
}
