package main

import (
	"fmt"
	"strings"

	"github.com/runkeyhunt/runkeyhunt/tables/catalog"
	"github.com/runkeyhunt/runkeyhunt/tables/indicators"
)

// readmeSections are the README's generated blocks, derived from the
// declarations so the documentation cannot drift from the code.
func readmeSections() map[string]string {
	var schemaText strings.Builder
	for i, s := range schemas() {
		if i > 0 {
			schemaText.WriteString("\n")
		}
		schemaText.WriteString(s.Markdown())
	}
	var ind strings.Builder
	ind.WriteString("| indicator | weight | matches |\n|---|---|---|\n")
	for _, d := range indicators.All {
		fmt.Fprintf(&ind, "| `%s` | %d | %s |\n", d.ID, d.Weight, strings.ReplaceAll(d.Matches, "|", `\|`))
	}
	var locs strings.Builder
	locs.WriteString("| location | scope | key (`*`: each subkey) | values | Windows does | Windows' defaults | notes |\n|---|---|---|---|---|---|---|\n")
	cell := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	for _, d := range catalog.Docs() {
		var notes []string
		if d.WOW64 {
			notes = append(notes, "`_wow64` twin")
		}
		if d.Flood {
			notes = append(notes, "rows only when not benign")
		}
		if d.Strong != "" {
			notes = append(notes, "strong for: "+d.Strong)
		}
		defaults := "–"
		if d.Defaults != "" {
			defaults = "`" + cell(d.Defaults) + "`"
		}
		fmt.Fprintf(&locs, "| `%s` | %s | `%s` | %s | %s | %s | %s |\n", d.ID, d.Scope, d.Key, cell(d.Values), d.Kind, defaults, cell(strings.Join(notes, "; ")))
	}
	return map[string]string{"schema": schemaText.String(), "indicators": ind.String(), "locations": locs.String()}
}

// replaceSection swaps the text between the markers of one generated block.
func replaceSection(doc, name, body string) (string, error) {
	begin := fmt.Sprintf("<!-- BEGIN GENERATED %s -->\n", name)
	end := fmt.Sprintf("<!-- END GENERATED %s -->", name)
	i := strings.Index(doc, begin)
	j := strings.Index(doc, end)
	if i < 0 || j < i {
		return "", fmt.Errorf("README has no %q ... %q block", begin, end)
	}
	return doc[:i+len(begin)] + body + doc[j:], nil
}
