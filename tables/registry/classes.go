package registry

import (
	"context"
	"strings"
)

// UserClasses is a user's hive with that user's classes hive mounted at
// Software\Classes, as Windows links HKEY_USERS\<SID>_Classes (the
// UsrClass.dat file) there: Software\Classes and every key below it come
// from Classes, every other key from User. Classes answers at
// Software\Classes itself (hivefile mounts a UsrClass.dat there). User may
// be nil, for a classes hive whose NTUSER.DAT is not in the input; Info is
// then Classes'.
type UserClasses struct {
	User, Classes Hive
}

var (
	_ Hive         = UserClasses{}
	_ SubkeyReader = UserClasses{}
)

// Info describes the user's hive.
func (u UserClasses) Info() HiveInfo {
	if u.User != nil {
		return u.User.Info()
	}
	return u.Classes.Info()
}

// route is the hive that holds the key at rel.
func (u UserClasses) route(rel string) Hive {
	if u.User == nil || inUserClasses(rel) {
		return u.Classes
	}
	return u.User
}

// inUserClasses tells whether rel is Software\Classes or below it.
func inUserClasses(rel string) bool {
	rel = strings.TrimLeft(rel, `\`)
	if len(rel) < len(UserClassesKey) || !strings.EqualFold(rel[:len(UserClassesKey)], UserClassesKey) {
		return false
	}
	return len(rel) == len(UserClassesKey) || rel[len(UserClassesKey)] == '\\'
}

// isUserSoftware tells whether rel is the Software key, whose subkeys
// include Classes whether or not the user's hive has it.
func isUserSoftware(rel string) bool {
	return strings.EqualFold(strings.Trim(rel, `\`), "Software")
}

// Key reads the key from the hive that holds it.
func (u UserClasses) Key(rel string) (*Key, error) {
	k, err := u.route(rel).Key(rel)
	if err != nil || u.User == nil || !isUserSoftware(rel) {
		return k, err
	}
	return withClassesSubkey(k), nil
}

// withClassesSubkey lists Classes among Software's subkeys (an NTUSER.DAT
// holds the key Windows links the classes hive at; a crafted one may not).
func withClassesSubkey(k *Key) *Key {
	for _, s := range k.Subkeys {
		if strings.EqualFold(s, "Classes") {
			return k
		}
	}
	out := *k
	out.Subkeys = append(append([]string(nil), k.Subkeys...), "Classes")
	return &out
}

// Subkeys reads the key and its subkeys from the hive that holds them, in
// one walk where that hive can.
func (u UserClasses) Subkeys(ctx context.Context, rel string) (*Key, []*Key, error) {
	h := u.route(rel)
	if sr, ok := h.(SubkeyReader); ok && !(u.User != nil && isUserSoftware(rel)) {
		return sr.Subkeys(ctx, rel)
	}
	parent, err := u.Key(rel)
	if err != nil {
		return nil, nil, err
	}
	var subs []*Key
	for _, name := range parent.Subkeys {
		if err := ctx.Err(); err != nil {
			return parent, subs, err
		}
		child := name
		if r := strings.Trim(rel, `\`); r != "" {
			child = r + `\` + name
		}
		k, err := u.Key(child)
		if err != nil {
			return parent, subs, err
		}
		subs = append(subs, k)
	}
	return parent, subs, nil
}
