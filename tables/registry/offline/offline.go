// Package offline turns offline registry inputs (.reg exports and regf
// hive files, e.g. a triage collection) into one registry.View, and names
// the owners of user hives through ProfileList.
package offline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"

	"github.com/runkeyhunt/runkeyhunt/tables/catalog"
	"github.com/runkeyhunt/runkeyhunt/tables/input"
	"github.com/runkeyhunt/runkeyhunt/tables/registry"
	"github.com/runkeyhunt/runkeyhunt/tables/registry/hivefile"
	"github.com/runkeyhunt/runkeyhunt/tables/registry/regfile"
)

const profileList = `SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList`

// View is the loaded hives. Hive files stay open until Close.
type View struct {
	registry.StaticView
	files []*hivefile.Hive
}

// Close releases the hive files.
func (v *View) Close() error {
	var errs []error
	for _, f := range v.files {
		errs = append(errs, f.Close())
	}
	return errors.Join(errs...)
}

// Load opens every .reg export and hive file among files; other formats
// are left to other tables. With several registry files a bad one becomes
// a warning naming it and the rest are still returned; a single bad file is
// an error. Hive transaction logs are skipped silently, hives of other
// kinds (SAM, SECURITY, Amcache.hve, ...) with a warning.
//
// Users are mapped to SIDs through ProfileList (from a SOFTWARE hive or a
// .reg with HKLM ProfileList): an NTUSER.DAT whose parent directory is the
// base name of a profile's ProfileImagePath gets that SID and username; an
// unmapped NTUSER.DAT stays HKEY_CURRENT_USER with its parent directory as
// username. HKEY_USERS\<SID> hives from .reg input get their username the
// same way. The concrete type of view is *View; call Close when done.
//
// A user's classes hive (UsrClass.dat) is that user's Software\Classes, as
// Windows links it: it is read with the NTUSER.DAT of its profile folder
// (Users\<name>\AppData\Local\Microsoft\Windows\UsrClass.dat, XP's Local
// Settings\Application Data\..., or beside the NTUSER.DAT), as one hive. A
// classes hive whose NTUSER.DAT is not in the input is named from its
// profile folder the same way, read alone, and warned about: the user's
// own keys that its commands may read are missing.
//
// .reg exports are streamed (regfile.Open): only the autorun locations,
// their StartupApproved keys and ProfileList stay in memory, and the keys
// their commands reference are read when the scanner asks for them. Load
// stops when ctx is done.
func Load(ctx context.Context, files []input.File) (view registry.View, warnings []error, err error) {
	regFiles := input.Filter(files, input.RegExport, input.Hive)
	out := &View{}
	var (
		machine []registry.Hive
		users   []registry.Hive
		ntusers []userHive
		classes []userHive
	)
	fail := func(e error) error {
		if len(regFiles) == 1 {
			return e
		}
		warnings = append(warnings, e)
		return nil
	}
	for _, f := range regFiles {
		if err := ctx.Err(); err != nil {
			return nil, warnings, fmt.Errorf("load registry input: %w", err)
		}
		switch f.Format {
		case input.RegExport:
			hives, lineWarnings, err := regfile.OpenWith(ctx, f.Path, func() (io.ReadCloser, error) { return f.Open() }, wants)
			warnings = append(warnings, lineWarnings...)
			if err != nil {
				if ctx.Err() != nil {
					return nil, warnings, err
				}
				if e := fail(err); e != nil {
					return nil, warnings, e
				}
				continue
			}
			for _, h := range hives {
				if h.Info().Scope == registry.ScopeMachine {
					machine = append(machine, h)
				} else {
					users = append(users, h)
				}
			}
		case input.Hive:
			h, err := openHive(f)
			if errors.Is(err, hivefile.ErrTransactionLog) {
				continue
			}
			if err != nil {
				if e := fail(err); e != nil {
					return nil, warnings, e
				}
				continue
			}
			if h.Dirty() {
				warnings = append(warnings, fmt.Errorf("hive %s: dirty (transaction logs not applied); recent changes may be missing", f.Path))
			}
			switch h.Kind() {
			case hivefile.KindSoftware, hivefile.KindSystem:
				machine = append(machine, h)
			case hivefile.KindUser:
				ntusers = append(ntusers, userHive{h, f})
				users = append(users, h)
			case hivefile.KindClasses:
				classes = append(classes, userHive{h, f})
			default:
				h.Close()
				// A collection holds SAM, SECURITY, Amcache.hve, ...:
				// expected there, and no autorun location is in them.
				if f.Collection == nil {
					warnings = append(warnings, fmt.Errorf("hive %s: not a SOFTWARE, SYSTEM or user hive; skipped", f.Path))
				}
				continue
			}
			out.files = append(out.files, h)
		}
	}
	profiles, ambiguous, byPath := readProfiles(machine)
	for _, u := range ntusers {
		u.hive.SetUser(userOf(u.file, u.hive.Path(), profiles, ambiguous, byPath))
	}
	var lone []registry.Hive
	users, lone, warnings = mountClasses(users, ntusers, classes, warnings, func(c userHive) (string, string) {
		return classesUserOf(c, profiles, ambiguous, byPath)
	})
	users = append(users, lone...)
	bySID := map[string]string{}
	for _, p := range profiles {
		bySID[strings.ToLower(p.sid)] = p.folder
	}
	for _, h := range users {
		mem, ok := h.(interface{ SetInfo(registry.HiveInfo) })
		if !ok {
			continue
		}
		info := h.Info()
		if name, ok := bySID[strings.ToLower(info.SID)]; ok && info.SID != "" && info.Username == "" {
			info.Username = name
			mem.SetInfo(info)
		}
	}
	out.StaticView = append(append(out.StaticView, machine...), users...)
	return out, warnings, nil
}

// userHive is a user hive and the input file it came from.
type userHive struct {
	hive *hivefile.Hive
	file input.File
}

// systemProfile is the LocalSystem account, whose profile is the DEFAULT
// hive (HKEY_USERS\.DEFAULT).
const systemProfile = "S-1-5-18"

// userOf names the owner of a user hive. In a drive layout the hive's
// folder is matched against the whole ProfileImagePath first
// (`C:\Windows\ServiceProfiles\LocalService`), then by folder name; the
// DEFAULT hive of System32\config is LocalSystem's. Elsewhere the parent
// directory's name is the profile folder.
func userOf(f input.File, path string, profiles map[string]profile, ambiguous map[string]bool, byPath map[string]profile) (sid, username string) {
	if dir := f.ProfileFolder(); dir != "" && strings.EqualFold(f.DrivePath[len(dir)+1:], "DEFAULT") && strings.EqualFold(dir[2:], `\Windows\System32\config`) {
		return systemProfile, "SYSTEM"
	}
	return profileOwner(f.ProfileFolder(), filepath.Base(filepath.Dir(path)), profiles, ambiguous, byPath)
}

// profileOwner names the owner of a profile folder: driveDir is its
// Windows path in a drive layout (`C:\Users\alice`, "" elsewhere), folder
// its name where there is none.
func profileOwner(driveDir, folder string, profiles map[string]profile, ambiguous map[string]bool, byPath map[string]profile) (sid, username string) {
	if driveDir != "" {
		if p, ok := byPath[strings.ToLower(driveDir[2:])]; ok {
			return p.sid, p.folder
		}
		folder = driveDir[strings.LastIndex(driveDir, `\`)+1:]
	}
	if p, ok := profiles[strings.ToLower(folder)]; ok && !ambiguous[strings.ToLower(folder)] {
		return p.sid, p.folder
	}
	return "", folder
}

// classesDirs are where Windows keeps UsrClass.dat under a profile
// folder: Vista and later, then XP.
var classesDirs = []string{
	`AppData\Local\Microsoft\Windows`,
	`Local Settings\Application Data\Microsoft\Windows`,
}

// profileDirOf is the profile folder of a classes hive's file, given the
// folder the file is in (a Windows drive path or an input path, either
// separator): the folder itself for a UsrClass.dat laid beside its
// NTUSER.DAT, else the folder above where Windows keeps it.
func profileDirOf(dir string) string {
	norm := strings.ReplaceAll(dir, "/", `\`)
	for _, sub := range classesDirs {
		if len(norm) > len(sub) && norm[len(norm)-len(sub)-1] == '\\' && strings.EqualFold(norm[len(norm)-len(sub):], sub) {
			return dir[:len(dir)-len(sub)-1]
		}
	}
	return dir
}

// classesUserOf names the owner of a classes hive from its profile folder,
// as userOf does for an NTUSER.DAT.
func classesUserOf(c userHive, profiles map[string]profile, ambiguous map[string]bool, byPath map[string]profile) (sid, username string) {
	driveDir := ""
	if dir := c.file.ProfileFolder(); dir != "" {
		driveDir = profileDirOf(dir)
	}
	return profileOwner(driveDir, filepath.Base(profileDirOf(filepath.Dir(c.hive.Path()))), profiles, ambiguous, byPath)
}

// pairKey is what a user hive and a classes hive of one profile folder
// share: the folder's path in the input, any case and separator.
func pairKey(dir string) string {
	return strings.ToLower(strings.ReplaceAll(dir, `\`, "/"))
}

// mountClasses mounts each classes hive in the user hive of its profile
// folder (replacing that hive in users), giving it the owner the user hive
// has. The classes hives with no user hive in the input are returned as
// hives of their own, owned as owner says, with a warning each.
func mountClasses(users []registry.Hive, ntusers, classes []userHive, warnings []error, owner func(userHive) (sid, username string)) (mounted, lone []registry.Hive, _ []error) {
	byDir := map[string]*hivefile.Hive{}
	for _, u := range ntusers {
		key := pairKey(filepath.Dir(u.hive.Path()))
		if _, dup := byDir[key]; !dup {
			byDir[key] = u.hive
		}
	}
	with := map[registry.Hive]registry.Hive{}
	for _, c := range classes {
		key := pairKey(profileDirOf(filepath.Dir(c.hive.Path())))
		user, ok := byDir[key]
		if ok && with[user] == nil {
			info := user.Info()
			c.hive.SetUser(info.SID, info.Username)
			with[user] = registry.UserClasses{User: user, Classes: c.hive}
			continue
		}
		c.hive.SetUser(owner(c))
		who := c.hive.Info().Username
		if sid := c.hive.Info().SID; sid != "" {
			who += " (" + sid + ")"
		}
		if ok {
			warnings = append(warnings, fmt.Errorf("hive %s: a second classes hive (UsrClass.dat) for %s; read on its own", c.file.Path, who))
		} else {
			warnings = append(warnings, fmt.Errorf("hive %s: a user's classes hive (UsrClass.dat) without its NTUSER.DAT; read as %s's Software\\Classes, without the user's other keys", c.file.Path, who))
		}
		lone = append(lone, registry.UserClasses{Classes: c.hive})
	}
	mounted = make([]registry.Hive, len(users))
	for i, h := range users {
		if m, ok := with[h]; ok {
			h = m
		}
		mounted[i] = h
	}
	return mounted, lone, warnings
}

// openHive opens a hive file, or a hive inside a zip or .gz.
func openHive(f input.File) (*hivefile.Hive, error) {
	c, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("open hive %w", err)
	}
	size, err := c.Size()
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("open hive %w", err)
	}
	h, err := hivefile.OpenContent(c, size, f.Path)
	if err != nil {
		c.Close()
		return nil, err
	}
	return h, nil
}

// wants are the keys of a .reg export the tables read whatever the
// commands say: every autorun location (with the subkeys of RunOnceEx-like
// ones), their StartupApproved keys, and ProfileList with its profiles.
var wants = func() []regfile.Want {
	var out []regfile.Want
	for _, loc := range catalog.All {
		for _, key := range catalog.ControlSetKeys(loc.Key) {
			out = append(out, regfile.Want{Scope: loc.Scope, Rel: key, Subkeys: loc.Subkeys, Suffix: loc.Suffix})
		}
		if loc.Approved != "" {
			out = append(out, regfile.Want{Scope: loc.Scope, Rel: loc.Approved})
		}
	}
	// The keys a value is followed to (a class's InprocServer32) are not
	// kept: a machine export holds tens of thousands of them, which would
	// crowd the autorun keys out of MaxKeptBytes; the few a scan follows are
	// fetched in one more pass.
	// The names of the machine's COM classes, which a per-user class may shadow.
	out = append(out, regfile.Want{Scope: registry.ScopeMachine, Rel: catalog.MachineCLSIDKey})
	// The Environment keys: a Run value's %NAME% may be defined there.
	out = append(out, regfile.Want{Scope: registry.ScopeUser, Rel: catalog.UserEnvironmentKey})
	for _, rel := range catalog.MachineEnvironmentKeys {
		out = append(out, regfile.Want{Scope: registry.ScopeMachine, Rel: rel})
	}
	return append(out, regfile.Want{Scope: registry.ScopeMachine, Rel: profileList, Subkeys: true})
}()

type profile struct{ sid, folder string }

// readProfiles maps lower-case profile folder base names to their SID and
// folder name. A folder name claimed by two SIDs (across inputs) is
// ambiguous and maps no one. byPath maps whole profile paths without their
// drive (`\users\alice`, `\windows\serviceprofiles\localservice`).
func readProfiles(machine []registry.Hive) (profiles map[string]profile, ambiguous map[string]bool, byPath map[string]profile) {
	profiles = map[string]profile{}
	ambiguous = map[string]bool{}
	byPath = map[string]profile{}
	for _, h := range machine {
		list, err := h.Key(profileList)
		if err != nil {
			continue
		}
		sids := append([]string(nil), list.Subkeys...)
		sort.Strings(sids)
		for _, sid := range sids {
			k, err := h.Key(profileList + `\` + sid)
			if err != nil {
				continue
			}
			v, ok := k.Value("ProfileImagePath")
			if !ok {
				continue
			}
			if p := profileDirPath(v.String()); p != "" {
				if _, seen := byPath[p]; !seen {
					byPath[p] = profile{sid: sid, folder: profileFolder(v.String())}
				}
			}
			folder := profileFolder(v.String())
			if folder == "" {
				continue
			}
			key := strings.ToLower(folder)
			if prev, ok := profiles[key]; ok && !strings.EqualFold(prev.sid, sid) {
				ambiguous[key] = true
				continue
			}
			profiles[key] = profile{sid: sid, folder: folder}
		}
	}
	return profiles, ambiguous, byPath
}

// profileDirPath is a ProfileImagePath without its drive, lower case, with
// the variables Windows writes there expanded: `%SystemDrive%\Users\alice`
// -> `\users\alice`, `%systemroot%\ServiceProfiles\LocalService` ->
// `\windows\serviceprofiles\localservice`. "" when it cannot be placed.
func profileDirPath(path string) string {
	p := strings.ToLower(strings.TrimRight(strings.TrimSpace(path), `\/`))
	p = strings.ReplaceAll(p, "/", `\`)
	switch {
	case strings.HasPrefix(p, "%systemdrive%"):
		p = p[len("%systemdrive%"):]
	case strings.HasPrefix(p, "%systemroot%"):
		p = `\windows` + p[len("%systemroot%"):]
	case len(p) >= 2 && p[1] == ':':
		p = p[2:]
	default:
		return ""
	}
	if !strings.HasPrefix(p, `\`) || strings.Contains(p, "%") {
		return ""
	}
	return p
}

// profileFolder is the last component of a ProfileImagePath such as
// `%SystemDrive%\Users\alice` or `C:\Users\alice\`.
func profileFolder(path string) string {
	path = strings.TrimRight(strings.TrimSpace(path), `\/`)
	if i := strings.LastIndexAny(path, `\/`); i >= 0 {
		path = path[i+1:]
	}
	if strings.HasPrefix(path, "%") && strings.HasSuffix(path, "%") {
		return ""
	}
	return path
}
