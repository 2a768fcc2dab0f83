package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/runkeyhunt/runkeyhunt/safeout"
)

// Formats that Write renders.
var Formats = []string{"text", "json", "csv", "markdown", "html"}

// Write renders the report.
func Write(w io.Writer, format string, r *Report) error {
	switch format {
	case "text":
		return writeText(w, r)
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(r)
	case "csv":
		return writeCSV(w, r)
	case "markdown":
		return writeMarkdown(w, r)
	case "html":
		return WriteHTML(w, r)
	}
	return fmt.Errorf("unknown report format %q (want %s)", format, strings.Join(Formats, "|"))
}

// FormatTime renders unix seconds as UTC minutes ("" for 0).
func FormatTime(t int64) string {
	if t == 0 {
		return ""
	}
	return time.Unix(t, 0).UTC().Format("2006-01-02 15:04")
}

func status(f Finding) string {
	if f.Active {
		return "active"
	}
	return "removed " + FormatTime(f.RemovedAt)
}

func hostLabel(f Finding) string {
	if f.HostName != "" && f.HostName != f.Host {
		return f.HostName
	}
	return f.Host
}

func writeText(w io.Writer, r *Report) error {
	s := r.Summary
	fmt.Fprintf(w, "runkeyhunt fleet report (%s .. %s UTC)\n\n", FormatTime(s.From), FormatTime(s.To))
	fmt.Fprintf(w, "Hosts reporting:        %d (%d with autorun results)\n", s.HostsReporting, s.HostsWithAutoruns)
	fmt.Fprintf(w, "Hosts with findings:    %d malicious, %d suspicious, %d without\n", s.HostsMalicious, s.HostsSuspicious, s.HostsClean)
	fmt.Fprintf(w, "Active findings:        %d (%d malicious, %d suspicious); %d resolved\n", s.FindingsActive, s.FindingsMalicious, s.FindingsSuspicious, s.FindingsResolved)
	fmt.Fprintf(w, "Sysmon autorun writes:  %d (%d with network activity around them)\n", s.AutorunWrites, s.WritesWithNetwork)
	fmt.Fprintf(w, "Input:                  %d lines, %d rows (%d of other queries), %d non-result lines, %d bad lines\n", s.Lines, s.Rows, s.OtherRows, s.SkippedLines, s.BadLines)

	fmt.Fprintf(w, "\nFindings\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VERDICT\tSCORE\tHOST\tUSER\tKIND\tPATH\tINDICATORS\tFIRST SEEN\tLAST SEEN\tSTATUS")
	for _, f := range r.Findings {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", f.Verdict, f.Score, hostLabel(f), f.User, f.Kind, f.Path, f.Indicators, FormatTime(f.FirstSeen), FormatTime(f.LastSeen), status(f))
	}
	tw.Flush()
	for _, f := range r.Findings {
		if f.Payload != "" && f.Active {
			fmt.Fprintf(w, "  %s %s\n    payload %s: %s\n", hostLabel(f), f.Path, f.PayloadPath, f.Payload)
		}
	}

	fmt.Fprintf(w, "\nAutorun stacking (rarest first, %d of %d patterns)\n", len(r.Stacks), r.StacksTotal)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "HOSTS\tPREVALENCE\tVERDICT\tLOCATIONS\tNAME\tPATTERN")
	for _, st := range r.Stacks {
		fmt.Fprintf(tw, "%d\t%.1f%%\t%s\t%s\t%s\t%s\n", st.Hosts, 100*st.Prevalence, st.Verdict, st.Locations, st.Name, st.Pattern)
	}
	tw.Flush()

	fmt.Fprintf(w, "\nAutorun stacking by image hash (most names first, %d of %d hashes)\n", len(r.HashStacks), r.HashTotal)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "HOSTS\tNAMES\tCOMMANDS\tVERDICT\tSIGNER\tSHA256\tSEEN AS")
	for _, st := range r.HashStacks {
		fmt.Fprintf(tw, "%d\t%d\t%d\t%s\t%s\t%s\t%s\n", st.Hosts, st.NameCount, st.Patterns, st.Verdict, st.Signer, st.SHA256, st.Names)
	}
	tw.Flush()

	fmt.Fprintf(w, "\nSysmon autorun writes by image (network activity of the writer)\n")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "WRITES\tHOSTS\tBOTH\tBEFORE\tAFTER\tNEITHER\tIMAGE")
	for _, c := range r.ChainImages {
		fmt.Fprintf(tw, "%d\t%d\t%d\t%d\t%d\t%d\t%s\n", c.Writes, c.Hosts, c.Both, c.Before, c.After, c.Neither, c.Image)
	}
	tw.Flush()

	fmt.Fprintf(w, "\nTop remote endpoints around autorun writes\n")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "HOSTS\tWRITES\tADDRESS\tHOSTNAMES")
	for _, ep := range r.Endpoints {
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\n", ep.Hosts, ep.Writes, ep.Address, ep.Hostnames)
	}
	tw.Flush()
	if len(r.BadLines) > 0 {
		fmt.Fprintf(w, "\nBad lines (%d, first %d shown)\n", s.BadLines, len(r.BadLines))
		for _, b := range r.BadLines {
			fmt.Fprintf(w, "  %s:%d: %s\n", b.File, b.Line, b.Error)
		}
	}
	return nil
}

// CSV carries the findings table: one row per finding, every field. Cells
// that a spreadsheet would evaluate as a formula are neutralised
// (safeout.CSVCell): paths, commands and payloads are attacker-written.
func writeCSV(w io.Writer, r *Report) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"verdict", "score", "kind", "host", "host_name", "user", "path", "command", "indicators", "payload_kind", "payload_path", "payload_excerpt", "image", "first_seen", "last_seen", "active", "removed_at", "observations"})
	for _, f := range r.Findings {
		_ = cw.Write(safeout.CSVRow([]string{f.Verdict, strconv.Itoa(f.Score), f.Kind, f.Host, f.HostName, f.User, f.Path, f.Command, f.Indicators, f.PayloadKind, f.PayloadPath, f.Payload, f.Image,
			rfc3339(f.FirstSeen), rfc3339(f.LastSeen), strconv.FormatBool(f.Active), rfc3339(f.RemovedAt), strconv.FormatInt(f.Observations, 10)}))
	}
	cw.Flush()
	return cw.Error()
}

func rfc3339(t int64) string {
	if t == 0 {
		return ""
	}
	return time.Unix(t, 0).UTC().Format(time.RFC3339)
}

// mdCell makes attacker-written text inert in a Markdown table cell: HTML
// escaped, pipes and Markdown punctuation escaped, line breaks flattened.
// Cells are never put inside code spans, where escapes would show.
func mdCell(s string) string { return safeout.MarkdownCell(s) }

func writeMarkdown(w io.Writer, r *Report) error {
	s := r.Summary
	fmt.Fprintf(w, "# runkeyhunt fleet report\n\n%s .. %s UTC\n\n", FormatTime(s.From), FormatTime(s.To))
	fmt.Fprintf(w, "| hosts reporting | malicious hosts | suspicious hosts | active findings | resolved | autorun writes with network |\n|---|---|---|---|---|---|\n")
	fmt.Fprintf(w, "| %d | %d | %d | %d | %d | %d of %d |\n\n", s.HostsReporting, s.HostsMalicious, s.HostsSuspicious, s.FindingsActive, s.FindingsResolved, s.WritesWithNetwork, s.AutorunWrites)
	fmt.Fprintf(w, "## Findings\n\n| verdict | score | host | user | path | indicators | payload excerpt | first seen | last seen | status |\n|---|---|---|---|---|---|---|---|---|---|\n")
	for _, f := range r.Findings {
		fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s |\n", mdCell(f.Verdict), f.Score, mdCell(hostLabel(f)), mdCell(f.User), mdCell(f.Path), mdCell(f.Indicators), mdCell(excerpt(f.Payload, 120)), FormatTime(f.FirstSeen), FormatTime(f.LastSeen), status(f))
	}
	fmt.Fprintf(w, "\n## Autorun stacking (rarest first, %d of %d patterns)\n\n| hosts | prevalence | verdict | locations | name | pattern |\n|---|---|---|---|---|---|\n", len(r.Stacks), r.StacksTotal)
	for _, st := range r.Stacks {
		fmt.Fprintf(w, "| %d | %.1f%% | %s | %s | %s | %s |\n", st.Hosts, 100*st.Prevalence, mdCell(st.Verdict), mdCell(st.Locations), mdCell(st.Name), mdCell(st.Pattern))
	}
	fmt.Fprintf(w, "\n## Autorun stacking by image hash (most names first, %d of %d hashes)\n\n| hosts | names | commands | verdict | signer | sha256 | names seen |\n|---|---|---|---|---|---|---|\n", len(r.HashStacks), r.HashTotal)
	for _, st := range r.HashStacks {
		fmt.Fprintf(w, "| %d | %d | %d | %s | %s | %s | %s |\n", st.Hosts, st.NameCount, st.Patterns, mdCell(st.Verdict), mdCell(st.Signer), mdCell(st.SHA256), mdCell(st.Names))
	}
	fmt.Fprintf(w, "\n## Sysmon autorun writes by image\n\n| image | writes | hosts | network before and after | before only | after only | neither |\n|---|---|---|---|---|---|---|\n")
	for _, c := range r.ChainImages {
		fmt.Fprintf(w, "| %s | %d | %d | %d | %d | %d | %d |\n", mdCell(c.Image), c.Writes, c.Hosts, c.Both, c.Before, c.After, c.Neither)
	}
	fmt.Fprintf(w, "\n## Top remote endpoints\n\n| address | hostnames | hosts | writes |\n|---|---|---|---|\n")
	for _, ep := range r.Endpoints {
		fmt.Fprintf(w, "| %s | %s | %d | %d |\n", mdCell(ep.Address), mdCell(ep.Hostnames), ep.Hosts, ep.Writes)
	}
	if len(r.BadLines) > 0 {
		fmt.Fprintf(w, "\n## Bad input lines (%d)\n\n", s.BadLines)
		for _, b := range r.BadLines {
			fmt.Fprintf(w, "- %s:%d: %s\n", mdCell(b.File), b.Line, mdCell(b.Error))
		}
	}
	return nil
}
