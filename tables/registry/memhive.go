package registry

import (
	"sort"
	"strings"
	"time"
)

// MemHive is an in-memory hive, built by the .reg source and by tests.
type MemHive struct {
	info HiveInfo
	root *memKey
}

type memKey struct {
	name     string
	modTime  time.Time
	children map[string]*memKey // by lower-case name
	values   []Value
}

// NewMemHive returns an empty hive.
func NewMemHive(info HiveInfo) *MemHive {
	return &MemHive{info: info, root: &memKey{children: map[string]*memKey{}}}
}

// Info describes the hive.
func (h *MemHive) Info() HiveInfo { return h.info }

// SetInfo replaces the hive's description (e.g. once its SID is known).
func (h *MemHive) SetInfo(info HiveInfo) { h.info = info }

func splitRel(rel string) []string {
	rel = cleanRel(rel)
	if rel == "" {
		return nil
	}
	return strings.Split(rel, `\`)
}

func (h *MemHive) find(rel string) *memKey {
	k := h.root
	for _, part := range splitRel(rel) {
		k = k.children[strings.ToLower(part)]
		if k == nil {
			return nil
		}
	}
	return k
}

// CreateKey makes the key and its parents; existing keys are kept.
func (h *MemHive) CreateKey(rel string, modTime time.Time) {
	h.ensure(rel, modTime)
}

func (h *MemHive) ensure(rel string, modTime time.Time) *memKey {
	k := h.root
	for _, part := range splitRel(rel) {
		lower := strings.ToLower(part)
		child := k.children[lower]
		if child == nil {
			child = &memKey{name: part, children: map[string]*memKey{}, modTime: modTime}
			k.children[lower] = child
		}
		k = child
	}
	if !modTime.IsZero() {
		k.modTime = modTime
	}
	return k
}

// DeleteKey removes a key and everything below it.
func (h *MemHive) DeleteKey(rel string) {
	parts := splitRel(rel)
	if len(parts) == 0 {
		h.root = &memKey{children: map[string]*memKey{}}
		return
	}
	parent := h.find(strings.Join(parts[:len(parts)-1], `\`))
	if parent != nil {
		delete(parent.children, strings.ToLower(parts[len(parts)-1]))
	}
}

// SetValue creates the key if needed and sets (or replaces) a value.
func (h *MemHive) SetValue(rel string, v Value) {
	k := h.ensure(rel, time.Time{})
	for i := range k.values {
		if strings.EqualFold(k.values[i].Name, v.Name) {
			k.values[i] = v
			return
		}
	}
	k.values = append(k.values, v)
}

// DeleteValue removes a value if present.
func (h *MemHive) DeleteValue(rel, name string) {
	k := h.find(rel)
	if k == nil {
		return
	}
	for i := range k.values {
		if strings.EqualFold(k.values[i].Name, name) {
			k.values = append(k.values[:i], k.values[i+1:]...)
			return
		}
	}
}

// Key returns a copy of the key at rel.
func (h *MemHive) Key(rel string) (*Key, error) {
	parts := splitRel(rel)
	k := h.root
	names := make([]string, 0, len(parts))
	for _, part := range parts {
		k = k.children[strings.ToLower(part)]
		if k == nil {
			return nil, ErrNotFound
		}
		names = append(names, k.name)
	}
	path := h.info.Root
	if len(names) > 0 {
		path += `\` + strings.Join(names, `\`)
	}
	out := &Key{Path: path, ModTime: k.modTime, Values: append([]Value(nil), k.values...)}
	for _, c := range k.children {
		out.Subkeys = append(out.Subkeys, c.name)
	}
	sort.Strings(out.Subkeys)
	return out, nil
}
