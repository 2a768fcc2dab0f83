// Package autoruns walks the autorun locations of a registry view, follows
// each command's payload references to the payload, decodes and scores it.
// It is plain Go on the registry model: the run_key_payloads table plugin
// only turns its rows into osquery rows.
package autoruns

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/runkeyhunt/runkeyhunt/tables/catalog"
	"github.com/runkeyhunt/runkeyhunt/tables/cmdline"
	"github.com/runkeyhunt/runkeyhunt/tables/evidence"
	"github.com/runkeyhunt/runkeyhunt/tables/indicators"
	"github.com/runkeyhunt/runkeyhunt/tables/payload"
	"github.com/runkeyhunt/runkeyhunt/tables/registry"
)

// DefaultValueName is how osquery's registry table names a key's default
// value, in `name` and at the end of `path`.
const DefaultValueName = "(Default)"

// Row is one autorun value and one payload reference.
type Row struct {
	Key             string
	Path            string
	Name            string
	Type            string
	Data            string
	Mtime           int64
	Location        string
	Scope           string
	SID             string
	Username        string
	Enabled         int
	Image           string
	Arguments       string
	PayloadKind     string
	PayloadRef      string
	PayloadPath     string
	PayloadExists   int
	PayloadSize     int64
	PayloadSHA256   string
	PayloadEntropy  float64
	PayloadEncoding string
	PayloadPreview  string
	Indicators      string
	Score           int
	Verdict         string
	SourceFile      string
	ImageEvidence
	// Flood marks a benign row of a flood-controlled location (services,
	// COM, App Paths), kept only by a Scanner with KeepFlood.
	Flood bool
}

// VisibleRows drops the Flood rows whose location the query did not ask
// for (asked: the location ids it constrains with =).
func VisibleRows(rows []Row, asked []string) []Row {
	out := rows[:0:0]
	for _, r := range rows {
		if r.Flood && !slices.Contains(asked, r.Location) {
			continue
		}
		out = append(out, r)
	}
	return out
}

// Resolver reads payloads that live outside the registry. Offline input has
// none (such payloads are reported with payload_exists = 0); the live
// Windows source reads files, alternate data streams and event-log records.
type Resolver interface {
	// ReadFile reads at most limit bytes of a file or `file:stream`.
	ReadFile(path string, limit int64) ([]byte, error)
	// ReadEventLog returns the binary data of the newest record with the
	// event id in the log, at most limit bytes.
	ReadEventLog(log string, eventID int, limit int64) ([]byte, error)
}

// ErrPayloadNotFound is what a Resolver returns for a missing payload.
var ErrPayloadNotFound = errors.New("payload not found")

// Scanner produces run_key_payloads rows from a registry view.
type Scanner struct {
	// KeepFlood keeps the benign rows of flood-controlled locations, marked
	// Flood (VisibleRows filters them per query).
	KeepFlood bool
	View      registry.View
	Resolver  Resolver                                  // nil: only registry payloads resolve
	Env       func(registry.HiveInfo) map[string]string // nil: DefaultEnv
	Warn      func(error)                               // nil: warnings dropped
	Images    evidence.ImageInspector                   // nil: no image_* columns

	// memo is set on the copy of the Scanner one Scan runs with, hive the
	// current hive's part of it; nil outside Scan (ValueIndicators).
	memo *scanMemo
	hive *envMemo
	// probe: this round only follows references, so that hives reading
	// keys on demand learn which they need; no row is scored.
	probe bool
}

// maxNesting bounds how deep decoded payloads are searched for further
// references (an -enc command whose text reads a registry value, ...).
const maxNesting = 2

// maxFetchRounds bounds how often Scan asks hives that read keys on
// demand (registry.Fetcher) for the keys a round found missing: references
// nest maxNesting deep, so maxNesting+1 fetches find every one.
const maxFetchRounds = maxNesting + 2

// Scan walks every autorun location of every hive. It stops when ctx is
// done, returning the rows so far and the wrapped ctx.Err().
//
// A hive that reads keys on demand (a streamed .reg) answers ErrNotFound
// for a referenced key it has not read yet: Scan then fetches the keys the
// round asked for and scans again, so the rows of the last round are those
// every key being in memory would give. Warnings are those of the last
// round.
func (s *Scanner) Scan(ctx context.Context) ([]Row, error) {
	hives, err := s.View.Hives()
	if err != nil {
		return nil, fmt.Errorf("list hives: %w", err)
	}
	run := *s // this Scan's memo lives on its own copy
	run.probe = slices.ContainsFunc(hives, func(h registry.Hive) bool { _, ok := h.(registry.Fetcher); return ok })
	run.memo = newScanMemo(run.probe)
	return run.scan(ctx, hives)
}

func (s *Scanner) scan(ctx context.Context, hives []registry.Hive) ([]Row, error) {
	// While a hive still fetches the keys references name (s.probe is set
	// when one can), rounds only follow references; the last round, once
	// nothing more is fetched, scores: every value is scored once. The
	// switch is one round more than without probing.
	rounds := maxFetchRounds
	if s.probe {
		rounds++
	}
	for round := 0; ; round++ {
		var warnings []error
		rows, err := s.scanOnce(ctx, hives, func(e error) { warnings = append(warnings, e) })
		if err != nil {
			s.warnAll(warnings)
			return rows, err
		}
		fetched := false
		if round < rounds {
			for _, h := range hives {
				f, ok := h.(registry.Fetcher)
				if !ok {
					continue
				}
				got, err := f.Fetch(ctx, s.warn)
				if err != nil {
					if ctx.Err() != nil {
						return rows, fmt.Errorf("scan registry: %w", err)
					}
					s.warn(err)
				}
				fetched = fetched || got
			}
		}
		if !fetched {
			if s.probe {
				s.probe = false
				continue
			}
			s.warnAll(warnings)
			return rows, nil
		}
	}
}

func (s *Scanner) scanOnce(ctx context.Context, hives []registry.Hive, warn func(error)) ([]Row, error) {
	var rows []Row
	for i, h := range hives {
		info := h.Info()
		s.hive = s.memo.forHive(i, func() map[string]string { return s.env(info) })
		env := s.hive.env // once per Scan and hive: every value and round share it
		indirect := indirectEnv(hives, h, env)
		for _, loc := range s.memo.locations(info.Scope) {
			if err := ctx.Err(); err != nil {
				return rows, fmt.Errorf("scan registry: %w", err)
			}
			// The location's rows go straight to the end of rows.
			start := len(rows)
			var err error
			rows, err = s.scanLocation(ctx, hives, h, env, indirect, loc, rows, warn)
			// A rescan after a fetch inspects again; the inspectors cache
			// per path, size and mtime, so that costs a lookup.
			s.addImageEvidence(ctx, rows[start:], env)
			if err != nil {
				return rows, err
			}
		}
	}
	return rows, nil
}

func (s *Scanner) warn(err error) {
	if s.Warn != nil {
		s.Warn(err)
	}
}

func (s *Scanner) warnAll(errs []error) {
	for _, e := range errs {
		s.warn(e)
	}
}

func (s *Scanner) env(info registry.HiveInfo) map[string]string {
	if s.Env != nil {
		return s.Env(info)
	}
	return DefaultEnv(info)
}

// locationKeys reads the keys whose values are the location's autoruns:
// its key, or each of its subkeys (read in one walk where the hive can).
func (s *Scanner) locationKeys(ctx context.Context, h registry.Hive, loc catalog.Location, warn func(error)) ([]*registry.Key, error) {
	for _, key := range catalog.ControlSetKeys(loc.Key) {
		keys, found, err := s.locationKeysAt(ctx, h, loc, key, warn)
		if err != nil || found {
			return keys, err
		}
	}
	return nil, nil
}

// locationKeysAt is locationKeys at one path of the location's key; found
// is false when the key does not exist there.
func (s *Scanner) locationKeysAt(ctx context.Context, h registry.Hive, loc catalog.Location, at string, warn func(error)) ([]*registry.Key, bool, error) {
	if sr, ok := h.(registry.SubkeyReader); ok && loc.Subkeys {
		parent, subs, err := sr.Subkeys(ctx, at)
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return nil, false, fmt.Errorf("scan registry: %w", err)
			}
			if !errors.Is(err, registry.ErrNotFound) {
				warn(fmt.Errorf("read %s\\%s: %w", h.Info().Root, at, err))
			}
		}
		if parent == nil {
			return nil, false, nil
		}
		if loc.Suffix != "" {
			return suffixKeys(ctx, h, at, loc.Suffix, subs, warn)
		}
		return subs, true, nil
	}
	key, err := h.Key(at)
	if err != nil {
		if !errors.Is(err, registry.ErrNotFound) {
			warn(fmt.Errorf("read %s\\%s: %w", h.Info().Root, at, err))
		}
		return nil, false, nil
	}
	if !loc.Subkeys {
		return []*registry.Key{key}, true, nil
	}
	var keys []*registry.Key
	for _, name := range key.Subkeys {
		if err := ctx.Err(); err != nil {
			return nil, true, fmt.Errorf("scan registry: %w", err)
		}
		rel := at + `\` + name
		if loc.Suffix != "" {
			rel += `\` + loc.Suffix
		}
		sub, err := h.Key(rel)
		if err != nil {
			if loc.Suffix == "" || !errors.Is(err, registry.ErrNotFound) {
				warn(fmt.Errorf("read %s\\%s: %w", key.Path, name, err))
			}
			continue
		}
		keys = append(keys, sub)
	}
	return keys, true, nil
}

// suffixKeys looks up the Suffix key below each subkey the walk read, only
// where the subkey lists its first component: RunOnceEx\*\Depend costs no
// lookup per RunOnceEx item without one.
func suffixKeys(ctx context.Context, h registry.Hive, at, suffix string, subs []*registry.Key, warn func(error)) ([]*registry.Key, bool, error) {
	first, _, _ := strings.Cut(suffix, `\`)
	var keys []*registry.Key
	for _, sub := range subs {
		if err := ctx.Err(); err != nil {
			return nil, true, fmt.Errorf("scan registry: %w", err)
		}
		if !slices.ContainsFunc(sub.Subkeys, func(n string) bool { return strings.EqualFold(n, first) }) {
			continue
		}
		name := sub.Path[strings.LastIndexByte(sub.Path, '\\')+1:]
		k, err := h.Key(at + `\` + name + `\` + suffix)
		if err != nil {
			if !errors.Is(err, registry.ErrNotFound) {
				warn(fmt.Errorf("read %s\\%s: %w", sub.Path, suffix, err))
			}
			continue
		}
		keys = append(keys, k)
	}
	return keys, true, nil
}

// scanLocation appends the location's rows to rows.
func (s *Scanner) scanLocation(ctx context.Context, hives []registry.Hive, h registry.Hive, env, indirect map[string]string, loc catalog.Location, rows []Row, warn func(error)) ([]Row, error) {
	keys, err := s.locationKeys(ctx, h, loc, warn)
	if err != nil || len(keys) == 0 {
		return rows, err
	}
	var approved *registry.Key
	if loc.Approved != "" {
		approved, _ = h.Key(loc.Approved)
	}
	var shadowed map[string]bool
	if loc.Shadows != "" {
		shadowed = machineSubkeys(hives, loc.Shadows)
	}
	for _, k := range keys {
		if err := ctx.Err(); err != nil {
			return rows, fmt.Errorf("scan registry: %w", err)
		}
		at := loc
		at.Item = loc.ItemOf(k.Path)
		at.Shadowing = at.Item != "" && shadowed[strings.ToLower(at.Item)]
		for _, v := range k.Values {
			if !loc.MatchesValue(v.Name) || !wantsValue(loc, v) {
				continue
			}
			for _, row := range s.valueRows(hives, h, env, indirect, at, k, v, approved, warn) {
				// A flood location gives a row only for a value that is not
				// benign (README "Autostart locations").
				if loc.Flood && row.Verdict == indicators.Verdict(0) {
					if !s.KeepFlood {
						continue
					}
					row.Flood = true
				}
				rows = append(rows, row)
			}
		}
	}
	return rows, nil
}

// machineSubkeys is the set of subkey names (lower case) of the machine
// key rel, over every machine hive: read once per location.
func machineSubkeys(hives []registry.Hive, rel string) map[string]bool {
	out := map[string]bool{}
	for _, h := range hives {
		if h.Info().Scope != registry.ScopeMachine {
			continue
		}
		if k, err := h.Key(rel); err == nil {
			for _, name := range k.Subkeys {
				out[strings.ToLower(name)] = true
			}
		}
	}
	return out
}

func isNumeric(t uint32) bool {
	return t == registry.RegDWORD || t == registry.RegDWORDBigEndian || t == registry.RegQWORD
}

// ValueName renders a value name as the name column shows it: the default
// value as osquery names it, a NUL escaped as \0.
func ValueName(name string) string {
	if name == "" {
		return DefaultValueName
	}
	return strings.ReplaceAll(name, "\x00", `\0`)
}

func (s *Scanner) valueRows(hives []registry.Hive, h registry.Hive, env, indirect map[string]string, loc catalog.Location, k *registry.Key, v registry.Value, approved *registry.Key, warn func(error)) []Row {
	info := h.Info()
	data := v.String()
	if s.probe {
		s.probeValue(hives, h, env, indirect, data, warn)
		return nil
	}
	name := ValueName(v.Name)
	base := Row{
		Key:        k.Path,
		Path:       k.Path + `\` + name,
		Name:       name,
		Type:       registry.TypeName(v.Type),
		Data:       data,
		Location:   loc.ID,
		Scope:      info.Scope,
		SID:        info.SID,
		Username:   info.Username,
		Enabled:    1,
		SourceFile: info.SourceFile,
	}
	if !k.ModTime.IsZero() {
		base.Mtime = k.ModTime.Unix()
	}
	if k.SourceFile != "" {
		base.SourceFile = k.SourceFile // the user's UsrClass.dat
	}
	if approved != nil {
		if a, ok := approved.Value(v.Name); ok && !catalog.Enabled(a.Data) {
			base.Enabled = 0
		}
	}
	at, command, changed, target := followed(hives, h, loc, data)
	common, scored := commonIndicators(at, v.Name, command, env, indirect)
	if changed {
		common.Add(loc.Changed)
	}
	if loc.IsItemDefault(data) {
		common = indicators.Set{} // Windows' own value for the item
	}
	base.Image, base.Arguments = scored.split.Image, scored.split.Arguments
	showTarget(&base, target)

	var rows []Row
	founds := s.followCommand(hives, h, env, scored, warn)
	for _, ref := range profileRefs(scored, env) {
		founds = append(founds, s.resolve(hives, h, ref, warn)...)
	}
	for _, f := range founds {
		row := base
		set := indicators.Set{}
		for id := range common {
			set.Add(id)
		}
		f.apply(&row, set)
		dropAdminScript(set, scored, env)
		row.Indicators = set.String()
		row.Score = set.Score()
		row.Verdict = indicators.Verdict(row.Score)
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		dropAdminScript(common, scored, env)
		base.Indicators = common.String()
		base.Score = common.Score()
		base.Verdict = indicators.Verdict(base.Score)
		rows = append(rows, base)
	}
	return rows
}

func hiddenName(name string) bool {
	for _, r := range name {
		if r == 0 || !unicode.IsPrint(r) && !unicode.IsSpace(r) {
			return true
		}
	}
	return false
}

// found is one resolved payload reference.
type found struct {
	ref     cmdline.Ref
	path    string
	exists  bool
	raw     []byte
	decoded payload.Result
	// text and norm are decoded.Text and its cmdline.Normalize form, each
	// with its lowered copy, once followRefs has made them (textsDone):
	// the reference and the indicator scans share them.
	text, norm cmdline.Lowered
	textsDone  bool
}

// texts returns f.decoded.Text and its normalised form, lowered, made once.
func (f *found) texts() (text, norm cmdline.Lowered) {
	if !f.textsDone {
		f.text = cmdline.Lower(f.decoded.Text)
		f.norm = cmdline.NormalizeLowered(f.text)
		f.textsDone = true
	}
	return f.text, f.norm
}

var kindIndicator = map[cmdline.Kind]string{
	cmdline.KindRegistry: indicators.RegistryPayload,
	cmdline.KindADS:      indicators.ADSPayload,
	cmdline.KindEventLog: indicators.EventlogPayload,
	cmdline.KindFile:     indicators.ScriptFilePayload,
}

// highEntropyBits and highEntropyMinBytes: compressed or encrypted stages
// sit near 8 bits per byte; script text and base64 stay below 6, so the
// test is on the binary stages the decoder met, not on the base64 text.
const (
	highEntropyBits     = 7.0
	highEntropyMinBytes = 64
)

func (f found) apply(row *Row, set indicators.Set) {
	row.PayloadKind = string(f.ref.Kind)
	row.PayloadRef = f.ref.Text
	row.PayloadPath = f.path
	set.Add(kindIndicator[f.ref.Kind])
	if f.ref.Kind == cmdline.KindFile && UserWritable(f.path) {
		set.Add(indicators.UserWritableImage)
	}
	if f.ref.Kind == cmdline.KindInline {
		set.Add(indicators.EncodedCommand)
	}
	if !f.exists {
		return
	}
	row.PayloadExists = 1
	row.PayloadSize = int64(len(f.raw))
	row.PayloadSHA256 = payload.SHA256Hex(f.raw)
	row.PayloadEntropy = payload.Entropy(f.raw)
	row.PayloadEncoding = f.decoded.Encoding()
	row.PayloadPreview = payload.Preview(f.decoded.Text)
	text, norm := f.texts()
	set.Add(payload.TextIndicatorsLowered(text, norm)...)
	if f.decoded.Compressed {
		set.Add(indicators.CompressedPayload)
	}
	if len(f.raw) >= highEntropyMinBytes && max(row.PayloadEntropy, f.decoded.BinaryEntropy) >= highEntropyBits {
		set.Add(indicators.HighEntropy)
	}
}

// followCommand resolves the references in a value's command; decoded
// inline payloads are searched again for references (up to maxNesting), so
// an -enc command that reads a registry value still leads to that value.
func (s *Scanner) followCommand(hives []registry.Hive, h registry.Hive, env map[string]string, cmd *command, warn func(error)) []found {
	return s.followRefs(hives, h, env, s.hive.extractRefsLowered(cmd.text, cmd.normText, env), 0, warn)
}

func (s *Scanner) followRefs(hives []registry.Hive, h registry.Hive, env map[string]string, refs []cmdline.Ref, depth int, warn func(error)) []found {
	var out []found
	for _, ref := range refs {
		for _, f := range s.resolve(hives, h, ref, warn) {
			if f.exists && depth < maxNesting && f.decoded.Text != "" {
				// The decoded text is lowered and normalised once, for its
				// references here and its indicators in apply.
				text, norm := f.texts()
				out = append(out, f)
				inner := s.hive.extractRefsLowered(text, norm, env)
				out = append(out, s.followRefs(hives, h, env, inner, depth+1, warn)...)
				continue
			}
			out = append(out, f)
		}
	}
	return out
}

func (s *Scanner) resolve(hives []registry.Hive, h registry.Hive, ref cmdline.Ref, warn func(error)) []found {
	switch ref.Kind {
	case cmdline.KindRegistry:
		return s.resolveRegistry(hives, h, ref)
	case cmdline.KindInline:
		raw := []byte(ref.Data)
		return []found{{ref: ref, exists: true, raw: raw, decoded: s.memo.decode(raw)}}
	case cmdline.KindEventLog:
		log := ref.Log
		if log == "" {
			log = "Application"
		}
		f := found{ref: ref, path: fmt.Sprintf("%s:EventID=%d", log, ref.EventID)}
		if s.Resolver != nil {
			raw, err := s.Resolver.ReadEventLog(log, ref.EventID, payload.MaxExpanded)
			s.fill(&f, raw, err, warn)
		}
		return []found{f}
	case cmdline.KindADS, cmdline.KindFile:
		f := found{ref: ref, path: ref.Path}
		if s.Resolver != nil {
			raw, err := s.Resolver.ReadFile(ref.Path, payload.MaxExpanded)
			s.fill(&f, raw, err, warn)
		}
		return []found{f}
	}
	return nil
}

func (s *Scanner) fill(f *found, raw []byte, err error, warn func(error)) {
	if err != nil {
		if !errors.Is(err, ErrPayloadNotFound) {
			warn(fmt.Errorf("read payload %s: %w", f.path, err))
		}
		return
	}
	f.exists, f.raw, f.decoded = true, raw, s.memo.decode(raw)
}

// resolveRegistry finds the hives a registry reference can mean: HKCU is
// the user whose hive holds the autorun (every user for a machine autorun),
// HKLM the machine (HKCR: too, which registry.ParsePath maps to its
// SOFTWARE\Classes), HKU\<SID> that user.
func (s *Scanner) resolveRegistry(hives []registry.Hive, h registry.Hive, ref cmdline.Ref) []found {
	p, ok := registry.ParsePath(ref.Key)
	if !ok {
		return []found{{ref: ref, path: ref.Key}}
	}
	var info registry.HiveInfo
	if h != nil {
		info = h.Info()
	}
	var candidates []registry.Hive
	rel := p.Rel
	switch p.Root {
	case registry.HKCU:
		if info.Scope == registry.ScopeUser {
			candidates = []registry.Hive{h}
		} else {
			candidates = hivesOfScope(hives, registry.ScopeUser)
		}
	case registry.HKLM:
		candidates = hivesOfScope(hives, registry.ScopeMachine)
	case registry.HKU:
		sid, rest := registry.SplitUser(rel)
		rel = rest
		for _, c := range hives {
			if strings.EqualFold(c.Info().SID, sid) {
				candidates = append(candidates, c)
			}
		}
	}
	var out []found
	for _, c := range candidates {
		key, err := c.Key(rel)
		if err != nil {
			continue
		}
		v, ok := key.Value(ref.ValueName)
		if !ok {
			continue
		}
		raw := v.Bytes()
		out = append(out, found{ref: ref, path: key.Path + `\` + ValueName(v.Name), exists: true, raw: raw, decoded: s.memo.decode(raw)})
	}
	if len(out) == 0 {
		missing := registry.Path{Root: p.Root, Rel: p.Rel}.String()
		if p.Root == registry.HKCU && info.Scope == registry.ScopeUser {
			missing = registry.Path{Root: registry.Root(info.Root), Rel: p.Rel}.String()
		}
		out = append(out, found{ref: ref, path: missing + `\` + ValueName(ref.ValueName)})
	}
	return out
}

func hivesOfScope(hives []registry.Hive, scope string) []registry.Hive {
	var out []registry.Hive
	for _, h := range hives {
		if h.Info().Scope == scope {
			out = append(out, h)
		}
	}
	return out
}
