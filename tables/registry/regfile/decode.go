package regfile

import (
	"bytes"
	"encoding/binary"
	"unicode/utf16"
	"unicode/utf8"
)

var (
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
)

// windows1252 maps bytes 0x80..0x9F; the rest of the high half is Latin-1.
// The five bytes Windows leaves undefined map to the C1 control of the same
// number, as Windows' own MultiByteToWideChar does.
var windows1252 = [32]rune{
	0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
	0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
}

// decodeWindows1252 turns ANSI bytes into a string.
func decodeWindows1252(b []byte) string {
	var sb bytes.Buffer
	sb.Grow(len(b))
	for _, c := range b {
		switch {
		case c < 0x80:
			sb.WriteByte(c)
		case c < 0xA0:
			sb.WriteRune(windows1252[c-0x80])
		default:
			sb.WriteRune(rune(c))
		}
	}
	return sb.String()
}

// decodeText turns the file's bytes into text. UTF-16LE needs its BOM (as
// regedit writes it); 8-bit files are UTF-8 when they say so with a BOM or
// are valid UTF-8 and not REGEDIT4, else ANSI (Windows-1252), which is what
// regedit writes for REGEDIT4.
func decodeText(b []byte) string {
	if bytes.HasPrefix(b, bomUTF16LE) {
		b = b[2:]
		u := make([]uint16, len(b)/2)
		for i := range u {
			u[i] = binary.LittleEndian.Uint16(b[2*i:])
		}
		return string(utf16.Decode(u))
	}
	if bytes.HasPrefix(b, bomUTF8) {
		return string(b[3:])
	}
	head := bytes.TrimLeft(b, " \t\r\n")
	if !bytes.HasPrefix(head, []byte("REGEDIT4")) && utf8.Valid(b) {
		return string(b)
	}
	return decodeWindows1252(b)
}

// encodeUTF16Raw encodes s as UTF-16LE without adding a terminator.
func encodeUTF16Raw(s string) []byte {
	u := utf16.Encode([]rune(s))
	out := make([]byte, 2*len(u))
	for i, c := range u {
		binary.LittleEndian.PutUint16(out[2*i:], c)
	}
	return out
}
