// Package safeout neutralises attacker-written text before it lands in a
// file that a person opens in another program: a CSV cell a spreadsheet
// would evaluate, a Markdown cell a renderer would turn into HTML or new
// table columns. Registry values, command lines and Sysmon fields are
// written by whoever controls the host, so every output of them goes
// through here.
package safeout

import "strings"

// CSVCell returns s safe to write as one CSV cell: a cell that starts with
// `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with a single
// quote, so spreadsheets show it as text instead of evaluating it as a
// formula (OWASP, "CSV Injection"). Quoting and escaping of the field
// itself stay with encoding/csv. Everything else is returned unchanged.
func CSVCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// CSVRow applies CSVCell to every cell, in place, and returns row.
func CSVRow(row []string) []string {
	for i, c := range row {
		row[i] = CSVCell(c)
	}
	return row
}

// MarkdownCell returns s safe inside one cell of a GitHub-flavoured
// Markdown table: the HTML metacharacters `&`, `<` and `>` become
// entities (no tag, comment or entity trick survives), a `|` is
// escaped so it cannot open a new column, a backslash is escaped so it
// cannot undo that, CR and LF become spaces (a line break ends the row),
// and the characters Markdown gives meaning inline (“ ` * _ [ ] ~ “)
// are backslash-escaped so attacker text cannot add links, images or
// code spans. The result reads the same once rendered.
func MarkdownCell(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '|', '\\', '`', '*', '_', '[', ']', '~':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\r', '\n':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
