package report

import (
	"fmt"
	"html"
	"html/template"
	"io"
	"strings"
)

// MaxHTMLFindings bounds the findings table of the HTML page; the JSON and
// CSV outputs carry them all.
const MaxHTMLFindings = 500

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"time":    FormatTime,
	"pct":     func(f float64) string { return fmt.Sprintf("%.1f%%", 100*f) },
	"host":    hostLabel,
	"status":  status,
	"excerpt": excerpt,
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>runkeyhunt fleet report</title>
<style>
:root{--bg:#f5f6f8;--card:#fff;--ink:#1d2430;--muted:#5b6675;--line:#dde1e7;--mal:#c62828;--sus:#ef8f00;--ok:#2e7d32;--acc:#1f5fbf}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;background:var(--bg);color:var(--ink)}
header{background:#17202d;color:#fff;padding:18px 28px}
header h1{margin:0;font-size:22px;font-weight:600}
header p{margin:4px 0 0;color:#b9c3d0}
main{padding:20px 28px;max-width:1400px}
section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:16px 18px;margin:0 0 18px}
h2{font-size:16px;margin:0 0 12px}
.tiles{display:grid;grid-template-columns:repeat(6,1fr);gap:12px;margin-bottom:18px}
.tile{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px;border-top:4px solid var(--acc)}
.tile .v{font-size:28px;font-weight:700}
.tile .l{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.tile.mal{border-top-color:var(--mal)} .tile.mal .v{color:var(--mal)}
.tile.sus{border-top-color:var(--sus)} .tile.sus .v{color:var(--sus)}
.tile.ok{border-top-color:var(--ok)}
.row{display:grid;grid-template-columns:1fr 1fr;gap:18px}
table{border-collapse:collapse;width:100%;font-size:12.5px}
th,td{border-bottom:1px solid var(--line);padding:5px 7px;text-align:left;vertical-align:top}
th{background:#eef1f5;font-weight:600;position:sticky;top:0}
td.n{text-align:right;font-variant-numeric:tabular-nums}
code,.mono{font-family:ui-monospace,SFMono-Regular,Consolas,"Liberation Mono",monospace;font-size:12px;word-break:break-all}
.badge{display:inline-block;padding:1px 7px;border-radius:10px;color:#fff;font-size:11px;font-weight:600}
.badge.malicious{background:var(--mal)} .badge.suspicious{background:var(--sus)} .badge.benign{background:var(--ok)}
tr.removed td{color:var(--muted)}
.payload{color:#37474f;font-size:11.5px}
.muted{color:var(--muted)}
svg text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif}
.legend span{display:inline-block;margin-right:14px;font-size:12px}
.legend i{display:inline-block;width:10px;height:10px;margin-right:5px;vertical-align:middle}
</style>
</head>
<body>
<header><h1>runkeyhunt fleet report</h1><p>Run-key loaders and their hidden payloads across the fleet · {{time .Summary.From}} – {{time .Summary.To}} UTC · {{.Summary.Lines}} log lines, {{.Summary.Rows}} rows{{if .Summary.BadLines}}, {{.Summary.BadLines}} bad lines{{end}}</p></header>
<main>
<div class="tiles">
<div class="tile"><div class="v">{{.Summary.HostsReporting}}</div><div class="l">hosts reporting</div></div>
<div class="tile mal"><div class="v">{{.Summary.HostsMalicious}}</div><div class="l">hosts malicious</div></div>
<div class="tile sus"><div class="v">{{.Summary.HostsSuspicious}}</div><div class="l">hosts suspicious</div></div>
<div class="tile ok"><div class="v">{{.Summary.HostsClean}}</div><div class="l">hosts without findings</div></div>
<div class="tile"><div class="v">{{.Summary.FindingsActive}}</div><div class="l">active findings ({{.Summary.FindingsResolved}} resolved)</div></div>
<div class="tile"><div class="v">{{.Summary.WritesWithNetwork}}<span class="muted" style="font-size:16px"> / {{.Summary.AutorunWrites}}</span></div><div class="l">autorun writes with network</div></div>
</div>
<div class="row">
<section><h2>Findings over time (first seen, per day)</h2>{{.TimelineSVG}}</section>
<section><h2>Autorun writes by image: network activity of the writer</h2>{{.ChainSVG}}</section>
</div>
<section id="findings"><h2>Findings ({{len .Report.Findings}}{{if .FindingsCut}}, first {{len .Findings}} shown{{end}})</h2>
{{if .Findings}}<table>
<thead><tr><th>verdict</th><th>score</th><th>host</th><th>user</th><th>path</th><th>indicators</th><th>payload excerpt</th><th>first seen</th><th>last seen</th><th>status</th></tr></thead>
<tbody>
{{range .Findings}}<tr{{if not .Active}} class="removed"{{end}}><td><span class="badge {{.Verdict}}">{{.Verdict}}</span></td><td class="n">{{.Score}}</td><td>{{host .}}</td><td>{{.User}}</td><td class="mono">{{.Path}}{{if .PayloadPath}}<br><span class="muted">→ {{.PayloadPath}}</span>{{end}}</td><td class="mono">{{.Indicators}}</td><td class="payload mono">{{excerpt .Payload 160}}</td><td>{{time .FirstSeen}}</td><td>{{time .LastSeen}}</td><td>{{status .}}</td></tr>
{{end}}</tbody></table>{{else}}<p class="muted">No suspicious or malicious autoruns.</p>{{end}}
</section>
<section id="stacking"><h2>Autorun stacking by normalised command (rarest first; {{len .Report.Stacks}} of {{.Report.StacksTotal}} patterns)</h2>
<table><thead><tr><th>hosts</th><th>prevalence</th><th>worst verdict</th><th>locations</th><th>example name</th><th>pattern</th></tr></thead><tbody>
{{range .Report.Stacks}}<tr><td class="n">{{.Hosts}}</td><td class="n">{{pct .Prevalence}}</td><td><span class="badge {{.Verdict}}">{{.Verdict}}</span></td><td>{{.Locations}}</td><td>{{.Name}}</td><td class="mono">{{.Pattern}}</td></tr>
{{end}}</tbody></table></section>
<section id="stacking-hash"><h2>Autorun stacking by image hash (most names first; {{len .Report.HashStacks}} of {{.Report.HashTotal}} hashes)</h2>
<table><thead><tr><th>hosts</th><th>names</th><th>commands</th><th>worst verdict</th><th>signer</th><th>sha256</th><th>names seen</th></tr></thead><tbody>
{{range .Report.HashStacks}}<tr><td class="n">{{.Hosts}}</td><td class="n">{{.NameCount}}</td><td class="n">{{.Patterns}}</td><td><span class="badge {{.Verdict}}">{{.Verdict}}</span></td><td>{{.Signer}}</td><td class="mono">{{.SHA256}}</td><td>{{.Names}}</td></tr>
{{end}}</tbody></table></section>
<div class="row">
<section id="chain"><h2>Sysmon autorun writes by writing image</h2>
<table><thead><tr><th>image</th><th>writes</th><th>hosts</th><th>before &amp; after</th><th>before only</th><th>after only</th><th>neither</th></tr></thead><tbody>
{{range .Report.ChainImages}}<tr><td class="mono">{{.Image}}</td><td class="n">{{.Writes}}</td><td class="n">{{.Hosts}}</td><td class="n">{{.Both}}</td><td class="n">{{.Before}}</td><td class="n">{{.After}}</td><td class="n">{{.Neither}}</td></tr>
{{end}}</tbody></table></section>
<section id="endpoints"><h2>Top remote endpoints around autorun writes</h2>
<table><thead><tr><th>address</th><th>host names</th><th>hosts</th><th>writes</th></tr></thead><tbody>
{{range .Report.Endpoints}}<tr><td class="mono">{{.Address}}</td><td class="mono">{{.Hostnames}}</td><td class="n">{{.Hosts}}</td><td class="n">{{.Writes}}</td></tr>
{{end}}</tbody></table></section>
</div>
{{if .Report.BadLines}}<section id="bad"><h2>Unreadable input lines ({{.Summary.BadLines}})</h2><ul>
{{range .Report.BadLines}}<li class="mono">{{.File}}:{{.Line}}: {{.Error}}</li>
{{end}}</ul></section>{{end}}
</main>
</body>
</html>
`))

type pageData struct {
	Report      *Report
	Summary     Summary
	Findings    []Finding
	FindingsCut bool
	TimelineSVG template.HTML
	ChainSVG    template.HTML
}

// WriteHTML renders one self-contained page: inline CSS and SVG, no
// scripts, fonts or images from anywhere else.
func WriteHTML(w io.Writer, r *Report) error {
	d := pageData{Report: r, Summary: r.Summary, Findings: r.Findings}
	if len(d.Findings) > MaxHTMLFindings {
		d.Findings, d.FindingsCut = d.Findings[:MaxHTMLFindings], true
	}
	d.TimelineSVG = template.HTML(timelineSVG(r.Timeline))
	d.ChainSVG = template.HTML(chainSVG(r.ChainImages))
	return page.Execute(w, d)
}

const (
	colMal     = "#c62828"
	colSus     = "#ef8f00"
	colBoth    = "#6a1b9a"
	colBefore  = "#1f5fbf"
	colAfter   = "#4fa3e0"
	colNeither = "#b0bac6"
)

// timelineSVG draws stacked daily bars (malicious over suspicious).
func timelineSVG(days []DayCount) string {
	if len(days) == 0 {
		return `<p class="muted">No findings.</p>`
	}
	const width, height, left, bottom, top = 640.0, 220.0, 40.0, 30.0, 10.0
	max := 1
	for _, d := range days {
		if d.Malicious+d.Suspicious > max {
			max = d.Malicious + d.Suspicious
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg role="img" aria-label="findings per day" viewBox="0 0 %.0f %.0f" width="100%%" xmlns="http://www.w3.org/2000/svg">`, width, height)
	plotH := height - bottom - top
	fmt.Fprintf(&b, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="#8a94a3"/>`, left, height-bottom, width, height-bottom)
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="11" text-anchor="end" fill="#5b6675">%d</text>`, left-6, top+10, max)
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="11" text-anchor="end" fill="#5b6675">0</text>`, left-6, height-bottom)
	slot := (width - left) / float64(len(days))
	bw := slot * 0.7
	if bw > 40 {
		bw = 40
	}
	labelEvery := 1 + len(days)/12
	for i, d := range days {
		x := left + float64(i)*slot + (slot-bw)/2
		hm := plotH * float64(d.Malicious) / float64(max)
		hs := plotH * float64(d.Suspicious) / float64(max)
		y := height - bottom
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %d suspicious</title></rect>`, x, y-hs, bw, hs, colSus, d.Day, d.Suspicious)
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %d malicious</title></rect>`, x, y-hs-hm, bw, hm, colMal, d.Day, d.Malicious)
		if i%labelEvery == 0 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" font-size="10" text-anchor="middle" fill="#5b6675">%s</text>`, x+bw/2, height-bottom+14, d.Day[5:])
		}
	}
	b.WriteString(`</svg>`)
	b.WriteString(`<div class="legend"><span><i style="background:` + colMal + `"></i>malicious</span><span><i style="background:` + colSus + `"></i>suspicious</span></div>`)
	return b.String()
}

// chainSVG draws one 100% bar per writing image (top 8 by writes).
func chainSVG(images []ChainImage) string {
	if len(images) == 0 {
		return `<p class="muted">No Sysmon autorun writes in the input.</p>`
	}
	if len(images) > 8 {
		images = images[:8]
	}
	const width, rowH, labelW = 640.0, 28.0, 230.0
	height := rowH*float64(len(images)) + 6
	var b strings.Builder
	fmt.Fprintf(&b, `<svg role="img" aria-label="autorun writes by image" viewBox="0 0 %.0f %.0f" width="100%%" xmlns="http://www.w3.org/2000/svg">`, width, height)
	for i, c := range images {
		y := float64(i)*rowH + 4
		name := c.Image
		if k := strings.LastIndexAny(name, `\/`); k >= 0 {
			name = name[k+1:]
		}
		fmt.Fprintf(&b, `<text x="0" y="%.1f" font-size="12" fill="#1d2430">%s <tspan fill="#5b6675">(%d)</tspan><title>%s</title></text>`, y+15, html.EscapeString(excerpt(name, 28)), c.Writes, html.EscapeString(c.Image))
		x := labelW
		span := width - labelW - 4
		for _, part := range []struct {
			n     int
			color string
			label string
		}{{c.Both, colBoth, "network before and after"}, {c.Before, colBefore, "network before only"}, {c.After, colAfter, "network after only"}, {c.Neither, colNeither, "no network"}} {
			if part.n == 0 || c.Writes == 0 {
				continue
			}
			wdt := span * float64(part.n) / float64(c.Writes)
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="18" fill="%s"><title>%s: %d</title></rect>`, x, y+2, wdt, part.color, part.label, part.n)
			x += wdt
		}
	}
	b.WriteString(`</svg>`)
	b.WriteString(`<div class="legend"><span><i style="background:` + colBoth + `"></i>before &amp; after</span><span><i style="background:` + colBefore + `"></i>before only</span><span><i style="background:` + colAfter + `"></i>after only</span><span><i style="background:` + colNeither + `"></i>neither</span></div>`)
	return b.String()
}
