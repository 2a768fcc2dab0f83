package evidence

import (
	"bytes"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/hex"
	"os"
	"strings"
	"testing"
)

func analyzeFile(t *testing.T, path string) (PEInfo, string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	info, sha, err := AnalyzePE(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("AnalyzePE(%s): %v", path, err)
	}
	sum := sha256.Sum256(data)
	if sha != hex.EncodeToString(sum[:]) {
		t.Errorf("%s: sha256 %s, want %x", path, sha, sum)
	}
	return info, sha
}

func TestAnalyzePESignatures(t *testing.T) {
	fx := peFixtures(t)
	tests := []struct {
		name, path, signature, signer string
	}{
		{"no certificate table", fx.unsigned, Unsigned, ""},
		{"osslsigncode signature", fx.signed, Signed, testSigner},
		{"one byte changed after signing", fx.tampered, Invalid, testSigner},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, _ := analyzeFile(t, tt.path)
			if info.Signature != tt.signature || info.Signer != tt.signer {
				t.Errorf("signature %q by %q (%s), want %q by %q", info.Signature, info.Signer, info.SignatureError, tt.signature, tt.signer)
			}
			if info.OriginalName != "cmd.exe" || info.Company != "Microsoft Corporation" {
				t.Errorf("version resource: original %q, company %q; want cmd.exe, Microsoft Corporation", info.OriginalName, info.Company)
			}
		})
	}
}

// TestAnalyzePEDigestCoversHeaders: the digest skips only the checksum,
// the security directory entry and the certificate table; a change to
// any other header byte (here the timestamp) invalidates the signature,
// and a change to the checksum does not.
func TestAnalyzePEDigestCoversHeaders(t *testing.T) {
	fx := peFixtures(t)
	data, err := os.ReadFile(fx.signed)
	if err != nil {
		t.Fatal(err)
	}
	l, err := readLayout(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var outer asn1.RawValue
	if _, err := asn1.Unmarshal(data[l.certOff+8:], &outer); err != nil {
		t.Fatal(err)
	}
	derEnd := l.certOff + 8 + int64(len(outer.FullBytes))
	for _, tt := range []struct {
		name string
		off  int64
		want string
	}{
		{"inside the signature value over the signed attributes", derEnd - 10, Invalid},
		{"checksum", l.checksumOff, Signed},
		{"COFF timestamp", l.checksumOff - 64 - 20 + 4, Invalid},
		{"last byte before the certificate table", l.certOff - 1, Invalid},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := bytes.Clone(data)
			b[tt.off] ^= 0x5a
			info, _, err := AnalyzePE(bytes.NewReader(b), int64(len(b)))
			if err != nil {
				t.Fatal(err)
			}
			if info.Signature != tt.want {
				t.Errorf("byte %d changed: %q (%s), want %q", tt.off, info.Signature, info.SignatureError, tt.want)
			}
		})
	}
}

func TestAnalyzePENotPE(t *testing.T) {
	for _, data := range [][]byte{nil, []byte("MZ"), []byte("echo hello\r\n"), append([]byte("MZ"), make([]byte, 100)...)} {
		info, sha, err := AnalyzePE(bytes.NewReader(data), int64(len(data)))
		if err == nil || info.Signature != Unknown {
			t.Errorf("%q: %+v, %v; want Unknown and an error", data, info, err)
		}
		sum := sha256.Sum256(data)
		if sha != hex.EncodeToString(sum[:]) {
			t.Errorf("%q: sha %q", data, sha)
		}
	}
}

func TestParseVersionInfoMalformed(t *testing.T) {
	fx := peFixtures(t)
	data, err := os.ReadFile(fx.unsigned)
	if err != nil {
		t.Fatal(err)
	}
	res := versionResource(bytes.NewReader(data), int64(len(data)))
	if res == nil {
		t.Fatal("no RT_VERSION found in the fixture")
	}
	if got := ParseVersionInfo(res)["FileDescription"]; got != "Windows Command Processor" {
		t.Errorf("FileDescription %q", got)
	}
	// Every truncation reads what precedes the damage, nothing invented.
	for n := 0; n < len(res); n++ {
		for k, v := range ParseVersionInfo(res[:n]) {
			if !strings.Contains("CompanyName FileDescription OriginalFilename", k) || v == "" && k == "" {
				t.Fatalf("truncated at %d: key %q value %q", n, k, v)
			}
		}
	}
}

func TestWriteSkipping(t *testing.T) {
	data := []byte("0123456789abcdef")
	skips := [][2]int64{{2, 2}, {-1, 8}, {9, 3}, {14, 0}}
	want := "0145678cdef"
	for chunk := 1; chunk <= len(data); chunk++ {
		var b bytes.Buffer
		for off := 0; off < len(data); off += chunk {
			end := min(off+chunk, len(data))
			writeSkipping(&b, data[off:end], int64(off), skips)
		}
		if b.String() != want {
			t.Errorf("chunk %d: %q, want %q", chunk, b.String(), want)
		}
	}
}
