package autoruns

import (
	"strconv"
	"strings"

	"github.com/runkeyhunt/runkeyhunt/tables/catalog"
	"github.com/runkeyhunt/runkeyhunt/tables/cmdline"
	"github.com/runkeyhunt/runkeyhunt/tables/payload"
	"github.com/runkeyhunt/runkeyhunt/tables/registry"
)

// wantsValue reports whether a value of a location gives a row: numbers
// only at a KindFlags location, and there only with the location's Mask
// bits (an IFEO GlobalFlag without 0x200 arms nothing); anything else
// only when it is not a number.
func wantsValue(loc catalog.Location, v registry.Value) bool {
	if loc.Kind != catalog.KindFlags {
		return !isNumeric(v.Type)
	}
	// A REG_SZ GlobalFlag ("0x200") counts too: Windows' loader reads
	// either.
	n, err := strconv.ParseUint(strings.TrimSpace(v.String()), 0, 64)
	return err == nil && n&uint64(loc.Mask) != 0
}

// followed is what a value is scored on. A location whose value points
// elsewhere (catalog Follow: a CLSID's server, the monitor a GlobalFlag
// arms) is scored on the first target found, "" when none is; Windows'
// defaults are then compared with the value itself (changed), so the
// location returned has none left to compare. target is the value
// followed to, nil when none was found (or none is declared). Other
// locations score the data as it is.
func followed(hives []registry.Hive, h registry.Hive, loc catalog.Location, data string) (at catalog.Location, command string, changed bool, target *found) {
	if len(loc.Follow) == 0 {
		return loc, dllPath(loc.Kind, data), false, nil
	}
	changed = !loc.IsDefault(data)
	at = loc
	at.Defaulted, at.Defaults, at.ItemDefaults = false, nil, nil
	r := strings.NewReplacer("{data}", strings.TrimSpace(data), "{item}", loc.Item)
	info := h.Info()
	for _, f := range loc.Follow {
		var candidates []registry.Hive
		switch {
		case f.Scope == registry.ScopeUser && info.Scope == registry.ScopeUser:
			candidates = []registry.Hive{h} // the user's own classes
		case f.Scope == registry.ScopeMachine:
			candidates = hivesOfScope(hives, registry.ScopeMachine)
		}
		rel := r.Replace(f.Key)
		for _, c := range candidates {
			key, err := c.Key(rel)
			if err != nil {
				continue
			}
			v, ok := key.Value(f.Value)
			if !ok || isNumeric(v.Type) {
				continue
			}
			if f.Strong {
				at.Strong = []string{"*"}
			}
			// payload_ref as the catalog spells the reference; payload_path
			// as the hive stores the key (the case of its names may differ).
			ref := c.Info().Root + `\` + rel
			raw := v.Bytes()
			target = &found{ref: cmdline.Ref{Kind: cmdline.KindRegistry, Text: ref + `\` + ValueName(f.Value), Key: ref, ValueName: f.Value},
				path: key.Path + `\` + ValueName(v.Name), exists: true, raw: raw, decoded: payload.Decode(raw)}
			command = v.String()
			if loc.Kind == catalog.KindCLSID {
				command = dllPath(catalog.KindDLL, command)
			}
			return at, command, changed, target
		}
	}
	return at, "", changed, nil
}

// showTarget reports in the payload columns the registry value a row was
// followed to (payload_kind registry, payload_path that value), without
// the indicators of a command that reads code from the registry: the
// value is what Windows itself looks up.
func showTarget(row *Row, t *found) {
	if t == nil {
		return
	}
	row.PayloadKind, row.PayloadRef, row.PayloadPath, row.PayloadExists = string(t.ref.Kind), t.ref.Text, t.path, 1
	row.PayloadSize, row.PayloadSHA256, row.PayloadEntropy = int64(len(t.raw)), payload.SHA256Hex(t.raw), payload.Entropy(t.raw)
	row.PayloadEncoding, row.PayloadPreview = t.decoded.Encoding(), payload.Preview(t.decoded.Text)
}

// dllPath quotes the data of a location whose data is one DLL path (a
// class's InprocServer32 too): Windows loads it whole, spaces included
// (`C:\Program Files\Common Files\...\TortoiseOverlays.dll`), where a
// command line would split at the first blank.
func dllPath(kind, data string) string {
	d := strings.TrimSpace(data)
	if kind != catalog.KindDLL || d == "" || strings.HasPrefix(d, `"`) || !strings.Contains(d, " ") {
		return data
	}
	return `"` + d + `"`
}
