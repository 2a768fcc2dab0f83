package report

import (
	"fmt"
	"html"
	"html/template"
	"io"
	"sort"
	"strings"
	"time"
)

// MaxHTMLIncidents bounds the incidents the page shows in full; the rest
// are counted by pattern. The JSON and CSV outputs carry them all.
const MaxHTMLIncidents = 250

// maxPatternHosts bounds the host links of one pattern row.
const maxPatternHosts = 8

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"time":       FormatTime,
	"pct":        func(f float64) string { return fmt.Sprintf("%.1f%%", 100*f) },
	"host":       hostLabel,
	"status":     StatusLabel,
	"path":       pathHTML,
	"anchor":     HostAnchor,
	"timeline":   incidentSVG,
	"prevalence": PrevalenceText,
	"lower":      strings.ToLower,
	"runes":      func(s string) int { return len([]rune(s)) },
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>runkeyhunt fleet report</title>
<style>
:root{--bg:#f5f6f8;--card:#fff;--ink:#1d2430;--muted:#5b6675;--line:#dde1e7;--mal:#c62828;--sus:#b36b00;--ok:#2e7d32;--acc:#1f5fbf}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;background:var(--bg);color:var(--ink)}
header{background:#17202d;color:#fff;padding:18px 28px}
header h1{margin:0;font-size:22px;font-weight:600}
header p{margin:4px 0 0;color:#b9c3d0}
header nav a{color:#9cc3ff;margin-right:14px;font-size:13px}
main{padding:20px 28px;max-width:1400px}
section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:16px 18px;margin:0 0 18px;min-width:0}
h2{font-size:16px;margin:0 0 12px}
h3{font-size:15px;margin:0 0 8px}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px;margin-bottom:18px}
.tile{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px;border-top:4px solid var(--acc)}
.tile .v{font-size:28px;font-weight:700}
.tile .l{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.tile.mal{border-top-color:var(--mal)} .tile.mal .v{color:var(--mal)}
.tile.sus{border-top-color:var(--sus)} .tile.sus .v{color:var(--sus)}
.tile.ok{border-top-color:var(--ok)}
.row{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:18px}
@media (max-width:1000px){.row{grid-template-columns:minmax(0,1fr)}main{padding:14px}}
table{border-collapse:collapse;width:100%;font-size:12.5px}
th,td{border-bottom:1px solid var(--line);padding:5px 7px;text-align:left;vertical-align:top}
th{background:#eef1f5;font-weight:600}
td.n{text-align:right;font-variant-numeric:tabular-nums}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Consolas,"Liberation Mono",monospace;font-size:12px}
.path{overflow-wrap:anywhere}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f3f5f8;border:1px solid var(--line);border-radius:6px;padding:8px 10px;margin:4px 0 8px;max-height:420px;overflow:auto}
.badge{display:inline-block;padding:1px 7px;border-radius:10px;color:#fff;font-size:11px;font-weight:600}
.badge.malicious{background:var(--mal)} .badge.suspicious{background:var(--sus)} .badge.benign{background:var(--ok)}
.muted{color:var(--muted)}
svg.chart{max-width:640px;display:block}
svg text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif}
.legend span{display:inline-block;margin-right:14px;font-size:12px}
.legend i{display:inline-block;width:10px;height:10px;margin-right:5px;vertical-align:middle}
.host{border-left:4px solid var(--line)}
.host.w2{border-left-color:var(--mal)} .host.w1{border-left-color:var(--sus)}
.incident{border-top:1px solid var(--line);padding:10px 0 4px}
.incident:first-of-type{border-top:0}
.incident.removed{opacity:.7}
.ihead{display:flex;flex-wrap:wrap;gap:6px 12px;align-items:baseline}
.ihead .name{font-weight:600}
.meta{color:var(--muted);font-size:12.5px;margin:2px 0 6px}
.chips{margin:4px 0}
.chip{display:inline-block;border:1px solid #c5cdd8;border-radius:12px;padding:0 8px;margin:0 4px 4px 0;font-size:11.5px;background:#f7f9fb}
.chip b{color:var(--muted);font-weight:600;margin-left:4px}
.chip.fleet{border-color:var(--acc);color:var(--acc)}
.lbl{font-size:11px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);margin-top:6px}
details summary{cursor:pointer;color:var(--acc);font-size:12.5px}
#filters{display:flex;flex-wrap:wrap;gap:8px 14px;align-items:center}
#filters label{font-size:12.5px;color:var(--muted)}
#filters input,#filters select{font:inherit;font-size:13px;padding:3px 6px}
.empty{color:var(--muted);font-style:italic}
</style>
</head>
<body>
<header><h1>runkeyhunt fleet report</h1><p>Run-key loaders and their hidden payloads across the fleet · {{time .Summary.From}} – {{time .Summary.To}} UTC · {{.Summary.Lines}} log lines, {{.Summary.Rows}} rows{{if .Summary.BadLines}}, {{.Summary.BadLines}} bad lines{{end}}</p>
<nav><a href="#patterns">incidents by pattern</a><a href="#hosts">by host</a><a href="#stacking">stacking</a><a href="#chain">Sysmon writes</a><a href="#endpoints">endpoints</a></nav></header>
<main>
<div class="tiles">
<div class="tile"><div class="v">{{.Summary.HostsReporting}}</div><div class="l">hosts reporting</div></div>
<div class="tile mal"><div class="v">{{.Summary.HostsMalicious}}</div><div class="l">hosts malicious</div></div>
<div class="tile sus"><div class="v">{{.Summary.HostsSuspicious}}</div><div class="l">hosts suspicious</div></div>
<div class="tile ok"><div class="v">{{.Summary.HostsClean}}</div><div class="l">hosts without open incidents</div></div>
<div class="tile mal"><div class="v">{{.Summary.IncidentsMalicious}}</div><div class="l">open malicious incidents</div></div>
<div class="tile sus"><div class="v">{{.Summary.IncidentsSuspicious}}</div><div class="l">open suspicious incidents{{if .Summary.IncidentsRare}} ({{.Summary.IncidentsRare}} rare in fleet){{end}}</div></div>
<div class="tile"><div class="v">{{.Summary.IncidentsRemoved}}</div><div class="l">incidents removed</div></div>
{{if .Report.HasState}}<div class="tile"><div class="v">{{.Summary.IncidentsNew}}</div><div class="l">new since last run</div></div>{{end}}
<div class="tile"><div class="v">{{.Summary.WritesWithNetwork}}</div><div class="l">Sysmon autorun writes with network (of {{.Summary.AutorunWrites}})</div></div>
</div>
<div class="row">
<section><h2>Incidents over time (first seen, per day)</h2>{{.TimelineSVG}}</section>
<section><h2>Autorun writes by image: network activity of the writer</h2>{{.ChainSVG}}</section>
</div>
{{if .Report.HasState}}<section id="new"><h2>New since last run ({{.Summary.IncidentsNew}})</h2>
{{if .New}}<ul>{{range .New}}<li><span class="badge {{.Verdict}}">{{.Verdict}}</span> <a href="#{{.ID}}">{{host .}} · {{.Name}}</a> <span class="muted">{{status .}}</span></li>{{end}}</ul>{{if gt .Summary.IncidentsNew (len .New)}}<p class="muted">{{len .New}} listed; the JSON output flags all of them.</p>{{end}}{{else}}<p class="empty">Nothing new since the last run.</p>{{end}}
</section>{{end}}
<section id="patterns"><h2>Incidents by pattern (normalised command)</h2>
{{if .Patterns}}<table><thead><tr><th>worst verdict</th><th>incidents</th><th>open</th><th>hosts</th><th>fleet prevalence</th><th>pattern</th><th>hosts (first {{.MaxPatternHosts}})</th></tr></thead><tbody>
{{range .Patterns}}<tr><td><span class="badge {{.Verdict}}">{{.Verdict}}</span></td><td class="n">{{.Incidents}}</td><td class="n">{{.Open}}</td><td class="n">{{.Hosts}}</td><td class="n">{{.Fleet}}</td><td class="mono path">{{path .Pattern}}</td><td>{{range $i, $h := .Links}}{{if $i}}, {{end}}{{if $h.Shown}}<a href="#{{anchor $h.Key}}">{{$h.Label}}</a>{{else}}{{$h.Label}}{{end}}{{end}}</td></tr>
{{end}}</tbody></table>{{else}}<p class="empty">No incidents, so no patterns to group.</p>{{end}}
</section>
<section id="hosts"><h2>Incidents by host ({{.Summary.Incidents}} incidents on {{.HostCount}} hosts{{if .Cut}}; the {{len .Shown}} most severe shown in full, the other {{.CutCount}} counted by pattern below and listed in the JSON and CSV outputs{{end}})</h2>
<form id="filters" hidden onsubmit="return false">
<label>search <input id="f-q" type="search" placeholder="host, user, path, command, indicator"></label>
<label>verdict <select id="f-verdict"><option value="">any</option><option>malicious</option><option>suspicious</option><option>benign</option></select></label>
<label>status <select id="f-status"><option value="">any</option><option value="present">present</option><option value="event_only">Sysmon only</option><option value="removed">removed</option></select></label>
<label>location <select id="f-location"><option value="">any</option>{{range .Locations}}<option>{{.}}</option>{{end}}</select></label>
<label>host <select id="f-host"><option value="">any</option>{{range .Hosts}}<option value="{{.Key}}">{{.Label}}</option>{{end}}</select></label>
{{if .Report.HasState}}<label>new <select id="f-new"><option value="">any</option><option value="1">new since last run</option></select></label>{{end}}
<label>sort <select id="f-sort"><option value="severity">severity</option><option value="host">host name</option><option value="first">newest first seen</option><option value="last">latest seen</option></select></label>
<span id="f-count" class="muted"></span>
</form>
<p id="f-empty" class="empty" hidden>No incident matches these filters.</p>
{{if not .Hosts}}<p class="empty">No suspicious or malicious autoruns in the results of {{.Summary.HostsReporting}} host(s){{if not .Summary.HostsWithAutoruns}}; none of them reported autorun rows: check that the runkeyhunt_autorun_findings and runkeyhunt_autorun_inventory queries are scheduled{{end}}.</p>{{end}}
<div id="hostlist">
{{range .Hosts}}<section class="host w{{.Worst}}" id="{{anchor .Key}}" data-host="{{.Key}}" data-name="{{lower .Label}}" data-worst="{{.Worst}}" data-score="{{.Score}}" data-first="{{.First}}" data-last="{{.Last}}">
<h3><a href="#{{anchor .Key}}">{{.Label}}</a>{{if ne .Label .Key}} <span class="muted mono">{{.Key}}</span>{{end}} <span class="muted">· {{len .Incidents}} incident(s)</span></h3>
{{range .Incidents}}<article class="incident{{if eq .Status "removed"}} removed{{end}}" id="{{.ID}}" data-verdict="{{.Verdict}}" data-status="{{.Status}}" data-location="{{.Location}}" data-host="{{.Host}}"{{if .New}} data-new="1"{{end}} data-score="{{.Score}}" data-first="{{.FirstSeen}}" data-last="{{.LastSeen}}">
<div class="ihead"><span class="badge {{.Verdict}}">{{.Verdict}}</span>{{if ne .Verdict .HostVerdict}}<span class="muted">(host said {{.HostVerdict}})</span>{{end}}{{if .New}}<span class="badge" style="background:var(--acc)">new</span>{{end}}<span class="name">{{.Name}}</span><span>score {{.Score}}</span><span>{{status .}}</span><span class="muted">{{.Location}}</span><a class="muted" href="#{{.ID}}">#</a></div>
<div class="mono path">{{path .Path}}</div>
<div class="meta">user {{if .User}}{{.User}}{{else}}unknown{{end}} · first seen {{time .FirstSeen}} · last seen {{time .LastSeen}} · {{if .PatternHosts}}on {{prevalence . $.InventoryHosts}} hosts ({{pct .Prevalence}}){{else}}in no host's current inventory{{end}} · from {{range $i, $s := .Sources}}{{if $i}}, {{end}}{{$s}}{{end}}</div>
{{if .Indicators}}<div class="chips">{{range .Indicators}}<span class="chip{{if eq .ID "rare_in_fleet"}} fleet{{end}}">{{.ID}}<b>{{.Weight}}</b></span>{{end}}</div>{{end}}
<div class="lbl">command line</div><pre>{{.Command}}</pre>
{{if .Payload}}<details><summary>decoded payload{{if .PayloadPath}} from <span class="mono path">{{path .PayloadPath}}</span>{{end}}{{if .Encoding}} ({{.Encoding}}){{end}}, {{runes .Payload}} characters</summary><pre>{{.Payload}}</pre></details>{{else if .PayloadPath}}<div class="meta">payload {{.PayloadKind}} <span class="mono path">{{path .PayloadPath}}</span> (no decoded text reported)</div>{{end}}
{{timeline .}}
</article>
{{end}}</section>
{{end}}</div>
</section>
<section id="stacking"><h2>Autorun stacking by normalised command (rarest first; {{len .Report.Stacks}} of {{.Report.StacksTotal}} patterns)</h2>
{{if .Report.Stacks}}<table><thead><tr><th>hosts</th><th>prevalence</th><th>worst verdict</th><th>locations</th><th>example name</th><th>pattern</th></tr></thead><tbody>
{{range .Report.Stacks}}<tr><td class="n">{{.Hosts}}</td><td class="n">{{pct .Prevalence}}</td><td><span class="badge {{.Verdict}}">{{.Verdict}}</span></td><td>{{.Locations}}</td><td>{{.Name}}</td><td class="mono path">{{path .Pattern}}</td></tr>
{{end}}</tbody></table>{{else}}<p class="empty">No autorun rows in the input: stacking needs the runkeyhunt_autorun_inventory query (a daily snapshot) or runkeyhunt_autorun_findings.</p>{{end}}</section>
<section id="stacking-hash"><h2>Autorun stacking by image hash (most names first; {{len .Report.HashStacks}} of {{.Report.HashTotal}} hashes)</h2>
{{if .Report.HashStacks}}<table><thead><tr><th>hosts</th><th>names</th><th>commands</th><th>worst verdict</th><th>signer</th><th>sha256</th><th>names seen</th></tr></thead><tbody>
{{range .Report.HashStacks}}<tr><td class="n">{{.Hosts}}</td><td class="n">{{.NameCount}}</td><td class="n">{{.Patterns}}</td><td><span class="badge {{.Verdict}}">{{.Verdict}}</span></td><td>{{.Signer}}</td><td class="mono">{{.SHA256}}</td><td>{{.Names}}</td></tr>
{{end}}</tbody></table>{{else}}<p class="empty">No image hashes in the input: they come from the image_sha256 column of runkeyhunt_autorun_inventory on hosts whose images the extension could read.</p>{{end}}</section>
<div class="row">
<section id="chain"><h2>Sysmon autorun writes by writing image{{if .ChainCut}} (top {{len .ChainImages}} of {{len .Report.ChainImages}}; all in the JSON output){{end}}</h2>
{{if .ChainImages}}<table><thead><tr><th>image</th><th>writes</th><th>hosts</th><th>before &amp; after</th><th>before only</th><th>after only</th><th>neither</th></tr></thead><tbody>
{{range .ChainImages}}<tr><td class="mono path">{{path .Image}}</td><td class="n">{{.Writes}}</td><td class="n">{{.Hosts}}</td><td class="n">{{.Both}}</td><td class="n">{{.Before}}</td><td class="n">{{.After}}</td><td class="n">{{.Neither}}</td></tr>
{{end}}</tbody></table>{{else}}<p class="empty">No Sysmon autorun writes in the input: schedule runkeyhunt_autorun_write_chain on hosts that run Sysmon with registry (13) and network (3) events, and report from the result logs (Fleet does not store them).</p>{{end}}</section>
<section id="endpoints"><h2>Top remote endpoints around autorun writes</h2>
{{if .Report.Endpoints}}<table><thead><tr><th>address</th><th>host names</th><th>hosts</th><th>writes</th></tr></thead><tbody>
{{range .Report.Endpoints}}<tr><td class="mono">{{.Address}}</td><td class="mono path">{{.Hostnames}}</td><td class="n">{{.Hosts}}</td><td class="n">{{.Writes}}</td></tr>
{{end}}</tbody></table>{{else}}<p class="empty">No network activity around autorun writes in the input.</p>{{end}}</section>
</div>
{{if .Report.BadLines}}<section id="bad"><h2>Unreadable input lines ({{.Summary.BadLines}})</h2><ul>
{{range .Report.BadLines}}<li class="mono path">{{.File}}:{{.Line}}: {{.Error}}</li>
{{end}}</ul></section>{{end}}
{{if .Report.BadFiles}}<section id="badfiles"><h2>Input files not read to their end ({{len .Report.BadFiles}})</h2><ul>
{{range .Report.BadFiles}}<li class="mono path">{{.File}}: {{.Error}}</li>
{{end}}</ul></section>{{end}}
</main>
<script>` + pageScript + `</script>
</body>
</html>
`))

// pageScript filters and sorts the incidents; filters come from the
// controls and from the URL hash (report.html#verdict=malicious&q=amsi).
// Without it every incident shows.
const pageScript = `(function(){
var form=document.getElementById('filters'),list=document.getElementById('hostlist');
if(!form||!list)return;
form.hidden=false;
var keys=['q','verdict','status','location','host','new','sort'];
function el(k){return document.getElementById('f-'+k);}
function val(k){var e=el(k);return e?e.value:'';}
function fromHash(){var h=location.hash.slice(1);if(h.indexOf('=')<0)return;var p=new URLSearchParams(h);keys.forEach(function(k){var v=p.get(k),e=el(k);if(e)e.value=v===null?(k==='sort'?'severity':''):v;});}
function toHash(){var p=new URLSearchParams();keys.forEach(function(k){var v=val(k);if(v&&!(k==='sort'&&v==='severity'))p.set(k,v);});var s=p.toString();history.replaceState(null,'',s?'#'+s:location.pathname+location.search);}
function apply(){
var q=val('q').toLowerCase(),v=val('verdict'),st=val('status'),loc=val('location'),host=val('host'),nw=val('new'),shown=0,total=0;
list.querySelectorAll('section.host').forEach(function(sec){var any=false;
sec.querySelectorAll('article.incident').forEach(function(a){total++;var d=a.dataset;
var ok=(!v||d.verdict===v)&&(!nw||d.new===nw)&&(!st||d.status===st)&&(!loc||d.location===loc)&&(!host||d.host===host)&&(!q||a.textContent.toLowerCase().indexOf(q)>=0);
a.hidden=!ok;if(ok){shown++;any=true;}});
sec.hidden=!any;});
var secs=Array.prototype.slice.call(list.querySelectorAll('section.host')),by=val('sort');
secs.sort(function(a,b){var x=a.dataset,y=b.dataset;
if(by==='host')return x.name<y.name?-1:x.name>y.name?1:0;
if(by==='first')return y.first-x.first;
if(by==='last')return y.last-x.last;
return (y.worst-x.worst)||(y.score-x.score)||(x.name<y.name?-1:1);});
secs.forEach(function(s){list.appendChild(s);});
el('count').textContent=shown+' of '+total+' incidents shown';
document.getElementById('f-empty').hidden=shown>0||total===0;}
form.addEventListener('input',function(){toHash();apply();});
window.addEventListener('hashchange',function(){fromHash();apply();});
fromHash();apply();
})();`

type hostGroup struct {
	Key, Label  string
	Worst       int
	Score       int
	First, Last int64
	Incidents   []Incident
}

type patternLink struct {
	Key, Label string
	Shown      bool
}

type patternGroup struct {
	Pattern   string
	Verdict   string
	Incidents int
	Open      int
	Hosts     int
	Fleet     string
	Links     []patternLink
	hosts     map[string]bool
}

type pageData struct {
	Report          *Report
	Summary         Summary
	Shown           []Incident
	Cut             bool
	CutCount        int
	HostCount       int
	Hosts           []*hostGroup
	Locations       []string
	Patterns        []*patternGroup
	MaxPatternHosts int
	InventoryHosts  int
	ChainImages     []ChainImage
	ChainCut        bool
	New             []Incident
	TimelineSVG     template.HTML
	ChainSVG        template.HTML
}

// MaxHTMLChainImages bounds the writer table of the page.
const MaxHTMLChainImages = 25

// WriteHTML renders one self-contained page: inline CSS, SVG and script,
// nothing from anywhere else. The most severe MaxHTMLIncidents incidents
// are shown in full, grouped by host; all of them are counted by pattern.
func WriteHTML(w io.Writer, r *Report) error {
	d := pageData{Report: r, Summary: r.Summary, Shown: r.Incidents, MaxPatternHosts: maxPatternHosts, InventoryHosts: r.InventoryHosts}
	if len(d.Shown) > MaxHTMLIncidents {
		d.Shown, d.Cut, d.CutCount = d.Shown[:MaxHTMLIncidents], true, len(d.Shown)-MaxHTMLIncidents
	}
	groups := map[string]*hostGroup{}
	locs := map[string]bool{}
	for _, in := range d.Shown {
		g := groups[in.Host]
		if g == nil {
			g = &hostGroup{Key: in.Host, Label: hostLabel(in), First: in.FirstSeen}
			groups[in.Host] = g
			d.Hosts = append(d.Hosts, g)
		}
		g.Incidents = append(g.Incidents, in)
		if in.Open() {
			g.Worst = max(g.Worst, Severity(in.Verdict))
			g.Score = max(g.Score, in.Score)
		}
		g.First, g.Last = max(g.First, in.FirstSeen), max(g.Last, in.LastSeen)
		if in.Location != "" {
			locs[in.Location] = true
		}
	}
	for l := range locs {
		d.Locations = append(d.Locations, l)
	}
	sort.Strings(d.Locations)
	allHosts := map[string]bool{}
	byPattern := map[string]*patternGroup{}
	for _, in := range r.Incidents {
		allHosts[in.Host] = true
		p := byPattern[in.Pattern]
		if p == nil {
			p = &patternGroup{Pattern: in.Pattern, Verdict: in.Verdict, hosts: map[string]bool{}, Fleet: PrevalenceText(in, r.InventoryHosts)}
			byPattern[in.Pattern] = p
			d.Patterns = append(d.Patterns, p)
		}
		p.Incidents++
		if in.Open() {
			p.Open++
		}
		if Severity(in.Verdict) > Severity(p.Verdict) {
			p.Verdict = in.Verdict
		}
		if !p.hosts[in.Host] {
			p.hosts[in.Host] = true
			p.Hosts++
			if len(p.Links) < maxPatternHosts {
				p.Links = append(p.Links, patternLink{Key: in.Host, Label: hostLabel(in), Shown: groups[in.Host] != nil})
			}
		}
	}
	d.HostCount = len(allHosts)
	sort.SliceStable(d.Patterns, func(i, j int) bool {
		a, b := d.Patterns[i], d.Patterns[j]
		if Severity(a.Verdict) != Severity(b.Verdict) {
			return Severity(a.Verdict) > Severity(b.Verdict)
		}
		if a.Hosts != b.Hosts {
			return a.Hosts > b.Hosts
		}
		return a.Pattern < b.Pattern
	})
	if len(d.Patterns) > MaxStacks {
		d.Patterns = d.Patterns[:MaxStacks]
	}
	for _, in := range r.Incidents {
		if in.New && len(d.New) < MaxHTMLIncidents {
			d.New = append(d.New, in)
		}
	}
	d.ChainImages = r.ChainImages
	if len(d.ChainImages) > MaxHTMLChainImages {
		d.ChainImages, d.ChainCut = d.ChainImages[:MaxHTMLChainImages], true
	}
	d.TimelineSVG = template.HTML(timelineSVG(r.Timeline))
	d.ChainSVG = template.HTML(chainSVG(r.ChainImages))
	return page.Execute(w, d)
}

// pathHTML escapes a registry or file path and lets it wrap after each
// backslash, so a long path breaks between its keys, not mid-name.
func pathHTML(p string) template.HTML {
	return template.HTML(strings.ReplaceAll(html.EscapeString(p), `\`, `\<wbr>`))
}

const (
	colMal     = "#c62828"
	colSus     = "#ef8f00"
	colBoth    = "#6a1b9a"
	colBefore  = "#1f5fbf"
	colAfter   = "#4fa3e0"
	colNeither = "#b0bac6"
)

func clock(t int64) string {
	if t <= 0 {
		return ""
	}
	return time.Unix(t, 0).UTC().Format("01-02 15:04:05")
}

func baseName(p string) string {
	if k := strings.LastIndexAny(p, `\/`); k >= 0 {
		return p[k+1:]
	}
	return p
}

// incidentSVG draws the chain of one incident: network before, payload
// write, autorun write, network after, with times and addresses. Steps the
// input does not show are drawn hollow and say so.
func incidentSVG(in Incident) template.HTML {
	w := in.Write
	if w == nil && in.PayloadWrite == nil {
		return template.HTML(`<div class="meta">No Sysmon write of this value in the input, so no timeline.</div>`)
	}
	type step struct {
		title, when, detail string
		known               bool
	}
	var steps [4]step
	steps[0] = step{title: "network before", detail: "none in window"}
	steps[1] = step{title: "payload write", detail: "not seen"}
	steps[2] = step{title: "autorun write", detail: "not seen"}
	steps[3] = step{title: "network after", detail: "none in window"}
	if pw := in.PayloadWrite; pw != nil {
		steps[1] = step{"payload write", clock(pw.Time), fmt.Sprintf("record %d · %s", pw.RecordID, baseName(pw.Image)), true}
	}
	if w != nil {
		steps[2] = step{"autorun write", clock(w.Time), fmt.Sprintf("record %d · %s", w.RecordID, baseName(w.Image)), true}
		if w.NetBefore > 0 {
			s := step{title: fmt.Sprintf("network before (%d)", w.NetBefore), detail: w.Remote, known: true}
			if w.SecondsBefore >= 0 {
				s.when = clock(w.Time - int64(w.SecondsBefore))
			} else if w.Window > 0 {
				s.when = fmt.Sprintf("within %d s before", w.Window)
			}
			steps[0] = s
		}
		if w.NetAfter > 0 {
			s := step{title: fmt.Sprintf("network after (%d)", w.NetAfter), detail: w.Remote, known: true}
			if w.SecondsAfter >= 0 {
				s.when = clock(w.Time + int64(w.SecondsAfter))
			} else if w.Window > 0 {
				s.when = fmt.Sprintf("within %d s after", w.Window)
			}
			steps[3] = s
		}
	}
	var b strings.Builder
	b.WriteString(`<div class="lbl">write chain (Sysmon)</div>`)
	b.WriteString(`<svg class="chain" role="img" aria-label="write chain" viewBox="0 0 720 84" width="100%" style="max-width:720px" xmlns="http://www.w3.org/2000/svg">`)
	b.WriteString(`<line x1="90" y1="24" x2="630" y2="24" stroke="#8a94a3" stroke-width="2"/>`)
	for i, s := range steps {
		x := 90 + 180*i
		fill, stroke := "#fff", "#8a94a3"
		if s.known {
			fill, stroke = colBefore, colBefore
			if i == 1 || i == 2 {
				fill, stroke = colMal, colMal
			}
		}
		fmt.Fprintf(&b, `<circle cx="%d" cy="24" r="7" fill="%s" stroke="%s" stroke-width="2"/>`, x, fill, stroke)
		fmt.Fprintf(&b, `<text x="%d" y="10" font-size="11" font-weight="600" text-anchor="middle" fill="#1d2430">%s</text>`, x, html.EscapeString(s.title))
		fmt.Fprintf(&b, `<text x="%d" y="48" font-size="11" text-anchor="middle" fill="#1d2430">%s</text>`, x, html.EscapeString(s.when))
		fmt.Fprintf(&b, `<text x="%d" y="64" font-size="11" text-anchor="middle" fill="#5b6675">%s<title>%s</title></text>`, x, html.EscapeString(excerpt(s.detail, 30)), html.EscapeString(s.detail))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// timelineSVG draws stacked daily bars (malicious over suspicious).
func timelineSVG(days []DayCount) string {
	if len(days) == 0 {
		return `<p class="empty">No incidents, so nothing to draw.</p>`
	}
	const width, height, left, bottom, top = 640.0, 220.0, 40.0, 30.0, 10.0
	max := 1
	for _, d := range days {
		if d.Malicious+d.Suspicious > max {
			max = d.Malicious + d.Suspicious
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" role="img" aria-label="incidents per day" viewBox="0 0 %.0f %.0f" width="100%%" xmlns="http://www.w3.org/2000/svg">`, width, height)
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

// imageLabels shortens image paths from the left, keeping as many trailing
// folders as it takes for the labels to differ (four powershell.exe bars
// must not all read the same).
func imageLabels(images []ChainImage, maxLen int) []string {
	labels := make([]string, len(images))
	for depth := 1; ; depth++ {
		seen := map[string]int{}
		grown := false
		for i, c := range images {
			parts := strings.FieldsFunc(c.Image, func(r rune) bool { return r == '\\' || r == '/' })
			k := max(0, len(parts)-depth)
			grown = grown || k > 0
			label := strings.Join(parts[k:], `\`)
			if k > 0 {
				label = `…\` + label
			}
			labels[i] = label
			seen[label]++
		}
		dup := false
		for _, n := range seen {
			dup = dup || n > 1
		}
		if !dup || !grown || depth > 8 {
			break
		}
	}
	for i, l := range labels {
		if r := []rune(l); len(r) > maxLen {
			labels[i] = "…" + string(r[len(r)-maxLen+1:])
		}
	}
	return labels
}

// chainSVG draws one 100% bar per writing image (top 8 by writes).
func chainSVG(images []ChainImage) string {
	if len(images) == 0 {
		return `<p class="empty">No Sysmon autorun writes in the input (see the Sysmon section below).</p>`
	}
	if len(images) > 8 {
		images = images[:8]
	}
	const width, rowH, labelW = 640.0, 28.0, 270.0
	height := rowH*float64(len(images)) + 6
	labels := imageLabels(images, 40)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" role="img" aria-label="autorun writes by image" viewBox="0 0 %.0f %.0f" width="100%%" xmlns="http://www.w3.org/2000/svg">`, width, height)
	for i, c := range images {
		y := float64(i)*rowH + 4
		fmt.Fprintf(&b, `<text x="0" y="%.1f" font-size="11" fill="#1d2430">%s <tspan fill="#5b6675">(%d)</tspan><title>%s</title></text>`, y+15, html.EscapeString(labels[i]), c.Writes, html.EscapeString(c.Image))
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
