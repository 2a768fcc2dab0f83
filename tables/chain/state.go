package chain

import (
	"strings"

	"github.com/runkeyhunt/runkeyhunt/tables/registry"
)

// RegistryState replays the SetValue and DeleteValue rows in order into
// in-memory hives: the registry as the events left it, for the autorun
// values and payloads they wrote. run_key_payloads reads it when a source
// holds Sysmon events but no registry input, so the table's JOIN on path
// still finds the command and its payload.
func RegistryState(rows []*Row) registry.View {
	hives := map[string]*registry.MemHive{}
	var order []string
	for _, r := range rows {
		root, keyRel, ok := r.keyOf()
		if !ok {
			continue
		}
		h := hives[root]
		if h == nil {
			info := registry.HiveInfo{Root: root, Scope: r.Scope, SID: r.SID, SourceFile: r.SourceFile}
			h = registry.NewMemHive(info)
			hives[root] = h
			order = append(order, root)
		}
		switch r.EventType {
		case "SetValue":
			if binaryDetails(r.Details) {
				continue
			}
			h.CreateKey(keyRel, r.Time)
			h.SetValue(keyRel, registry.Value{Name: r.ValueName, Type: registry.RegSZ, Data: registry.EncodeUTF16(r.Details)})
		case "DeleteValue":
			h.DeleteValue(keyRel, r.ValueName)
		}
	}
	view := make(registry.StaticView, 0, len(order))
	for _, root := range order {
		view = append(view, hives[root])
	}
	return view
}

// keyOf splits the row's canonical path into the hive root and the key
// relative to it.
func (r Row) keyOf() (root, keyRel string, ok bool) {
	if r.EventType != "SetValue" && r.EventType != "DeleteValue" {
		return "", "", false
	}
	root = string(registry.HKLM)
	if r.Scope == registry.ScopeUser {
		root = `HKEY_USERS\` + r.SID
	}
	rel := strings.TrimPrefix(r.Path, root+`\`)
	if rel == r.Path {
		return "", "", false
	}
	i := strings.LastIndexByte(rel, '\\')
	if i < 0 {
		return "", "", false
	}
	return root, rel[:i], true
}

// binaryDetails: Sysmon renders non-string values as "DWORD (0x...)",
// "QWORD (...)" or "Binary Data"; they are not commands or payload text.
func binaryDetails(d string) bool {
	return strings.HasPrefix(d, "DWORD (") || strings.HasPrefix(d, "QWORD (") || d == "Binary Data"
}
