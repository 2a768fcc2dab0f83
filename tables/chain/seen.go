package chain

import (
	"slices"
	"sort"
)

// recordSet remembers which record ids of one computer's log were already
// read, as sorted closed intervals: ids are dense and sequential, so a whole
// log is a handful of intervals. It drops the duplicates that overlapping
// exports (or the same chunk twice) would otherwise count twice.
//
// Inserting into the middle of a sorted slice costs its length, so ids that
// do not extend the newest interval wait in a small unsorted batch that is
// merged into the intervals once it is as long as they are: any order of
// ids (newest-first exports give descending ones, with gaps where the pass
// filtered events out) costs O(log n) per id, amortised.
type recordSet struct {
	spans   []span
	pending map[int64]struct{} // ids not yet merged into spans
	work    int                // spans and ids moved, for tests of the cost
}

type span struct{ lo, hi int64 }

// minBatch is the smallest batch worth a merge.
const minBatch = 1024

// add records id and reports whether it was new.
func (s *recordSet) add(id int64) bool {
	n := len(s.spans)
	if len(s.pending) > 0 {
		if _, dup := s.pending[id]; dup {
			return false
		}
	}
	// Fast path: the next id of the newest span.
	if n > 0 && s.spans[n-1].hi+1 == id {
		s.spans[n-1].hi = id
		return true
	}
	i := sort.Search(n, func(i int) bool { return s.spans[i].hi >= id })
	if i < n && s.spans[i].lo <= id {
		return false
	}
	switch {
	case i == n && (n == 0 || s.spans[n-1].hi+1 < id):
		s.spans = append(s.spans, span{id, id}) // past every span: no move
		return true
	case i < n && s.spans[i].lo-1 == id && (i == 0 || s.spans[i-1].hi+1 < id):
		s.spans[i].lo = id // extends one span downwards, joins no other
		return true
	case i > 0 && s.spans[i-1].hi+1 == id && (i == n || s.spans[i].lo-1 > id):
		s.spans[i-1].hi = id // extends one span upwards, joins no other
		return true
	}
	if s.pending == nil {
		s.pending = map[int64]struct{}{}
	}
	s.pending[id] = struct{}{}
	if len(s.pending) >= max(minBatch, n) {
		s.merge()
	}
	return true
}

// merge moves the pending ids into spans.
func (s *recordSet) merge() {
	if len(s.pending) == 0 {
		return
	}
	ids := make([]int64, 0, len(s.pending))
	for id := range s.pending {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	clear(s.pending)
	out := make([]span, 0, len(s.spans)+len(ids))
	push := func(sp span) {
		if k := len(out); k > 0 && out[k-1].hi+1 >= sp.lo {
			out[k-1].hi = max(out[k-1].hi, sp.hi)
			return
		}
		out = append(out, sp)
	}
	i, j := 0, 0
	for i < len(s.spans) || j < len(ids) {
		if j == len(ids) || (i < len(s.spans) && s.spans[i].lo < ids[j]) {
			push(s.spans[i])
			i++
		} else {
			push(span{ids[j], ids[j]})
			j++
		}
	}
	s.work += len(s.spans) + len(ids)
	s.spans = out
}

// intervals returns the ids recorded, merged into sorted intervals.
func (s *recordSet) intervals() []span {
	s.merge()
	return s.spans
}
