package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/contractgate/contracts/compat"
)

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// writeFindingsText prints one line per finding:
// "breaking RULE_ID file:line:col: message".
func writeFindingsText(w io.Writer, indent string, fs []compat.Finding) {
	for _, f := range fs {
		loc := f.Location.String()
		if loc != "" {
			loc += ": "
		}
		fmt.Fprintf(w, "%s%-8s %s %s%s", indent, f.Severity, f.Rule, loc, f.Message)
		if f.Note != "" {
			fmt.Fprintf(w, " (%s)", f.Note)
		}
		fmt.Fprintln(w)
	}
}

// writeFindingsMarkdown prints findings as a markdown table.
func writeFindingsMarkdown(w io.Writer, fs []compat.Finding) {
	if len(fs) == 0 {
		return
	}
	fmt.Fprintln(w, "| Severity | Rule | Where | Change |")
	fmt.Fprintln(w, "| --- | --- | --- | --- |")
	for _, f := range fs {
		msg := f.Message
		if f.Note != "" {
			msg += " _(" + f.Note + ")_"
		}
		fmt.Fprintf(w, "| %s | `%s` | `%s` | %s |\n", severityIcon(f.Severity), f.Rule, f.Location, mdEscape(msg))
	}
}

func severityIcon(s compat.Severity) string {
	switch s {
	case compat.Breaking:
		return "🔴 breaking"
	case compat.Warning:
		return "🟠 warning"
	}
	return "⚪ info"
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

// writeAnnotations prints GitHub workflow commands, one per finding that is
// not info, at the finding's file and line.
func writeAnnotations(w io.Writer, fs []compat.Finding, prefix string) {
	for _, f := range fs {
		kind := ""
		switch f.Severity {
		case compat.Breaking:
			kind = "error"
		case compat.Warning:
			kind = "warning"
		default:
			kind = "notice"
		}
		var props []string
		msg := f.Message
		if strings.HasPrefix(f.Location.File, "(") {
			// A place in a stored version, not a file of this checkout:
			// say where it was instead of pointing at a wrong file.
			msg += " (was at " + f.Location.String() + ")"
		} else if f.Location.File != "" {
			props = append(props, "file="+ghProp(f.Location.File))
			if f.Location.Line > 0 {
				props = append(props, fmt.Sprintf("line=%d", f.Location.Line))
			}
			if f.Location.Column > 0 {
				props = append(props, fmt.Sprintf("col=%d", f.Location.Column))
			}
		}
		props = append(props, "title="+ghProp(prefix+f.Rule))
		fmt.Fprintf(w, "::%s %s::%s\n", kind, strings.Join(props, ","), ghData(msg))
	}
}

// ghData and ghProp escape workflow-command data and properties as the
// runner expects.
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func ghProp(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// appendStepSummary appends markdown to $GITHUB_STEP_SUMMARY when it is set.
func appendStepSummary(markdown string) error {
	path := os.Getenv("GITHUB_STEP_SUMMARY")
	if path == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("writing the job summary: %w", err)
	}
	defer f.Close()
	if _, err := io.WriteString(f, markdown); err != nil {
		return fmt.Errorf("writing the job summary: %w", err)
	}
	return nil
}
