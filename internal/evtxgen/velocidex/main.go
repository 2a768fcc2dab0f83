// Command velocidex parses every record of an EVTX file with the Velocidex
// parser (www.velocidex.com/golang/evtx), the benchmark's Go reference:
//
//	go run ./internal/evtxgen/velocidex FILE.evtx
package main

import (
	"fmt"
	"os"

	"www.velocidex.com/golang/evtx"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: velocidex FILE.evtx")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "velocidex:", err)
		os.Exit(1)
	}
	defer f.Close()
	chunks, err := evtx.GetChunks(f)
	if err != nil {
		fmt.Fprintln(os.Stderr, "velocidex:", err)
		os.Exit(1)
	}
	records := 0
	for _, c := range chunks {
		rs, err := c.Parse(0)
		if err == nil {
			records += len(rs)
		}
	}
	fmt.Println(records)
}
