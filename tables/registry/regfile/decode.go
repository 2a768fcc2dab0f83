package regfile

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
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

// encoding is how a .reg file's bytes are text.
type encoding int

const (
	encUTF8    encoding = iota // UTF-8, with or without BOM (BOM skipped)
	encUTF16LE                 // UTF-16LE after its BOM
	encANSI                    // Windows-1252
)

// detectEncoding decides how the file's bytes are text, reading at most
// the whole file once and holding only a buffer of it. UTF-16LE needs its
// BOM (as regedit writes it); 8-bit files are UTF-8 when they say so with a
// BOM or are valid UTF-8 and not REGEDIT4, else ANSI (Windows-1252), which
// is what regedit writes for REGEDIT4.
func detectEncoding(ctx context.Context, r io.Reader) (enc encoding, skip int, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(3)
	switch {
	case bytes.HasPrefix(head, bomUTF16LE):
		return encUTF16LE, 2, nil
	case bytes.HasPrefix(head, bomUTF8):
		return encUTF8, 3, nil
	}
	// Leading blanks, then the header decides REGEDIT4 without reading on.
	for {
		c, err := br.ReadByte()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return encUTF8, 0, nil
			}
			return 0, 0, err
		}
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			if err := br.UnreadByte(); err != nil {
				return 0, 0, err
			}
			break
		}
	}
	if h, _ := br.Peek(len(headerV4)); string(h) == headerV4 {
		return encANSI, 0, nil
	}
	valid, err := validUTF8(ctx, br)
	if err != nil {
		return 0, 0, err
	}
	if valid {
		return encUTF8, 0, nil
	}
	return encANSI, 0, nil
}

// validUTF8 reports whether everything r yields is valid UTF-8, reading it
// in chunks.
func validUTF8(ctx context.Context, r io.Reader) (bool, error) {
	buf := make([]byte, 64<<10)
	carry := 0 // bytes of an incomplete sequence kept at the front of buf
	for n := 0; ; n++ {
		if n%64 == 0 && ctx.Err() != nil {
			return false, ctx.Err()
		}
		got, err := io.ReadFull(r, buf[carry:])
		end := carry + got
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return utf8.Valid(buf[:end]), nil
		}
		if err != nil {
			return false, err
		}
		// Hold back a trailing sequence the next chunk completes.
		cut := end
		for k := end - 1; k >= 0 && k >= end-utf8.UTFMax+1; k-- {
			if utf8.RuneStart(buf[k]) {
				if !utf8.FullRune(buf[k:end]) {
					cut = k
				}
				break
			}
		}
		if !utf8.Valid(buf[:cut]) {
			return false, nil
		}
		carry = copy(buf, buf[cut:end])
	}
}

// textReader turns the file's bytes (past any BOM) into UTF-8 text as the
// whole-file decoding would: UTF-16LE code units with unpaired surrogates
// as U+FFFD and an odd last byte dropped, ANSI bytes as Windows-1252.
type textReader struct {
	src  *bufio.Reader
	enc  encoding
	out  []byte // decoded, not yet returned
	high rune   // a high surrogate waiting for its pair; 0 if none
	done bool
}

func newTextReader(r io.Reader, enc encoding) io.Reader {
	if enc == encUTF8 {
		return r
	}
	return &textReader{src: bufio.NewReaderSize(r, 64<<10), enc: enc}
}

func (t *textReader) Read(p []byte) (int, error) {
	for len(t.out) == 0 {
		if t.done {
			return 0, io.EOF
		}
		if err := t.fill(); err != nil {
			return 0, err
		}
	}
	n := copy(p, t.out)
	t.out = t.out[n:]
	return n, nil
}

// fill decodes the next chunk of input into out.
func (t *textReader) fill() error {
	const chunk = 32 << 10
	out := t.out[:0]
	if cap(out) < 3*chunk+8 {
		out = make([]byte, 0, 3*chunk+8)
	}
	switch t.enc {
	case encANSI:
		for i := 0; i < chunk; i++ {
			c, err := t.src.ReadByte()
			if err != nil {
				if errors.Is(err, io.EOF) {
					t.done = true
					break
				}
				return err
			}
			switch {
			case c < 0x80:
				out = append(out, c)
			case c < 0xA0:
				out = utf8.AppendRune(out, windows1252[c-0x80])
			default:
				out = utf8.AppendRune(out, rune(c))
			}
		}
	case encUTF16LE:
		var unit [2]byte
		for i := 0; i < chunk; i++ {
			if _, err := io.ReadFull(t.src, unit[:]); err != nil {
				if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
					if t.high != 0 {
						out = utf8.AppendRune(out, utf8.RuneError)
						t.high = 0
					}
					t.done = true
					break
				}
				return err
			}
			u := rune(binary.LittleEndian.Uint16(unit[:]))
			switch {
			case t.high != 0 && 0xDC00 <= u && u < 0xE000:
				out = utf8.AppendRune(out, utf16.DecodeRune(t.high, u))
				t.high = 0
				continue
			case t.high != 0:
				out = utf8.AppendRune(out, utf8.RuneError)
				t.high = 0
			}
			switch {
			case 0xD800 <= u && u < 0xDC00:
				t.high = u
			case 0xDC00 <= u && u < 0xE000:
				out = utf8.AppendRune(out, utf8.RuneError)
			default:
				out = utf8.AppendRune(out, u)
			}
		}
	}
	t.out = out
	return nil
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
