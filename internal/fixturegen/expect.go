package main

import (
	"bytes"
	"encoding/json"
)

// expectation is one object of testdata/corpus/expected.json. A field that
// is absent is not checked; payload_kind "" (present) means "no payload
// reference". Paths compare case-insensitively (the registry does).
type expectation struct {
	File              string   `json:"file,omitempty"`
	Path              string   `json:"path"`
	Family            string   `json:"family"`
	Verdict           string   `json:"verdict"`
	Type              string   `json:"type,omitempty"`
	PayloadKind       *string  `json:"payload_kind,omitempty"`
	PayloadExists     *int     `json:"payload_exists,omitempty"`
	PayloadPath       string   `json:"payload_path,omitempty"`
	PayloadEncoding   string   `json:"payload_encoding,omitempty"`
	PreviewContains   string   `json:"preview_contains,omitempty"`
	IndicatorsInclude []string `json:"indicators_include,omitempty"`
	Enabled           int      `json:"enabled"`
	Location          string   `json:"location"`
	Scope             string   `json:"scope"`
	SID               string   `json:"sid,omitempty"`
	Username          string   `json:"username,omitempty"`
	HiveOnly          bool     `json:"hive_only,omitempty"`
	Note              string   `json:"note,omitempty"`
}

func strp(s string) *string { return &s }
func intp(i int) *int       { return &i }

// marshalJSON renders v as indented JSON with a trailing newline and
// without HTML escaping (so `<` and `&` in commands stay readable).
func marshalJSON(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// marshalLine renders v as one compact JSON line (JSON-lines files).
func marshalLine(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return buf.Bytes()
}
