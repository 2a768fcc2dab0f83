package chain

import "sort"

// recordSet remembers which record ids of one computer's log were already
// read, as sorted closed intervals: ids are dense and sequential, so a whole
// log is a handful of intervals. It drops the duplicates that overlapping
// exports (or the same chunk twice) would otherwise count twice.
type recordSet struct {
	spans []span
}

type span struct{ lo, hi int64 }

// add records id and reports whether it was new.
func (s *recordSet) add(id int64) bool {
	n := len(s.spans)
	// Fast path: the next id of the newest span.
	if n > 0 && s.spans[n-1].hi+1 == id {
		s.spans[n-1].hi = id
		return true
	}
	i := sort.Search(n, func(i int) bool { return s.spans[i].hi >= id })
	if i < n && s.spans[i].lo <= id {
		return false
	}
	joinLeft := i > 0 && s.spans[i-1].hi+1 == id
	joinRight := i < n && s.spans[i].lo-1 == id
	switch {
	case joinLeft && joinRight:
		s.spans[i-1].hi = s.spans[i].hi
		s.spans = append(s.spans[:i], s.spans[i+1:]...)
	case joinLeft:
		s.spans[i-1].hi = id
	case joinRight:
		s.spans[i].lo = id
	default:
		s.spans = append(s.spans, span{})
		copy(s.spans[i+1:], s.spans[i:])
		s.spans[i] = span{id, id}
	}
	return true
}
