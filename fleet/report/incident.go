package report

import (
	"hash/fnv"
	"sort"
	"strconv"
	"strings"

	"github.com/runkeyhunt/runkeyhunt/fleet/resultlog"
	"github.com/runkeyhunt/runkeyhunt/tables/indicators"
)

// Incident statuses: what the run_key_payloads state says of the value.
const (
	StatusPresent   = "present"    // a current row of the host holds it
	StatusRemoved   = "removed"    // it was reported, then went away
	StatusEventOnly = "event_only" // only Sysmon saw the write; no run_key_payloads finding
)

// Incident sources.
const (
	SourceAutoruns = "run_key_payloads"
	SourceSysmon   = "sysmon_reg_net_chain"
	SourceFleet    = "fleet" // rare_in_fleet only
)

// Incident is one autorun value on one host: the run_key_payloads state
// and the Sysmon story of the same path, merged.
type Incident struct {
	ID           string      `json:"id"`
	Host         string      `json:"host"`
	HostName     string      `json:"host_name"`
	User         string      `json:"user"`
	Path         string      `json:"path"`
	Name         string      `json:"name"`
	Location     string      `json:"location"`
	Status       string      `json:"status"`
	Verdict      string      `json:"verdict"`
	HostVerdict  string      `json:"host_verdict"` // the verdict the host itself reported
	Score        int         `json:"score"`
	Indicators   []Indicator `json:"indicators"`
	Command      string      `json:"command"`
	PayloadKind  string      `json:"payload_kind,omitempty"`
	PayloadPath  string      `json:"payload_path,omitempty"`
	Encoding     string      `json:"payload_encoding,omitempty"`
	Payload      string      `json:"payload,omitempty"`
	FirstSeen    int64       `json:"first_seen"`
	LastSeen     int64       `json:"last_seen"`
	RemovedAt    int64       `json:"removed_at,omitempty"`
	Pattern      string      `json:"pattern"`
	PatternHosts int         `json:"pattern_hosts"`
	Prevalence   float64     `json:"prevalence"`
	Sources      []string    `json:"sources"`
	Write        *WriteEvent `json:"autorun_write,omitempty"`
	PayloadWrite *WriteEvent `json:"payload_write,omitempty"`
	Writes       int         `json:"sysmon_writes"`
	New          bool        `json:"new_since_last_run,omitempty"` // --state: no earlier run reported it
}

// Indicator is one indicator id with its weight (tables/indicators).
type Indicator struct {
	ID     string `json:"id"`
	Weight int    `json:"weight"`
}

// RareInFleet is the fleet-level indicator. Rule: at least RareMinHosts
// hosts report an autorun inventory, the normalised command is present on
// exactly one of them, and the command runs from a user-writable folder.
// It lifts a benign host verdict to suspicious in the report, never lowers
// one.
const (
	RareInFleet       = "rare_in_fleet"
	RareMinHosts      = 20
	RareInFleetWeight = 30 // the suspicious threshold of SPEC §6
)

type rareCandidate struct {
	host                           *hostState
	path, name, loc, command, user string
	verdict                        string
	score                          int
}

// userWritable: the command names something under a folder any user can
// write (the folders of the user_writable_image indicator).
func userWritable(command string) bool {
	l := strings.ToLower(command)
	for _, d := range []string{`\users\`, `\appdata\`, `\temp\`, `\programdata\`, `\documents and settings\`, `%appdata%`, `%temp%`, `%localappdata%`, `%public%`, `%programdata%`} {
		if strings.Contains(l, d) {
			return true
		}
	}
	return false
}

func (e *Engine) noteRare(h *hostState, row *autorunRow, r resultlog.Row) {
	if Severity(row.verdict) > 0 || !userWritable(r.Get("data")) {
		return
	}
	c := e.rareRep[row.pattern]
	if c == nil {
		c = &rareCandidate{}
		e.rareRep[row.pattern] = c
	}
	*c = rareCandidate{host: h, path: e.str(r.Get("path")), name: row.name, loc: row.loc, command: e.str(r.Get("data")),
		user: e.str(firstOf(r.Get("username"), r.Get("sid"))), verdict: row.verdict, score: row.score}
}

// NormalizeUser drops a DOMAIN\ or COMPUTER\ prefix, so `WS01\alice` and
// `alice` are one user.
func NormalizeUser(u string) string {
	if i := strings.LastIndexByte(u, '\\'); i >= 0 {
		u = u[i+1:]
	}
	return u
}

func incidentID(host, path string) string {
	h := fnv.New64a()
	h.Write([]byte(host))
	h.Write([]byte{0})
	h.Write([]byte(strings.ToLower(path)))
	return "i" + strconv.FormatUint(h.Sum64(), 36)
}

// HostAnchor is the page anchor of a host.
func HostAnchor(host string) string {
	h := fnv.New64a()
	h.Write([]byte(host))
	return "host-" + strconv.FormatUint(h.Sum64(), 36)
}

func parseIndicators(list string, into map[string]bool) {
	for _, id := range splitList(list) {
		into[id] = true
	}
}

// incidents folds the findings into incidents: one per host and autorun
// value. The run_key_payloads finding gives the state and status; Sysmon
// writes of the same path (role autorun), or of the payload it reads (role
// payload, by path or by the linked record), add the story.
func (e *Engine) incidents(patternHosts map[string]int, holder map[string]*hostState, inventoryHosts int) []Incident {
	type acc struct {
		inc        *Incident
		primary    *Finding
		indicators map[string]bool
		active     bool
	}
	byKey := map[string]*acc{}
	byPayload := map[string]*acc{} // host + lower(payload path)
	var order []*acc
	get := func(host, hostName, path string) *acc {
		k := host + "\x00" + strings.ToLower(path)
		a := byKey[k]
		if a == nil {
			a = &acc{inc: &Incident{ID: incidentID(host, path), Host: host, HostName: hostName, Path: path}, indicators: map[string]bool{}}
			byKey[k] = a
			order = append(order, a)
		}
		return a
	}
	var autoruns, writes []*Finding
	for _, f := range e.findings {
		if f.Kind == KindAutorun {
			autoruns = append(autoruns, f)
		} else {
			writes = append(writes, f)
		}
	}
	// Deterministic merge order: the present, worst, latest finding is
	// each incident's primary.
	sort.Slice(autoruns, func(i, j int) bool {
		a, b := autoruns[i], autoruns[j]
		if a.Active != b.Active {
			return a.Active
		}
		if Severity(a.Verdict) != Severity(b.Verdict) {
			return Severity(a.Verdict) > Severity(b.Verdict)
		}
		if a.LastSeen != b.LastSeen {
			return a.LastSeen > b.LastSeen
		}
		return a.Command+"\x00"+a.PayloadPath < b.Command+"\x00"+b.PayloadPath
	})
	for _, f := range autoruns {
		a := get(f.Host, f.HostName, f.Path)
		in := a.inc
		if a.primary == nil {
			a.primary = f
			in.User, in.Name, in.Location, in.Command = f.User, f.Name, f.Location, f.Command
			in.PayloadKind, in.PayloadPath, in.Encoding, in.Payload = f.PayloadKind, f.PayloadPath, f.Encoding, f.Payload
			in.FirstSeen, in.LastSeen = f.FirstSeen, f.LastSeen
			in.Sources = []string{SourceAutoruns}
		}
		// Present rows give a present incident its verdict; what was
		// removed counts only when nothing is present (actives sort first).
		if f.Active || !a.active {
			mergeVerdict(in, f)
		}
		a.active = a.active || f.Active
		if !f.Active && f.RemovedAt > in.RemovedAt {
			in.RemovedAt = f.RemovedAt
		}
		parseIndicators(f.Indicators, a.indicators)
		in.FirstSeen, in.LastSeen = min(in.FirstSeen, f.FirstSeen), max(in.LastSeen, f.LastSeen)
		if f.PayloadPath != "" {
			byPayload[f.Host+"\x00"+strings.ToLower(f.PayloadPath)] = a
		}
	}
	// Autorun writes first, so payload writes find them by linked record.
	sort.Slice(writes, func(i, j int) bool {
		a, b := writes[i], writes[j]
		if (a.PayloadKind == "autorun") != (b.PayloadKind == "autorun") {
			return a.PayloadKind == "autorun"
		}
		if a.Host != b.Host {
			return a.Host < b.Host
		}
		if a.Write.Time != b.Write.Time {
			return a.Write.Time < b.Write.Time
		}
		return a.Write.RecordID < b.Write.RecordID
	})
	byLinked := map[string]*acc{} // host + record id of a payload write an autorun write links to
	for _, f := range writes {
		w := f.Write
		var a *acc
		if w.Role == "payload" {
			a = byPayload[f.Host+"\x00"+strings.ToLower(f.Path)]
			if a == nil && w.RecordID != 0 {
				a = byLinked[f.Host+"\x00"+strconv.FormatInt(w.RecordID, 10)]
			}
		}
		linkedPayload := a != nil // a payload write told in its autorun's incident
		if a == nil {
			a = get(f.Host, f.HostName, f.Path)
		}
		in := a.inc
		if in.Sources == nil {
			in.Sources = []string{}
			in.Name = f.Path[strings.LastIndexByte(f.Path, '\\')+1:]
			in.Location, in.Command, in.FirstSeen, in.LastSeen = f.Location, f.Command, f.FirstSeen, f.LastSeen
		}
		if len(in.Sources) == 0 || in.Sources[len(in.Sources)-1] != SourceSysmon {
			in.Sources = append(in.Sources, SourceSysmon)
		}
		in.Writes++
		if linkedPayload {
			if in.PayloadWrite == nil || w.Time > in.PayloadWrite.Time {
				in.PayloadWrite = w
			}
		} else if in.Write == nil || w.Time > in.Write.Time {
			in.Write = w
			if w.LinkedRecord != 0 {
				byLinked[f.Host+"\x00"+strconv.FormatInt(w.LinkedRecord, 10)] = a
			}
		}
		if in.User == "" || strings.HasPrefix(in.User, "S-1-") {
			in.User = NormalizeUser(f.User)
		}
		mergeVerdict(in, f)
		parseIndicators(f.Indicators, a.indicators)
		in.FirstSeen, in.LastSeen = min(in.FirstSeen, f.FirstSeen), max(in.LastSeen, f.LastSeen)
	}
	out := make([]Incident, 0, len(order)+1)
	seen := map[string]bool{}
	for _, a := range order {
		in := a.inc
		switch {
		case a.primary == nil:
			in.Status = StatusEventOnly
		case a.active:
			in.Status, in.RemovedAt = StatusPresent, 0
		case in.Write != nil && in.Write.Time > in.RemovedAt:
			// Written again after the inventory saw it go: only Sysmon
			// knows the current value.
			in.Status = StatusEventOnly
		default:
			in.Status = StatusRemoved
		}
		in.User = NormalizeUser(in.User)
		in.Pattern = NormalizeCommand(in.Command)
		in.PatternHosts = patternHosts[in.Pattern]
		if inventoryHosts > 0 {
			in.Prevalence = float64(in.PatternHosts) / float64(inventoryHosts)
		}
		in.HostVerdict = in.Verdict
		if in.PatternHosts == 1 && inventoryHosts >= RareMinHosts && in.Status == StatusPresent && userWritable(in.Command) {
			a.indicators[RareInFleet] = true
		}
		in.Indicators = indicatorList(a.indicators)
		seen[in.Host+"\x00"+in.Pattern] = true
		out = append(out, *in)
	}
	// Benign autoruns that only the fleet finds odd.
	if inventoryHosts >= RareMinHosts {
		for pattern, c := range e.rareRep {
			if patternHosts[pattern] != 1 || holder[pattern] != c.host || seen[c.host.id+"\x00"+pattern] {
				continue
			}
			out = append(out, Incident{
				ID: incidentID(c.host.id, c.path), Host: c.host.id, HostName: c.host.name, User: NormalizeUser(c.user),
				Path: c.path, Name: c.name, Location: c.loc, Status: StatusPresent, Verdict: c.verdict, HostVerdict: c.verdict,
				Score: c.score, Indicators: indicatorList(map[string]bool{RareInFleet: true}), Command: c.command,
				FirstSeen: c.host.firstSeen, LastSeen: c.host.last, Pattern: pattern, PatternHosts: 1,
				Prevalence: 1 / float64(inventoryHosts), Sources: []string{SourceAutoruns, SourceFleet},
			})
		}
	}
	for i := range out {
		in := &out[i]
		for _, ind := range in.Indicators {
			if ind.ID == RareInFleet && Severity(in.Verdict) == 0 {
				in.Verdict, in.Score = Suspicious, max(in.Score, RareInFleetWeight)
			}
		}
	}
	SortIncidents(out)
	return out
}

func mergeVerdict(in *Incident, f *Finding) {
	if Severity(f.Verdict) > Severity(in.Verdict) || in.Verdict == "" || (Severity(f.Verdict) == Severity(in.Verdict) && f.Score > in.Score) {
		in.Verdict, in.Score = f.Verdict, f.Score
	}
}

func indicatorList(set map[string]bool) []Indicator {
	out := make([]Indicator, 0, len(set))
	for id := range set {
		w := indicators.Weight(id)
		if id == RareInFleet {
			w = RareInFleetWeight
		}
		out = append(out, Indicator{ID: id, Weight: w})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Weight != out[j].Weight {
			return out[i].Weight > out[j].Weight
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// SortIncidents orders present before removed, worst verdict, highest
// score, then host and path.
func SortIncidents(list []Incident) {
	rank := func(s string) int {
		switch s {
		case StatusPresent:
			return 0
		case StatusEventOnly:
			return 1
		}
		return 2
	}
	sort.Slice(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if rank(a.Status) != rank(b.Status) {
			return rank(a.Status) < rank(b.Status)
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
		return a.Path < b.Path
	})
}

// Open reports whether an incident still needs work: present, or seen by
// Sysmon only.
func (in Incident) Open() bool { return in.Status != StatusRemoved }
