package evidence

import (
	"bytes"
	"encoding/binary"
	"testing"
	"unicode/utf16"
)

// verBlockBytes builds one VS_VERSIONINFO node.
func verBlockBytes(key string, value []byte, text bool, children ...[]byte) []byte {
	b := make([]byte, 6)
	for _, u := range utf16.Encode([]rune(key)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	b = append(b, 0, 0)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	b = append(b, value...)
	for _, c := range children {
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
		b = append(b, c...)
	}
	binary.LittleEndian.PutUint16(b, uint16(len(b)))
	vl := len(value)
	if text {
		vl /= 2
		binary.LittleEndian.PutUint16(b[4:], 1)
	}
	binary.LittleEndian.PutUint16(b[2:], uint16(vl))
	return b
}

func utf16z(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return append(b, 0, 0)
}

// versionInfo is a small VS_VERSIONINFO with two strings.
func versionInfo(original, company string) []byte {
	fixed := make([]byte, 52)
	binary.LittleEndian.PutUint32(fixed, 0xFEEF04BD)
	table := verBlockBytes("040904b0", nil, true,
		verBlockBytes("CompanyName", utf16z(company), true),
		verBlockBytes("OriginalFilename", utf16z(original), true))
	return verBlockBytes("VS_VERSION_INFO", fixed, false,
		verBlockBytes("StringFileInfo", nil, true, table),
		verBlockBytes("VarFileInfo", nil, true, verBlockBytes("Translation", []byte{9, 4, 0xb0, 4}, false)))
}

// syntheticPE builds a minimal PE32+ image: headers, one .rsrc section
// holding an RT_VERSION resource, and a certificate table with cert.
func syntheticPE(ver, cert []byte) []byte {
	const rva, raw = 0x1000, 0x200
	b := make([]byte, raw)
	copy(b, "MZ")
	binary.LittleEndian.PutUint32(b[0x3c:], 0x40)
	copy(b[0x40:], "PE\x00\x00")
	coff := b[0x44:]
	binary.LittleEndian.PutUint16(coff, 0x8664)
	binary.LittleEndian.PutUint16(coff[2:], 1)
	binary.LittleEndian.PutUint16(coff[16:], 0xF0)
	binary.LittleEndian.PutUint16(coff[18:], 0x22)
	opt := b[0x58:]
	binary.LittleEndian.PutUint16(opt, 0x20b)
	binary.LittleEndian.PutUint32(opt[60:], raw)
	binary.LittleEndian.PutUint32(opt[108:], 16)
	// The resource tree: type 16 -> id 1 -> language 0x409 -> data.
	rs := make([]byte, 0x58)
	dir := func(at int, id, target uint32) {
		binary.LittleEndian.PutUint16(rs[at+14:], 1)
		binary.LittleEndian.PutUint32(rs[at+16:], id)
		binary.LittleEndian.PutUint32(rs[at+20:], target)
	}
	dir(0, 16, 0x80000000|0x18)
	dir(0x18, 1, 0x80000000|0x30)
	dir(0x30, 0x409, 0x48)
	binary.LittleEndian.PutUint32(rs[0x48:], rva+0x58)
	binary.LittleEndian.PutUint32(rs[0x4c:], uint32(len(ver)))
	rs = append(rs, ver...)
	for len(rs)%8 != 0 {
		rs = append(rs, 0)
	}
	binary.LittleEndian.PutUint32(opt[112+16:], rva)
	binary.LittleEndian.PutUint32(opt[112+20:], uint32(len(rs)))
	sec := b[0x148:]
	copy(sec, ".rsrc")
	binary.LittleEndian.PutUint32(sec[8:], uint32(len(rs)))
	binary.LittleEndian.PutUint32(sec[12:], rva)
	binary.LittleEndian.PutUint32(sec[16:], uint32(len(rs)))
	binary.LittleEndian.PutUint32(sec[20:], raw)
	b = append(b, rs...)
	if cert != nil {
		wc := binary.LittleEndian.AppendUint32(nil, uint32(8+len(cert)))
		wc = binary.LittleEndian.AppendUint16(wc, 0x200)
		wc = binary.LittleEndian.AppendUint16(wc, 2)
		wc = append(wc, cert...)
		binary.LittleEndian.PutUint32(b[0x58+112+32:], uint32(len(b)))
		binary.LittleEndian.PutUint32(b[0x58+112+36:], uint32(len(wc)))
		b = append(b, wc...)
	}
	return b
}

func TestSyntheticPE(t *testing.T) {
	pe := syntheticPE(versionInfo("svchost.exe", "Contoso"), nil)
	info, _, err := AnalyzePE(bytes.NewReader(pe), int64(len(pe)))
	if err != nil {
		t.Fatal(err)
	}
	if info.Signature != Unsigned || info.OriginalName != "svchost.exe" || info.Company != "Contoso" {
		t.Errorf("%+v", info)
	}
	// A certificate table that is not PKCS#7: invalid, not a crash.
	pe = syntheticPE(versionInfo("a.exe", "b"), []byte{0x30, 0x03, 0x02, 0x01, 0x01})
	info, _, err = AnalyzePE(bytes.NewReader(pe), int64(len(pe)))
	if err != nil || info.Signature != Invalid || info.SignatureError == "" {
		t.Errorf("%+v, %v; want invalid with a reason", info, err)
	}
}

// FuzzAnalyzePE feeds untrusted bytes to the PE, Authenticode and
// version-resource parsers: no panic, no hang, and a signature state
// from the documented set.
func FuzzAnalyzePE(f *testing.F) {
	f.Add(syntheticPE(versionInfo("cmd.exe", "Microsoft Corporation"), nil))
	f.Add(syntheticPE(versionInfo("x.exe", "y"), []byte{0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02, 0xa0, 0x80, 0x30, 0x00, 0x00, 0x00, 0x00, 0x00}))
	f.Add(versionInfo("cmd.exe", "Microsoft"))
	f.Fuzz(func(t *testing.T, data []byte) {
		info, _, _ := AnalyzePE(bytes.NewReader(data), int64(len(data)))
		switch info.Signature {
		case Signed, Unsigned, Invalid, Unknown:
		default:
			t.Fatalf("signature state %q", info.Signature)
		}
		if info.Signature == Signed {
			t.Fatalf("random bytes verified as signed: %+v", info)
		}
		ParseVersionInfo(data)
	})
}

// FuzzParseSignature feeds untrusted bytes to the PKCS#7 parser.
func FuzzParseSignature(f *testing.F) {
	f.Add([]byte{0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02, 0xa0, 0x80, 0x30, 0x00, 0x00, 0x00, 0x00, 0x00})
	f.Add([]byte{0x30, 0x03, 0x02, 0x01, 0x01})
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, digest, _, err := ParseSignature(data); err == nil && digest == nil {
			t.Fatal("no error and no digest")
		}
	})
}
