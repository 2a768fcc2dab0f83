package evidence

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/x509/pkix"
	"debug/pe"
	"encoding/asn1"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"
	"unicode/utf16"

	_ "crypto/md5"    // digest of old Authenticode signatures
	_ "crypto/sha1"   // digest of most Authenticode signatures
	_ "crypto/sha512" // sha384/sha512 digests

	"github.com/Velocidex/pkcs7"
)

// Bounds on untrusted PE files.
const (
	// MaxHashed is the most bytes of one file that are hashed; a larger
	// file gets its size and version resource, no hash, and an unknown
	// signature.
	MaxHashed = 256 << 20
	// maxCertTable bounds the certificate table that is read into memory.
	maxCertTable = 16 << 20
	// maxResourceSection bounds the resource bytes read for RT_VERSION.
	maxResourceSection = 32 << 20
	// maxVersionInfo bounds the version resource itself.
	maxVersionInfo = 1 << 20
)

// errNotPE marks a file that is not a PE image.
var errNotPE = errors.New("not a PE image")

// PEInfo is what the file itself says: its embedded signature and version
// resource.
type PEInfo struct {
	Signature    string // Signed, Unsigned, Invalid or Unknown
	Signer       string // subject CN of the signing certificate
	OriginalName string // VS_VERSIONINFO OriginalFilename
	Company      string // VS_VERSIONINFO CompanyName
	// SignatureError says why Signature is Invalid or Unknown.
	SignatureError string
}

// layout holds the offsets the Authenticode digest skips.
type layout struct {
	checksumOff int64 // the optional header's CheckSum field (4 bytes)
	secDirOff   int64 // the security data directory entry (8 bytes); -1 without one
	certOff     int64 // the certificate table; certSize 0 without one
	certSize    int64
}

// readLayout finds the checksum field, the security directory entry and
// the certificate table from the headers.
func readLayout(r io.ReaderAt, size int64) (layout, error) {
	var l layout
	var dos [64]byte
	if _, err := r.ReadAt(dos[:], 0); err != nil || dos[0] != 'M' || dos[1] != 'Z' {
		return l, errNotPE
	}
	lfanew := int64(binary.LittleEndian.Uint32(dos[0x3c:]))
	var hdr [24 + 2]byte // signature, COFF header, optional header magic
	if lfanew+int64(len(hdr)) > size {
		return l, fmt.Errorf("%w: PE header at offset %d beyond the file", errNotPE, lfanew)
	}
	if _, err := r.ReadAt(hdr[:], lfanew); err != nil {
		return l, fmt.Errorf("read PE header at offset %d: %w", lfanew, err)
	}
	if !bytes.Equal(hdr[:4], []byte("PE\x00\x00")) {
		return l, fmt.Errorf("%w: no PE signature at offset %d", errNotPE, lfanew)
	}
	optSize := int64(binary.LittleEndian.Uint16(hdr[4+16:]))
	opt := lfanew + 24
	var numOff, dirOff int64
	switch magic := binary.LittleEndian.Uint16(hdr[24:]); magic {
	case 0x10b: // PE32
		numOff, dirOff = opt+92, opt+96
	case 0x20b: // PE32+
		numOff, dirOff = opt+108, opt+112
	default:
		return l, fmt.Errorf("%w: optional header magic 0x%x", errNotPE, magic)
	}
	l.checksumOff, l.secDirOff = opt+64, -1
	var buf [8]byte
	if numOff+4 > opt+optSize {
		return l, nil
	}
	if _, err := r.ReadAt(buf[:4], numOff); err != nil {
		return l, fmt.Errorf("read data directory count at offset %d: %w", numOff, err)
	}
	const securityDir = 4
	if binary.LittleEndian.Uint32(buf[:4]) <= securityDir || dirOff+(securityDir+1)*8 > opt+optSize {
		return l, nil
	}
	l.secDirOff = dirOff + securityDir*8
	if _, err := r.ReadAt(buf[:], l.secDirOff); err != nil {
		return l, fmt.Errorf("read security directory at offset %d: %w", l.secDirOff, err)
	}
	l.certOff = int64(binary.LittleEndian.Uint32(buf[:4]))
	l.certSize = int64(binary.LittleEndian.Uint32(buf[4:]))
	return l, nil
}

// AnalyzePE reads a PE image: its SHA-256, its embedded Authenticode
// signature checked against the file's own Authenticode digest, and its
// version resource. A file that is not a PE returns errNotPE with the
// hash; a file over MaxHashed has no hash and an Unknown signature.
//
// "Signed" means: the PKCS#7 signature over the signed attributes
// verifies with the embedded signer certificate, the attributes' message
// digest matches the SpcIndirectDataContent, and that content's digest
// equals the Authenticode digest of the file. No chain is built to a root
// and nothing is revoked: that takes the host's trust store (the live
// Windows source asks WinVerifyTrust).
func AnalyzePE(r io.ReaderAt, size int64) (info PEInfo, sha string, err error) {
	l, lerr := readLayout(r, size)
	if lerr != nil {
		if size <= MaxHashed {
			sha, err = hashAll(r, size, layout{secDirOff: -1}, nil)
		}
		if err == nil {
			err = lerr
		}
		return PEInfo{Signature: Unknown, SignatureError: lerr.Error()}, sha, err
	}
	info.OriginalName, info.Company = versionStrings(r, size)

	var digestHash crypto.Hash
	var want []byte
	switch {
	case l.secDirOff < 0 || l.certSize == 0 && l.certOff == 0:
		info.Signature = Unsigned
	default:
		digestHash, want, info.Signer, err = readSignature(r, size, l)
		if err != nil {
			info.Signature, info.SignatureError = Invalid, err.Error()
			digestHash, err = 0, nil
		}
	}
	if size > MaxHashed {
		if info.Signature != Unsigned {
			info.Signature, info.SignatureError = Unknown, fmt.Sprintf("larger than %d bytes, not hashed", MaxHashed)
		}
		return info, "", nil
	}
	var auth hash.Hash
	if digestHash != 0 {
		auth = digestHash.New()
	}
	sha, err = hashAll(r, size, l, auth)
	if err != nil {
		return PEInfo{Signature: Unknown, SignatureError: err.Error()}, "", err
	}
	if auth != nil {
		if got := auth.Sum(nil); bytes.Equal(got, want) {
			info.Signature = Signed
		} else {
			info.Signature = Invalid
			info.SignatureError = fmt.Sprintf("Authenticode digest %x, the signature says %x", got, want)
		}
	}
	return info, sha, nil
}

// hashAll reads the file once: every byte into SHA-256, and into auth (if
// any) every byte but the checksum field, the security directory entry and
// the certificate table, which is the Authenticode digest in its flat form
// (what signtool and osslsigncode compute for files whose sections follow
// the headers in order).
func hashAll(r io.ReaderAt, size int64, l layout, auth hash.Hash) (string, error) {
	whole := sha256.New()
	skips := [][2]int64{{l.checksumOff, 4}, {l.secDirOff, 8}, {l.certOff, l.certSize}}
	buf := make([]byte, min(size, 1<<20))
	for off := int64(0); off < size; {
		n := int64(len(buf))
		if size-off < n {
			n = size - off
		}
		got, err := r.ReadAt(buf[:n], off)
		if int64(got) != n {
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return "", fmt.Errorf("read at offset %d: %w", off, err)
		}
		chunk := buf[:n]
		whole.Write(chunk)
		if auth != nil {
			writeSkipping(auth, chunk, off, skips)
		}
		off += n
	}
	return hex.EncodeToString(whole.Sum(nil)), nil
}

// writeSkipping writes chunk (which starts at file offset off) without the
// bytes inside the skipped ranges.
func writeSkipping(w io.Writer, chunk []byte, off int64, skips [][2]int64) {
	start := off
	end := off + int64(len(chunk))
	for start < end {
		next := end
		skipTo := int64(-1)
		for _, s := range skips {
			if s[1] <= 0 || s[0] < 0 {
				continue
			}
			sEnd := s[0] + s[1]
			if start >= s[0] && start < sEnd {
				skipTo = max(skipTo, sEnd)
			} else if s[0] > start && s[0] < next {
				next = s[0]
			}
		}
		if skipTo >= 0 {
			start = min(skipTo, end)
			continue
		}
		w.Write(chunk[start-off : next-off])
		start = next
	}
}

var (
	oidSpcIndirectData = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 2, 1, 4}
	digestOIDs         = map[string]crypto.Hash{
		"1.2.840.113549.2.5":     crypto.MD5,
		"1.3.14.3.2.26":          crypto.SHA1,
		"2.16.840.1.101.3.4.2.1": crypto.SHA256,
		"2.16.840.1.101.3.4.2.2": crypto.SHA384,
		"2.16.840.1.101.3.4.2.3": crypto.SHA512,
	}
)

// spcIndirectData is SpcIndirectDataContent (Authenticode spec): what was
// signed, and the file's digest.
type spcIndirectData struct {
	Data          asn1.RawValue
	MessageDigest struct {
		Algorithm pkix.AlgorithmIdentifier
		Digest    []byte
	}
}

// readSignature reads the first WIN_CERTIFICATE, parses its PKCS#7
// SignedData and checks the signature over the signed attributes. It
// returns the digest algorithm and digest the signer vouches for.
func readSignature(r io.ReaderAt, size int64, l layout) (crypto.Hash, []byte, string, error) {
	if l.certOff < 8 || l.certSize < 8 || l.certOff+l.certSize > size {
		return 0, nil, "", fmt.Errorf("certificate table at offset %d, %d bytes, outside the %d-byte file", l.certOff, l.certSize, size)
	}
	if l.certSize > maxCertTable {
		return 0, nil, "", fmt.Errorf("certificate table of %d bytes at offset %d is over %d bytes", l.certSize, l.certOff, maxCertTable)
	}
	table := make([]byte, l.certSize)
	if _, err := r.ReadAt(table, l.certOff); err != nil {
		return 0, nil, "", fmt.Errorf("read certificate table at offset %d: %w", l.certOff, err)
	}
	length := int64(binary.LittleEndian.Uint32(table))
	certType := binary.LittleEndian.Uint16(table[6:])
	const winCertTypePKCSSignedData = 2
	if length < 8 || length > l.certSize || certType != winCertTypePKCSSignedData {
		return 0, nil, "", fmt.Errorf("WIN_CERTIFICATE at offset %d: length %d, type %d is not a PKCS#7 signature", l.certOff, length, certType)
	}
	return ParseSignature(table[8:length])
}

// ParseSignature parses an Authenticode PKCS#7 SignedData blob (a PE's
// WIN_CERTIFICATE content, or a catalog file), checks the signer's
// signature over the signed attributes and returns the signed file digest
// and the signer's subject CN.
func ParseSignature(der []byte) (h crypto.Hash, digest []byte, signer string, err error) {
	defer func() {
		// The PKCS#7 library was not written for hostile input; a panic in
		// it is a malformed signature, not a crash of the extension.
		if p := recover(); p != nil {
			h, digest, signer, err = 0, nil, "", fmt.Errorf("malformed PKCS#7: %v", p)
		}
	}()
	// WIN_CERTIFICATE pads to 8 bytes after the DER: cut at the DER's own
	// length (a trailing zero may belong to the signature).
	var outer asn1.RawValue
	if rest, err := asn1.Unmarshal(der, &outer); err == nil {
		der = der[:len(der)-len(rest)]
	}
	p7, err := pkcs7.Parse(der)
	if err != nil {
		return 0, nil, "", fmt.Errorf("parse PKCS#7: %w", err)
	}
	if cert := p7.GetOnlySigner(); cert != nil {
		signer = cert.Subject.CommonName
	}
	if !p7.SignedData.ContentInfo.ContentType.Equal(oidSpcIndirectData) {
		return 0, nil, signer, fmt.Errorf("PKCS#7 content type %v is not SpcIndirectDataContent", p7.SignedData.ContentInfo.ContentType)
	}
	var ind spcIndirectData
	if _, err := asn1.Unmarshal(p7.SignedData.ContentInfo.Content.Bytes, &ind); err != nil {
		return 0, nil, signer, fmt.Errorf("parse SpcIndirectDataContent: %w", err)
	}
	h, ok := digestOIDs[ind.MessageDigest.Algorithm.Algorithm.String()]
	if !ok || !h.Available() {
		return 0, nil, signer, fmt.Errorf("digest algorithm %v not supported", ind.MessageDigest.Algorithm.Algorithm)
	}
	if len(ind.MessageDigest.Digest) != h.Size() {
		return 0, nil, signer, fmt.Errorf("%v digest of %d bytes", h, len(ind.MessageDigest.Digest))
	}
	if signer == "" && len(p7.Signers) != 1 {
		return 0, nil, "", fmt.Errorf("PKCS#7 has %d signers, Authenticode wants one", len(p7.Signers))
	}
	if err := p7.Verify(); err != nil {
		return 0, nil, signer, fmt.Errorf("signature over the signed attributes: %w", err)
	}
	return h, ind.MessageDigest.Digest, signer, nil
}

// versionStrings reads OriginalFilename and CompanyName from the RT_VERSION
// resource; empty when the file has none or it is malformed.
func versionStrings(r io.ReaderAt, size int64) (original, company string) {
	data := versionResource(r, size)
	if data == nil {
		return "", ""
	}
	strs := ParseVersionInfo(data)
	return strs["OriginalFilename"], strs["CompanyName"]
}

// versionResource finds the first RT_VERSION resource's bytes.
func versionResource(r io.ReaderAt, size int64) []byte {
	f, err := pe.NewFile(r)
	if err != nil {
		return nil
	}
	var rva, rsize uint32
	const resourceDir = 2
	switch oh := f.OptionalHeader.(type) {
	case *pe.OptionalHeader32:
		if oh.NumberOfRvaAndSizes > resourceDir {
			rva, rsize = oh.DataDirectory[resourceDir].VirtualAddress, oh.DataDirectory[resourceDir].Size
		}
	case *pe.OptionalHeader64:
		if oh.NumberOfRvaAndSizes > resourceDir {
			rva, rsize = oh.DataDirectory[resourceDir].VirtualAddress, oh.DataDirectory[resourceDir].Size
		}
	}
	if rva == 0 || rsize == 0 {
		return nil
	}
	sec := sectionOf(f, rva)
	if sec == nil || sec.Size > maxResourceSection || int64(sec.Offset)+int64(sec.Size) > size {
		return nil
	}
	data := make([]byte, sec.Size)
	if n, _ := sec.ReadAt(data, 0); n != len(data) {
		return nil
	}
	base := int(rva - sec.VirtualAddress)
	dir := resourceTree{data: data, base: base}
	const rtVersion = 16
	entry, ok := dir.find(base, rtVersion, true)
	for level := 0; ok && level < 2; level++ { // name, then language: the first of each
		entry, ok = dir.find(entry, 0, false)
	}
	if !ok || entry+16 > len(data) || entry < 0 {
		return nil
	}
	dataRVA := binary.LittleEndian.Uint32(data[entry:])
	dataSize := binary.LittleEndian.Uint32(data[entry+4:])
	if dataSize > maxVersionInfo || int64(dataSize) > size {
		return nil
	}
	ds := sectionOf(f, dataRVA)
	if ds == nil {
		return nil
	}
	out := make([]byte, dataSize)
	if n, _ := ds.ReadAt(out, int64(dataRVA-ds.VirtualAddress)); n != len(out) {
		return nil
	}
	return out
}

func sectionOf(f *pe.File, rva uint32) *pe.Section {
	for _, s := range f.Sections {
		span := max(s.VirtualSize, s.Size)
		if rva >= s.VirtualAddress && rva-s.VirtualAddress < span && rva-s.VirtualAddress < s.Size {
			return s
		}
	}
	return nil
}

// resourceTree reads IMAGE_RESOURCE_DIRECTORY tables inside the resource
// section; offsets in entries are relative to the tree's root (base).
type resourceTree struct {
	data []byte
	base int
}

// find looks in the directory at dir for the entry with the integer id
// (byID), or takes the first entry; it returns the absolute offset of what
// the entry points at.
func (t resourceTree) find(dir int, id uint32, byID bool) (int, bool) {
	if dir < 0 || dir+16 > len(t.data) {
		return 0, false
	}
	named := int(binary.LittleEndian.Uint16(t.data[dir+12:]))
	ids := int(binary.LittleEndian.Uint16(t.data[dir+14:]))
	for i := 0; i < named+ids; i++ {
		e := dir + 16 + 8*i
		if e+8 > len(t.data) {
			return 0, false
		}
		name := binary.LittleEndian.Uint32(t.data[e:])
		target := binary.LittleEndian.Uint32(t.data[e+4:])
		if byID && (name&0x80000000 != 0 || name != id) {
			continue
		}
		return t.base + int(target&0x7fffffff), true
	}
	return 0, false
}

// ParseVersionInfo reads the StringFileInfo strings of a VS_VERSIONINFO
// resource (first string table wins for each key). Malformed input gives
// what could be read before the damage.
func ParseVersionInfo(b []byte) map[string]string {
	out := map[string]string{}
	root, ok := parseVerBlock(b)
	if !ok || root.key != "VS_VERSION_INFO" {
		return out
	}
	eachChild(root.children, func(fileInfo verBlock) {
		if fileInfo.key != "StringFileInfo" {
			return
		}
		eachChild(fileInfo.children, func(table verBlock) {
			eachChild(table.children, func(s verBlock) {
				if _, seen := out[s.key]; !seen && s.key != "" {
					out[s.key] = utf16String(s.value)
				}
			})
		})
	})
	return out
}

// verBlock is one node of the version resource: wLength, wValueLength,
// wType, a NUL-terminated UTF-16 key, padding to 32 bits, the value,
// padding, the children.
type verBlock struct {
	key      string
	value    []byte
	children []byte
	length   int
}

func parseVerBlock(b []byte) (verBlock, bool) {
	if len(b) < 6 {
		return verBlock{}, false
	}
	length := int(binary.LittleEndian.Uint16(b))
	valueLen := int(binary.LittleEndian.Uint16(b[2:]))
	textValue := binary.LittleEndian.Uint16(b[4:]) == 1
	if length < 6 || length > len(b) {
		return verBlock{}, false
	}
	b = b[:length]
	keyEnd := 6
	for keyEnd+1 < len(b) && (b[keyEnd] != 0 || b[keyEnd+1] != 0) {
		keyEnd += 2
	}
	if keyEnd+1 >= len(b) {
		return verBlock{}, false
	}
	blk := verBlock{key: utf16String(b[6:keyEnd]), length: length}
	pos := align4(keyEnd + 2)
	if textValue {
		valueLen *= 2 // in WORDs for text
	}
	if pos > len(b) {
		return blk, true
	}
	end := min(pos+valueLen, len(b))
	blk.value = b[pos:end]
	if c := align4(end); c < len(b) {
		blk.children = b[c:]
	}
	return blk, true
}

func eachChild(b []byte, fn func(verBlock)) {
	for len(b) >= 6 {
		blk, ok := parseVerBlock(b)
		if !ok {
			return
		}
		fn(blk)
		next := align4(blk.length)
		if next >= len(b) {
			return
		}
		b = b[next:]
	}
}

func align4(n int) int { return (n + 3) &^ 3 }

// utf16String decodes little-endian UTF-16 up to the first NUL.
func utf16String(b []byte) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		c := binary.LittleEndian.Uint16(b[i:])
		if c == 0 {
			break
		}
		u = append(u, c)
	}
	return strings.TrimSpace(string(utf16.Decode(u)))
}
