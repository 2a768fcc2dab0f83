package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// An answer past the size limit says so; it used to be cut at the limit
// and reported as a JSON decode error ("unexpected end of JSON input").
func TestOversizeAnswerSaysTooLarge(t *testing.T) {
	row := []byte(`{"id":1,"name":"` + strings.Repeat("x", 4000) + `"},`)
	srv := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"queries":[`))
		for n := 0; n <= 64<<20; n += len(row) { // chunked: no Content-Length
			if _, err := w.Write(row); err != nil {
				return
			}
		}
		w.Write([]byte(`{"id":2}]}`))
	}), false)
	_, err := clientFor(t, srv.URL, nil).ListQueries(context.Background(), nil)
	if err == nil || !strings.Contains(err.Error(), "too large") || strings.Contains(err.Error(), "decode") {
		t.Fatalf("err %v, want a clear too-large error", err)
	}
	t.Log(err)
}

// A declared Content-Length over the limit is refused before reading; an
// answer of exactly the limit is read.
func TestAnswerLimit(t *testing.T) {
	body := `{"queries":[{"id":1,"name":"` + strings.Repeat("y", 1000) + `"}]}`
	srv := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write([]byte(body))
	}), false)
	for limit, want := range map[int64]string{int64(len(body)) - 1: "too large (HTTP 200): " + strconv.Itoa(len(body)) + " bytes, over the limit of", int64(len(body)): ""} {
		c, err := New(srv.URL, testToken, Options{MaxAnswerBytes: limit})
		if err != nil {
			t.Fatal(err)
		}
		qs, err := c.ListQueries(context.Background(), nil)
		if want == "" && (err != nil || len(qs) != 1) {
			t.Errorf("limit %d: %v", limit, err)
		}
		if want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("limit %d: err %v, want %q", limit, err, want)
		}
	}
}
