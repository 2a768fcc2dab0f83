package evidence

import (
	"errors"
	"fmt"
	"strings"
)

// ErrPathRefused marks an image path the live inspector will not open:
// not an absolute drive path, a stream, a wildcard, or through a link.
var ErrPathRefused = errors.New("image path refused")

// livePath checks an image path before anything touches the file system
// and returns it with backslashes.
func livePath(p string) (string, error) {
	p = strings.ReplaceAll(p, "/", `\`)
	if strings.HasPrefix(p, `\\?\`) && len(p) > 6 && p[5] == ':' {
		p = p[4:]
	}
	if len(p) < 4 || !(p[0]|0x20 >= 'a' && p[0]|0x20 <= 'z') || p[1] != ':' || p[2] != '\\' {
		return "", fmt.Errorf("%w: %q is not an absolute path on a drive", ErrPathRefused, p)
	}
	if strings.ContainsAny(p, "\x00*?\"<>|") || strings.Contains(p[2:], ":") {
		return "", fmt.Errorf("%w: %q has a wildcard, NUL, quote or stream", ErrPathRefused, p)
	}
	for _, part := range strings.Split(p[3:], `\`) {
		if part == "" || part == "." || part == ".." {
			return "", fmt.Errorf("%w: %q has an empty, . or .. component", ErrPathRefused, p)
		}
	}
	return p, nil
}
