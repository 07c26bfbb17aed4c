package compat

import "fmt"

// CheckRules validates a rule list: ids unique and SCREAMING_SNAKE, every
// rule documented. Checkers call it from their tests over their own list, and
// the gate over all lists together.
func CheckRules(rules []Rule) error {
	seen := map[string]bool{}
	for _, r := range rules {
		if r.ID == "" || !isScreamingSnake(r.ID) {
			return fmt.Errorf("rule id %q is not SCREAMING_SNAKE", r.ID)
		}
		if seen[r.ID] {
			return fmt.Errorf("rule id %s is declared twice", r.ID)
		}
		seen[r.ID] = true
		if len(r.Doc) < 20 || r.Doc[len(r.Doc)-1] != '.' {
			return fmt.Errorf("rule %s needs a one-sentence doc ending in a full stop", r.ID)
		}
	}
	return nil
}

func isScreamingSnake(s string) bool {
	for i, c := range s {
		switch {
		case c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' && i > 0:
		case c == '_' && i > 0 && i < len(s)-1:
		default:
			return false
		}
	}
	return true
}
