//go:build windows

package live

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
	"unicode/utf16"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/runkeyhunt/runkeyhunt/tables/registry"
	"github.com/runkeyhunt/runkeyhunt/tables/registry/hivefile"
)

var (
	modadvapi32      = windows.NewLazySystemDLL("advapi32.dll")
	procRegEnumValue = modadvapi32.NewProc("RegEnumValueW")
)

// regOpenKeyEx is the registry API's open. It is a variable only so that
// tests can record every access mask the package asks for.
var regOpenKeyEx = windows.RegOpenKeyEx

// openKey is the only place the package opens a registry key. It refuses
// any mask that is not read-only before the registry sees it.
func openKey(parent windows.Handle, path string, mask uint32) (windows.Handle, error) {
	if !ReadOnly(mask) {
		return 0, fmt.Errorf("%w: mask 0x%x", errWriteAccess, mask)
	}
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return 0, fmt.Errorf("key name %q: %w", path, err)
	}
	var h windows.Handle
	if err := regOpenKeyEx(parent, p, 0, mask, &h); err != nil {
		return 0, err
	}
	return h, nil
}

// maxValueRead bounds the data read for one value; what is kept is
// registry.MaxValueBytes.
const maxValueRead = 4 * registry.MaxValueBytes

// View is the live registry: HKEY_LOCAL_MACHINE, every user hive loaded
// under HKEY_USERS, and the NTUSER.DAT of every ProfileList profile whose
// hive is not loaded. It implements registry.View.
type View struct {
	warn func(error)
}

var _ registry.View = (*View)(nil)

// New returns the live view; warn receives what is skipped (keys that
// cannot be opened, locked or unreadable profile hives). warn may be nil.
func New(warn func(error)) *View {
	if warn == nil {
		warn = func(error) {}
	}
	return &View{warn: warn}
}

const profileListKey = `SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList`

// Hives lists the hives as they are now.
func (v *View) Hives() ([]registry.Hive, error) {
	machine := &Hive{root: windows.HKEY_LOCAL_MACHINE, warn: v.warn, info: registry.HiveInfo{
		Root: string(registry.HKLM), Scope: registry.ScopeMachine, Source: "live",
	}}
	hives := []registry.Hive{machine}
	profiles := v.profiles(machine)
	names, err := subkeyNames(windows.HKEY_USERS, 0)
	if err != nil {
		return nil, fmt.Errorf("list HKEY_USERS: %w", err)
	}
	loaded := map[string]bool{}
	for _, sid := range names {
		if !isUserHive(sid) {
			continue
		}
		h, err := openKey(windows.HKEY_USERS, sid, KeyAccess)
		if err != nil {
			v.warn(fmt.Errorf("skip HKEY_USERS\\%s: %w", sid, err))
			continue
		}
		windows.RegCloseKey(h)
		loaded[strings.ToUpper(sid)] = true
		hives = append(hives, &Hive{root: windows.HKEY_USERS, prefix: sid, warn: v.warn, info: registry.HiveInfo{
			Root: string(registry.HKU) + `\` + sid, Scope: registry.ScopeUser, SID: sid,
			Username: userName(sid, profiles), Source: "live",
		}})
	}
	for _, p := range unloadedProfiles(profiles, loaded) {
		path := strings.TrimRight(p.Path, `\`) + `\NTUSER.DAT`
		hv, err := hivefile.Open(path)
		if err != nil {
			// A hive loaded under another name, or a profile being
			// loaded right now, is locked: skip it, the rest still counts.
			v.warn(fmt.Errorf("skip profile %s: %w", p.SID, err))
			continue
		}
		kind := hv.Kind()
		hv.Close()
		if kind != hivefile.KindUser {
			v.warn(fmt.Errorf("skip profile %s: %s is not a user hive", p.SID, path))
			continue
		}
		user := &profileHive{path: path, sid: p.SID, username: userName(p.SID, profiles)}
		hives = append(hives, v.withClasses(user, p))
	}
	return hives, nil
}

// withClasses mounts the profile's classes hive (UsrClass.dat) at the
// user's Software\Classes, as Windows does when it loads the profile; a
// profile without one is its NTUSER.DAT alone.
func (v *View) withClasses(user *profileHive, p profile) registry.Hive {
	path := profileClassesPath(p.Path)
	hv, err := hivefile.Open(path)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			v.warn(fmt.Errorf("profile %s: classes hive: %w", p.SID, err))
		}
		return user
	}
	kind := hv.Kind()
	hv.Close()
	if kind != hivefile.KindClasses {
		v.warn(fmt.Errorf("profile %s: %s is not a classes hive", p.SID, path))
		return user
	}
	return registry.UserClasses{User: user, Classes: &profileHive{path: path, sid: user.sid, username: user.username}}
}

// profiles reads ProfileList through the live machine hive.
func (v *View) profiles(machine *Hive) []profile {
	list, err := machine.Key(profileListKey)
	if err != nil {
		if !errors.Is(err, registry.ErrNotFound) {
			v.warn(fmt.Errorf("read ProfileList: %w", err))
		}
		return nil
	}
	var out []profile
	for _, sid := range list.Subkeys {
		if !isProfileSID(sid) {
			continue
		}
		k, err := machine.Key(profileListKey + `\` + sid)
		if err != nil {
			v.warn(fmt.Errorf("read ProfileList\\%s: %w", sid, err))
			continue
		}
		val, ok := k.Value("ProfileImagePath")
		if !ok {
			continue
		}
		out = append(out, profile{SID: sid, Path: expandEnv(val.String())})
	}
	return out
}

// userName resolves a SID to its account name; a SID the system cannot
// resolve falls back to its profile directory's name.
func userName(sid string, profiles []profile) string {
	if s, err := windows.StringToSid(sid); err == nil {
		if account, _, _, err := s.LookupAccount(""); err == nil && account != "" {
			return account
		}
	}
	for _, p := range profiles {
		if strings.EqualFold(p.SID, sid) {
			return profileUserName(p.Path)
		}
	}
	return ""
}

func expandEnv(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	src, err := windows.UTF16PtrFromString(s)
	if err != nil {
		return s
	}
	buf := make([]uint16, 1024)
	for {
		n, err := windows.ExpandEnvironmentStrings(src, &buf[0], uint32(len(buf)))
		if err != nil || n == 0 {
			return s
		}
		if int(n) <= len(buf) {
			return windows.UTF16ToString(buf[:n])
		}
		buf = make([]uint16, n)
	}
}

// Hive is one live hive: HKEY_LOCAL_MACHINE, or HKEY_USERS\<SID>.
type Hive struct {
	root   windows.Handle
	prefix string // "" for HKLM, the SID for a user hive
	info   registry.HiveInfo
	warn   func(error)
}

var _ registry.Hive = (*Hive)(nil)

// Info describes the hive.
func (h *Hive) Info() registry.HiveInfo { return h.info }

// Key reads the key at rel. Its Path spells the key as asked (the
// registry is case-insensitive), subkeys as stored.
func (h *Hive) Key(rel string) (*registry.Key, error) {
	rel = cleanRel(rel)
	full := h.prefix
	if rel != "" {
		if full != "" {
			full += `\`
		}
		full += rel
	}
	path := h.info.Root
	if rel != "" {
		path += `\` + rel
	}
	hk, err := openKey(h.root, full, KeyAccess)
	if err != nil {
		if errors.Is(err, windows.ERROR_FILE_NOT_FOUND) || errors.Is(err, windows.ERROR_PATH_NOT_FOUND) {
			return nil, registry.ErrNotFound
		}
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer windows.RegCloseKey(hk)
	return readKey(hk, path, h.warn)
}

func cleanRel(s string) string {
	s = strings.Trim(s, `\`)
	for strings.Contains(s, `\\`) {
		s = strings.ReplaceAll(s, `\\`, `\`)
	}
	return s
}

// keyInfo is what RegQueryInfoKey reports.
type keyInfo struct {
	subkeys, maxSubkeyLen, values, maxValueNameLen, maxValueLen uint32
	lastWrite                                                   time.Time
}

func queryInfo(hk windows.Handle) (keyInfo, error) {
	var ki keyInfo
	var ft windows.Filetime
	err := windows.RegQueryInfoKey(hk, nil, nil, nil, &ki.subkeys, &ki.maxSubkeyLen, nil, &ki.values,
		&ki.maxValueNameLen, &ki.maxValueLen, nil, &ft)
	if err != nil {
		return ki, err
	}
	if ft.HighDateTime != 0 || ft.LowDateTime != 0 {
		ki.lastWrite = time.Unix(0, ft.Nanoseconds()).UTC()
	}
	return ki, nil
}

func readKey(hk windows.Handle, path string, warn func(error)) (*registry.Key, error) {
	ki, err := queryInfo(hk)
	if err != nil {
		return nil, fmt.Errorf("query %s: %w", path, err)
	}
	subkeys, err := subkeyNames(hk, ki.maxSubkeyLen)
	if err != nil {
		return nil, fmt.Errorf("list subkeys of %s: %w", path, err)
	}
	values, err := readValues(hk, ki, path, warn)
	if err != nil {
		return nil, fmt.Errorf("list values of %s: %w", path, err)
	}
	return &registry.Key{Path: path, ModTime: ki.lastWrite, Subkeys: subkeys, Values: values}, nil
}

// subkeyNames enumerates subkey names; names keep any embedded NUL.
func subkeyNames(hk windows.Handle, maxLen uint32) ([]string, error) {
	buf := make([]uint16, max(maxLen+1, 256))
	var names []string
	for i := uint32(0); ; i++ {
		n := uint32(len(buf))
		err := windows.RegEnumKeyEx(hk, i, &buf[0], &n, nil, nil, nil, nil)
		switch {
		case err == nil:
			names = append(names, string(utf16.Decode(buf[:n])))
		case errors.Is(err, windows.ERROR_NO_MORE_ITEMS):
			return names, nil
		case errors.Is(err, windows.ERROR_MORE_DATA) && len(buf) < 32768:
			buf = make([]uint16, 2*len(buf))
			i--
		default:
			return names, err
		}
	}
}

// readValues enumerates values by index with RegEnumValue, which returns
// name and data together: a name with an embedded NUL (the Poweliks
// trick) cannot be addressed through RegQueryValueEx.
func readValues(hk windows.Handle, ki keyInfo, path string, warn func(error)) ([]registry.Value, error) {
	if err := procRegEnumValue.Find(); err != nil {
		return nil, err
	}
	nameBuf := make([]uint16, ki.maxValueNameLen+1)
	dataBuf := make([]byte, max(min(ki.maxValueLen, maxValueRead), 1))
	var values []registry.Value
	for i := uint32(0); ; i++ {
		nameLen := uint32(len(nameBuf))
		dataLen := uint32(len(dataBuf))
		var typ uint32
		r, _, _ := procRegEnumValue.Call(uintptr(hk), uintptr(i), uintptr(unsafe.Pointer(&nameBuf[0])),
			uintptr(unsafe.Pointer(&nameLen)), 0, uintptr(unsafe.Pointer(&typ)),
			uintptr(unsafe.Pointer(&dataBuf[0])), uintptr(unsafe.Pointer(&dataLen)))
		switch err := windows.Errno(r); {
		case r == 0:
			data := dataBuf[:min(dataLen, uint32(len(dataBuf)))]
			if len(data) > registry.MaxValueBytes {
				data = data[:registry.MaxValueBytes]
			}
			values = append(values, registry.Value{
				Name: string(utf16.Decode(nameBuf[:nameLen])),
				Type: typ,
				Data: append([]byte(nil), data...),
			})
		case err == windows.ERROR_NO_MORE_ITEMS:
			return values, nil
		case err == windows.ERROR_MORE_DATA:
			// The key changed since RegQueryInfoKey, or a value is
			// larger than the read bound.
			grown := false
			if len(nameBuf) < 32768 {
				nameBuf = make([]uint16, 32768)
				grown = true
			}
			if len(dataBuf) < maxValueRead {
				dataBuf = make([]byte, maxValueRead)
				grown = true
			}
			if !grown {
				warn(fmt.Errorf("%s: value %d is larger than %d bytes, skipped", path, i, maxValueRead))
				continue
			}
			i--
		default:
			return values, err
		}
	}
}

// profileHive is the NTUSER.DAT (or UsrClass.dat) of a profile whose hive
// is not loaded. The file is opened for each lookup and closed after it,
// so that no handle outlives the query that asked.
type profileHive struct {
	path, sid, username string
}

// Info describes the hive.
func (p *profileHive) Info() registry.HiveInfo {
	return registry.HiveInfo{
		Root: string(registry.HKU) + `\` + p.sid, Scope: registry.ScopeUser, SID: p.sid,
		Username: p.username, Source: "live", SourceFile: p.path,
	}
}

// Key reads the key from the hive file.
func (p *profileHive) Key(rel string) (*registry.Key, error) {
	hv, err := hivefile.Open(p.path)
	if err != nil {
		return nil, err
	}
	defer hv.Close()
	hv.SetUser(p.sid, p.username)
	return hv.Key(rel)
}
