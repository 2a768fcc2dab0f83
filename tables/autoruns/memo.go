package autoruns

import (
	"github.com/runkeyhunt/runkeyhunt/tables/catalog"
	"github.com/runkeyhunt/runkeyhunt/tables/cmdline"
	"github.com/runkeyhunt/runkeyhunt/tables/payload"
	"github.com/runkeyhunt/runkeyhunt/tables/registry"
)

// scanMemo remembers what the pure steps of following references
// computed (the references in a text, a payload's decoding), for the
// length of one Scan and no longer. A streamed .reg is scanned again
// after the keys its references named are fetched: the second round meets
// the same commands and payloads again. A payload that many values name
// (or that repeats across users) is decoded once. Every cached result is a
// function of its key alone; text is cached only up to memoMaxText bytes,
// so a huge payload is never held twice. A nil memo computes everything
// afresh (ValueIndicators scores one value).
type scanMemo struct {
	payloads map[string]payload.Result // payload.Decode by the raw bytes
	hives    []*envMemo                // by hive index
	byScope  map[string][]catalog.Location
}

// locations is catalog.ForScope(scope), made once a Scan: each hive of a
// scope walks the same list (the Scan copies each location it changes).
func (m *scanMemo) locations(scope string) []catalog.Location {
	if m == nil {
		return catalog.ForScope(scope)
	}
	locs, ok := m.byScope[scope]
	if !ok {
		if m.byScope == nil {
			m.byScope = map[string][]catalog.Location{}
		}
		locs = catalog.ForScope(scope)
		m.byScope[scope] = locs
	}
	return locs
}

// memoMaxText bounds the texts and payloads the memo keeps.
const memoMaxText = 64 << 10

// newScanMemo makes a Scan's memo. Decodings are kept only when the scan
// goes over the values more than once (rounds): a payload's bytes are the
// key, and a single pass would hold them for nothing.
func newScanMemo(rounds bool) *scanMemo {
	m := &scanMemo{}
	if rounds {
		m.payloads = map[string]payload.Result{}
	}
	return m
}

// envMemo is the part of a scanMemo that depends on one hive's
// environment (references expand %VAR% with it).
type envMemo struct {
	env  map[string]string
	refs map[string][]cmdline.Ref
}

// forHive returns hive i's part, its environment made once by env.
func (m *scanMemo) forHive(i int, env func() map[string]string) *envMemo {
	if m == nil {
		return &envMemo{env: env()}
	}
	for len(m.hives) <= i {
		m.hives = append(m.hives, nil)
	}
	if m.hives[i] == nil {
		m.hives[i] = &envMemo{env: env(), refs: map[string][]cmdline.Ref{}}
	}
	return m.hives[i]
}

// extractRefsLowered is cmdline.ExtractRefsLowered(text, norm, env)
// (norm is cmdline.NormalizeLowered(text)); env must be m's own.
func (m *envMemo) extractRefsLowered(text, norm cmdline.Lowered, env map[string]string) []cmdline.Ref {
	if m == nil || m.refs == nil || len(text.Text) > memoMaxText {
		return cmdline.ExtractRefsLowered(text, norm, env)
	}
	refs, ok := m.refs[text.Text]
	if !ok {
		refs = cmdline.ExtractRefsLowered(text, norm, env)
		m.refs[text.Text] = refs
	}
	return refs
}

// decode is payload.Decode(raw).
func (m *scanMemo) decode(raw []byte) payload.Result {
	keep := m != nil && m.payloads != nil && len(raw) <= memoMaxText
	if keep {
		if res, ok := m.payloads[string(raw)]; ok {
			return res
		}
	}
	res := payload.Decode(raw)
	if keep {
		m.payloads[string(raw)] = res
	}
	return res
}

// probeValue follows a value's references as valueRows would, scoring
// nothing: a probe round asks on-demand hives for the keys they name.
func (s *Scanner) probeValue(hives []registry.Hive, h registry.Hive, env, indirect map[string]string, data string, warn func(error)) {
	line, _ := expandIndirect(data, indirect)
	scored := analyze(line, env)
	s.followCommand(hives, h, env, scored, warn)
	for _, ref := range profileRefs(scored, env) {
		s.resolve(hives, h, ref, warn)
	}
}
