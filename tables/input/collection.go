package input

import (
	"archive/zip"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// Collection is a folder laid out like a Windows drive, as triage tools
// copy one: `C/Windows/System32/config/SOFTWARE`, `C/Users/alice/NTUSER.DAT`
// (KAPE also spells the drive `C%3A`; Velociraptor `C%3A` or
// `%5C%5C.%5CC%3A`, and escapes other names the same way). It may be a
// directory or a prefix of a zip's members. Registry consumers use it to
// name users from their profile folders and to read the files that autorun
// commands name (C:\Users\Public\x.ps1) inside the collection instead of
// on the host.
type Collection struct {
	// Root is where the drive is: a directory, or `host.zip!uploads/auto/C%3A`.
	Root string
	// Drive is the drive letter with its colon, "C:".
	Drive string

	escaped bool                 // names are URL-escaped (Velociraptor)
	dir     string               // the drive's directory; "" in an archive
	arc     *zipArchive          // the archive holding the drive, if any
	members map[string]*zip.File // lower-case drive path -> member
}

// driveTops are names found at the top of a Windows system drive; a
// directory spelled like a drive letter counts as a drive only when one of
// them is inside it.
var driveTops = map[string]bool{
	"windows": true, "users": true, "programdata": true, "program files": true,
	"program files (x86)": true, "documents and settings": true,
}

// driveSpelling tells whether a path component names a drive: `C`, `C:`,
// `C%3A`, `\\.\C:` or `%5C%5C.%5CC%3A`. escaped says it was URL-escaped.
func driveSpelling(c string) (letter string, escaped, ok bool) {
	if strings.Contains(c, "%") {
		if u, err := url.PathUnescape(c); err == nil {
			c, escaped = u, true
		}
	}
	c = strings.TrimPrefix(strings.TrimPrefix(c, `\\.\`), `\\?\`)
	c = strings.TrimSuffix(c, `\`)
	c = strings.TrimSuffix(c, ":")
	if len(c) != 1 || !(c[0] >= 'a' && c[0] <= 'z' || c[0] >= 'A' && c[0] <= 'Z') {
		return "", false, false
	}
	return strings.ToUpper(c) + ":", escaped, true
}

func unescapeName(c string, escaped bool) string {
	if !escaped {
		return c
	}
	if u, err := url.PathUnescape(c); err == nil {
		return u
	}
	return c
}

// findDrive finds the drive component among a file's path components
// (from the source's own name down to the file): its index, letter and
// escaping. A source whose top holds Windows or Users directly is taken for
// drive C:. ok is false for a file outside any drive layout.
func findDrive(comps []string) (idx int, letter string, escaped, ok bool) {
	for i := 0; i+2 < len(comps); i++ {
		l, esc, isDrive := driveSpelling(comps[i])
		if isDrive && driveTops[strings.ToLower(unescapeName(comps[i+1], esc))] {
			return i, l, esc, true
		}
	}
	if len(comps) > 2 && driveTops[strings.ToLower(comps[1])] {
		return 0, "C:", false, true
	}
	return 0, "", false, false
}

// drivePath is the Windows path of the components under the drive.
func drivePath(letter string, under []string, escaped bool) string {
	parts := make([]string, len(under))
	for i, c := range under {
		parts[i] = unescapeName(c, escaped)
	}
	return letter + `\` + strings.Join(parts, `\`)
}

// splitDrivePath splits `C:\Users\x.ps1` (or with forward slashes) into
// its drive and cleaned components; ".." never climbs above the drive.
func splitDrivePath(p string) (drive string, comps []string, ok bool) {
	p = strings.TrimPrefix(strings.TrimPrefix(p, `\\?\`), `\\.\`)
	if len(p) < 2 || p[1] != ':' {
		return "", nil, false
	}
	drive = strings.ToUpper(p[:2])
	return drive, cleanMember(p[2:]), true
}

// Open opens the file a Windows path names inside the collection, as
// `C:\Users\Public\x.ps1` or `C:\x\y.txt:stream` (an alternate data stream
// as Velociraptor stores it, `y.txt%3Astream`, or as a file whose name has
// the colon). Names match without regard to case, as on NTFS. Symbolic
// links inside the collection are not followed. A path outside it is
// fs.ErrNotExist.
func (c *Collection) Open(winPath string) (Content, error) {
	drive, comps, ok := splitDrivePath(winPath)
	if !ok || !strings.EqualFold(drive, c.Drive) || len(comps) == 0 {
		return nil, fmt.Errorf("%s: not in collection %s: %w", winPath, c.Root, fs.ErrNotExist)
	}
	if c.arc != nil {
		key := strings.ToLower(drive + `\` + strings.Join(comps, `\`))
		zf, ok := c.members[key]
		if !ok {
			return nil, fmt.Errorf("%s: not in collection %s: %w", winPath, c.Root, fs.ErrNotExist)
		}
		return c.arc.memberOpener(c.arc.path+MemberSeparator+zf.Name, zf)()
	}
	cur := c.dir
	for i, want := range comps {
		next, err := c.child(cur, want, i == len(comps)-1)
		if err != nil {
			return nil, fmt.Errorf("%s in collection %s: %w", winPath, c.Root, err)
		}
		cur = next
	}
	return openOS(cur)
}

// HasFolder reports whether the collection holds the folder a Windows
// path names (`C:\Users\alice\AppData\Roaming`): a file missing from a
// folder the collection copied is missing on the host too, while a file in
// a folder it never copied is simply unknown.
func (c *Collection) HasFolder(winPath string) bool {
	drive, comps, ok := splitDrivePath(winPath)
	if !ok || !strings.EqualFold(drive, c.Drive) {
		return false
	}
	if len(comps) == 0 {
		return true
	}
	if c.arc != nil {
		prefix := strings.ToLower(drive + `\` + strings.Join(comps, `\`) + `\`)
		for key := range c.members {
			if strings.HasPrefix(key, prefix) {
				return true
			}
		}
		return false
	}
	cur := c.dir
	for _, want := range comps {
		next, err := c.child(cur, want, false)
		if err != nil {
			return false
		}
		cur = next
	}
	info, err := os.Stat(cur)
	return err == nil && info.IsDir()
}

// child finds the entry of dir named want, any case (and escaped, in a
// Velociraptor collection); it refuses links.
func (c *Collection) child(dir, want string, last bool) (string, error) {
	candidates := []string{want}
	if last && strings.Contains(want, ":") {
		candidates = append(candidates, strings.ReplaceAll(want, ":", "%3A"))
	}
	for _, name := range candidates {
		p := filepath.Join(dir, name)
		if info, err := os.Lstat(p); err == nil {
			if info.Mode()&fs.ModeSymlink != 0 {
				return "", fmt.Errorf("%s: a symbolic link, not followed inside a collection", p)
			}
			return p, nil
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	for _, name := range candidates {
		for _, e := range entries {
			if strings.EqualFold(e.Name(), name) || strings.EqualFold(unescapeName(e.Name(), c.escaped), name) {
				if e.Type()&fs.ModeSymlink != 0 {
					return "", fmt.Errorf("%s: a symbolic link, not followed inside a collection", filepath.Join(dir, e.Name()))
				}
				return filepath.Join(dir, e.Name()), nil
			}
		}
	}
	return "", fs.ErrNotExist
}

// Collections lists the distinct collections of files, in file order.
func Collections(files []File) []*Collection {
	var out []*Collection
	seen := map[*Collection]bool{}
	for _, f := range files {
		if f.Collection != nil && !seen[f.Collection] {
			seen[f.Collection] = true
			out = append(out, f.Collection)
		}
	}
	return out
}

// ProfileFolder is the profile folder a file is in, from its drive path
// (`C:\Users\alice\NTUSER.DAT` -> `C:\Users\alice`); "" outside a drive
// layout.
func (f File) ProfileFolder() string {
	if f.DrivePath == "" {
		return ""
	}
	i := strings.LastIndex(f.DrivePath, `\`)
	if i <= 2 {
		return ""
	}
	return f.DrivePath[:i]
}
