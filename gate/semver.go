package gate

import (
	"fmt"

	"github.com/Masterminds/semver/v3"

	"github.com/contractgate/contracts/compat"
)

// semverAdvice says whether the version numbers of one change admit it.
// It compares one baseline and names it; a breaking change to a provided
// contract in a minor or patch release is a GATE_SEMVER_BREAKING_IN_MINOR
// warning whether or not anyone live relies on it. It is advice: it never
// refuses a deploy (refusals come only from what is relied on). A version
// older than its baseline is a rollback: no semver finding, and advice that
// speaks of going back.
func semverAdvice(ch *Change, bump compat.Bump, rollback bool) {
	if rollback {
		ch.Rollback = true
		ch.Semver = fmt.Sprintf("rolling %s back from %s to %s", ch.Contract, ch.From.Version, ch.To.Version)
		return
	}
	from, err1 := semver.StrictNewVersion(ch.From.Version)
	to, err2 := semver.StrictNewVersion(ch.To.Version)
	if err1 != nil || err2 != nil || bump == compat.Patch {
		return
	}
	next, _ := compat.NextVersion(ch.From.Version, bump)
	admits, _ := compat.Admits(from.Original(), to.Original(), bump)
	which := "live " + ch.From.Version
	if ch.Baseline == "published" {
		which = "published " + ch.From.Version + " (nothing is live)"
	}
	switch {
	case bump == compat.Major && !admits:
		ch.Semver = fmt.Sprintf("%s → %s is not a major bump, but %s has breaking changes compared with %s; they call for %s", ch.From.Version, ch.To.Version, ch.Contract, which, next)
		ch.Findings = append(ch.Findings, compat.Finding{Rule: RuleSemverBreakInMinor, Severity: compat.Warning, Element: ch.Contract,
			Elements: []compat.Element{{Scope: ch.Contract}},
			Message:  fmt.Sprintf("%s has breaking changes to %s compared with %s but is not a major bump from it; they call for %s.", ch.To, ch.Contract, which, next)})
	case bump == compat.Major:
		ch.Semver = fmt.Sprintf("%s → %s is a major bump, as the breaking changes to %s call for", ch.From.Version, ch.To.Version, ch.Contract)
	default:
		ch.Semver = fmt.Sprintf("the changes to %s since %s call for a %s bump (%s)", ch.Contract, which, bump, next)
	}
}
