// Package live reads the running Windows system: the registry through the
// registry API (read-only, 64-bit view, WOW6432Node keys as they appear
// under SOFTWARE), the NTUSER.DAT of profiles whose hive is not loaded
// through the offline hive reader, and the payloads autorun commands point
// at outside the registry (files, alternate data streams, Application
// event-log record data).
//
// This file holds what does not need Windows, so that it is tested on any
// OS: the access mask, the rules for which HKEY_USERS subkeys and
// ProfileList entries are hives of their own, and the parsing of payload
// paths and rendered event-log records.
package live

import (
	"bytes"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Access rights, as winnt.h numbers them. Declared here rather than taken
// from x/sys/windows so that the read-only check runs on every OS.
const (
	keyQueryValue       uint32 = 0x0001
	keySetValue         uint32 = 0x0002
	keyCreateSubKey     uint32 = 0x0004
	keyEnumerateSubKeys uint32 = 0x0008
	keyNotify           uint32 = 0x0010
	keyCreateLink       uint32 = 0x0020
	keyWow64_64Key      uint32 = 0x0100
	keyWow64_32Key      uint32 = 0x0200
	accessDelete        uint32 = 0x00010000
	readControl         uint32 = 0x00020000
	writeDAC            uint32 = 0x00040000
	writeOwner          uint32 = 0x00080000
	accessSystemSec     uint32 = 0x01000000
	maximumAllowed      uint32 = 0x02000000
	genericAll          uint32 = 0x10000000
	genericExecute      uint32 = 0x20000000
	genericWrite        uint32 = 0x40000000
	genericRead         uint32 = 0x80000000

	// keyRead is KEY_READ: STANDARD_RIGHTS_READ | KEY_QUERY_VALUE |
	// KEY_ENUMERATE_SUB_KEYS | KEY_NOTIFY.
	keyRead = readControl | keyQueryValue | keyEnumerateSubKeys | keyNotify
)

// KeyAccess is the one access mask the live source opens registry keys
// with: KEY_READ in the 64-bit view. The 32-bit view is read through the
// WOW6432Node keys under SOFTWARE, which the 64-bit view shows as they are.
const KeyAccess = keyRead | keyWow64_64Key

// writeRights are the rights that could change a key, its security or its
// values, or that grant whatever the ACL allows (MAXIMUM_ALLOWED,
// GENERIC_ALL).
const writeRights = keySetValue | keyCreateSubKey | keyCreateLink | accessDelete |
	writeDAC | writeOwner | accessSystemSec | maximumAllowed | genericAll | genericWrite

// ReadOnly reports whether an access mask asks for nothing but reading.
func ReadOnly(mask uint32) bool { return mask&writeRights == 0 }

// errWriteAccess is returned, without touching the registry, for a mask
// that is not read-only.
var errWriteAccess = errors.New("refusing to open a registry key with write access")

// isUserHive reports whether a subkey of HKEY_USERS is a user hive of its
// own: per-user class hives (<SID>_Classes) are merged into HKCU\Software\
// Classes and are not separate users, and .DEFAULT is the profile of the
// logon screen.
func isUserHive(name string) bool {
	if strings.EqualFold(name, ".DEFAULT") {
		return false
	}
	return !strings.HasSuffix(strings.ToLower(name), "_classes")
}

// profileClassesPath is where Windows (Vista and later) keeps the classes
// hive of the profile at profileDir, which it loads as
// HKEY_USERS\<SID>_Classes and links at the user's Software\Classes. A
// loaded user's classes are read through that link, so the live view
// never lists HKEY_USERS\<SID>_Classes itself (isUserHive); an unloaded
// profile's file is read with its NTUSER.DAT.
func profileClassesPath(profileDir string) string {
	return strings.TrimRight(profileDir, `\/`) + `\AppData\Local\Microsoft\Windows\UsrClass.dat`
}

// isProfileSID reports whether a ProfileList subkey names a profile:
// `<SID>.bak` entries (left behind by a corrupted profile) and anything
// that is not a SID are skipped.
func isProfileSID(name string) bool {
	if !strings.HasPrefix(strings.ToUpper(name), "S-1-") {
		return false
	}
	for _, r := range name[4:] {
		if (r < '0' || r > '9') && r != '-' {
			return false
		}
	}
	return true
}

// profile is one ProfileList entry.
type profile struct {
	SID  string
	Path string // ProfileImagePath, environment variables expanded
}

// unloadedProfiles returns the profiles whose hive is not loaded under
// HKEY_USERS; their NTUSER.DAT is read from disk.
func unloadedProfiles(profiles []profile, loaded map[string]bool) []profile {
	var out []profile
	for _, p := range profiles {
		if p.Path == "" || loaded[strings.ToUpper(p.SID)] {
			continue
		}
		out = append(out, p)
	}
	return out
}

// profileUserName is the last element of a profile directory: the account
// name Windows chose when it created the profile. It stands in for the
// account name when LookupAccountSid cannot resolve the SID (a deleted or
// domain account while the domain is unreachable).
func profileUserName(profilePath string) string {
	p := strings.TrimRight(profilePath, `\/`)
	if i := strings.LastIndexAny(p, `\/`); i >= 0 {
		p = p[i+1:]
	}
	if len(p) == 2 && p[1] == ':' {
		return ""
	}
	return p
}

// payloadPath is a file payload reference split for opening.
type payloadPath struct {
	Drive  string // "C:"
	File   string // C:\dir\file, without the stream
	Stream string // "" for the file's main data
}

// errPathRefused marks a payload path the resolver will not open.
var errPathRefused = errors.New("payload path refused")

// parsePayloadPath accepts only absolute paths on a drive letter, with an
// optional alternate data stream (`C:\dir\file:stream` or
// `...:stream:$DATA`). UNC and device paths are refused: opening
// \\host\share from the agent would authenticate to a host the attacker
// chose, and \\.\ paths reach devices rather than files.
func parsePayloadPath(p string) (payloadPath, error) {
	p = strings.ReplaceAll(p, "/", `\`)
	if strings.HasPrefix(p, `\\?\`) && len(p) > 6 && p[5] == ':' {
		p = p[4:]
	}
	if len(p) < 3 || !isLetter(p[0]) || p[1] != ':' || p[2] != '\\' {
		return payloadPath{}, fmt.Errorf("%w: %q is not an absolute path on a drive", errPathRefused, p)
	}
	if strings.ContainsRune(p, 0) {
		return payloadPath{}, fmt.Errorf("%w: %q contains NUL", errPathRefused, p)
	}
	out := payloadPath{Drive: strings.ToUpper(p[:2]), File: p}
	rest := p[2:]
	if i := strings.IndexByte(rest, ':'); i >= 0 {
		out.File = p[:2+i]
		stream := rest[i+1:]
		if name, typ, ok := strings.Cut(stream, ":"); ok {
			if !strings.EqualFold(typ, "$DATA") {
				return payloadPath{}, fmt.Errorf("%w: stream type %q of %q", errPathRefused, typ, p)
			}
			stream = name
		}
		if stream == "" || strings.ContainsAny(stream, `\/`) {
			return payloadPath{}, fmt.Errorf("%w: bad stream name in %q", errPathRefused, p)
		}
		out.Stream = stream
	}
	if strings.HasSuffix(out.File, `\`) {
		return payloadPath{}, fmt.Errorf("%w: %q names a directory", errPathRefused, p)
	}
	return out, nil
}

// OpenName is what CreateFile is given.
func (p payloadPath) OpenName() string {
	if p.Stream == "" {
		return p.File
	}
	return p.File + ":" + p.Stream
}

func isLetter(c byte) bool { return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' }

// renderedRecord is the part of a rendered event (EvtRender, EvtRenderEventXml)
// a Get-EventLog loader reads.
type renderedRecord struct {
	Data   []string `xml:"EventData>Data"`
	Binary string   `xml:"EventData>Binary"`
}

// RecordData returns what Get-EventLog's `.Data` holds for a rendered
// event: the record's binary data (Write-EventLog -RawData), which event
// XML carries hex-encoded in EventData/Binary. A record without binary data
// yields its EventData strings, one per line, so that a payload written as
// the message still resolves. At most limit bytes are returned.
func RecordData(eventXML []byte, limit int64) ([]byte, bool, error) {
	var rec renderedRecord
	d := xml.NewDecoder(bytes.NewReader(eventXML))
	d.CharsetReader = func(_ string, in io.Reader) (io.Reader, error) { return in, nil }
	if err := d.Decode(&rec); err != nil {
		return nil, false, fmt.Errorf("parse rendered event: %w", err)
	}
	var data []byte
	if bin := strings.Join(strings.Fields(rec.Binary), ""); bin != "" {
		if int64(len(bin)/2) > limit {
			bin = bin[:2*limit]
		}
		b, err := hex.DecodeString(bin)
		if err != nil {
			return nil, false, fmt.Errorf("rendered event binary data: %w", err)
		}
		data = b
	} else if len(rec.Data) > 0 {
		data = []byte(strings.Join(rec.Data, "\n"))
	}
	if len(data) == 0 {
		return nil, false, nil
	}
	if int64(len(data)) > limit {
		data = data[:limit]
	}
	return data, true, nil
}
