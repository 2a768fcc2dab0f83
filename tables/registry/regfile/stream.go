package regfile

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/runkeyhunt/runkeyhunt/tables/registry"
)

// Want names a key Open keeps in memory from its first pass over a file.
type Want struct {
	Scope string // registry.ScopeMachine or registry.ScopeUser: kept in every hive of it
	Rel   string // relative to the hive root
	// Subkeys keeps each direct subkey too (RunOnceEx\0001, ProfileList\<SID>).
	Subkeys bool
	// Suffix, with Subkeys, keeps the key at this path below each direct
	// subkey as well (Services\<name>\Parameters).
	Suffix string
}

// MaxKeptBytes bounds what Open keeps in memory of one file: keys wanted
// and keys fetched later. Past it, further keys and values are dropped with
// one warning (a real export's autorun keys and payloads hold kilobytes).
const MaxKeptBytes = 32 << 20

// Open streams the .reg export at path and keeps in memory only the keys
// wanted (each with its values and subkey names); any other key is read
// when asked for, in a batch (Hive implements registry.Fetcher). Memory
// stays bounded whatever the size of the file: one line at a time (at most
// MaxLineBytes) and MaxKeptBytes of keys.
//
// The hives come in Parse's order. A bad line is a warning naming the file
// and line (the first pass checks every line; later ones decode only what
// they keep). err is for a file that cannot be read or is not a .reg
// export, or ctx done.
func Open(ctx context.Context, path string, wants []Want) (hives []*Hive, warnings []error, err error) {
	return OpenWith(ctx, path, func() (io.ReadCloser, error) { return os.Open(path) }, wants)
}

// OpenWith is Open reading the export through openFile, once per pass: a
// zip member or a .gz is opened again for each pass, never held whole.
// path names it in warnings and errors.
func OpenWith(ctx context.Context, path string, openFile func() (io.ReadCloser, error), wants []Want) (hives []*Hive, warnings []error, err error) {
	e := &export{path: path, open: openFile}
	f, err := openFile()
	if err != nil {
		return nil, nil, fmt.Errorf("open %s: %w", path, err)
	}
	e.enc, e.skip, err = detectEncoding(ctx, f)
	f.Close()
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", path, err)
	}
	sets := map[string]*keySet{}
	for _, w := range wants {
		if sets[w.Scope] == nil {
			sets[w.Scope] = newKeySet()
		}
		sets[w.Scope].add(w.Rel, w.Subkeys)
		if w.Subkeys && w.Suffix != "" {
			sets[w.Scope].addSuffix(w.Rel, w.Suffix)
		}
	}
	warn := func(err error) { warnings = append(warnings, err) }
	e.warn = warn
	p, err := e.pass(ctx, func(info registry.HiveInfo) *keySet { return sets[info.Scope] }, warn)
	if err != nil {
		return nil, warnings, err
	}
	for _, mem := range p.result() {
		info := mem.Info()
		h := &Hive{export: e, info: info, loaded: map[string]*registry.Key{}, pending: map[string]bool{}}
		e.hives = append(e.hives, h)
		if ks := sets[info.Scope]; ks != nil {
			h.take(mem, ks)
		}
	}
	e.warn = nil
	return e.hives, warnings, nil
}

// export is one .reg file read by Open.
type export struct {
	path  string
	open  func() (io.ReadCloser, error)
	enc   encoding
	skip  int // bytes of BOM
	hives []*Hive

	mu   sync.Mutex // guards what the hives hold and kept
	kept int
	over bool
	warn func(error) // for the budget warning during a pass
}

// pass reads the whole file once, keeping what keep says for each hive.
func (e *export) pass(ctx context.Context, keep func(registry.HiveInfo) *keySet, warn func(error)) (*parser, error) {
	f, err := e.open()
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", e.path, err)
	}
	defer f.Close()
	if _, err := io.CopyN(io.Discard, f, int64(e.skip)); err != nil {
		return nil, fmt.Errorf("read %s: %w", e.path, err)
	}
	p := newParser(ctx, e.path, newTextReader(f, e.enc), keep)
	p.warn = warn
	p.charge = e.charge
	if err := p.run(); err != nil {
		return nil, err
	}
	return p, nil
}

// charge accounts n more bytes kept; past MaxKeptBytes it refuses, once
// with a warning.
func (e *export) charge(n int) bool {
	if e.over {
		return false
	}
	e.kept += n
	if e.kept > MaxKeptBytes {
		e.over = true
		if e.warn != nil {
			e.warn(fmt.Errorf("read %s: autorun and referenced keys exceed %d bytes; the rest is not kept", e.path, MaxKeptBytes))
		}
		return false
	}
	return true
}

// fetch reads every key the hives were asked for and do not hold.
func (e *export) fetch(ctx context.Context, warn func(error)) (bool, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	sets := map[string]*keySet{}
	for _, h := range e.hives {
		if len(h.pending) == 0 {
			continue
		}
		ks := newKeySet()
		for rel := range h.pending {
			ks.add(rel, false)
		}
		sets[strings.ToLower(h.info.Root)] = ks
	}
	if len(sets) == 0 {
		return false, nil
	}
	e.warn = warn
	defer func() { e.warn = nil }()
	// Bad lines were said by Open; this pass reads the same lines.
	p, err := e.pass(ctx, func(info registry.HiveInfo) *keySet { return sets[strings.ToLower(info.Root)] }, nil)
	if err != nil {
		return false, err
	}
	for _, h := range e.hives {
		ks := sets[strings.ToLower(h.info.Root)]
		if ks == nil {
			continue
		}
		if mem := p.hives[strings.ToLower(h.info.Root)]; mem != nil {
			h.take(mem, ks)
		}
		for rel := range h.pending {
			if _, ok := h.loaded[rel]; !ok {
				h.loaded[rel] = nil
			}
		}
		clear(h.pending)
	}
	return true, nil
}

// Hive is one hive of a .reg export read by Open. It implements
// registry.Hive and registry.Fetcher.
type Hive struct {
	export  *export
	info    registry.HiveInfo
	loaded  map[string]*registry.Key // by lower-case rel; nil: not in the file
	pending map[string]bool          // asked for and not read yet
}

var (
	_ registry.Hive    = (*Hive)(nil)
	_ registry.Fetcher = (*Hive)(nil)
)

// Info describes the hive.
func (h *Hive) Info() registry.HiveInfo { return h.info }

// SetInfo replaces the hive's description (e.g. once its user is known).
func (h *Hive) SetInfo(info registry.HiveInfo) { h.info = info }

// Key returns the key at rel if it was kept or fetched. A key not read yet
// is ErrNotFound until Fetch reads it.
func (h *Hive) Key(rel string) (*registry.Key, error) {
	h.export.mu.Lock()
	defer h.export.mu.Unlock()
	lower := normRel(rel)
	k, ok := h.loaded[lower]
	if !ok {
		h.pending[lower] = true
		return nil, registry.ErrNotFound
	}
	if k == nil {
		return nil, registry.ErrNotFound
	}
	out := *k
	return &out, nil
}

// Fetch reads, in one pass over the file, every key any hive of the file
// was asked for and does not hold.
func (h *Hive) Fetch(ctx context.Context, warn func(error)) (bool, error) {
	return h.export.fetch(ctx, warn)
}

// take copies the keys of ks out of a pass's hive.
func (h *Hive) take(mem *registry.MemHive, ks *keySet) {
	for rel := range ks.targets {
		k, err := mem.Key(rel)
		if err != nil {
			k = nil
		}
		h.loaded[rel] = k
	}
	for rel := range ks.subtree {
		k := h.loaded[rel]
		if k == nil {
			continue
		}
		for _, name := range k.Subkeys {
			child := rel + `\` + strings.ToLower(name)
			if sub, err := mem.Key(child); err == nil {
				h.loaded[child] = sub
			}
			for _, suffix := range ks.suffixes[rel] {
				below, err := mem.Key(child + `\` + suffix)
				if err != nil {
					below = nil // known absent: no pass needs to look again
				}
				h.loaded[child+`\`+suffix] = below
			}
		}
	}
}

// normRel is the lookup form of a relative key path: lower case, no
// doubled, leading or trailing separators.
func normRel(rel string) string {
	rel = strings.Trim(rel, `\`)
	for strings.Contains(rel, `\\`) {
		rel = strings.ReplaceAll(rel, `\\`, `\`)
	}
	return strings.ToLower(rel)
}

// keySet is what one pass keeps of one hive: the targets (values and
// subkey names), the keys whose direct subkeys are targets too, and every
// ancestor of a target.
type keySet struct {
	targets  map[string]bool
	subtree  map[string]bool
	prefixes map[string]bool
	made     map[string]bool // keys the pass created, for charging once
	// suffixes: below each direct subkey of these keys, the keys at these
	// paths are targets too (lower case).
	suffixes map[string][]string
}

func newKeySet() *keySet {
	return &keySet{targets: map[string]bool{}, subtree: map[string]bool{}, prefixes: map[string]bool{}, made: map[string]bool{}, suffixes: map[string][]string{}}
}

func (ks *keySet) addSuffix(rel, suffix string) {
	lower := normRel(rel)
	ks.suffixes[lower] = append(ks.suffixes[lower], normRel(suffix))
}

// suffixPlan says whether lower is on the way to (prefix) or at (target) a
// suffix key below a direct subkey of a key with suffixes.
func (ks *keySet) suffixPlan(lower string) (prefix, target bool) {
	for base, suffixes := range ks.suffixes {
		if len(lower) <= len(base)+1 || !strings.HasPrefix(lower, base) || lower[len(base)] != '\\' {
			continue
		}
		rest := lower[len(base)+1:]
		i := strings.IndexByte(rest, '\\')
		if i < 0 {
			return true, false // the subkey itself
		}
		below := rest[i+1:]
		for _, suffix := range suffixes {
			if below == suffix {
				return true, true
			}
			if strings.HasPrefix(suffix, below) && suffix[len(below)] == '\\' {
				prefix = true
			}
		}
	}
	return prefix, false
}

func (ks *keySet) add(rel string, subkeys bool) {
	lower := normRel(rel)
	ks.targets[lower] = true
	if subkeys {
		ks.subtree[lower] = true
	}
	ks.prefixes[lower] = true
	for i := 0; i < len(lower); i++ {
		if lower[i] == '\\' {
			ks.prefixes[lower[:i]] = true
		}
	}
}

// plan says what of the key lower (a lower-case rel) a pass creates: its
// first n components (n < 0: none), and whether its values are kept. A
// key is created as far as it leads to a target, plus one level below a
// target so that the target's subkey names are complete.
func (ks *keySet) plan(lower string) (n int, values bool) {
	if lower == "" {
		return 0, ks.targets[""]
	}
	parent, parentIsTarget := "", ks.targets[""]
	start := 0
	for {
		end := strings.IndexByte(lower[start:], '\\')
		if end < 0 {
			end = len(lower)
		} else {
			end += start
		}
		p := lower[:end]
		suffixPrefix, suffixTarget := false, false
		if len(ks.suffixes) > 0 {
			suffixPrefix, suffixTarget = ks.suffixPlan(p)
		}
		if !ks.prefixes[p] && !parentIsTarget && !suffixPrefix {
			break
		}
		n++
		isTarget := ks.targets[p] || ks.subtree[parent] || suffixTarget
		if end == len(lower) {
			return n, isTarget
		}
		parent, parentIsTarget = p, isTarget
		start = end + 1
	}
	if n == 0 {
		return -1, false
	}
	return n, false
}

// created records that the pass creates rel; it reports whether rel is new.
func (ks *keySet) created(rel string) bool {
	lower := strings.ToLower(rel)
	if ks.made[lower] {
		return false
	}
	ks.made[lower] = true
	return true
}
