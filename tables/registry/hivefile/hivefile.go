// Package hivefile reads regf hive files (SOFTWARE, SYSTEM, NTUSER.DAT,
// UsrClass.dat) lazily: Open reads the base block and the root key, and every Key call
// walks only the path it is asked for.
//
// regparser supplies the on-disk structures; the walk over them is done
// here because regparser's own helpers trust the file: they recurse through
// index cells without a bound (a cycle overflows the stack, which no
// recover catches), read value data one byte per call with a length taken
// from the file, and treat any value data starting with "db" as big data.
// Every structure read here is bounded by its cell size and by fixed caps,
// and every call into regparser runs under recover.
//
// Transaction logs (.LOG1/.LOG2) are not applied: a dirty hive is read as
// it is on disk (Dirty reports it).
package hivefile

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/runkeyhunt/runkeyhunt/tables/registry"
	"www.velocidex.com/golang/regparser"
)

// Kinds of hive, as Kind reports them.
const (
	KindSoftware = "software"
	KindSystem   = "system"
	KindUser     = "user"
	// KindClasses is a user's classes hive (UsrClass.dat, loaded as
	// HKEY_USERS\<SID>_Classes): it answers at Software\Classes, where
	// Windows links it into the user's hive.
	KindClasses = "classes"
	KindUnknown = ""
)

// Bounds on what one lookup may visit, whatever the file claims.
const (
	maxDepth          = 512     // path components in one lookup
	maxIndexEntries   = 1 << 20 // subkey index entries read by one Key call
	maxBadEntries     = 64      // entries of one list that are not key nodes
	maxValues         = 1 << 16 // values listed for one key
	maxEnumValues     = 1 << 18 // values listed for all subkeys of one key together
	maxKeyDataBytes   = 4 * registry.MaxValueBytes
	maxNameBytes      = 16 << 20 // names listed for one key, in bytes
	maxKeyName        = 512      // bytes; Windows allows 255 UTF-16 characters
	maxValueName      = 32768    // bytes; Windows allows 16383 UTF-16 characters
	bigDataSegment    = 16344    // bytes of data in one big-data segment
	hbinStart         = 0x1000
	keyCompressedName = 0x0020 // nk flag: name is 8-bit, not UTF-16LE
	valueCompressed   = 0x0001 // vk flag: name is 8-bit, not UTF-16LE
)

// errValueBudget stops reading subkeys whose values together are too
// many to be genuine.
var errValueBudget = errors.New("subkeys hold more values than the budget (corrupt or crafted hive)")

// errIndexBudget stops a walk over an index too large to be genuine.
var errIndexBudget = errors.New("subkey index exceeds the entry budget (corrupt or crafted hive)")

// ErrTransactionLog is returned by Open for a hive transaction log
// (NTUSER.DAT.LOG1 and the like), which starts with "regf" too.
var ErrTransactionLog = errors.New("hive transaction log, not a primary hive")

// Hive is one hive file. It implements registry.Hive.
type Hive struct {
	path     string
	file     io.ReaderAt
	closer   io.Closer // nil when the caller owns the input
	reader   *pagedReader
	reg      *regparser.Registry
	root     int64 // file offset of the root key node
	kind     string
	embedded string
	dirty    bool
	info     registry.HiveInfo
}

var _ registry.Hive = (*Hive)(nil)

// Open reads the base block and root key of the hive at path. The file
// stays open until Close.
func Open(path string) (h *Hive, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open hive %s: %w", path, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open hive %s: %w", path, err)
	}
	h, err = OpenReader(f, st.Size(), path)
	if err != nil {
		f.Close()
		return nil, err
	}
	h.closer = f
	return h, nil
}

// ReaderAtCloser is what OpenContent reads a hive from.
type ReaderAtCloser interface {
	io.ReaderAt
	io.Closer
}

// OpenContent is OpenReader for a hive that is not a file of its own (a
// zip member, a .gz) and that the Hive owns: Close closes r. When
// OpenContent fails the caller closes r.
func OpenContent(r ReaderAtCloser, size int64, name string) (*Hive, error) {
	h, err := OpenReader(r, size, name)
	if err != nil {
		return nil, err
	}
	h.closer = r
	return h, nil
}

// OpenReader reads a hive of size bytes from r (a file, or a hive held in
// memory); name stands for it in errors and as SourceFile. Close does not
// close r.
func OpenReader(r io.ReaderAt, size int64, name string) (*Hive, error) {
	if size < hbinStart+32 {
		return nil, fmt.Errorf("open hive %s: %d bytes, too short for a hive", name, size)
	}
	h := &Hive{path: name, file: r, reader: newPagedReader(r, size)}
	if err := h.guard("", func() error { return h.init() }); err != nil {
		return nil, err
	}
	return h, nil
}

// guard runs fn, turning a panic inside regparser into an error that names
// the file and key.
func (h *Hive) guard(rel string, fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("hive %s key %q: corrupt hive: %v", h.path, rel, r)
		}
	}()
	return fn()
}

func (h *Hive) init() error {
	reg, err := regparser.NewRegistry(h.reader)
	if err != nil {
		return fmt.Errorf("open hive %s: %w", h.path, err)
	}
	h.reg = reg
	if t := reg.BaseBlock.Type(); t != 0 {
		return fmt.Errorf("open hive %s: %w (file type %d)", h.path, ErrTransactionLog, t)
	}
	h.dirty = reg.BaseBlock.Sequence1() != reg.BaseBlock.Sequence2()
	h.embedded, _, _ = strings.Cut(reg.BaseBlock.FileName(), "\x00")
	root := reg.Profile.HCELL(h.reader, hbinStart+int64(reg.BaseBlock.RootCell()))
	nk := root.KeyNode()
	if nk == nil {
		return fmt.Errorf("open hive %s: root cell at 0x%x is not a key node", h.path, root.Offset)
	}
	h.root = nk.Offset
	budget := maxIndexEntries
	names, err := h.childNames(nk, &budget)
	if err != nil {
		return fmt.Errorf("open hive %s: root key: %w", h.path, err)
	}
	h.kind = detectKind(h.embedded, names)
	switch h.kind {
	case KindSoftware, KindSystem:
		h.info = registry.HiveInfo{Root: string(registry.HKLM), Scope: registry.ScopeMachine}
	default:
		h.info = registry.HiveInfo{Root: string(registry.HKCU), Scope: registry.ScopeUser}
	}
	h.info.SourceFile = h.path
	return nil
}

// detectKind decides by root content first, since a hive saved with
// `reg save` or edited by tools may carry any embedded name: a user hive
// has Software at its root, a SOFTWARE hive Microsoft, a SYSTEM hive Select
// and a ControlSet. Only when the root says nothing is the embedded name
// (`\??\C:\Users\joe\ntuser.dat`, `emRoot\System32\Config\SOFTWARE`) used.
func detectKind(embedded string, rootChildren []string) string {
	has := map[string]bool{}
	for _, c := range rootChildren {
		has[strings.ToLower(c)] = true
	}
	hasControlSet := false
	for c := range has {
		if strings.HasPrefix(c, "controlset") {
			hasControlSet = true
		}
	}
	switch {
	case has["software"] && !has["microsoft"]:
		return KindUser
	case has["microsoft"] && !has["software"]:
		return KindSoftware
	case has["select"] && hasControlSet:
		return KindSystem
	case !has["software"] && !has["microsoft"] && (has["clsid"] || has["local settings"]):
		// Every UsrClass.dat since Vista has Local Settings (shell bags,
		// MUI cache) and CLSID; a SOFTWARE hive keeps its CLSID under
		// Classes.
		return KindClasses
	}
	base := strings.ToLower(embedded)
	if i := strings.LastIndexAny(base, `\/`); i >= 0 {
		base = base[i+1:]
	}
	switch base {
	case "software":
		return KindSoftware
	case "system":
		return KindSystem
	case "ntuser.dat", "default":
		return KindUser
	case "usrclass.dat":
		return KindClasses
	}
	return KindUnknown
}

// Close releases the file Open opened.
func (h *Hive) Close() error {
	if h.closer == nil {
		return nil
	}
	return h.closer.Close()
}

// Path is the file the hive was read from.
func (h *Hive) Path() string { return h.path }

// Kind is "software", "system", "user", "classes", or "" when the hive is
// none of them.
func (h *Hive) Kind() string { return h.kind }

// EmbeddedName is the file name recorded in the base block (its tail only:
// the field holds 31 characters).
func (h *Hive) EmbeddedName() string { return h.embedded }

// Dirty reports a hive whose last changes are only in its transaction logs.
func (h *Hive) Dirty() bool { return h.dirty }

// SetUser names the owner of a user or classes hive: with a SID its Root
// becomes HKEY_USERS\<SID>, without one it stays HKEY_CURRENT_USER. It does
// nothing for machine hives.
func (h *Hive) SetUser(sid, username string) {
	if h.info.Scope != registry.ScopeUser {
		return
	}
	h.info.SID, h.info.Username = sid, username
	h.info.Root = string(registry.HKCU)
	if sid != "" {
		h.info.Root = string(registry.HKU) + `\` + sid
	}
}

// Info describes the hive.
func (h *Hive) Info() registry.HiveInfo { return h.info }

// Where hives are mounted below their Root: a machine hive as its key
// under HKEY_LOCAL_MACHINE, a classes hive at the user's Software\Classes.
var (
	softwareMount = []string{"SOFTWARE"}
	systemMount   = []string{"SYSTEM"}
	classesMount  = strings.Split(registry.UserClassesKey, `\`)
)

// mount is the path below Root the hive's root key is mounted at.
func (h *Hive) mount() []string {
	switch h.kind {
	case KindSoftware:
		return softwareMount
	case KindSystem:
		return systemMount
	case KindClasses:
		return classesMount
	}
	return nil
}

// Key returns the key at rel, relative to the hive's Root: for a SOFTWARE
// hive `SOFTWARE\Microsoft\...` (other prefixes are not in this file and
// give ErrNotFound), for a user hive `Software\...`, for a classes hive
// `Software\Classes\...`. The keys above the mount point hold only the
// path to it.
func (h *Hive) Key(rel string) (key *registry.Key, err error) {
	err = h.guard(rel, func() error {
		key, err = h.key(rel)
		return err
	})
	return key, err
}

func (h *Hive) key(rel string) (*registry.Key, error) {
	nk, path, above, budget, err := h.lookup(rel)
	if err != nil {
		return nil, err
	}
	if nk == nil {
		return &registry.Key{Path: path, Subkeys: []string{above}, SourceFile: h.keySource()}, nil
	}
	return h.readKey(nk, path, &budget, newValueBudget(maxValues))
}

// keySource is the SourceFile of the hive's keys: set for a classes hive,
// whose keys a user hive shows as its own (registry.UserClasses).
func (h *Hive) keySource() string {
	if h.kind == KindClasses {
		return h.path
	}
	return ""
}

// lookup walks to the key at rel. It returns nk nil and no error for a
// key above the hive's mount point (HKEY_LOCAL_MACHINE itself in a machine
// hive, Software in a classes hive), whose one subkey is above; and the
// index budget left for reading the key.
func (h *Hive) lookup(rel string) (nk *regparser.CM_KEY_NODE, path, above string, budget int, err error) {
	parts := splitPath(rel)
	path = h.info.Root
	if mount := h.mount(); len(mount) > 0 {
		for i, m := range mount {
			if len(parts) == i {
				return nil, path, m, 0, nil
			}
			if !strings.EqualFold(parts[i], m) {
				return nil, "", "", 0, registry.ErrNotFound
			}
			path += `\` + m
		}
		parts = parts[len(mount):]
	}
	if len(parts) > maxDepth {
		return nil, "", "", 0, registry.ErrNotFound
	}
	// One budget for the whole call: a lookup costs at most
	// maxIndexEntries entry reads, however the index cells nest or repeat.
	budget = maxIndexEntries
	nk = h.reg.Profile.CM_KEY_NODE(h.reader, h.root)
	names := make([]string, 0, len(parts)+1)
	names = append(names, path)
	for _, part := range parts {
		var found *regparser.CM_KEY_NODE
		err := h.eachChild(nk, &budget, func(child *regparser.CM_KEY_NODE) bool {
			if strings.EqualFold(keyName(child), part) {
				found = child
				return false
			}
			return true
		})
		if err != nil {
			return nil, "", "", 0, fmt.Errorf("hive %s key %q: %w", h.path, rel, err)
		}
		if found == nil {
			return nil, "", "", 0, registry.ErrNotFound
		}
		nk = found
		names = append(names, keyName(nk))
	}
	// Joined once: appending per component would copy the path each time.
	return nk, strings.Join(names, `\`), "", budget, nil
}

// readKey reads the key node nk, whose full path is path.
func (h *Hive) readKey(nk *regparser.CM_KEY_NODE, path string, budget *int, vb *valueBudget) (*registry.Key, error) {
	subkeys, err := h.childNames(nk, budget)
	if err != nil {
		return nil, fmt.Errorf("hive %s key %q: %w", h.path, path, err)
	}
	return &registry.Key{
		Path:       path,
		ModTime:    filetime(regparser.ParseUint64(h.reader, nk.Offset+4)),
		Subkeys:    subkeys,
		Values:     h.values(nk, vb),
		SourceFile: h.keySource(),
	}, nil
}

// Subkeys reads the key at rel and every one of its subkeys in one walk of
// its index: each subkey node is read where the index points, never looked
// up again by name, and a node the index lists twice (or a second node of
// the same name) is read once. It implements registry.SubkeyReader. One
// index budget and one value budget cover the whole call; past them, the
// subkeys read so far are returned with the error.
func (h *Hive) Subkeys(ctx context.Context, rel string) (parent *registry.Key, subkeys []*registry.Key, err error) {
	err = h.guard(rel, func() error {
		parent, subkeys, err = h.subkeys(ctx, rel)
		return err
	})
	return parent, subkeys, err
}

func (h *Hive) subkeys(ctx context.Context, rel string) (*registry.Key, []*registry.Key, error) {
	nk, path, above, budget, err := h.lookup(rel)
	if err != nil {
		return nil, nil, err
	}
	if nk == nil {
		parent, err := h.key(rel)
		if err != nil {
			return nil, nil, err
		}
		child := above
		if rel = strings.Trim(rel, `\`); rel != "" {
			child = rel + `\` + above
		}
		sub, err := h.key(child)
		return parent, []*registry.Key{sub}, err
	}
	vb := newValueBudget(maxEnumValues)
	parent, err := h.readKey(nk, path, &budget, newValueBudget(maxValues))
	if err != nil {
		return nil, nil, err
	}
	var out []*registry.Key
	seen := map[string]bool{}
	n := 0
	walkErr := h.eachChild(nk, &budget, func(child *regparser.CM_KEY_NODE) bool {
		if n++; n%256 == 0 && ctx.Err() != nil {
			err = fmt.Errorf("hive %s key %q: %w", h.path, rel, ctx.Err())
			return false
		}
		name := keyName(child)
		if seen[strings.ToLower(name)] {
			return true
		}
		seen[strings.ToLower(name)] = true
		var k *registry.Key
		k, err = h.readKey(child, path+`\`+name, &budget, vb)
		if err != nil {
			return false
		}
		out = append(out, k)
		if vb.exhausted() {
			err = fmt.Errorf("hive %s key %q: %w", h.path, rel, errValueBudget)
			return false
		}
		return true
	})
	if walkErr != nil && err == nil {
		err = fmt.Errorf("hive %s key %q: %w", h.path, rel, walkErr)
	}
	return parent, out, err
}

func splitPath(rel string) []string {
	var parts []string
	for _, p := range strings.Split(rel, `\`) {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return parts
}

func (h *Hive) childNames(nk *regparser.CM_KEY_NODE, budget *int) ([]string, error) {
	var names []string
	nameBudget := maxNameBytes
	// An index listing one node twice, or two nodes of one name, names the
	// subkey once: a lookup by that name finds the first anyway.
	var seen map[string]bool
	err := h.eachChild(nk, budget, func(child *regparser.CM_KEY_NODE) bool {
		name := keyName(child)
		if seen == nil {
			seen = map[string]bool{}
		}
		lower := strings.ToLower(name)
		if seen[lower] {
			return true
		}
		seen[lower] = true
		nameBudget -= len(name)
		names = append(names, name)
		return nameBudget > 0
	})
	return names, err
}

// cellSize is the payload size of the cell at off (cells are negative-sized
// when allocated; the size includes the 4-byte size field).
func (h *Hive) cellSize(off int64) int64 {
	size := int64(int32(regparser.ParseUint32(h.reader, off)))
	if size < 0 {
		size = -size
	}
	if size < 4 {
		return 0
	}
	return size - 4
}

// eachChild calls fn for each subkey of nk, in index order, once per
// node, until fn returns false. Index cells nest at most two levels (ri -> lf/lh/li);
// every entry read costs one unit of budget, and a list with more than
// maxBadEntries entries that are not key nodes is abandoned.
func (h *Hive) eachChild(nk *regparser.CM_KEY_NODE, budget *int, fn func(*regparser.CM_KEY_NODE) bool) error {
	if nk.SubKeyCounts()[0] == 0 {
		return nil
	}
	stopped := false
	// Each index cell and each node is visited once per walk: an index
	// that lists one node (or one sublist) many times costs one visit.
	seen := map[uint32]bool{}
	var walk func(list uint32, depth int) error
	walk = func(list uint32, depth int) error {
		if seen[list] {
			return nil
		}
		seen[list] = true
		cellOff := hbinStart + int64(list)
		cell := h.reg.Profile.HCELL(h.reader, cellOff)
		size := h.cellSize(cellOff)
		count := int64(regparser.ParseUint16(h.reader, cellOff+6))
		entries := cellOff + 8
		stride := int64(4)
		switch cell.Signature() {
		case 0x666c, 0x686c: // lf, lh: (node offset, hash) pairs
			stride = 8
		case 0x696c: // li: node offsets
		case 0x6972: // ri: offsets of further index cells
			if depth > 0 {
				return nil
			}
		default:
			return nil
		}
		count = min(count, (size-4)/stride)
		bad := 0
		for i := int64(0); i < count && !stopped; i++ {
			if *budget--; *budget < 0 {
				return errIndexBudget
			}
			off := regparser.ParseUint32(h.reader, entries+stride*i)
			if cell.Signature() == 0x6972 {
				if err := walk(off, depth+1); err != nil {
					return err
				}
				continue
			}
			if seen[off] {
				continue
			}
			seen[off] = true
			child := h.reg.Profile.HCELL(h.reader, hbinStart+int64(off)).KeyNode()
			if child == nil {
				if bad++; bad > maxBadEntries {
					return nil
				}
				continue
			}
			stopped = !fn(child)
		}
		return nil
	}
	return walk(nk.SubKeyLists()[0], 0)
}

func keyName(nk *regparser.CM_KEY_NODE) string {
	b := make([]byte, min(int(nk.NameLength()), maxKeyName))
	n, _ := nk.Reader.ReadAt(b, nk.Offset+nk.Profile.Off_CM_KEY_NODE__Name)
	return decodeName(b[:n], nk.Flags()&keyCompressedName != 0)
}

// decodeName decodes a key or value name: 8-bit (Latin-1) when the
// compressed flag is set, else UTF-16LE.
func decodeName(b []byte, compressed bool) string {
	if compressed {
		r := make([]rune, len(b))
		for i, c := range b {
			r[i] = rune(c)
		}
		return string(r)
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}

func filetime(ft uint64) time.Time {
	const unixEpoch = 116444736000000000 // 1970-01-01 in 100ns ticks since 1601
	if ft <= unixEpoch {
		return time.Time{}
	}
	d := ft - unixEpoch
	return time.Unix(int64(d/10000000), int64(d%10000000)*100).UTC()
}

// values lists nk's values. The data of all values of one key together is
// capped at maxKeyDataBytes; past it values keep their name and type and
// lose their data (a legitimate key never comes close).
func (h *Hive) values(nk *regparser.CM_KEY_NODE, vb *valueBudget) []registry.Value {
	list := nk.ValueList()
	count := int64(list.Count())
	if count == 0 {
		return nil
	}
	listOff := hbinStart + int64(list.List())
	count = min(count, h.cellSize(listOff)/4, maxValues)
	var out []registry.Value
	var seen map[uint32]bool // a value cell the list names twice is one value
	var seenNames map[string]bool
	for i := int64(0); i < count && !vb.exhausted(); i++ {
		off := regparser.ParseUint32(h.reader, listOff+4+4*i)
		if seen == nil {
			seen = map[uint32]bool{}
		}
		if seen[off] {
			continue
		}
		seen[off] = true
		vb.count--
		vk := h.reg.Profile.HCELL(h.reader, hbinStart+int64(off)).KeyValue()
		if vk == nil {
			continue
		}
		nameBytes := make([]byte, min(int(vk.NameLength()), maxValueName))
		n, _ := h.reader.ReadAt(nameBytes, vk.Offset+vk.Profile.Off_CM_KEY_VALUE_Name)
		vb.names -= n
		v := registry.Value{
			Name: decodeName(nameBytes[:n], vk.Flags()&valueCompressed != 0),
			Type: vk.Type(),
		}
		// A second value of one name is unreachable by name (Windows
		// allows none): the first is the value.
		if seenNames == nil {
			seenNames = map[string]bool{}
		}
		if lower := strings.ToLower(v.Name); seenNames[lower] {
			continue
		} else {
			seenNames[lower] = true
		}
		v.Data = h.valueData(vk, vb.data)
		vb.data -= len(v.Data)
		out = append(out, v)
	}
	return out
}

// valueBudget bounds the values read by one call: their number, the bytes
// of their names, and of their data (past it values keep their name and
// type and lose their data).
type valueBudget struct{ count, names, data int }

func newValueBudget(count int) *valueBudget {
	return &valueBudget{count: count, names: maxNameBytes, data: maxKeyDataBytes}
}

func (b *valueBudget) exhausted() bool { return b.count <= 0 || b.names <= 0 }

// valueData reads a value's data, at most limit bytes and never more than
// registry.MaxValueBytes: bigger data is returned truncated to the cap
// (the payload scorer never looks past it either).
func (h *Hive) valueData(vk *regparser.CM_KEY_VALUE, limit int) []byte {
	length := vk.DataLength()
	dataField := vk.Offset + vk.Profile.Off_CM_KEY_VALUE_Data
	if length&0x80000000 != 0 {
		// Up to 4 bytes stored in the offset field itself.
		n := min(int64(length&0x7fffffff), 4)
		return h.read(dataField, n)
	}
	want := min(int64(length), registry.MaxValueBytes, int64(limit))
	if want <= 0 {
		return []byte{}
	}
	cellOff := hbinStart + int64(vk.Data())
	cell := h.reg.Profile.HCELL(h.reader, cellOff)
	// A "db" cell too small to hold the data itself is a big-data header.
	// Windows writes one only for data over 16344 bytes, other writers
	// (chntpw) for shorter data too; checking the size rather than the
	// signature alone keeps a binary value that starts with "db" intact.
	if cell.Signature() == 0x6264 && h.cellSize(cellOff) < int64(length) {
		count := int64(regparser.ParseUint16(h.reader, cellOff+6))
		segList := hbinStart + int64(regparser.ParseUint32(h.reader, cellOff+8))
		count = min(count, h.cellSize(segList)/4)
		out := make([]byte, 0, min(want, h.reader.size))
		for i := int64(0); i < count && int64(len(out)) < want; i++ {
			segOff := hbinStart + int64(regparser.ParseUint32(h.reader, segList+4+4*i))
			// Windows fills each segment with 16344 bytes; chntpw fills
			// its smaller cells up to their size rounded down to 8, as
			// regparser reads them. This rule reads both.
			n := min(h.cellSize(segOff)&^7, bigDataSegment, want-int64(len(out)))
			seg := h.read(segOff+4, n)
			out = append(out, seg...)
			if int64(len(seg)) < n {
				break
			}
		}
		return out
	}
	return h.read(cellOff+4, min(want, h.cellSize(cellOff)))
}

// read returns up to n bytes at off, fewer at the end of the file. Large
// data is read from the file directly, so it does not churn the page cache.
func (h *Hive) read(off, n int64) []byte {
	if n <= 0 || off >= h.reader.size {
		return []byte{}
	}
	n = min(n, h.reader.size-off)
	buf := make([]byte, n)
	var got int
	if n <= pageSize {
		got, _ = h.reader.ReadAt(buf, off)
	} else {
		got, _ = h.file.ReadAt(buf, off)
	}
	return buf[:got]
}
