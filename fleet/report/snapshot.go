package report

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"sort"
)

// The engine's state as plain data, for --state: what a later run needs to
// go on exactly where this one stopped (every host's current rows, the
// findings with their history, chain statistics, counters).
type engineSnapshot struct {
	Hosts     []hostSnap
	Findings  []findingSnap
	ChainSeen []uint64
	Images    []imageSnap
	Endpoints []endpointSnap
	Rare      []rareSnap
	Counters  [10]int64 // lines, records, rows, otherRows, skipped, badCount, minTime, maxTime, chainRows, removedRow
	BadLines  []BadLine
	BadFiles  []BadFile
}

type hostSnap struct {
	ID, Name        string
	FirstSeen, Last int64
	HasInventory    bool
	Queries         []querySnap
}

type querySnap struct {
	Name                 string
	Snapshot, HasRun     bool
	Epoch, Counter, Time int64
	Rows                 []rowSnap
}

type rowSnap struct {
	FP                          uint64
	Finding                     int // index into Findings, -1 for a benign row
	Pattern, Name, Loc, Verdict string
	Score                       int
}

type findingSnap struct {
	F                                   Finding
	Refs                                int
	KHost, KKind, KPath, KPayload, KCmd string
}

type imageSnap struct {
	C     ChainImage
	Hosts []string
}

type endpointSnap struct {
	E            Endpoint
	Hosts, Names []string
}

type rareSnap struct {
	Pattern, Host, Path, Name, Loc, Command, User, Verdict string
	Score                                                  int
}

// MarshalState encodes the engine's state.
func (e *Engine) MarshalState() ([]byte, error) {
	var s engineSnapshot
	index := map[*Finding]int{}
	keys := make([]findingKey, 0, len(e.findings))
	for k := range e.findings {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
	for _, k := range keys {
		f := e.findings[k]
		index[f] = len(s.Findings)
		s.Findings = append(s.Findings, findingSnap{F: *f, Refs: f.refs, KHost: k.host, KKind: k.kind, KPath: k.path, KPayload: k.payloadPath, KCmd: k.command})
	}
	for _, h := range e.hosts {
		hs := hostSnap{ID: h.id, Name: h.name, FirstSeen: h.firstSeen, Last: h.last, HasInventory: h.hasInventory}
		for name, q := range h.queries {
			qs := querySnap{Name: name, Snapshot: q.run.snapshot, HasRun: q.hasRun, Epoch: q.run.epoch, Counter: q.run.counter, Time: q.run.time}
			for _, r := range q.rows {
				fi := -1
				if r.finding != nil {
					fi = index[r.finding]
				}
				qs.Rows = append(qs.Rows, rowSnap{FP: r.fp, Finding: fi, Pattern: r.pattern, Name: r.name, Loc: r.loc, Verdict: r.verdict, Score: r.score})
			}
			hs.Queries = append(hs.Queries, qs)
		}
		s.Hosts = append(s.Hosts, hs)
	}
	for k := range e.chainSeen {
		s.ChainSeen = append(s.ChainSeen, k)
	}
	for _, img := range e.images {
		s.Images = append(s.Images, imageSnap{C: *img, Hosts: sortedKeys(img.hosts)})
	}
	for _, ep := range e.endpoints {
		s.Endpoints = append(s.Endpoints, endpointSnap{E: *ep, Hosts: sortedKeys(ep.hosts), Names: sortedKeys(ep.hostnames)})
	}
	for p, c := range e.rareRep {
		s.Rare = append(s.Rare, rareSnap{Pattern: p, Host: c.host.id, Path: c.path, Name: c.name, Loc: c.loc, Command: c.command, User: c.user, Verdict: c.verdict, Score: c.score})
	}
	s.Counters = [10]int64{e.lines, e.records, e.rows, e.otherRows, e.skipped, e.badCount, e.minTime, e.maxTime, e.chainRows, e.removedRow}
	s.BadLines, s.BadFiles = e.badLines, e.badFiles
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&s); err != nil {
		return nil, fmt.Errorf("encode report state: %w", err)
	}
	return buf.Bytes(), nil
}

// UnmarshalState restores an engine saved by MarshalState.
func UnmarshalState(b []byte) (*Engine, error) {
	var s engineSnapshot
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&s); err != nil {
		return nil, fmt.Errorf("decode report state: %w", err)
	}
	e := New()
	findings := make([]*Finding, len(s.Findings))
	for i, fs := range s.Findings {
		f := fs.F
		f.refs = fs.Refs
		f.Host, f.HostName, f.User, f.Path, f.Command = e.str(f.Host), e.str(f.HostName), e.str(f.User), e.str(f.Path), e.str(f.Command)
		findings[i] = &f
		e.findings[findingKey{e.str(fs.KHost), e.str(fs.KKind), e.str(fs.KPath), e.str(fs.KPayload), e.str(fs.KCmd)}] = &f
	}
	for _, hs := range s.Hosts {
		h := &hostState{id: e.str(hs.ID), name: e.str(hs.Name), firstSeen: hs.FirstSeen, last: hs.Last, hasInventory: hs.HasInventory, queries: map[string]*queryState{}}
		for _, qs := range hs.Queries {
			q := &queryState{rows: make(map[uint64]*autorunRow, len(qs.Rows)), hasRun: qs.HasRun, run: runID{qs.Snapshot, qs.Epoch, qs.Counter, qs.Time}}
			for _, r := range qs.Rows {
				row := &autorunRow{fp: r.FP, pattern: e.str(r.Pattern), name: e.str(r.Name), loc: e.str(r.Loc), verdict: e.str(r.Verdict), score: r.Score}
				if r.Finding >= 0 && r.Finding < len(findings) {
					row.finding = findings[r.Finding]
				}
				q.rows[r.FP] = row
			}
			h.queries[e.str(qs.Name)] = q
		}
		e.hosts[h.id] = h
	}
	for _, k := range s.ChainSeen {
		e.chainSeen[k] = struct{}{}
	}
	for _, is := range s.Images {
		c := is.C
		c.hosts = map[string]struct{}{}
		for _, h := range is.Hosts {
			c.hosts[e.str(h)] = struct{}{}
		}
		e.images[c.Image] = &c
	}
	for _, es := range s.Endpoints {
		ep := es.E
		ep.hosts, ep.hostnames = map[string]struct{}{}, map[string]struct{}{}
		for _, h := range es.Hosts {
			ep.hosts[e.str(h)] = struct{}{}
		}
		for _, n := range es.Names {
			ep.hostnames[e.str(n)] = struct{}{}
		}
		e.endpoints[ep.Address] = &ep
	}
	for _, r := range s.Rare {
		h := e.hosts[r.Host]
		if h == nil {
			continue
		}
		e.rareRep[r.Pattern] = &rareCandidate{host: h, path: r.Path, name: r.Name, loc: r.Loc, command: r.Command, user: r.User, verdict: r.Verdict, score: r.Score}
	}
	c := s.Counters
	e.lines, e.records, e.rows, e.otherRows, e.skipped, e.badCount, e.minTime, e.maxTime, e.chainRows, e.removedRow = c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9]
	e.linesBefore = e.lines
	e.badLines, e.badFiles = s.BadLines, s.BadFiles
	return e, nil
}
