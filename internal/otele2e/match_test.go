package otele2e

import "regexp"

func regexpMatch(pattern, s string) bool {
	return regexp.MustCompile(`(?m)` + pattern).MatchString(s)
}
