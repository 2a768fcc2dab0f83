// Package eventlog reads the live Sysmon log through the Windows Event Log
// API for the sysmon_reg_net_chain table. The event-id and time selection
// is pushed into the Event Log service as XPath: first the registry events
// (12, 13, 14) in the time range, then NetworkConnect (3) and ProcessCreate
// (1) only for the processes whose registry writes matter, so a busy host's
// network events are never all read. Every rendered event goes through the
// same XML parser as offline event XML (sysmon.ReadXML).
//
// Time range: the table's `time` column (the registry event's TimeCreated,
// unix seconds) may be constrained with =, >, >=, <, <=; those constraints
// become the range. Without any `time` constraint the range is the last 24
// hours. Network and process events are read from the range widened by the
// correlation window plus Sysmon's clock slack on both sides.
//
// This file is platform-neutral: the XPath builder, the time range and the
// two-step driver, tested on any OS.
package eventlog

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/osquery/osquery-go/plugin/table"
)

// DefaultRange is how far back the live source reads when the query does
// not constrain time.
const DefaultRange = 24 * time.Hour

// clockSlack widens the network query beyond the window: Sysmon logs
// NetworkConnect seconds after the connection, and the engine trusts
// UtcTime up to 10 minutes away from TimeCreated (SPEC §5).
const clockSlack = 10 * time.Minute

// maxExpressions is the most comparisons one plain XPath query may hold:
// the Event Log service requires a structured query above 20 expressions
// and refuses a Select above 32 ("Consuming Events", QueryType schema).
const maxExpressions = 20

// TimeRange selects events by TimeCreated: From inclusive, Until exclusive;
// a zero bound is open. Last, when set, replaces both with "the last Last
// before the query runs", evaluated by the service (timediff).
type TimeRange struct {
	From, Until time.Time
	Last        time.Duration
}

// RangeFromConstraints turns the query's constraints on the time column
// (unix seconds) into a range. No time constraint gives the last 24 hours.
// Constraints of one query are a conjunction: lower bounds take the
// latest, upper bounds the earliest; several `=` (time IN (...)) take the
// span from the first to the last, and osquery drops the rows in between
// that match none of them.
func RangeFromConstraints(qc table.QueryContext) (TimeRange, error) {
	list, ok := qc.Constraints["time"]
	if !ok || len(list.Constraints) == 0 {
		return TimeRange{Last: DefaultRange}, nil
	}
	var r TimeRange
	var eqFrom, eqUntil time.Time
	raise := func(t time.Time) {
		if r.From.IsZero() || t.After(r.From) {
			r.From = t
		}
	}
	lower := func(t time.Time) {
		if r.Until.IsZero() || t.Before(r.Until) {
			r.Until = t
		}
	}
	for _, c := range list.Constraints {
		switch c.Operator {
		case table.OperatorEquals, table.OperatorGreaterThan, table.OperatorGreaterThanOrEquals,
			table.OperatorLessThan, table.OperatorLessThanOrEquals:
		default:
			continue // LIKE, GLOB, ...: osquery filters the rows itself
		}
		secs, err := strconv.ParseInt(strings.TrimSpace(c.Expression), 10, 64)
		if err != nil {
			return TimeRange{}, fmt.Errorf("time constraint %q: want unix seconds", c.Expression)
		}
		t := time.Unix(secs, 0).UTC()
		// time is TimeCreated truncated to seconds: time > t means
		// TimeCreated >= t+1s, time <= t means TimeCreated < t+1s.
		switch c.Operator {
		case table.OperatorEquals:
			if eqFrom.IsZero() || t.Before(eqFrom) {
				eqFrom = t
			}
			if end := t.Add(time.Second); eqUntil.IsZero() || end.After(eqUntil) {
				eqUntil = end
			}
		case table.OperatorGreaterThan:
			raise(t.Add(time.Second))
		case table.OperatorGreaterThanOrEquals:
			raise(t)
		case table.OperatorLessThan:
			lower(t)
		case table.OperatorLessThanOrEquals:
			lower(t.Add(time.Second))
		}
	}
	if !eqFrom.IsZero() {
		raise(eqFrom)
		lower(eqUntil)
	}
	if r.From.IsZero() && r.Until.IsZero() {
		return TimeRange{Last: DefaultRange}, nil
	}
	return r, nil
}

// Widen returns the range grown by d on both sides (Last grows by d; the
// service cannot look into the future, so nothing is added after it).
func (r TimeRange) Widen(d time.Duration) TimeRange {
	if r.Last > 0 {
		return TimeRange{Last: r.Last + d}
	}
	out := r
	if !out.From.IsZero() {
		out.From = out.From.Add(-d)
	}
	if !out.Until.IsZero() {
		out.Until = out.Until.Add(d)
	}
	return out
}

// systemTime is the form TimeCreated/@SystemTime compares against.
func systemTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// timeFilter is the TimeCreated predicate and how many expressions it uses.
func (r TimeRange) timeFilter() (string, int) {
	if r.Last > 0 {
		return fmt.Sprintf("TimeCreated[timediff(@SystemTime) <= %d]", r.Last.Milliseconds()), 1
	}
	var parts []string
	if !r.From.IsZero() {
		parts = append(parts, "@SystemTime>='"+systemTime(r.From)+"'")
	}
	if !r.Until.IsZero() {
		parts = append(parts, "@SystemTime<'"+systemTime(r.Until)+"'")
	}
	if len(parts) == 0 {
		return "", 0
	}
	return "TimeCreated[" + strings.Join(parts, " and ") + "]", len(parts)
}

// systemFilter is `*[System[(EventID=a or ...) and TimeCreated[...]]]`
// without the closing brackets, and its expression count.
func systemFilter(ids []int, r TimeRange) (string, int) {
	var idExpr []string
	for _, id := range ids {
		idExpr = append(idExpr, "EventID="+strconv.Itoa(id))
	}
	s := "*[System[(" + strings.Join(idExpr, " or ") + ")"
	n := len(ids)
	if tf, tn := r.timeFilter(); tf != "" {
		s += " and " + tf
		n += tn
	}
	return s + "]", n
}

// RegistryQuery selects the registry events (12, 13, 14) in the range.
func RegistryQuery(r TimeRange) string {
	s, _ := systemFilter([]int{12, 13, 14}, r)
	return s + "]"
}

// Process identifies one writing process: ProcessGuid, or ProcessId when
// the event has no GUID (old Sysmon schemas).
type Process struct {
	GUID string
	PID  string
}

// ProcessQueries selects the events with the ids in the range that belong
// to the processes, in as many queries as the Event Log service's
// expression limit needs. Processes are deduplicated and sorted, so the
// queries are deterministic.
func ProcessQueries(ids []int, r TimeRange, procs []Process) []string {
	head, used := systemFilter(ids, r)
	perQuery := maxExpressions - used
	if perQuery < 1 {
		perQuery = 1
	}
	seen := map[string]bool{}
	var terms []string
	for _, p := range procs {
		var term string
		switch {
		case p.GUID != "" && xpathSafe(p.GUID):
			term = "Data[@Name='ProcessGuid']='" + p.GUID + "'"
		case p.PID != "" && xpathSafe(p.PID):
			term = "Data[@Name='ProcessId']='" + p.PID + "'"
		default:
			continue
		}
		if !seen[term] {
			seen[term] = true
			terms = append(terms, term)
		}
	}
	sort.Strings(terms)
	var out []string
	for len(terms) > 0 {
		n := min(perQuery, len(terms))
		out = append(out, head+" and *[EventData[("+strings.Join(terms[:n], " or ")+")]]]")
		terms = terms[n:]
	}
	return out
}

// xpathSafe admits the characters GUIDs and process ids are made of, so a
// field value can never close the string literal it is placed in.
func xpathSafe(s string) bool {
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9', r >= 'a' && r <= 'f', r >= 'A' && r <= 'F', r == '-', r == '{', r == '}':
		default:
			return false
		}
	}
	return true
}
