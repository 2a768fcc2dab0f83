package autoruns

import (
	"strconv"
	"strings"

	"github.com/runkeyhunt/runkeyhunt/tables/catalog"
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
// location returned has none left to compare. Other locations score the
// data as it is.
func followed(hives []registry.Hive, h registry.Hive, loc catalog.Location, data string) (at catalog.Location, command string, changed bool) {
	if len(loc.Follow) == 0 {
		return loc, data, false
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
			return at, v.String(), changed
		}
	}
	return at, "", changed
}
