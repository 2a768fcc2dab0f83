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

// StatusLabel is the one status an incident shows.
func StatusLabel(in Incident) string {
	switch in.Status {
	case StatusRemoved:
		return "removed " + FormatTime(in.RemovedAt)
	case StatusEventOnly:
		return "Sysmon write only"
	}
	return "present"
}

func hostLabel(in Incident) string {
	if in.HostName != "" && in.HostName != in.Host {
		return in.HostName
	}
	return in.Host
}

// IndicatorText renders indicators as id(weight),...
func IndicatorText(list []Indicator) string {
	parts := make([]string, len(list))
	for i, ind := range list {
		parts[i] = ind.ID + "(" + strconv.Itoa(ind.Weight) + ")"
	}
	return strings.Join(parts, ",")
}

// PrevalenceText renders "hosts/reporting (pct)".
func PrevalenceText(in Incident, inventoryHosts int) string {
	if in.PatternHosts == 0 {
		return "-"
	}
	return fmt.Sprintf("%d/%d", in.PatternHosts, inventoryHosts)
}

func summaryLines(w io.Writer, s Summary) {
	fmt.Fprintf(w, "Hosts reporting:        %d (%d with autorun results)\n", s.HostsReporting, s.HostsWithAutoruns)
	fmt.Fprintf(w, "Hosts with findings:    %d malicious, %d suspicious, %d without\n", s.HostsMalicious, s.HostsSuspicious, s.HostsClean)
	fmt.Fprintf(w, "Incidents:              %d open (%d malicious, %d suspicious, %d Sysmon only, %d rare in fleet); %d removed; %d in all\n", s.IncidentsOpen, s.IncidentsMalicious, s.IncidentsSuspicious, s.IncidentsEventOnly, s.IncidentsRare, s.IncidentsRemoved, s.Incidents)
	fmt.Fprintf(w, "Sysmon autorun writes:  %d (%d with network activity around them)\n", s.AutorunWrites, s.WritesWithNetwork)
	fmt.Fprintf(w, "Input:                  %d lines, %d rows (%d of other queries), %d non-result lines, %d bad lines\n", s.Lines, s.Rows, s.OtherRows, s.SkippedLines, s.BadLines)
}

func writeText(w io.Writer, r *Report) error {
	s := r.Summary
	fmt.Fprintf(w, "runkeyhunt fleet report (%s .. %s UTC)\n\n", FormatTime(s.From), FormatTime(s.To))
	summaryLines(w, s)
	if r.HasState {
		fmt.Fprintf(w, "New since last run:     %d incident(s)\n", s.IncidentsNew)
		for _, in := range r.Incidents {
			if in.New {
				fmt.Fprintf(w, "  new: %s %s %s (%s)\n", in.Verdict, hostLabel(in), in.Path, StatusLabel(in))
			}
		}
	}

	fmt.Fprintf(w, "\nIncidents (%d)\n", len(r.Incidents))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VERDICT\tSCORE\tHOST\tUSER\tPATH\tINDICATORS\tPREVALENCE\tFIRST SEEN\tLAST SEEN\tSTATUS")
	for _, in := range r.Incidents {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", in.Verdict, in.Score, hostLabel(in), in.User, in.Path, IndicatorText(in.Indicators), PrevalenceText(in, r.InventoryHosts), FormatTime(in.FirstSeen), FormatTime(in.LastSeen), StatusLabel(in))
	}
	tw.Flush()
	for _, in := range r.Incidents {
		if !in.Open() {
			continue
		}
		fmt.Fprintf(w, "\n  %s %s\n    command: %s\n", hostLabel(in), in.Path, oneLine(in.Command))
		if in.Payload != "" {
			enc := ""
			if in.Encoding != "" {
				enc = " (" + in.Encoding + ")"
			}
			fmt.Fprintf(w, "    payload %s%s: %s\n", in.PayloadPath, enc, oneLine(in.Payload))
		}
		if wr := in.Write; wr != nil {
			fmt.Fprintf(w, "    Sysmon: %s wrote it at %s (record %d), network %d before / %d after %s\n", wr.Image, FormatTime(wr.Time), wr.RecordID, wr.NetBefore, wr.NetAfter, wr.Remote)
		}
		if pw := in.PayloadWrite; pw != nil {
			fmt.Fprintf(w, "    payload write: %s at %s (record %d)\n", pw.Image, FormatTime(pw.Time), pw.RecordID)
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

// CSV carries the incidents: one row per incident, every field. Cells
// that a spreadsheet would evaluate as a formula are neutralised
// (safeout.CSVCell): paths, commands and payloads are attacker-written.
func writeCSV(w io.Writer, r *Report) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(CSVHeader)
	for _, in := range r.Incidents {
		_ = cw.Write(safeout.CSVRow(csvRow(in)))
	}
	cw.Flush()
	return cw.Error()
}

// CSVHeader names the CSV columns.
var CSVHeader = []string{"id", "verdict", "host_verdict", "score", "status", "host", "host_name", "user", "path", "name", "location", "command", "indicators",
	"payload_kind", "payload_path", "payload_encoding", "payload", "pattern", "pattern_hosts", "prevalence", "first_seen", "last_seen", "removed_at",
	"sources", "writer_image", "write_time", "write_record_id", "net_before", "net_after", "remote_addresses", "remote_hostnames", "payload_write_time", "payload_write_record_id", "new_since_last_run"}

func csvRow(in Incident) []string {
	var img, wt, wid, nb, na, ra, rh, pwt, pwid string
	if wr := in.Write; wr != nil {
		img, wt, wid = wr.Image, rfc3339(wr.Time), strconv.FormatInt(wr.RecordID, 10)
		nb, na, ra, rh = strconv.Itoa(wr.NetBefore), strconv.Itoa(wr.NetAfter), wr.Remote, wr.RemoteNames
	}
	if pw := in.PayloadWrite; pw != nil {
		pwt, pwid = rfc3339(pw.Time), strconv.FormatInt(pw.RecordID, 10)
	}
	return []string{in.ID, in.Verdict, in.HostVerdict, strconv.Itoa(in.Score), in.Status, in.Host, in.HostName, in.User, in.Path, in.Name, in.Location, in.Command,
		IndicatorText(in.Indicators), in.PayloadKind, in.PayloadPath, in.Encoding, in.Payload, in.Pattern, strconv.Itoa(in.PatternHosts),
		strconv.FormatFloat(in.Prevalence, 'f', 6, 64), rfc3339(in.FirstSeen), rfc3339(in.LastSeen), rfc3339(in.RemovedAt),
		strings.Join(in.Sources, ","), img, wt, wid, nb, na, ra, rh, pwt, pwid, strconv.FormatBool(in.New)}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

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
	fmt.Fprintf(w, "| hosts reporting | malicious hosts | suspicious hosts | open incidents | removed incidents | autorun writes with network |\n|---|---|---|---|---|---|\n")
	fmt.Fprintf(w, "| %d | %d | %d | %d | %d | %d of %d |\n\n", s.HostsReporting, s.HostsMalicious, s.HostsSuspicious, s.IncidentsOpen, s.IncidentsRemoved, s.WritesWithNetwork, s.AutorunWrites)
	if r.HasState {
		fmt.Fprintf(w, "New since last run: %d incident(s)\n\n", s.IncidentsNew)
	}
	fmt.Fprintf(w, "## Incidents (%d)\n\n| verdict | score | host | user | path | command | indicators | prevalence | first seen | last seen | status |\n|---|---|---|---|---|---|---|---|---|---|---|\n", len(r.Incidents))
	for _, in := range r.Incidents {
		fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", mdCell(in.Verdict), in.Score, mdCell(hostLabel(in)), mdCell(in.User), mdCell(in.Path), mdCell(excerpt(in.Command, 160)), mdCell(IndicatorText(in.Indicators)), PrevalenceText(in, r.InventoryHosts), FormatTime(in.FirstSeen), FormatTime(in.LastSeen), mdCell(StatusLabel(in)))
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
