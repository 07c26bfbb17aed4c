package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/contractgate/contracts/compat"
	"github.com/contractgate/contracts/gate"
)

// printDecision renders a gate decision in the chosen format.
func printDecision(w io.Writer, format, title string, d *gate.Decision) error {
	switch format {
	case "json":
		return writeJSON(w, d)
	case "markdown":
		_, err := io.WriteString(w, decisionMarkdown(title, d))
		return err
	case "github":
		for _, ch := range d.Checks {
			if ch.Verdict == gate.VerdictRefused {
				writeAnnotations(w, breakingOnly(ch.Findings), fmt.Sprintf("%s breaks %s: ", ch.Candidate, ch.Counterpart))
			}
		}
		writeDecisionText(w, title, d)
		return appendStepSummary(decisionMarkdown(title, d))
	}
	writeDecisionText(w, title, d)
	return nil
}

func breakingOnly(fs []compat.Finding) []compat.Finding {
	var out []compat.Finding
	for _, f := range fs {
		if f.Severity == compat.Breaking && f.Note == "" {
			out = append(out, f)
		}
	}
	return out
}

func verdictWord(d *gate.Decision) string {
	if d.Deployable {
		return "yes"
	}
	return "NO"
}

func candidatesText(d *gate.Decision) string {
	var parts []string
	for _, c := range d.Candidates {
		parts = append(parts, c.String())
	}
	return strings.Join(parts, " + ")
}

// checkLine describes one check: who, what, which way.
func checkLine(ch gate.Check) string {
	cp := ch.Counterpart.String()
	if ch.Counterpart.Version == "" {
		cp = ch.Counterpart.Service
	}
	if cp == "" {
		cp = "(nobody)"
	}
	co := ""
	if ch.CoDeployed {
		co = ", deployed together"
	}
	if ch.Direction == gate.AsProvider {
		return fmt.Sprintf("%s provides %s to %s (relies on %s%s)", ch.Candidate, ch.Contract, cp, ch.ReliesOn, co)
	}
	return fmt.Sprintf("%s consumes %s from %s (relies on %s%s)", ch.Candidate, ch.Contract, cp, ch.ReliesOn, co)
}

func writeDecisionText(w io.Writer, title string, d *gate.Decision) {
	fmt.Fprintf(w, "%s %s to %s: %s\n", title, candidatesText(d), d.Env, verdictWord(d))
	if len(d.Checks) == 0 {
		fmt.Fprintf(w, "  nothing live in %s provides to or consumes from it\n", d.Env)
	}
	for _, ch := range d.Checks {
		mark := map[gate.Verdict]string{gate.VerdictOK: "ok      ", gate.VerdictRefused: "REFUSED ", gate.VerdictApproved: "approved"}[ch.Verdict]
		fmt.Fprintf(w, "  %s %s\n", mark, checkLine(ch))
		if ch.Verdict == gate.VerdictRefused && ch.Reason != "" {
			fmt.Fprintf(w, "           why: %s\n", ch.Reason)
		}
		writeFindingsText(w, "           ", ch.Findings)
	}
	for _, c := range d.Changes {
		if len(c.Findings) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n  changes to %s since %s (%s bump", c.Contract, c.From, c.Bump)
		if c.Semver != "" {
			fmt.Fprintf(w, "; %s", c.Semver)
		}
		fmt.Fprintln(w, "):")
		writeFindingsText(w, "           ", c.Findings)
	}
	for _, a := range d.Approvals {
		fmt.Fprintf(w, "\n  approval #%d: %s %s on %s%s by %s until %s: %s\n", a.ID, a.Contract, a.Rule, a.Element,
			consumerSuffix(a.Consumer), a.By, a.ExpiresAt.Format("2006-01-02"), a.Reason)
	}
	for _, n := range d.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	if hints := hints(d); len(hints) > 0 {
		fmt.Fprintln(w, "\n  what to do:")
		for _, h := range hints {
			fmt.Fprintf(w, "  - %s\n", h)
		}
	}
}

func consumerSuffix(c string) string {
	if c == "" {
		return ""
	}
	return " for " + c
}

// hints suggests what to do about a refusal, from the rules that caused it.
func hints(d *gate.Decision) []string {
	if d.Deployable {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	add := func(h string) {
		if !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	for _, ch := range d.Refusals() {
		for _, f := range ch.Findings {
			if f.Severity != compat.Breaking || f.Note != "" {
				continue
			}
			switch {
			case f.Rule == gate.RuleProviderNotLive || (ch.Direction == gate.AsConsumer && f.Rule == gate.RuleOperationMissing) ||
				(ch.Direction == gate.AsConsumer && f.Rule == gate.RuleMessageMissing):
				add(fmt.Sprintf("deploy a version of %s that offers what %s needs first, then retry", ch.Provider.Service, ch.Consumer.Service))
			case ch.Direction == gate.AsProvider:
				add(fmt.Sprintf("keep %s compatible (restore what %s relies on), or ship the change once %s no longer relies on it (check with 'contracts who-uses %s')",
					ch.Contract, ch.Consumer.Service, ch.Consumer.Service, ch.Contract))
				add(fmt.Sprintf("if the break is deliberate and %s's owners agree: 'contracts approve %s --rule %s --element %q --env %s --consumer %s --reason … --expires YYYY-MM-DD'",
					ch.Consumer.Service, ch.Contract, f.Rule, f.Element, d.Env, ch.Consumer.Service))
			}
		}
	}
	for _, c := range d.Changes {
		switch {
		case c.Rollback:
			add(fmt.Sprintf("this deploy rolls %s back from %s to %s: what the rollback drops must not be relied on by anything live", c.Contract, c.From.Version, c.To.Version))
		case hasRule(c.Findings, gate.RuleSemverBreakInMinor):
			add("breaking changes call for a new major version: " + c.Semver)
		}
	}
	return out
}

func hasRule(fs []compat.Finding, rule string) bool {
	for _, f := range fs {
		if f.Rule == rule {
			return true
		}
	}
	return false
}

func decisionMarkdown(title string, d *gate.Decision) string {
	var b strings.Builder
	icon := "✅"
	if !d.Deployable {
		icon = "⛔"
	}
	fmt.Fprintf(&b, "### %s %s %s to %s: %s\n\n", icon, title, candidatesText(d), d.Env, verdictWord(d))
	if len(d.Checks) > 0 {
		b.WriteString("| Verdict | Contract | Direction | Counterpart | Relies on |\n| --- | --- | --- | --- | --- |\n")
		for _, ch := range d.Checks {
			dir := "provides to"
			if ch.Direction == gate.AsConsumer {
				dir = "consumes from"
			}
			fmt.Fprintf(&b, "| %s | `%s` | %s | %s | %s |\n", ch.Verdict, ch.Contract, dir, mdEscape(ch.Counterpart.String()), mdEscape(ch.ReliesOn))
		}
		b.WriteString("\n")
	}
	for _, ch := range d.Checks {
		if len(ch.Findings) == 0 {
			continue
		}
		fmt.Fprintf(&b, "#### %s: %s\n\n", ch.Verdict, mdEscape(checkLine(ch)))
		if ch.Reason != "" && ch.Verdict == gate.VerdictRefused {
			fmt.Fprintf(&b, "%s.\n\n", mdEscape(ch.Reason))
		}
		writeFindingsMarkdown(&b, ch.Findings)
		b.WriteString("\n")
	}
	for _, c := range d.Changes {
		if len(c.Findings) == 0 {
			continue
		}
		fmt.Fprintf(&b, "<details><summary>Changes to <code>%s</code> since %s (%s bump)</summary>\n\n", c.Contract, c.From, c.Bump)
		if c.Semver != "" {
			fmt.Fprintf(&b, "%s.\n\n", mdEscape(c.Semver))
		}
		writeFindingsMarkdown(&b, c.Findings)
		b.WriteString("\n</details>\n\n")
	}
	if hs := hints(d); len(hs) > 0 {
		b.WriteString("**What to do**\n\n")
		for _, h := range hs {
			fmt.Fprintf(&b, "- %s\n", mdEscape(h))
		}
		b.WriteString("\n")
	}
	return b.String()
}
