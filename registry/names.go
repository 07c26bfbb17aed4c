package registry

import (
	"fmt"
	"sort"
	"strings"
)

// Nearest returns the candidates closest to name by edit distance, best
// first, at most n of them and only those close enough to be a likely typo
// (or that contain name, or are contained in it).
func Nearest(name string, candidates []string, n int) []string {
	type scored struct {
		s string
		d int
	}
	limit := max(2, len(name)/5)
	var hits []scored
	for _, c := range candidates {
		d := editDistance(strings.ToLower(name), strings.ToLower(c))
		switch {
		case len(name) >= 3 && strings.HasPrefix(c, name):
			hits = append(hits, scored{c, 0}) // a completion of what was typed
		case d <= limit || (len(name) >= 3 && (strings.Contains(c, name) || strings.Contains(name, c))):
			hits = append(hits, scored{c, d})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].d != hits[j].d {
			return hits[i].d < hits[j].d
		}
		return hits[i].s < hits[j].s
	})
	var out []string
	for _, h := range hits {
		if len(out) == n {
			break
		}
		out = append(out, h.s)
	}
	return out
}

// DidYouMean is the end of an error message naming what exists: "; did you
// mean production? (known: production, staging)". what names the kind of
// thing ("environments").
func DidYouMean(name string, known []string, what string) string {
	if len(known) == 0 {
		return fmt.Sprintf("; there are no %s yet", what)
	}
	var b strings.Builder
	if near := Nearest(name, known, 3); len(near) > 0 {
		fmt.Fprintf(&b, "; did you mean %s?", strings.Join(near, " or "))
	}
	shown := known
	more := ""
	if len(shown) > 12 {
		shown, more = shown[:12], fmt.Sprintf(" and %d more", len(known)-12)
	}
	fmt.Fprintf(&b, " (known %s: %s%s)", what, strings.Join(shown, ", "), more)
	return b.String()
}

// closest returns the allowed key nearest to key by edit distance, if close.
func closest(key string, allowed []string) string {
	best, bestD := "", 3
	for _, a := range allowed {
		if d := editDistance(key, a); d < bestD {
			best, bestD = a, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
