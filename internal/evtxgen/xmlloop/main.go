// Command xmlloop reads every token of an event XML file with Go's
// encoding/xml (RawToken, strict, as a plain Go reader would) and counts
// the events whose EventID is 13: what a plain Go reader that decodes every
// event costs (tables/sysmon decodes, with encoding/xml, only the events
// of the ids it wants).
//
//	go run ./internal/evtxgen/xmlloop FILE.xml
package main

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"os"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: xmlloop FILE.xml")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "xmlloop:", err)
		os.Exit(1)
	}
	defer f.Close()
	d := xml.NewDecoder(bufio.NewReaderSize(f, 64<<10))
	events, matched := 0, 0
	inEventID := false
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "xmlloop: offset %d: %v\n", d.InputOffset(), err)
			os.Exit(1)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			inEventID = t.Name.Local == "EventID"
			if t.Name.Local == "Event" {
				events++
			}
		case xml.CharData:
			if inEventID && bytes.Equal(bytes.TrimSpace(t), []byte("13")) {
				matched++
			}
		case xml.EndElement:
			inEventID = false
		}
	}
	fmt.Println(events, matched)
}
