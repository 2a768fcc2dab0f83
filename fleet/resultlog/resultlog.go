// Package resultlog streams osquery result logs as the filesystem logger
// writes them (and as Fleet forwards them to its filesystem, Firehose,
// Kinesis and Kafka destinations): event format (one row per line with
// "action" added/removed), batch format ("diffResults") and snapshot format
// ("snapshot"). Plain or gzip files, rotated sets, directories and stdin.
// A bad line is reported with its file and line and reading goes on.
package resultlog

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Kind is what a record does to the host's state for its query.
type Kind int

const (
	Added    Kind = iota // rows appeared (differential)
	Removed              // rows went away (differential)
	Snapshot             // rows are the query's whole current result
)

func (k Kind) String() string {
	switch k {
	case Added:
		return "added"
	case Removed:
		return "removed"
	}
	return "snapshot"
}

// Field is one column of a row. The value is kept as logged and decoded
// on demand: most columns are only hashed, never read.
type Field struct {
	Key     string
	raw     string
	escaped bool // raw holds JSON escapes
}

// NewField makes a field from a decoded value.
func NewField(key, value string) Field { return Field{Key: key, raw: value} }

// Value is the decoded value.
func (f Field) Value() string {
	if f.escaped {
		return unescape(f.raw)
	}
	return f.raw
}

// Raw is the value as it appears in the JSON line (escapes kept): equal
// values give equal Raw text within one log, which is enough for identity.
func (f Field) Raw() string { return f.raw }

// Row is one result row, columns in logged order; values as text, as
// osquery logs them unless "numerics" is on (numbers keep their JSON text).
type Row []Field

// Get returns a column's value ("" when absent).
func (r Row) Get(key string) string {
	for i := range r {
		if r[i].Key == key {
			return r[i].Value()
		}
	}
	return ""
}

// GetRaw returns a column's value as logged, escapes kept: cheaper than
// Get, and as good for hashing and comparing within one log.
func (r Row) GetRaw(key string) string {
	for i := range r {
		if r[i].Key == key {
			return r[i].raw
		}
	}
	return ""
}

// Has reports whether the row has the column.
func (r Row) Has(key string) bool {
	for i := range r {
		if r[i].Key == key {
			return true
		}
	}
	return false
}

// UnmarshalJSON reads a row object, keeping every value as text (Fleet's
// query report "columns").
func (r *Row) UnmarshalJSON(b []byte) error {
	p := scanner{s: string(b)}
	row, err := p.row()
	if err != nil {
		return err
	}
	*r = row
	return nil
}

// Record is one state change read from a line.
type Record struct {
	File     string
	Line     int
	Name     string // query name as logged: pack/<pack>/<query>, pack/Global/<query>, ...
	Host     string // hostIdentifier (or a decoration when it is empty)
	HostName string // decorations.hostname when present
	Time     int64  // unixTime
	Epoch    int64  // schedule epoch (0 when absent)
	Counter  int64  // -1 when the line has none; 0 marks a differential query's first run
	Kind     Kind
	Rows     []Row
	// PartOfRun: the record holds one row of a run that osquery logged as
	// one line per row (a counter-0 run in event format, or a snapshot with
	// --logger_snapshot_event_type): the lines of that run, sharing
	// Epoch, Counter and Time, together make the complete result.
	PartOfRun bool
}

// ErrNotResult marks a JSON line that is no osquery result (a status log,
// a Fleet audit record): skipped and counted, not an error.
var ErrNotResult = errors.New("not an osquery result line")

// ParseLine decodes one line into records (a batch line yields a removed
// and an added record). file and lineNo only label the records.
func ParseLine(b []byte, file string, lineNo int) ([]Record, error) {
	return parseLine(string(b), file, lineNo, nil)
}

func parseLine(line, file string, lineNo int, arena *[]Field) ([]Record, error) {
	line = strings.TrimSpace(line)
	if len(line) == 0 {
		return nil, nil
	}
	if line[0] != '{' {
		return nil, errors.New("not a JSON object")
	}
	p := scanner{s: line, arena: arena}
	var (
		name, host, unix, calendar, action, counter, epoch, hostName, hostUUID string
		hasCounter, hasColumns, hasDiff, hasSnapshot                           bool
		columns                                                                Row
		added, removed, snapshot                                               []Row
	)
	err := p.object(func(key string) error {
		var err error
		switch key {
		case "name":
			name, err = p.scalar()
		case "hostIdentifier":
			host, err = p.scalar()
		case "unixTime":
			unix, err = p.scalar()
		case "calendarTime":
			calendar, err = p.scalar()
		case "action":
			action, err = p.scalar()
		case "counter":
			hasCounter = true
			counter, err = p.scalar()
		case "epoch":
			epoch, err = p.scalar()
		case "decorations":
			if p.peek() != '{' {
				return p.skip(0)
			}
			err = p.object(func(k string) error {
				v, err := p.scalar()
				switch k {
				case "hostname":
					hostName = v
				case "host_uuid":
					hostUUID = v
				}
				return err
			})
		case "columns":
			hasColumns = true
			columns, err = p.row()
		case "diffResults":
			hasDiff = true
			if p.peek() != '{' {
				return p.skip(0)
			}
			err = p.object(func(k string) error {
				switch k {
				case "added":
					rows, err := p.rows()
					added = append(added, rows...)
					return err
				case "removed":
					rows, err := p.rows()
					removed = append(removed, rows...)
					return err
				}
				return p.skip(0)
			})
		case "snapshot":
			hasSnapshot = true
			snapshot, err = p.rows()
		default:
			err = p.skip(0)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if p.peek() != 0 {
		return nil, p.fail("text after the JSON object")
	}
	if host == "" {
		host = firstNonEmpty(hostUUID, hostName)
	}
	if name == "" || host == "" {
		return nil, ErrNotResult
	}
	t, err := unixTime(unix, calendar)
	if err != nil {
		return nil, err
	}
	base := Record{File: file, Line: lineNo, Name: name, Host: host, HostName: hostName, Time: t, Counter: -1}
	if hasCounter {
		if c, err := strconv.ParseInt(counter, 10, 64); err == nil {
			base.Counter = c
		}
	}
	if n, err := strconv.ParseInt(epoch, 10, 64); err == nil {
		base.Epoch = n
	}
	switch {
	case hasDiff:
		var out []Record
		if len(removed) > 0 {
			r := base
			r.Kind, r.Rows = Removed, removed
			out = append(out, r)
		}
		if len(added) > 0 || len(out) == 0 {
			r := base
			r.Kind, r.Rows = Added, added
			out = append(out, r)
		}
		return out, nil
	case hasSnapshot:
		base.Kind, base.Rows = Snapshot, snapshot
		return []Record{base}, nil
	case action == "snapshot" || action == "added" || action == "removed":
		if !hasColumns || columns == nil {
			return nil, fmt.Errorf("action %q without columns or snapshot", action)
		}
		switch action {
		case "snapshot": // --logger_snapshot_event_type: one line per row
			base.Kind, base.PartOfRun = Snapshot, true
		case "added":
			base.Kind, base.PartOfRun = Added, base.Counter == 0
		default:
			base.Kind = Removed
		}
		base.Rows = []Row{columns}
		return []Record{base}, nil
	}
	return nil, fmt.Errorf("no columns, diffResults or snapshot (action %q)", truncate(action, 40))
}

func unixTime(unix, calendar string) (int64, error) {
	if unix != "" {
		if f, err := strconv.ParseFloat(unix, 64); err == nil {
			return int64(f), nil
		}
		return 0, fmt.Errorf("unixTime %q is not a number", truncate(unix, 40))
	}
	if calendar != "" {
		// osquery's calendarTime: "Mon Jan  1 00:00:00 2024 UTC".
		if t, err := time.Parse("Mon Jan _2 15:04:05 2006 MST", calendar); err == nil {
			return t.Unix(), nil
		}
		return 0, fmt.Errorf("calendarTime %q is not osquery's format", truncate(calendar, 40))
	}
	return 0, nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
