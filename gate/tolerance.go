package gate

import (
	"github.com/contractgate/contracts/compat"
)

// tolerate lowers to info, for one consumer, the findings of a class it
// declares it copes with (`tolerates:` in its manifest), saying so. Other
// consumers of the same change are refused as before: tolerance belongs to
// the reader, not to the change.
func tolerate(fs []compat.Finding, tolerates []string, consumer string) []compat.Finding {
	if len(tolerates) == 0 {
		return fs
	}
	classes := make([]compat.Tolerance, 0, len(tolerates))
	for _, t := range tolerates {
		if c, err := compat.ParseTolerance(t); err == nil {
			classes = append(classes, c)
		}
	}
	rep := compat.Report{Findings: fs}
	return rep.Tolerate(classes, consumer).Findings
}
