package main

import (
	"bytes"
	"fmt"
	"strings"
)

// Value kinds a .reg file can hold.
const (
	kSZ = iota
	kExpandSZ
	kDword
	kBinary
	kMultiSZ
)

// regValue is one value of a .reg key section. Name "" is the default
// value (`@=`).
type regValue struct {
	Name  string
	Kind  int
	Str   string
	Dword uint32
	Bin   []byte
}

func sz(name, data string) regValue         { return regValue{Name: name, Kind: kSZ, Str: data} }
func expandSZ(name, data string) regValue   { return regValue{Name: name, Kind: kExpandSZ, Str: data} }
func dword(name string, v uint32) regValue  { return regValue{Name: name, Kind: kDword, Dword: v} }
func binVal(name string, b []byte) regValue { return regValue{Name: name, Kind: kBinary, Bin: b} }

// multiSZ is a REG_MULTI_SZ of items; its Str is the items one a line, as
// the data column shows them.
func multiSZ(name string, items ...string) regValue {
	return regValue{Name: name, Kind: kMultiSZ, Str: strings.Join(items, "\n")}
}

func (v regValue) typeName() string {
	switch v.Kind {
	case kExpandSZ:
		return "REG_EXPAND_SZ"
	case kDword:
		return "REG_DWORD"
	case kBinary:
		return "REG_BINARY"
	case kMultiSZ:
		return "REG_MULTI_SZ"
	}
	return "REG_SZ"
}

// regKey is one `[key]` section.
type regKey struct {
	Path   string
	Values []regValue
}

// regDoc is a .reg export: keys in the order they were first used.
type regDoc struct {
	keys  []*regKey
	index map[string]*regKey
}

func newRegDoc() *regDoc { return &regDoc{index: map[string]*regKey{}} }

// key returns the section for path, creating it (empty) on first use.
func (d *regDoc) key(path string) *regKey {
	k := strings.ToLower(path)
	if rk, ok := d.index[k]; ok {
		return rk
	}
	rk := &regKey{Path: path}
	d.index[k] = rk
	d.keys = append(d.keys, rk)
	return rk
}

func (d *regDoc) set(path string, v regValue) {
	rk := d.key(path)
	for _, old := range rk.Values {
		if strings.EqualFold(old.Name, v.Name) {
			panic(fmt.Sprintf("fixturegen: value %q set twice in %s", v.Name, path))
		}
	}
	rk.Values = append(rk.Values, v)
}

// regQuote escapes a name or string as regedit does: backslash and double
// quote are escaped, nothing else.
func regQuote(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, `"`, `\"`)
	return `"` + s + `"`
}

// hexLines renders `prefix` followed by comma-separated hex bytes, wrapped
// the way regedit wraps them: lines of at most 80 characters, ending in
// `,\`, continuation lines indented by two spaces.
func hexLines(prefix string, b []byte) string {
	var out strings.Builder
	line := prefix
	for i, c := range b {
		item := fmt.Sprintf("%02x", c)
		if i < len(b)-1 {
			item += ","
		}
		if len(line)+len(item) > 78 && i < len(b)-1 {
			out.WriteString(line + "\\\r\n")
			line = "  "
		}
		line += item
	}
	out.WriteString(line)
	return out.String()
}

func (v regValue) render() string {
	name := "@"
	if v.Name != "" {
		name = regQuote(v.Name)
	}
	switch v.Kind {
	case kExpandSZ:
		return hexLines(name+"=hex(2):", regSZ(v.Str))
	case kDword:
		return fmt.Sprintf("%s=dword:%08x", name, v.Dword)
	case kBinary:
		return hexLines(name+"=hex:", v.Bin)
	case kMultiSZ:
		return hexLines(name+"=hex(7):", regSZ(strings.ReplaceAll(v.Str, "\n", "\x00")+"\x00"))
	}
	return name + "=" + regQuote(v.Str)
}

// render writes the export as text with CRLF line endings, as regedit does.
func (d *regDoc) render() string {
	var b strings.Builder
	b.WriteString("Windows Registry Editor Version 5.00\r\n\r\n")
	for _, k := range d.keys {
		b.WriteString("[" + k.Path + "]\r\n")
		for _, v := range k.Values {
			b.WriteString(v.render() + "\r\n")
		}
		b.WriteString("\r\n")
	}
	return b.String()
}

// utf16File is the text as regedit saves it: UTF-16LE with a BOM.
func utf16File(text string) []byte {
	var buf bytes.Buffer
	buf.Write([]byte{0xFF, 0xFE})
	buf.Write(utf16le(text))
	return buf.Bytes()
}
