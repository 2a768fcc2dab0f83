// Command jsonloop parses every line of a JSON-lines file with
// github.com/valyala/fastjson and counts those whose event id is 13 (NXLog
// EventID, or Winlogbeat/ECS winlog.event_id, a string or a number): the
// benchmark's lower bound for a JSON reader.
//
//	go run ./internal/evtxgen/jsonloop FILE.jsonl
package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"

	"github.com/valyala/fastjson"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: jsonloop FILE.jsonl")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "jsonloop:", err)
		os.Exit(1)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	var p fastjson.Parser
	lines, matched := 0, 0
	for sc.Scan() {
		v, err := p.ParseBytes(sc.Bytes())
		if err != nil {
			fmt.Fprintf(os.Stderr, "jsonloop: line %d: %v\n", lines+1, err)
			os.Exit(1)
		}
		lines++
		if eventID(v) == 13 {
			matched++
		}
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "jsonloop:", err)
		os.Exit(1)
	}
	fmt.Println(lines, matched)
}

// eventID is the line's NXLog EventID, or its ECS winlog.event_id.
func eventID(v *fastjson.Value) int {
	if v.Exists("EventID") {
		return v.GetInt("EventID")
	}
	id := v.Get("winlog", "event_id")
	if id == nil {
		return 0
	}
	if id.Type() == fastjson.TypeString {
		n, _ := strconv.Atoi(string(id.GetStringBytes()))
		return n
	}
	return id.GetInt()
}
