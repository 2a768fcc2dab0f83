package main

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/base64"
	"encoding/binary"
	"unicode/utf16"
)

// utf16le encodes s as UTF-16LE without BOM or terminator: what
// PowerShell's [Text.Encoding]::Unicode (and -EncodedCommand) expects.
func utf16le(s string) []byte {
	u := utf16.Encode([]rune(s))
	out := make([]byte, 2*len(u))
	for i, c := range u {
		binary.LittleEndian.PutUint16(out[2*i:], c)
	}
	return out
}

// regSZ encodes s as registry string data: UTF-16LE with a NUL terminator.
func regSZ(s string) []byte { return append(utf16le(s), 0, 0) }

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// encUTF16 is the Empire `-enc` / PowerSploit "UNICODE" layout:
// base64 of UTF-16LE text.
func encUTF16(s string) string { return b64(utf16le(s)) }

// encDeflate is base64 of raw deflate (no zlib header) of UTF-8 text, what
// PowerShell's IO.Compression.DeflateStream reads.
func encDeflate(s string) string { return b64(rawDeflate(s)) }

// rawDeflate is s compressed as a raw deflate stream (no zlib header).
func rawDeflate(s string) []byte {
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		panic(err)
	}
	if _, err := w.Write([]byte(s)); err != nil {
		panic(err)
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// encGzip is base64 of a gzip member of UTF-8 text (IO.Compression.GzipStream).
// The header carries no name and a zero mtime, so the bytes are reproducible.
func encGzip(s string) string {
	var buf bytes.Buffer
	w, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		panic(err)
	}
	w.Header.OS = 0 // FAT/Windows, as .NET writes it
	if _, err := w.Write([]byte(s)); err != nil {
		panic(err)
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	return b64(buf.Bytes())
}

// encDeflateStoredLead is base64 of a raw-deflate stream whose first block
// is a stored (uncompressed) block of the printable lead, followed by
// compressed blocks of s: the stream's start reads as plain text.
func encDeflateStoredLead(lead, s string) string {
	n := len(lead)
	if n > 0xffff {
		panic("fixturegen: stored block lead too long")
	}
	out := []byte{0x00, byte(n), byte(n >> 8), ^byte(n), ^byte(n >> 8)}
	out = append(out, lead...)
	return b64(append(out, rawDeflate(s)...))
}
