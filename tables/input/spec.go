package input

import (
	"fmt"
	"strings"
)

// SplitSpec splits a source specification into its paths. Paths are
// separated by commas; a path that holds a comma (or a double quote, or
// leading or trailing spaces) is written in double quotes, CSV style, with
// a quote inside doubled: `"C:\a,b\x.reg",y.reg`. Spaces around a path are
// dropped, and so are empty entries. The extension joins repeated --source
// flags with JoinSpec, so both ways reach the same parser.
func SplitSpec(spec string) ([]string, error) {
	var out []string
	i := 0
	for i <= len(spec) {
		for i < len(spec) && (spec[i] == ' ' || spec[i] == '\t') {
			i++
		}
		var p string
		if i < len(spec) && spec[i] == '"' {
			start := i
			var sb strings.Builder
			i++
			closed := false
			for i < len(spec) {
				if spec[i] == '"' {
					if i+1 < len(spec) && spec[i+1] == '"' {
						sb.WriteByte('"')
						i += 2
						continue
					}
					i++
					closed = true
					break
				}
				sb.WriteByte(spec[i])
				i++
			}
			if !closed {
				return nil, fmt.Errorf("source list %q: quote opened at offset %d is not closed", spec, start)
			}
			for i < len(spec) && (spec[i] == ' ' || spec[i] == '\t') {
				i++
			}
			if i < len(spec) && spec[i] != ',' {
				return nil, fmt.Errorf("source list %q: text after the closing quote at offset %d (quote the whole path)", spec, i)
			}
			p = sb.String()
		} else {
			end := strings.IndexByte(spec[i:], ',')
			if end < 0 {
				end = len(spec) - i
			}
			p = strings.TrimSpace(spec[i : i+end])
			i += end
		}
		if p != "" {
			out = append(out, p)
		}
		i++ // the comma
	}
	return out, nil
}

// JoinSpec is the inverse of SplitSpec: paths joined with commas, quoted
// where they need it. Empty paths are left out.
func JoinSpec(paths []string) string {
	var parts []string
	for _, p := range paths {
		if p == "" {
			continue
		}
		if strings.ContainsAny(p, `,"`) || strings.TrimSpace(p) != p {
			p = `"` + strings.ReplaceAll(p, `"`, `""`) + `"`
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ",")
}
