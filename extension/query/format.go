package query

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Formats lists the output formats of `runkeyhunt query`.
var Formats = []string{"table", "json", "csv"}

// Write prints a result in one of Formats.
func Write(w io.Writer, format string, res *Result) error {
	switch format {
	case "json":
		return writeJSON(w, res)
	case "csv":
		return writeCSV(w, res)
	case "table", "":
		return writeTable(w, res)
	}
	return fmt.Errorf("unknown format %q (want one of %s)", format, strings.Join(Formats, ", "))
}

// writeJSON prints an array of objects with string values, as
// `osqueryi --json` does, keys in column order.
func writeJSON(w io.Writer, res *Result) error {
	var b strings.Builder
	b.WriteString("[\n")
	for i, row := range res.Rows {
		b.WriteString("  {")
		for j, col := range res.Columns {
			if j > 0 {
				b.WriteString(",")
			}
			k, _ := json.Marshal(col)
			v, _ := json.Marshal(row[j])
			b.Write(k)
			b.WriteString(":")
			b.Write(v)
		}
		b.WriteString("}")
		if i < len(res.Rows)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("]\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func writeCSV(w io.Writer, res *Result) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(res.Columns); err != nil {
		return err
	}
	for _, row := range res.Rows {
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// maxCell keeps table output readable; json and csv carry full values.
const maxCell = 80

// writeTable prints osqueryi's pretty table.
func writeTable(w io.Writer, res *Result) error {
	cells := make([][]string, len(res.Rows))
	widths := make([]int, len(res.Columns))
	for i, c := range res.Columns {
		widths[i] = utf8.RuneCountInString(c)
	}
	for r, row := range res.Rows {
		cells[r] = make([]string, len(row))
		for i, v := range row {
			v = strings.NewReplacer("\r", " ", "\n", " ", "\t", " ").Replace(v)
			if utf8.RuneCountInString(v) > maxCell {
				v = string([]rune(v)[:maxCell-3]) + "..."
			}
			cells[r][i] = v
			if n := utf8.RuneCountInString(v); n > widths[i] {
				widths[i] = n
			}
		}
	}
	var b strings.Builder
	sep := func() {
		b.WriteString("+")
		for _, n := range widths {
			b.WriteString(strings.Repeat("-", n+2))
			b.WriteString("+")
		}
		b.WriteString("\n")
	}
	line := func(vals []string) {
		b.WriteString("|")
		for i, v := range vals {
			b.WriteString(" ")
			b.WriteString(v)
			b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(v)+1))
			b.WriteString("|")
		}
		b.WriteString("\n")
	}
	sep()
	line(res.Columns)
	sep()
	for _, row := range cells {
		line(row)
	}
	sep()
	_, err := io.WriteString(w, b.String())
	return err
}
