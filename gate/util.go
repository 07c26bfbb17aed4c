package gate

import (
	"github.com/contractgate/contracts/compat"
)

// sortFindings orders findings by file, line, column, rule and element.
func sortFindings(fs []compat.Finding) {
	rep := compat.Report{Findings: fs}
	rep.Sort()
}

// dedupe drops repeated findings: the same rule on the same element at the
// same place with the same message, met through several baselines.
func dedupe(fs []compat.Finding) []compat.Finding {
	seen := map[string]bool{}
	var out []compat.Finding
	for _, f := range fs {
		k := f.Rule + "\x00" + f.Element + "\x00" + f.Location.String() + "\x00" + f.Message
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, f)
	}
	return out
}

// sameChange reports whether two findings are one change met twice: the
// same rule on an element they share.
func sameChange(a, b compat.Finding) bool {
	if a.Rule != b.Rule {
		return false
	}
	keys := map[string]bool{}
	for _, e := range elementsOf(a) {
		keys[e.Key()] = true
	}
	for _, e := range elementsOf(b) {
		if keys[e.Key()] {
			return true
		}
	}
	return false
}
