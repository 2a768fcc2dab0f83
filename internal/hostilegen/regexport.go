package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"strings"
)

// utf16Writer writes ASCII text as UTF-16LE, as regedit exports.
type utf16Writer struct {
	w   *bufio.Writer
	buf []byte
	n   int64 // bytes written
}

func (u *utf16Writer) WriteString(s string) {
	u.buf = u.buf[:0]
	for i := 0; i < len(s); i++ {
		u.buf = append(u.buf, s[i], 0)
	}
	u.w.Write(u.buf)
	u.n += int64(len(u.buf))
}

func newRegExport(path string) (*utf16Writer, func() error, error) {
	w, finish, err := createBuffered(path)
	if err != nil {
		return nil, nil, err
	}
	w.Write([]byte{0xFF, 0xFE})
	u := &utf16Writer{w: w, n: 2}
	u.WriteString("Windows Registry Editor Version 5.00\r\n\r\n")
	return u, finish, nil
}

// Where writeSoftwareReg puts a line no parser accepts.
const badLineMiddle = 1

// The Run values every SOFTWARE-like export carries: two before the bulk,
// two after it, so that a reader that loses the middle or the end shows it.
const regRunValues = 4

func runKey(u *utf16Writer, key string, first int) {
	u.WriteString(`[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\` + key + "]\r\n")
	for i := first; i < first+2; i++ {
		u.WriteString(fmt.Sprintf(`"Agent%d"="\"C:\\Program Files\\Agent%d\\agent.exe\" /background"`+"\r\n", i, i))
	}
	u.WriteString("\r\n")
}

// writeSoftwareReg writes a benign SOFTWARE-like export of about size
// bytes: COM classes, vendor product keys with strings, dwords and
// multi-line hex, and the Run values of regRunValues. With badLineMiddle a
// line that is not a value line sits halfway.
func writeSoftwareReg(path string, size int64, flags int) error {
	u, finish, err := newRegExport(path)
	if err != nil {
		return err
	}
	runKey(u, "Run", 1)
	rng := mrand.New(mrand.NewPCG(1, 2))
	bad := flags&badLineMiddle != 0
	for i := 0; u.n < size; i++ {
		if bad && u.n >= size/2 {
			u.WriteString("[HKEY_LOCAL_MACHINE\\SOFTWARE\\Vendor\\Broken]\r\n\"Flags\"=dword:zzzz not a dword\r\n\r\n")
			bad = false
		}
		guid := fmt.Sprintf("{%08X-%04X-%04X-%04X-%012X}", rng.Uint32(), i&0xFFFF, rng.Uint32()&0xFFFF, i>>16, rng.Uint64()&0xFFFFFFFFFFFF)
		u.WriteString(fmt.Sprintf("[HKEY_LOCAL_MACHINE\\SOFTWARE\\Classes\\CLSID\\%s]\r\n@=\"Component %d Class\"\r\n\r\n", guid, i))
		u.WriteString(fmt.Sprintf("[HKEY_LOCAL_MACHINE\\SOFTWARE\\Classes\\CLSID\\%s\\InprocServer32]\r\n@=hex(2):%s\r\n\"ThreadingModel\"=\"Both\"\r\n\r\n",
			guid, hexList(utf16z(fmt.Sprintf(`%%SystemRoot%%\System32\comp%d.dll`, i)), 26)))
		u.WriteString(fmt.Sprintf("[HKEY_LOCAL_MACHINE\\SOFTWARE\\Vendor%d\\Product%d\\Component%d]\r\n", i%97, i%1013, i))
		u.WriteString(fmt.Sprintf("\"InstallPath\"=\"C:\\\\Program Files\\\\Vendor%d\\\\Product%d\\\\\"\r\n\"Version\"=\"%d.%d.%d\"\r\n\"Flags\"=dword:%08x\r\n",
			i%97, i%1013, i%9, i%17, i, rng.Uint32()))
		blob := make([]byte, 48)
		for j := range blob {
			blob[j] = byte(rng.Uint32())
		}
		u.WriteString("\"State\"=hex:" + hexList(blob, 26) + "\r\n\r\n")
	}
	runKey(u, "RunOnce", 3)
	return finish()
}

// hexList renders b as regedit does: comma-separated bytes, lines
// continued with a backslash after about perLine bytes.
func hexList(b []byte, perLine int) string {
	var sb strings.Builder
	for i, c := range b {
		if i > 0 {
			sb.WriteByte(',')
			if i%perLine == 0 {
				sb.WriteString("\\\r\n  ")
			}
		}
		fmt.Fprintf(&sb, "%02x", c)
	}
	return sb.String()
}

func utf16z(s string) []byte {
	var b []byte
	for i := 0; i < len(s); i++ {
		b = append(b, s[i], 0)
	}
	return append(b, 0, 0)
}

// writeLongLineReg writes a Run key whose first value is one line of
// about size bytes (a string never closed by a newline until the end),
// followed by ordinary Run values.
func writeLongLineReg(path string, size int64) error {
	u, finish, err := newRegExport(path)
	if err != nil {
		return err
	}
	u.WriteString("[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n\"Long\"=\"")
	chunk := strings.Repeat("C:\\\\long\\\\path ", 256)
	for u.n < size {
		u.WriteString(chunk)
	}
	u.WriteString("\"\r\n\r\n")
	runKey(u, "RunOnce", 1)
	return finish()
}

// writeBombReg writes a user export whose Run value reads its payload from
// another value (the fileless pattern): in bombPath a base64 of gzip of
// gzip of zeros bytes, and, raw, the same nested gzip as REG_BINARY; in
// normalPath random bytes of the same encoded lengths.
func writeBombReg(bombPath, normalPath string, zeros int64) error {
	inner := gzipOf(io.LimitReader(zeroReader{}, zeros))
	outer := gzipOf(bytes.NewReader(inner))
	random := make([]byte, len(outer))
	rand.Read(random)
	for _, f := range []struct {
		path    string
		payload []byte
	}{{bombPath, outer}, {normalPath, random}} {
		u, finish, err := newRegExport(f.path)
		if err != nil {
			return err
		}
		u.WriteString("[HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n")
		u.WriteString(`"Updater"="C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe -NonInteractive -WindowStyle Hidden -c \"IEX ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String((gp HKCU:\\Software\\Bomb).Data)))\""` + "\r\n")
		u.WriteString(`"Blob"="C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe -c \"IEX (gp HKCU:\\Software\\Bomb).Raw\""` + "\r\n\r\n")
		u.WriteString("[HKEY_CURRENT_USER\\Software\\Bomb]\r\n")
		u.WriteString(`"Data"="` + base64.StdEncoding.EncodeToString(f.payload) + "\"\r\n")
		u.WriteString(`"Raw"=hex:` + hexList(f.payload, 25) + "\r\n\r\n")
		if err := finish(); err != nil {
			return err
		}
	}
	return nil
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func gzipOf(r io.Reader) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	io.Copy(zw, r)
	zw.Close()
	return buf.Bytes()
}
