package query

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// The expected bytes below are written from osquery's own printing code,
// not from this package's output:
//   - osquery/devtools/printer.cpp jsonPrint: "[\n", each row as "  " +
//     serializeRowJSON(row), rows joined by ",\n", then "\n]\n";
//   - serializeRowJSON writes the Row (std::map<std::string, std::string>,
//     keys in bytewise order) with rapidjson's compact Writer, whose
//     WriteString escapes only '"', '\\' and bytes below 0x20 (\b \t \n \f
//     \r, else \u00XX, hex digits "0123456789ABCDEF");
//   - osquery/devtools/shell.cpp shell_callback, MODE_Pretty (which --json
//     uses): r[column] = value in column order, so a repeated column name
//     keeps its last value; NULL becomes --nullvalue ("");
//   - shell.cpp MODE_Line: "%*s = %s\n" with the width of the longest
//     column name (at least 5), "\n" between rows.
func TestJSONIsOsqueryiBytes(t *testing.T) {
	tests := []struct {
		name string
		res  Result
		want string
	}{
		{
			name: "zero rows",
			res:  Result{Columns: []string{"name"}},
			want: "[\n\n]\n",
		},
		{
			name: "keys sorted bytewise, not in column order",
			res: Result{Columns: []string{"verdict", "Name", "_x", "name", "a b"},
				Rows: [][]string{{"malicious", "N", "u", "n", "s"}, {"benign", "", "", "", ""}}},
			want: "[\n" +
				`  {"Name":"N","_x":"u","a b":"s","name":"n","verdict":"malicious"},` + "\n" +
				`  {"Name":"","_x":"","a b":"","name":"","verdict":"benign"}` + "\n" +
				"]\n",
		},
		{
			name: "html characters raw, escapes as rapidjson",
			res: Result{Columns: []string{"data"},
				Rows: [][]string{{"<script>&amp;</script> a/b \"q\" C:\\x\ttab\nnl\r\x01\x1f\x7f é \u2028"}}},
			want: "[\n" +
				`  {"data":"<script>&amp;</script> a/b \"q\" C:\\x\ttab\nnl\r\u0001\u001F` + "\x7f é \u2028\"}\n" +
				"]\n",
		},
		{
			name: "duplicate column names: one key, last value",
			res:  Result{Columns: []string{"a", "b", "a"}, Rows: [][]string{{"first", "x", "last"}}},
			want: "[\n" + `  {"a":"last","b":"x"}` + "\n]\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, "json", &tt.res); err != nil {
				t.Fatal(err)
			}
			if got := buf.String(); got != tt.want {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
			var parsed []map[string]string
			if err := json.Unmarshal(buf.Bytes(), &parsed); err != nil && len(tt.res.Rows) > 0 {
				t.Errorf("not JSON: %v", err)
			}
		})
	}
}

func TestLineMode(t *testing.T) {
	res := Result{Columns: []string{"name", "payload_kind"}, Rows: [][]string{{"Updater", "registry"}, {"OneDrive", ""}}}
	var buf bytes.Buffer
	if err := Write(&buf, "LINE", &res); err != nil {
		t.Fatal(err)
	}
	want := "        name = Updater\n" +
		"payload_kind = registry\n" +
		"\n" +
		"        name = OneDrive\n" +
		"payload_kind = \n"
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
	// Short names pad to osqueryi's minimum width of 5.
	buf.Reset()
	Write(&buf, "line", &Result{Columns: []string{"a"}, Rows: [][]string{{"1"}}})
	if buf.String() != "    a = 1\n" {
		t.Errorf("min width: %q", buf.String())
	}
	buf.Reset()
	Write(&buf, "line", &Result{Columns: []string{"a"}})
	if buf.String() != "" {
		t.Errorf("zero rows: %q", buf.String())
	}
}

func TestTableShowsWholeValuesUnlessCapped(t *testing.T) {
	long := strings.Repeat("x", 200) + "END"
	res := Result{Columns: []string{"data"}, Rows: [][]string{{long}}}
	var buf bytes.Buffer
	Write(&buf, "table", &res)
	if !strings.Contains(buf.String(), long) {
		t.Errorf("table cut a value by default:\n%s", buf.String())
	}
	buf.Reset()
	WriteWith(&buf, "table", &res, Options{Width: 10})
	want := "+------------+\n| data       |\n+------------+\n| xxxxxxx... |\n+------------+\n"
	if buf.String() != want {
		t.Errorf("width 10:\n%s\nwant\n%s", buf.String(), want)
	}
	// osqueryi prints nothing for zero rows in pretty mode.
	buf.Reset()
	Write(&buf, "table", &Result{Columns: []string{"data"}})
	if buf.String() != "" {
		t.Errorf("zero rows: %q", buf.String())
	}
	// Control characters an attacker wrote never reach the terminal.
	buf.Reset()
	Write(&buf, "table", &Result{Columns: []string{"d"}, Rows: [][]string{{"a\x1b[2Jb\nc"}}})
	if strings.ContainsAny(buf.String(), "\x1b\r") || strings.Count(buf.String(), "\n") != 5 {
		t.Errorf("control characters: %q", buf.String())
	}
}

func TestCSVNeutralisesFormulas(t *testing.T) {
	res := Result{Columns: []string{"data"}, Rows: [][]string{
		{"=cmd|' /C calc'!A0"}, {"+1"}, {"-2+3"}, {"@SUM(A1)"}, {"\tx"}, {"\rx"}, {"safe=1"}, {""}, {"C:\\a.exe"},
	}}
	var buf bytes.Buffer
	if err := Write(&buf, "Csv", &res); err != nil {
		t.Fatal(err)
	}
	want := "data\n'=cmd|' /C calc'!A0\n'+1\n'-2+3\n'@SUM(A1)\n'\tx\n\"'\rx\"\nsafe=1\n\nC:\\a.exe\n"
	if buf.String() != want {
		t.Errorf("got\n%q\nwant\n%q", buf.String(), want)
	}
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]string{"JSON": "json", "Table": "table", " csv ": "csv", "line": "line"} {
		if got, ok := ParseFormat(in); !ok || got != want {
			t.Errorf("ParseFormat(%q) = %q %v", in, got, ok)
		}
	}
	if _, ok := ParseFormat("xml"); ok {
		t.Error("xml accepted")
	}
}

// Attacker-written values must come out of --format json as JSON that
// decodes to the same strings, and out of the text modes with no control
// characters.
func FuzzOutputs(f *testing.F) {
	f.Add("name", "C:\\x.exe \"a\" <b> & \t\n\x01")
	f.Add("a b", "\x7f\u2028é")
	f.Add("", "\xff\xfe")
	f.Fuzz(func(t *testing.T, col, val string) {
		res := &Result{Columns: []string{col, "z"}, Rows: [][]string{{val, val}}}
		out := jsonText(res)
		if utf8.ValidString(col) && utf8.ValidString(val) {
			var rows []map[string]string
			if err := json.Unmarshal([]byte(out), &rows); err != nil {
				t.Fatalf("invalid JSON for %q=%q: %v\n%s", col, val, err, out)
			}
			if len(rows) != 1 || rows[0][col] != val || rows[0]["z"] != val {
				t.Fatalf("round trip %q=%q: %v", col, val, rows)
			}
		}
		for _, mode := range []string{"table", "line"} {
			var buf bytes.Buffer
			Write(&buf, mode, res)
			for _, r := range strings.ReplaceAll(buf.String(), "\n", "") {
				if unicode.IsControl(r) {
					t.Fatalf("%s mode let %U through for %q", mode, r, val)
				}
			}
		}
	})
}
