// Package payload decodes the payloads that autorun loaders read back
// (base64, UTF-16LE, deflate, zlib, gzip, nested), measures them and finds
// the text indicators of SPEC §6 in command lines and decoded scripts.
package payload

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"io"
	"math/bits"
	"strings"
	"sync"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/runkeyhunt/runkeyhunt/internal/utf16ascii"
)

const (
	MaxExpanded  = 16 << 20 // never more than 16 MiB expanded, whatever the input claims
	MaxLayers    = 4
	PreviewChars = 4096
)

// Layer names, as they appear in Result.Layers and payload_encoding.
const (
	layerBase64  = "base64"
	layerUTF16LE = "utf16le"
	layerDeflate = "deflate"
	layerZlib    = "zlib"
	layerGzip    = "gzip"
	layerUTF8    = "utf8"
)

const (
	// sampleSize bounds the bytes inspected when deciding what data looks
	// like, so classification stays cheap on 16 MiB inputs.
	sampleSize = 64 << 10
	// probeSize bounds the trial decode that decides whether a base64 layer
	// is worth decoding in full.
	probeSize = 4 << 10
	// minBase64Chars keeps short words and identifiers from being taken for
	// base64.
	minBase64Chars = 16
	// maxBadTextPercent is how many control or invalid bytes per hundred
	// readable text may carry (ANSI accents, stray escapes).
	maxBadTextPercent = 10
)

// Result of peeling a payload.
type Result struct {
	Layers     []string // peeled layers in order, e.g. ["base64","utf16le"], ["base64","deflate","utf8"], ["gzip","utf8"]; plain text -> ["utf8"]; undecodable binary -> nil
	Text       string   // the decoded text (valid UTF-8; invalid sequences replaced), bounded by MaxExpanded
	Compressed bool     // a deflate or gzip layer was peeled
	Truncated  bool     // output hit MaxExpanded
	// BinaryEntropy is the highest entropy, in bits per byte, of a binary
	// stage: the input of a compressed layer, or what is left when nothing
	// more peels and it is not text. Compressed or encrypted data sits near
	// 8; text and base64 stay below 6.
	BinaryEntropy float64
}

// Encoding is the payload_encoding column: the layers joined by "/".
func (r Result) Encoding() string { return strings.Join(r.Layers, "/") }

// Decode peels base64, UTF-16LE, raw deflate, zlib and gzip layers off raw,
// up to MaxLayers of them, and returns the text underneath. A layer is peeled
// only when it decodes cleanly and its output looks like the next stage
// (text, UTF-16LE text or a compressed stream); every step is bounded by
// MaxExpanded output bytes. Base64 embedded inside text is left alone: only
// whole-payload layers are peeled.
func Decode(raw []byte) Result {
	scratch := scratchPool.Get().(*decodeScratch)
	defer scratch.release()
	return decode(raw, scratch)
}

// decode is Decode with the layers' buffers in scratch.
func decode(raw []byte, scratch *decodeScratch) Result {
	var res Result
	cur := raw
	textReady := false // cur is valid UTF-8 produced by the utf16le layer
	isText := false    // peel found cur to be text
	utf16 := false     // the layer that made cur found it to be UTF-16LE text
	for len(res.Layers) < MaxLayers {
		// Layer n writes into scratch slot n%2: never the buffer it reads.
		next, ok, text := peel(cur, utf16, scratch.slot(len(res.Layers)))
		if !ok {
			isText = text
			break
		}
		if next.compressed {
			res.BinaryEntropy = max(res.BinaryEntropy, Entropy(cur))
		}
		res.Layers = append(res.Layers, next.layer)
		res.Compressed = res.Compressed || next.compressed
		res.Truncated = res.Truncated || next.truncated
		cur, utf16 = next.out, next.utf16
		textReady = next.layer == layerUTF16LE
	}
	switch {
	case textReady:
		res.Text = string(cur)
	case isText || looksText(cur):
		res.Layers = append(res.Layers, layerUTF8)
		text, truncated := sanitizeUTF8(bytes.TrimPrefix(cur, bomUTF8))
		res.Text = text
		res.Truncated = res.Truncated || truncated
	default:
		res.BinaryEntropy = max(res.BinaryEntropy, Entropy(cur))
	}
	return res
}

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	gzipMagic  = []byte{0x1f, 0x8b, 0x08}
)

// decodeScratch holds two buffers for the base64 and UTF-16LE layers of
// one Decode, reused by the next: a layer's output is read only by the
// next layer and the final text is copied out (Result.Text is a string),
// so no Result keeps them. Layers alternate between the two, so a layer
// never writes the buffer it reads.
type decodeScratch struct {
	bufs [2][]byte
}

// maxScratch bounds a buffer kept for the next Decode; a bigger one (a
// large payload) is left to the collector.
const maxScratch = 256 << 10

var scratchPool = sync.Pool{New: func() any { return new(decodeScratch) }}

// slot returns the buffer of scratch slot i%2.
func (s *decodeScratch) slot(i int) *[]byte { return &s.bufs[i%2] }

func (s *decodeScratch) release() {
	for i, b := range s.bufs {
		if cap(b) > maxScratch {
			s.bufs[i] = nil
		}
	}
	scratchPool.Put(s)
}

// grow returns (*buf)[:n], the buffer grown (and kept in *buf) if short.
func grow(buf *[]byte, n int) []byte {
	if cap(*buf) < n {
		*buf = make([]byte, n)
	}
	return (*buf)[:n]
}

// peeled is the output of one layer.
type peeled struct {
	layer      string
	out        []byte
	compressed bool
	truncated  bool
	// utf16: out is known to pass looksUTF16LE (the base64 layer checked
	// it), so the next peel need not look again.
	utf16 bool
}

// peel removes one layer from b, trying the self-identifying formats first.
// When nothing peels, text says whether b looked like text (looksText),
// so Decode need not look again. utf16: looksUTF16LE(b) is known true.
// The base64 and UTF-16LE layers write into *buf (which b is not).
func peel(b []byte, utf16 bool, buf *[]byte) (p peeled, ok, text bool) {
	switch {
	case bytes.HasPrefix(b, gzipMagic):
		p, ok = peelCompressed(b, layerGzip, true)
		return p, ok, false
	case isZlibHeader(b):
		p, ok = peelCompressed(b, layerZlib, true)
		return p, ok, false
	case utf16 || looksUTF16LE(b):
		out, truncated := utf16leToUTF8(b, buf)
		return peeled{layer: layerUTF16LE, out: out, truncated: truncated}, true, false
	}
	// peelBase64 rejects ordinary text at its first non-base64 character,
	// so it runs before the costlier text check.
	if p, ok := peelBase64(b, buf); ok {
		return p, true, false
	}
	if looksText(b) {
		// A raw-deflate stream whose first block is stored (uncompressed)
		// printable text reads as text too, with the compressed blocks that
		// follow hidden behind it: inflate it when it decodes cleanly.
		if isStoredDeflateBlock(b) {
			if p, ok := peelCompressed(b, layerDeflate, false); ok {
				return p, true, false
			}
		}
		return peeled{}, false, true // plain text: nothing more to peel
	}
	p, ok = peelCompressed(b, layerDeflate, false)
	return p, ok, false
}

// isStoredDeflateBlock checks for an RFC 1951 stored block header: BTYPE 00
// in the first byte (the rest of it padding, zero as every encoder writes
// it), then LEN and its one's complement NLEN. Text almost never starts with
// a NUL or 0x01 followed by such a pair, so the check is cheap and exact.
func isStoredDeflateBlock(b []byte) bool {
	if len(b) < 5 || b[0] > 1 {
		return false
	}
	n := uint16(b[1]) | uint16(b[2])<<8
	nn := uint16(b[3]) | uint16(b[4])<<8
	return n^nn == 0xffff && n > 0
}

// peelCompressed inflates b. Formats with a verified header (gzip, zlib)
// tolerate a damaged tail (truncated stream, checksum or ISIZE mismatch) when
// the output already reads as the next stage; raw deflate, which has no
// header to vouch for it, must end cleanly.
func peelCompressed(b []byte, layer string, headed bool) (peeled, bool) {
	out, truncated, err := inflate(b, layer)
	if len(out) == 0 {
		return peeled{}, false
	}
	res := peeled{layer: layer, out: out, compressed: true, truncated: truncated}
	if truncated {
		// Producing MaxExpanded bytes without a decoding error is proof
		// enough of a real stream (a bomb); reporting it matters more than
		// what it holds.
		return res, true
	}
	if err != nil && !headed {
		return peeled{}, false
	}
	return res, looksNextStage(out)
}

// inflate decompresses b with the reader for layer, returning at most
// MaxExpanded bytes and whether the stream had more.
func inflate(b []byte, layer string) (out []byte, truncated bool, err error) {
	var r io.Reader
	switch layer {
	case layerGzip:
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, false, err
		}
		r = zr
	case layerZlib:
		zr, err := zlib.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, false, err
		}
		r = zr
	default:
		r = flate.NewReader(bytes.NewReader(b))
	}
	return readBounded(r)
}

// readBounded reads r until EOF or MaxExpanded bytes. Its buffer starts
// small and doubles, so input that fails early costs little and a bomb costs
// at most about twice the cap.
func readBounded(r io.Reader) ([]byte, bool, error) {
	buf := make([]byte, 0, 64<<10)
	stalls := 0
	for {
		if len(buf) == cap(buf) {
			if len(buf) == MaxExpanded {
				var one [1]byte
				n, err := io.ReadFull(r, one[:])
				if n > 0 {
					return buf, true, nil
				}
				if errors.Is(err, io.EOF) {
					err = nil
				}
				return buf, false, err
			}
			grown := make([]byte, len(buf), min(2*cap(buf), MaxExpanded))
			copy(grown, buf)
			buf = grown
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if n == 0 && err == nil {
			if stalls++; stalls > 100 {
				return buf, false, io.ErrNoProgress
			}
		} else {
			stalls = 0
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = nil
			}
			return buf, false, err
		}
	}
}

// isZlibHeader checks the RFC 1950 header: deflate method, window <= 32K,
// no preset dictionary, and the FCHECK multiple of 31.
func isZlibHeader(b []byte) bool {
	if len(b) < 2 {
		return false
	}
	cmf, flg := b[0], b[1]
	return cmf&0x0f == 8 && cmf>>4 <= 7 && flg&0x20 == 0 && (uint16(cmf)<<8|uint16(flg))%31 == 0
}

// looksNextStage reports whether decoded bytes are something a further layer
// or the final text stage can use.
func looksNextStage(b []byte) bool {
	// Cheapest and likeliest first: base64 payloads mostly hold UTF-16LE.
	return looksUTF16LE(b) || looksNextStageNotUTF16(b)
}

// looksNextStageNotUTF16 is looksNextStage for b that is not UTF-16LE text.
func looksNextStageNotUTF16(b []byte) bool {
	return bytes.HasPrefix(b, gzipMagic) || isZlibHeader(b) || looksText(b) || probeDeflate(b)
}

// probeDeflate trial-inflates the start of b as raw deflate and reports
// whether it decodes without error into something readable.
func probeDeflate(b []byte) bool {
	if len(b) < 2 {
		return false
	}
	buf := make([]byte, probeSize)
	n, err := io.ReadFull(flate.NewReader(bytes.NewReader(b)), buf)
	if n == 0 || (err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF)) {
		return false
	}
	out := buf[:n]
	return looksText(out) || looksUTF16LE(out) || bytes.HasPrefix(out, gzipMagic) || isZlibHeader(out)
}

// peelBase64 decodes b when, once whitespace and surrounding quotes are
// dropped, it is entirely base64 (standard or URL alphabet, padding optional)
// of at least minBase64Chars, and the decoded bytes look like a next stage.
// The decoded bytes go into *buf.
func peelBase64(b []byte, buf *[]byte) (peeled, bool) {
	body := bytes.TrimSpace(bytes.TrimPrefix(b, bomUTF8))
	body = bytes.TrimSpace(trimQuotes(body))
	enc, chars, plain, ok := classifyBase64(body)
	// A dangling single character cannot come from an encoder.
	if !ok || chars%4 == 1 {
		return peeled{}, false
	}
	const limit = MaxExpanded / 3 * 4 // whole quantums
	truncated := chars > limit
	want := min(chars, limit)

	probe := compactBase64(body, min(want, probeSize/3*4), plain)
	probeOut := grow(buf, enc.DecodedLen(len(probe)))
	n, err := enc.Decode(probeOut, probe)
	if err != nil {
		return peeled{}, false
	}
	// looksNextStage, keeping its first answer for the next layer.
	utf16 := looksUTF16LE(probeOut[:n])
	if !utf16 && !looksNextStageNotUTF16(probeOut[:n]) {
		return peeled{}, false
	}
	if want == len(probe) {
		return peeled{layer: layerBase64, out: probeOut[:n], truncated: truncated, utf16: utf16}, true
	}

	clean := compactBase64(body, want, plain)
	out := grow(buf, enc.DecodedLen(len(clean))) // the probe's answer is taken
	n, err = enc.Decode(out, clean)
	if err != nil {
		return peeled{}, false
	}
	return peeled{layer: layerBase64, out: out[:n], truncated: truncated}, true
}

func trimQuotes(b []byte) []byte {
	if len(b) >= 2 && (b[0] == '"' || b[0] == '\'') && b[len(b)-1] == b[0] {
		return b[1 : len(b)-1]
	}
	return b
}

// classifyBase64 checks every byte of b and counts the base64 characters
// before padding. Padding may only end the text; the two alphabets may not
// mix. plain: b holds no white space (so any padding is its tail).
func classifyBase64(b []byte) (enc *base64.Encoding, chars int, plain, ok bool) {
	// The run of base64 characters that makes most of a payload, one
	// table lookup a byte; the loop below takes over at the first other
	// byte (white space, padding, or not base64).
	var seen uint8
	for chars+8 <= len(b) {
		ok, std := stdBase64Word(binary.LittleEndian.Uint64(b[chars:]))
		if !ok {
			break
		}
		if std {
			seen |= b64CharStd
		}
		chars += 8
	}
	for ; chars < len(b); chars++ {
		f := base64Char[b[chars]]
		if f == 0 {
			break
		}
		seen |= f
	}
	std, url := seen&b64CharStd != 0, seen&b64CharURL != 0
	pad, spaces := 0, false
	for _, c := range b[chars:] {
		class := base64Class[c]
		switch {
		case class == b64Alnum && pad == 0:
		case class == b64Space:
			spaces = true
			continue
		case class == b64Pad:
			pad++
			continue
		case pad > 0 || class == b64Other:
			return nil, 0, false, false
		case class == b64Std:
			std = true
		case class == b64URL:
			url = true
		}
		chars++
	}
	if pad > 2 || (std && url) || chars < minBase64Chars {
		return nil, 0, false, false
	}
	plain = !spaces
	if url {
		return base64.RawURLEncoding, chars, plain, true
	}
	return base64.RawStdEncoding, chars, plain, true
}

// Character classes for classifyBase64, one table lookup per byte.
const (
	b64Other = iota
	b64Alnum
	b64Std   // + and /
	b64URL   // - and _
	b64Pad   // =
	b64Space // white space
)

// stdBase64Word reports whether the eight bytes of v are each a character
// of the standard base64 alphabet (A-Z, a-z, 0-9, + and /), and whether
// one is + or /. Every byte is below 0x80 once checked, so adding a bias
// to it sets its bit 7 exactly when it is at least the bias's bound, with
// no carry into the next byte.
func stdBase64Word(v uint64) (ok, std bool) {
	const ones, highs = 0x0101_0101_0101_0101, 0x8080_8080_8080_8080
	if v&highs != 0 {
		return false, false
	}
	atLeast := func(x uint64, k uint64) uint64 { return (x + (0x80-k)*ones) & highs }
	equal := func(x uint64, k uint64) uint64 {
		y := x ^ k*ones
		return ^(y + 0x7f*ones) & highs // bit 7 clear where y is not zero
	}
	folded := v | 0x20*ones // upper-case letters to lower case
	letter := atLeast(folded, 'a') &^ atLeast(folded, 'z'+1)
	digit := atLeast(v, '0') &^ atLeast(v, '9'+1)
	sign := equal(v, '+') | equal(v, '/')
	return letter|digit|sign == highs, sign != 0
}

// base64Char flags, for classifyBase64's first run.
const (
	b64CharAny = 1 << iota // any base64 character
	b64CharStd             // + or /
	b64CharURL             // - or _
)

var base64Char = func() (t [256]uint8) {
	for c, class := range base64Class {
		switch class {
		case b64Alnum:
			t[c] = b64CharAny
		case b64Std:
			t[c] = b64CharAny | b64CharStd
		case b64URL:
			t[c] = b64CharAny | b64CharURL
		}
	}
	return t
}()

var base64Class = func() (t [256]uint8) {
	for c := 'A'; c <= 'Z'; c++ {
		t[c], t[c+'a'-'A'] = b64Alnum, b64Alnum
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = b64Alnum
	}
	t['+'], t['/'] = b64Std, b64Std
	t['-'], t['_'] = b64URL, b64URL
	t['='] = b64Pad
	for _, c := range []byte{' ', '\t', '\r', '\n', '\v', '\f'} {
		t[c] = b64Space
	}
	return t
}()

// compactBase64 returns the first n base64 characters of b, without
// whitespace or padding. Callers pass either every character or a multiple
// of 4, so the result always decodes. It copies only when b has whitespace.
// plain says b has no white space, so its padding is its tail
// (classifyBase64 saw every byte): it is sliced without another look.
func compactBase64(b []byte, n int, plain bool) []byte {
	if plain {
		for len(b) > 0 && b[len(b)-1] == '=' {
			b = b[:len(b)-1]
		}
		return b[:min(n, len(b))]
	}
	b = bytes.TrimRight(bytes.TrimSpace(b), "= \t\r\n\v\f")
	if !bytes.ContainsAny(b, " \t\r\n\v\f=") {
		return b[:min(n, len(b))]
	}
	out := make([]byte, 0, n)
	for _, c := range b {
		if len(out) == n {
			break
		}
		if !isSpace(c) && c != '=' {
			out = append(out, c)
		}
	}
	return out
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'
}

// looksText reports whether b reads as text: non-empty, and in its first
// sampleSize bytes at most maxBadTextPercent control characters or invalid
// UTF-8 bytes. Trailing NULs (string terminators) are ignored.
func looksText(b []byte) bool {
	b = bytes.TrimRight(b, "\x00")
	if len(b) == 0 {
		return false
	}
	sample := b[:min(len(b), sampleSize)]
	bad, total := 0, 0
	for i, slow := 0, 0; i < len(sample); {
		if i >= slow && i+8 <= len(sample) {
			// Eight printable ASCII bytes at a time, the common case; a
			// word with anything else goes byte by byte.
			if isPrintableASCII8(binary.LittleEndian.Uint64(sample[i:])) {
				total += 8
				i += 8
				continue
			}
			slow = i + 8
		}
		if c := sample[i]; c < utf8.RuneSelf {
			// ASCII, the common case, without decoding a rune.
			total++
			if c < 0x20 && !isSpace(c) || c == 0x7f {
				bad++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(sample[i:])
		total++
		switch {
		case r == utf8.RuneError && size <= 1:
			// An invalid byte, or a multi-byte rune cut by the sample end.
			if i+size < len(sample) || len(sample) == len(b) {
				bad++
			}
		case r < 0x20 && !isSpace(byte(r)), r == 0x7f:
			bad++
		}
		i += size
	}
	return bad*100 <= total*maxBadTextPercent
}

// isPrintableASCII8 reports whether the eight bytes of v are each in
// 0x20..0x7e: none with bit 7, none below 0x20 and none 0x7f (the
// exact "has a byte below n" and "has a zero byte" word tests).
func isPrintableASCII8(v uint64) bool {
	const ones, highs = 0x0101_0101_0101_0101, 0x8080_8080_8080_8080
	if v&highs != 0 {
		return false
	}
	below20 := (v - 0x20*ones) &^ v & highs
	del := v ^ 0x7f*ones
	is7f := (del - ones) &^ del & highs
	return below20|is7f == 0
}

// looksUTF16LE reports whether b is UTF-16LE text: a BOM or a NUL high byte
// in most code units (scripts are mostly ASCII), and almost all units
// printable. Both counts go four printable ASCII units at a time and stop
// as soon as their threshold is out of reach.
func looksUTF16LE(b []byte) bool {
	bom := bytes.HasPrefix(b, bomUTF16LE)
	if bom {
		b = b[2:]
	}
	b = trimUTF16Nulls(b)
	if len(b) < 2 {
		return false
	}
	sample := b[:min(len(b), sampleSize)&^1]
	units := len(sample) / 2
	// Cheap test first: without a BOM only NUL high bytes tell UTF-16LE
	// from 8-bit text; 60% of the units must have one.
	if !bom && !enoughASCIILikeUnits(sample, (units*60+99)/100) {
		return false
	}
	return countUnits(sample, (units*90+99)/100, true)
}

// countUnits reports whether at least need units of sample are ASCII-like
// (a NUL high byte and a non-NUL low byte) or, with printable, printable
// text units. It stops when the units left can no longer reach need.
func countUnits(sample []byte, need int, printable bool) bool {
	n, check := 0, 0
	for i := 0; i+1 < len(sample); {
		if i >= check {
			if n >= need {
				return true
			}
			if n+(len(sample)-i)/2 < need {
				return false
			}
			check = i + 128
		}
		if i+8 <= len(sample) && isPrintableASCIIUnits(binary.LittleEndian.Uint64(sample[i:])) {
			n += 4
			i += 8
			// Runs of printable ASCII are the common case: up to the next
			// check, eight units a round.
			for i+16 <= len(sample) && i+16 <= check &&
				isPrintableASCIIUnits(binary.LittleEndian.Uint64(sample[i:])) &&
				isPrintableASCIIUnits(binary.LittleEndian.Uint64(sample[i+8:])) {
				n += 8
				i += 16
			}
			continue
		}
		lo, hi := sample[i], sample[i+1]
		i += 2
		if !printable {
			if hi == 0 && lo != 0 {
				n++
			}
			continue
		}
		u := rune(uint16(lo) | uint16(hi)<<8)
		switch {
		case u < 0x80:
			if u >= 0x20 && u < 0x7f || u == '\t' || u == '\r' || u == '\n' {
				n++
			}
		case utf16.IsSurrogate(u):
			n++ // pairing is checked on conversion; lone ones become U+FFFD
		case unicode.IsPrint(u):
			n++
		}
	}
	return n >= need
}

// enoughASCIILikeUnits reports whether at least need units of sample have
// a NUL high byte and a non-NUL low byte: countUnits(sample, need, false),
// four units a word. It stops when the answer is known.
func enoughASCIILikeUnits(sample []byte, need int) bool {
	const lanes = 0x00ff_00ff_00ff_00ff
	n, i := 0, 0
	for i+8 <= len(sample) {
		if n >= need {
			return true
		}
		if n+(len(sample)-i)/2 < need {
			return false
		}
		for end := min(i+128, len(sample)&^7); i < end; i += 8 {
			w := binary.LittleEndian.Uint64(sample[i:])
			// Adding 0xff to a lane's byte sets bit 8 when the byte is not
			// zero; no lane carries into the next.
			loSet := (w&lanes + lanes) & 0x0100_0100_0100_0100
			hiSet := (w>>8&lanes + lanes) & 0x0100_0100_0100_0100
			n += bits.OnesCount64(loSet &^ hiSet)
		}
	}
	for ; i+1 < len(sample); i += 2 {
		if sample[i+1] == 0 && sample[i] != 0 {
			n++
		}
	}
	return n >= need
}

// isPrintableASCIIUnits reports whether the four UTF-16LE units of v are
// each in 0x20..0x7e: high bytes zero, low bytes below 0x80, none below
// 0x20 (adding 0x60 sets bit 7) and none 0x7f (adding 1 sets bit 7). No
// lane carries into the next.
func isPrintableASCIIUnits(v uint64) bool {
	const lanes7 = 0x0080_0080_0080_0080
	return v&0xff80_ff80_ff80_ff80 == 0 &&
		(v+0x0060_0060_0060_0060)&lanes7 == lanes7 &&
		(v+0x0001_0001_0001_0001)&lanes7 == 0
}

// trimUTF16Nulls drops trailing U+0000 units (REG_SZ terminators) from an
// even-length b.
func trimUTF16Nulls(b []byte) []byte {
	if len(b)%2 == 1 {
		return b
	}
	for len(b) >= 2 && b[len(b)-1] == 0 && b[len(b)-2] == 0 {
		b = b[:len(b)-2]
	}
	return b
}

// utf16leToUTF8 converts UTF-16LE (BOM optional) to UTF-8, replacing lone
// surrogates and a dangling odd byte with U+FFFD, and stopping at
// MaxExpanded output bytes. A first pass sizes the output so the buffer is
// allocated once.
func utf16leToUTF8(b []byte, buf *[]byte) ([]byte, bool) {
	b = bytes.TrimPrefix(b, bomUTF16LE)
	if len(b)%2 == 1 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	b = trimUTF16Nulls(b)
	// All-ASCII text (most scripts) converts with one copy; its output is
	// half the input, which the caller already bounded.
	if out, ok := utf16ascii.NarrowInto(*buf, b); ok && len(out) <= MaxExpanded {
		if cap(out) > cap(*buf) {
			*buf = out // grown: kept for the next layer or Decode
		}
		return out, false
	}
	size, truncated := 0, false
	forEachUTF16Rune(b, func(r rune) bool {
		n := utf8.RuneLen(r)
		if size+n > MaxExpanded {
			truncated = true
			return false
		}
		size += n
		return true
	})
	out := make([]byte, 0, size)
	forEachUTF16Rune(b, func(r rune) bool {
		if len(out)+utf8.RuneLen(r) > size {
			return false
		}
		out = utf8.AppendRune(out, r)
		return true
	})
	return out, truncated
}

// forEachUTF16Rune calls yield with each rune of UTF-16LE b, U+FFFD for a
// lone surrogate or a dangling byte, until yield returns false.
func forEachUTF16Rune(b []byte, yield func(rune) bool) {
	for i := 0; i < len(b); {
		r := utf8.RuneError
		if i+1 >= len(b) {
			i++
		} else {
			u := rune(uint16(b[i]) | uint16(b[i+1])<<8)
			i += 2
			switch {
			case !utf16.IsSurrogate(u):
				r = u
			case u < 0xdc00 && i+1 < len(b):
				u2 := rune(uint16(b[i]) | uint16(b[i+1])<<8)
				if dec := utf16.DecodeRune(u, u2); dec != utf8.RuneError {
					r = dec
					i += 2
				}
			}
		}
		if !yield(r) {
			return
		}
	}
}

// sanitizeUTF8 returns b as a string with invalid sequences replaced by
// U+FFFD, cut at a rune boundary so it never exceeds MaxExpanded bytes.
func sanitizeUTF8(b []byte) (string, bool) {
	if len(b) <= MaxExpanded && utf8.Valid(b) {
		return string(b), false
	}
	var sb strings.Builder
	sb.Grow(min(len(b), MaxExpanded))
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if sb.Len()+utf8.RuneLen(r) > MaxExpanded {
			return sb.String(), true
		}
		sb.WriteRune(r)
		i += size
	}
	return sb.String(), false
}
