// Package registry is the read-only registry model every source implements:
// hives of keys and typed values, addressed by paths relative to the hive
// root. The live Windows registry, .reg exports and regf hive files all
// present themselves as Hives, so the tables never know where data came from.
package registry

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/runkeyhunt/runkeyhunt/internal/utf16ascii"
)

// ErrNotFound is returned when a key does not exist in a hive.
var ErrNotFound = errors.New("registry key not found")

// Value types, as winnt.h numbers them.
const (
	RegNone                     uint32 = 0
	RegSZ                       uint32 = 1
	RegExpandSZ                 uint32 = 2
	RegBinary                   uint32 = 3
	RegDWORD                    uint32 = 4
	RegDWORDBigEndian           uint32 = 5
	RegLink                     uint32 = 6
	RegMultiSZ                  uint32 = 7
	RegResourceList             uint32 = 8
	RegFullResourceDescriptor   uint32 = 9
	RegResourceRequirementsList uint32 = 10
	RegQWORD                    uint32 = 11
)

var typeNames = map[uint32]string{
	RegNone: "REG_NONE", RegSZ: "REG_SZ", RegExpandSZ: "REG_EXPAND_SZ", RegBinary: "REG_BINARY",
	RegDWORD: "REG_DWORD", RegDWORDBigEndian: "REG_DWORD_BIG_ENDIAN", RegLink: "REG_LINK",
	RegMultiSZ: "REG_MULTI_SZ", RegResourceList: "REG_RESOURCE_LIST",
	RegFullResourceDescriptor: "REG_FULL_RESOURCE_DESCRIPTOR", RegResourceRequirementsList: "REG_RESOURCE_REQUIREMENTS_LIST",
	RegQWORD: "REG_QWORD",
}

// TypeName returns osquery's name for a value type.
func TypeName(t uint32) string {
	if n, ok := typeNames[t]; ok {
		return n
	}
	return fmt.Sprintf("REG_UNKNOWN_%d", t)
}

// MaxValueBytes bounds what any source keeps of one value's data; payloads
// are never decoded past 16 MiB either.
const MaxValueBytes = 16 << 20

// Value is one registry value with its raw data as stored (strings are
// UTF-16LE, as in the registry itself).
type Value struct {
	Name string // "" is the key's default value
	Type uint32
	Data []byte
}

// String renders the data as osquery's registry table does: strings
// decoded, MULTI_SZ one string per line, DWORD/QWORD in decimal, anything
// else as hex.
func (v Value) String() string {
	switch v.Type {
	case RegSZ, RegExpandSZ, RegLink:
		return DecodeUTF16(v.Data)
	case RegMultiSZ:
		parts := strings.Split(strings.TrimRight(DecodeUTF16Raw(v.Data), "\x00"), "\x00")
		return strings.Join(parts, "\n")
	case RegDWORD:
		if len(v.Data) >= 4 {
			return fmt.Sprint(binary.LittleEndian.Uint32(v.Data))
		}
	case RegDWORDBigEndian:
		if len(v.Data) >= 4 {
			return fmt.Sprint(binary.BigEndian.Uint32(v.Data))
		}
	case RegQWORD:
		if len(v.Data) >= 8 {
			return fmt.Sprint(binary.LittleEndian.Uint64(v.Data))
		}
	}
	return fmt.Sprintf("%x", v.Data)
}

// Bytes returns the value as the payload bytes a loader would read: the
// text for string types (as UTF-8), raw data otherwise.
func (v Value) Bytes() []byte {
	switch v.Type {
	case RegSZ, RegExpandSZ, RegLink:
		return decodeUTF16Bytes(v.Data)
	case RegMultiSZ:
		return []byte(v.String())
	}
	return v.Data
}

// decodeUTF16Bytes is DecodeUTF16 into bytes, without the string copy.
func decodeUTF16Bytes(b []byte) []byte {
	// Most string data is ASCII: narrowed whole, it ends at its first NUL
	// byte, found at memory speed rather than one unit at a time.
	if out, ok := utf16ascii.Narrow(b[:len(b)&^1]); ok {
		if i := bytes.IndexByte(out, 0); i >= 0 {
			return out[:i]
		}
		return out
	}
	for i := 0; i+1 < len(b); i += 2 {
		if b[i] == 0 && b[i+1] == 0 {
			b = b[:i]
			break
		}
	}
	if out, ok := utf16ascii.Narrow(b[:len(b)&^1]); ok {
		return out
	}
	return []byte(DecodeUTF16Raw(b))
}

// DecodeUTF16 decodes UTF-16LE registry string data up to the first NUL.
func DecodeUTF16(b []byte) string {
	for i := 0; i+1 < len(b); i += 2 {
		if b[i] == 0 && b[i+1] == 0 {
			return DecodeUTF16Raw(b[:i])
		}
	}
	return DecodeUTF16Raw(b)
}

// DecodeUTF16Raw decodes UTF-16LE data, keeping NULs. An odd trailing byte
// is dropped; invalid surrogates become U+FFFD.
func DecodeUTF16Raw(b []byte) string {
	b = b[:len(b)&^1]
	// Fast path: most registry strings are ASCII, one byte per code unit.
	if ascii, ok := utf16ascii.Narrow(b); ok {
		return string(ascii)
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}

// EncodeUTF16 encodes s as NUL-terminated UTF-16LE registry string data.
// Invalid UTF-8 becomes U+FFFD.
func EncodeUTF16(s string) []byte {
	if ascii(s) { // most registry strings: one code unit a byte
		out := make([]byte, 2*len(s)+2)
		for i := 0; i < len(s); i++ {
			out[2*i] = s[i]
		}
		return out
	}
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	out := make([]byte, 0, 2*n+2)
	for _, r := range s {
		if r >= 0x10000 {
			hi, lo := utf16.EncodeRune(r)
			out = binary.LittleEndian.AppendUint16(out, uint16(hi))
			out = binary.LittleEndian.AppendUint16(out, uint16(lo))
			continue
		}
		if 0xD800 <= r && r < 0xE000 {
			r = 0xFFFD // as utf16.Encode writes a surrogate code point
		}
		out = binary.LittleEndian.AppendUint16(out, uint16(r))
	}
	return append(out, 0, 0)
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// Key is one key: its full canonical path, last write time, subkey names and values.
type Key struct {
	Path    string
	ModTime time.Time
	Subkeys []string
	Values  []Value
	// SourceFile is the file the key was read from when it is not the
	// hive's own (a user's classes hive read through UserClasses); "" else.
	SourceFile string
}

// Value returns the named value (case-insensitive; "" for the default).
func (k *Key) Value(name string) (Value, bool) {
	for _, v := range k.Values {
		if strings.EqualFold(v.Name, name) {
			return v, true
		}
	}
	return Value{}, false
}

// Scope of a hive.
const (
	ScopeMachine = "machine"
	ScopeUser    = "user"
)

// HiveInfo says whose hive it is and where it was read from.
type HiveInfo struct {
	// Root is the canonical prefix of every path in the hive:
	// "HKEY_LOCAL_MACHINE", "HKEY_USERS\<SID>", or "HKEY_CURRENT_USER" for a
	// user hive whose SID is unknown (a .reg export of HKCU, an NTUSER.DAT
	// with no ProfileList to map it).
	Root       string
	Scope      string
	SID        string
	Username   string
	Source     string // "live", or the offline input
	SourceFile string // the file it was read from; empty for live
}

// Hive is one read-only hive. Paths are relative to the hive root, any case,
// e.g. `SOFTWARE\Microsoft\Windows\CurrentVersion\Run` for the machine hive
// and `Software\Microsoft\...` for a user hive.
type Hive interface {
	Info() HiveInfo
	Key(rel string) (*Key, error)
}

// SubkeyReader is implemented by hives that read a key and all of its
// subkeys in one walk (hive files), rather than one lookup per subkey name.
// Each subkey is returned once, in index order. With an error, what was
// read before it may still be returned.
type SubkeyReader interface {
	Subkeys(ctx context.Context, rel string) (parent *Key, subkeys []*Key, err error)
}

// Fetcher is implemented by hives that read keys on demand in batches (a
// streamed .reg export keeps only the autorun locations in memory): Key
// answers ErrNotFound for a key not read yet and remembers the request;
// Fetch reads every remembered key in one pass over the input and reports
// whether there were any. A reader asks again after a Fetch that did.
type Fetcher interface {
	Fetch(ctx context.Context, warn func(error)) (fetched bool, err error)
}

// View is a set of hives: the live registry, or an offline collection.
type View interface {
	Hives() ([]Hive, error)
}

// StaticView is a View over a fixed list of hives.
type StaticView []Hive

// Hives returns the list.
func (v StaticView) Hives() ([]Hive, error) { return v, nil }
