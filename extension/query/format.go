package query

import (
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/runkeyhunt/runkeyhunt/safeout"
)

// Formats lists the output formats of `runkeyhunt query`.
var Formats = []string{"table", "json", "csv", "line"}

// ParseFormat returns the format named by s, case-insensitively.
func ParseFormat(s string) (string, bool) {
	f := strings.ToLower(strings.TrimSpace(s))
	for _, want := range Formats {
		if f == want {
			return f, true
		}
	}
	return "", false
}

// Options tune the output.
type Options struct {
	// Width caps table cells at that many characters (an ellipsis marks
	// the cut); 0 prints whole values, as osqueryi does.
	Width int
}

// Write prints a result in one of Formats with default options.
func Write(w io.Writer, format string, res *Result) error {
	return WriteWith(w, format, res, Options{})
}

// WriteWith prints a result in one of Formats.
func WriteWith(w io.Writer, format string, res *Result, opts Options) error {
	f, ok := ParseFormat(format)
	if !ok && format != "" {
		return fmt.Errorf("unknown format %q (want one of %s)", format, strings.Join(Formats, ", "))
	}
	var out string
	switch f {
	case "json":
		out = jsonText(res)
	case "csv":
		return writeCSV(w, res)
	case "line":
		out = lineText(res)
	default:
		out = tableText(res, opts.Width)
	}
	_, err := io.WriteString(w, out)
	return err
}

// jsonText prints what `osqueryi --json` prints (osquery/devtools/printer.cpp
// jsonPrint, fed by shell.cpp's shell_callback):
//   - each row is an osquery Row, a std::map<std::string, std::string>: keys
//     sorted bytewise, one key per name, so of duplicate column names the
//     last value wins (shell_callback assigns r[name] in column order);
//   - every value is a string, NULL the --nullvalue (empty);
//   - rows are rapidjson's compact serialisation (serializeRowJSON), each
//     on its own line after two spaces, joined by ",\n", between "[\n" and
//     "\n]\n" — so zero rows print "[\n\n]\n";
//   - strings are escaped as rapidjson's Writer escapes them: `"`, `\` and
//     control characters only (\b \t \n \f \r, else \u00XX with uppercase
//     hex); `<`, `>`, `&`, `/` and non-ASCII bytes are written as they are.
func jsonText(res *Result) string {
	var b strings.Builder
	b.WriteString("[\n")
	for i, row := range res.Rows {
		if i > 0 {
			b.WriteString(",\n")
		}
		fields := map[string]string{}
		for j, col := range res.Columns {
			if j < len(row) {
				fields[col] = row[j]
			}
		}
		keys := make([]string, 0, len(fields))
		for k := range fields {
			keys = append(keys, k)
		}
		sort.Strings(keys) // bytewise, as std::string's operator<
		b.WriteString("  {")
		for j, k := range keys {
			if j > 0 {
				b.WriteByte(',')
			}
			writeRapidJSONString(&b, k)
			b.WriteByte(':')
			writeRapidJSONString(&b, fields[k])
		}
		b.WriteByte('}')
	}
	b.WriteString("\n]\n")
	return b.String()
}

// writeRapidJSONString escapes as rapidjson's Writer::WriteString.
func writeRapidJSONString(b *strings.Builder, s string) {
	const hex = "0123456789ABCDEF"
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			b.WriteString(`\"`)
		case c == '\\':
			b.WriteString(`\\`)
		case c == '\b':
			b.WriteString(`\b`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\f':
			b.WriteString(`\f`)
		case c == '\r':
			b.WriteString(`\r`)
		case c < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xF])
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}

// writeCSV prints a header line and the rows. A cell an attacker wrote
// (a registry value, an event field) could be read by a spreadsheet as a
// formula: such cells are neutralised (safeout.CSVCell, OWASP's rule; a
// negative number such as -1 gets the quote too).
func writeCSV(w io.Writer, res *Result) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(res.Columns); err != nil {
		return err
	}
	cells := make([]string, len(res.Columns))
	for _, row := range res.Rows {
		for i := range cells {
			cells[i] = ""
			if i < len(row) {
				cells[i] = safeout.CSVCell(row[i])
			}
		}
		if err := cw.Write(cells); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// lineText prints osqueryi's `.mode line` (shell.cpp, MODE_Line): each
// column on its own line, the name right-aligned to the longest name (at
// least 5 bytes), " = ", the value; a blank line between rows; nothing for
// zero rows.
func lineText(res *Result) string {
	cols := make([]string, len(res.Columns))
	w := 5
	for i, c := range res.Columns {
		cols[i] = terminalSafe(c)
		w = max(w, len(cols[i]))
	}
	var b strings.Builder
	for r, row := range res.Rows {
		if r > 0 {
			b.WriteByte('\n')
		}
		for i, c := range cols {
			v := ""
			if i < len(row) {
				v = terminalSafe(row[i])
			}
			b.WriteString(strings.Repeat(" ", w-len(c)))
			b.WriteString(c)
			b.WriteString(" = ")
			b.WriteString(v)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// tableText prints osqueryi's pretty table (printer.cpp prettyPrint):
// widths in characters, whole values unless width caps them, and nothing
// at all for zero rows.
func tableText(res *Result, width int) string {
	if len(res.Rows) == 0 {
		return ""
	}
	cells := make([][]string, len(res.Rows))
	cols := make([]string, len(res.Columns))
	widths := make([]int, len(res.Columns))
	for i, c := range res.Columns {
		cols[i] = terminalSafe(c)
		widths[i] = utf8.RuneCountInString(cols[i])
	}
	for r, row := range res.Rows {
		cells[r] = make([]string, len(res.Columns))
		for i := range res.Columns {
			v := ""
			if i < len(row) {
				v = terminalSafe(row[i])
			}
			if width > 0 && utf8.RuneCountInString(v) > width {
				v = truncate(v, width)
			}
			cells[r][i] = v
			widths[i] = max(widths[i], utf8.RuneCountInString(v))
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
	line(cols)
	sep()
	for _, row := range cells {
		line(row)
	}
	sep()
	return b.String()
}

func truncate(v string, width int) string {
	if width <= 3 {
		return string([]rune(v)[:width])
	}
	return string([]rune(v)[:width-3]) + "..."
}

// terminalSafe keeps attacker-written text from driving the terminal or
// breaking the layout: line breaks and tabs become spaces, other control
// characters (escape sequences included) and invalid bytes become U+FFFD.
// osqueryi prints them raw; this is the one place the text modes differ.
func terminalSafe(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteByte(' ')
		case r == utf8.RuneError || unicode.IsControl(r):
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
