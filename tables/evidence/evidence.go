// Package evidence inspects the file an autorun really runs: whether it
// exists, its size and SHA-256, its Authenticode signer and its version
// resource. It is plain Go: the offline inspector reads PE files inside an
// offline collection, the live Windows inspector (evidence_windows.go)
// asks WinVerifyTrust and the catalog database; both sit behind
// ImageInspector.
package evidence

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"sync"
	"time"

	"github.com/runkeyhunt/runkeyhunt/tables/input"
)

// Signature states (the image_signed column).
const (
	Signed   = "signed"   // the signature verifies (offline: the digest matches, see AnalyzePE)
	Unsigned = "unsigned" // no signature, embedded or in a catalog
	Invalid  = "invalid"  // a signature that does not match the file or does not verify
	Catalog  = "catalog"  // signed through a catalog (.cat) of the system (live only)
	Unknown  = "unknown"  // the file could not be read or judged
)

// Existence is image_exists: 1, 0, or unknown (NULL).
type Existence int

const (
	ExistsUnknown Existence = iota
	ExistsNo
	ExistsYes
)

// Column renders image_exists: "1", "0", or "" when unknown.
func (e Existence) Column() string {
	switch e {
	case ExistsYes:
		return "1"
	case ExistsNo:
		return "0"
	}
	return ""
}

// Evidence is what is known about one image file.
type Evidence struct {
	Path         string
	Exists       Existence
	Script       bool // a script: hashed, no signature
	Size         int64
	SHA256       string // empty when not hashed (missing, or over MaxHashed)
	Signature    string // Signed, Unsigned, Invalid, Catalog, Unknown; empty for scripts and missing files
	Signer       string
	OriginalName string
	Company      string
}

// ImageInspector inspects one image by its Windows path.
type ImageInspector interface {
	Inspect(ctx context.Context, target Target) (Evidence, error)
}

// File is an opened image: what AnalyzePE reads.
type File interface {
	io.ReaderAt
	io.Closer
	Size() (int64, error)
}

// inspectFile fills ev from an open file.
func inspectFile(ctx context.Context, f File, target Target) (Evidence, error) {
	ev := Evidence{Path: target.Path, Exists: ExistsYes, Script: target.Script}
	size, err := f.Size()
	if err != nil {
		return Evidence{Path: target.Path, Exists: ExistsYes, Signature: Unknown}, fmt.Errorf("size of %s: %w", target.Path, err)
	}
	ev.Size = size
	if err := ctx.Err(); err != nil {
		return ev, err
	}
	r := ctxReaderAt{ctx: ctx, r: f}
	if target.Script {
		if size <= MaxHashed {
			ev.SHA256, err = hashAll(r, size, layout{secDirOff: -1}, nil)
		}
		if err != nil {
			return ev, fmt.Errorf("hash %s: %w", target.Path, err)
		}
		return ev, nil
	}
	info, sha, err := AnalyzePE(r, size)
	ev.SHA256, ev.Signature, ev.Signer = sha, info.Signature, info.Signer
	ev.OriginalName, ev.Company = info.OriginalName, info.Company
	if errors.Is(err, errNotPE) {
		// Windows would not run it either; the hash still identifies it.
		return ev, nil
	}
	if err != nil {
		return ev, fmt.Errorf("inspect %s: %w", target.Path, err)
	}
	return ev, nil
}

// ctxReaderAt stops long reads when the query is cancelled.
type ctxReaderAt struct {
	ctx context.Context
	r   io.ReaderAt
}

func (c ctxReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.ReadAt(p, off)
}

// Source is a place offline images are read from: *input.Collection.
type Source interface {
	Open(winPath string) (input.Content, error)
	HasFolder(winPath string) bool
}

// Offline inspects images inside offline collections, never on the host.
type Offline struct {
	Sources []Source
	Cache   *Cache // nil: no caching
}

var _ ImageInspector = (*Offline)(nil)

// offlineCache is shared by the offline inspectors of one process (the
// extension's lifetime): its keys are host paths.
var offlineCache = NewCache()

// NewOffline returns an inspector over the collections of an offline
// input, with the process-wide cache.
func NewOffline(colls []*input.Collection) *Offline {
	o := &Offline{Cache: offlineCache}
	for _, c := range colls {
		o.Sources = append(o.Sources, c)
	}
	return o
}

// Inspect looks for the image in each source in turn. A file absent from
// every source is ExistsNo only when a source holds its folder (the
// collection copied that folder, and the file was not in it); otherwise
// the collection simply did not collect it and existence is unknown.
func (o *Offline) Inspect(ctx context.Context, target Target) (Evidence, error) {
	if target.Path == "" {
		return Evidence{}, nil
	}
	for _, s := range o.Sources {
		c, err := s.Open(target.Path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return Evidence{Path: target.Path, Signature: Unknown}, err
		}
		ev, err := o.inspectCached(ctx, c, target)
		c.Close()
		return ev, err
	}
	ev := Evidence{Path: target.Path, Script: target.Script}
	dir := parentDir(target.Path)
	for _, s := range o.Sources {
		if dir != "" && s.HasFolder(dir) {
			ev.Exists = ExistsNo
		}
	}
	return ev, nil
}

// inspectCached uses the cache when the content is a file of its own on
// the host (a folder collection): the key is its host path, size and
// mtime, so the same C:\ path in two collections never mixes. Zip
// members are inspected every time.
func (o *Offline) inspectCached(ctx context.Context, c input.Content, target Target) (Evidence, error) {
	st, ok := c.(interface {
		Name() string
		Stat() (fs.FileInfo, error)
	})
	if o.Cache == nil || !ok {
		return inspectFile(ctx, c, target)
	}
	info, err := st.Stat()
	if err != nil {
		return inspectFile(ctx, c, target)
	}
	key := CacheKey{Path: st.Name(), Script: target.Script, Size: info.Size(), ModTime: info.ModTime()}
	if ev, ok := o.Cache.Get(key); ok {
		ev.Path = target.Path
		return ev, nil
	}
	ev, err := inspectFile(ctx, c, target)
	if err == nil {
		o.Cache.Put(key, ev)
	}
	return ev, err
}

func parentDir(p string) string {
	i := strings.LastIndexAny(p, `\/`)
	if i <= 2 {
		return ""
	}
	return p[:i]
}

// CacheKey identifies a file's state: a rewritten file has a new size or
// mtime and is inspected again.
type CacheKey struct {
	Path    string
	Script  bool
	Size    int64
	ModTime time.Time
}

// maxCacheEntries bounds the cache; when full it starts over (a fleet
// host has a few hundred autoruns, so this is never reached in practice).
const maxCacheEntries = 1 << 16

// Cache holds inspection results for the extension's lifetime.
type Cache struct {
	mu sync.Mutex
	m  map[CacheKey]Evidence
}

// NewCache returns an empty cache.
func NewCache() *Cache { return &Cache{m: map[CacheKey]Evidence{}} }

// Get returns the cached evidence for the key.
func (c *Cache) Get(k CacheKey) (Evidence, bool) {
	k.Path = strings.ToLower(k.Path)
	c.mu.Lock()
	defer c.mu.Unlock()
	ev, ok := c.m[k]
	return ev, ok
}

// Put stores evidence for the key.
func (c *Cache) Put(k CacheKey, ev Evidence) {
	k.Path = strings.ToLower(k.Path)
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxCacheEntries {
		c.m = map[CacheKey]Evidence{}
	}
	c.m[k] = ev
}
