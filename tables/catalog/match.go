package catalog

import (
	"bytes"
	"strings"
	"sync"
)

// matchIndex finds the locations a key path can belong to by lookups
// instead of comparing the path with every declaration: the chain table
// matches every registry event it reads. Keys are the lower-case key a
// location compares the path (or its parent, or the parent of the part
// before its Suffix) with; the lists hold indices into All in
// declaration order, so the first location that matches is the one the
// linear search would return. Built once, from the declarations.
type matchIndex struct {
	// By scope, then by the lower-case key: locations without subkeys
	// (exact), with subkeys and no Suffix (parent), and by the lower-case
	// `\`+Suffix too (suffixed).
	exact    map[string]map[string][]int
	parent   map[string]map[string][]int
	suffixed map[string]map[string]map[string][]int
	usable   bool // every key and suffix is ASCII
}

var index = sync.OnceValue(func() *matchIndex { return newMatchIndex(All) })

func add(m map[string]map[string][]int, a, b string, i int) {
	if m[a] == nil {
		m[a] = map[string][]int{}
	}
	m[a][b] = append(m[a][b], i)
}

func newMatchIndex(locs []Location) *matchIndex {
	ix := &matchIndex{exact: map[string]map[string][]int{}, parent: map[string]map[string][]int{},
		suffixed: map[string]map[string]map[string][]int{}, usable: true}
	for i, l := range locs {
		if !isASCII(l.Key) || !isASCII(l.Suffix) {
			ix.usable = false
		}
		key := strings.ToLower(l.Key)
		switch {
		case !l.Subkeys:
			add(ix.exact, l.Scope, key, i)
		case l.Suffix == "":
			add(ix.parent, l.Scope, key, i)
		default:
			if ix.suffixed[l.Scope] == nil {
				ix.suffixed[l.Scope] = map[string]map[string][]int{}
			}
			add(ix.suffixed[l.Scope], `\`+strings.ToLower(l.Suffix), key, i)
		}
	}
	return ix
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// isASCII: for ASCII text, EqualFold is equality of the lower-cased
// strings; a non-ASCII path (U+017F folds to s, U+212A to k) is matched by
// the linear search.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// lookup returns the first location, in declaration order, that matches
// keyRel (already trimmed and in CurrentControlSet spelling, ASCII).
func (ix *matchIndex) lookup(locs []Location, scope, keyRel, valueName string) (Location, bool) {
	var buf [512]byte // lower case without an allocation for most paths
	lower := buf[:0]
	if len(keyRel) > len(buf) {
		lower = make([]byte, 0, len(keyRel))
	}
	for i := 0; i < len(keyRel); i++ {
		c := keyRel[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower = append(lower, c)
	}
	best := -1
	var found Location
	try := func(candidates []int) {
		for _, i := range candidates {
			if best >= 0 && i > best {
				return
			}
			if l, ok := matchAt(locs[i], scope, keyRel, valueName); ok {
				best, found = i, l
				return
			}
		}
	}
	try(ix.exact[scope][string(lower)])
	if i := bytes.LastIndexByte(lower, '\\'); i >= 0 {
		try(ix.parent[scope][string(lower[:i])])
	}
	for suffix, byKey := range ix.suffixed[scope] {
		if !bytes.HasSuffix(lower, []byte(suffix)) {
			continue
		}
		if i := bytes.LastIndexByte(lower[:len(lower)-len(suffix)], '\\'); i >= 0 {
			try(byKey[string(lower[:i])])
		}
	}
	return found, best >= 0
}
