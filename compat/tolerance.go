package compat

import (
	"fmt"
	"sort"
	"strings"
)

// Tolerance is a class of response change that some readers cope with. By
// default the reader must accept all the writer can send, so such a change
// is breaking; a consumer that declares the class (`tolerates:` in its
// manifest, `contracts diff --tolerate`) sees it as info.
type Tolerance string

// The tolerance classes.
const (
	// NoTolerance marks a rule no reader is assumed to cope with.
	NoTolerance Tolerance = ""
	// NewEnumValues: the reader copes with enum values it does not know.
	NewEnumValues Tolerance = "new-enum-values"
	// NewVariants: the reader copes with oneOf/anyOf alternatives (and
	// discriminator values) it does not know.
	NewVariants Tolerance = "new-variants"
	// WiderBounds: the reader copes with values past the old bounds:
	// minimum/maximum, lengths, item counts, pattern, format.
	WiderBounds Tolerance = "wider-bounds"
)

// Tolerances lists every class, for help texts and validation.
var Tolerances = []Tolerance{NewEnumValues, NewVariants, WiderBounds}

// ParseTolerance reads a class name, or says which names there are.
func ParseTolerance(s string) (Tolerance, error) {
	for _, t := range Tolerances {
		if string(t) == s {
			return t, nil
		}
	}
	names := make([]string, len(Tolerances))
	for i, t := range Tolerances {
		names[i] = string(t)
	}
	sort.Strings(names)
	return NoTolerance, fmt.Errorf("unknown tolerance %q: want one of %s", s, strings.Join(names, ", "))
}

// Tolerate lowers to Info every breaking or warning finding whose class is
// among classes, noting it: the reader copes with that kind of change. It
// returns a new report.
func (r *Report) Tolerate(classes []Tolerance, who string) *Report {
	out := &Report{Old: r.Old, New: r.New, Findings: make([]Finding, len(r.Findings))}
	copy(out.Findings, r.Findings)
	if len(classes) == 0 {
		return out
	}
	for i := range out.Findings {
		f := &out.Findings[i]
		if f.Severity == Info || f.Tolerance == NoTolerance {
			continue
		}
		for _, c := range classes {
			if c == f.Tolerance {
				f.Severity = Info
				if who == "" {
					f.Note = "tolerated: " + string(c)
				} else {
					f.Note = "tolerated by " + who + ": " + string(c)
				}
				break
			}
		}
	}
	return out
}
