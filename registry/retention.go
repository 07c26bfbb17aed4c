package registry

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Retention is how long the topic a producer writes to keeps its messages:
// "7d", "36h", "1d12h" (Go duration units plus d for 24h) or "forever" for a
// compacted topic. A reader deployed today reads what every producer version
// live within that period wrote, not only what the live one writes. The
// empty Retention declares nothing: only live producer versions count.
type Retention string

// Forever is the retention of a compacted topic: every producer version that
// was ever live wrote messages a reader may still meet.
const Forever Retention = "forever"

// ParseRetention checks s and returns it as a Retention, or an error saying
// what a valid one looks like.
func ParseRetention(s string) (Retention, error) {
	r := Retention(strings.TrimSpace(s))
	if r == Forever {
		return r, nil
	}
	d, err := r.duration()
	if err != nil {
		return "", err
	}
	if d <= 0 {
		return "", fmt.Errorf("retention %q must be longer than zero (or forever)", s)
	}
	return r, nil
}

// Period returns how long messages stay readable; forever is true for a
// compacted topic (d is then 0). An empty or invalid Retention is (0, false).
func (r Retention) Period() (d time.Duration, forever bool) {
	if r == Forever {
		return 0, true
	}
	d, err := r.duration()
	if err != nil || d < 0 {
		return 0, false
	}
	return d, false
}

// Covers reports whether a message written at written is still readable at
// now under r; a zero Retention keeps nothing past the moment it is written.
func (r Retention) Covers(written, now time.Time) bool {
	d, forever := r.Period()
	return forever || !written.Add(d).Before(now)
}

// duration parses a Go duration in which "d" counts 24 hours.
func (r Retention) duration() (time.Duration, error) {
	s := string(r)
	if s == "" {
		return 0, fmt.Errorf("retention is empty: give a duration such as 7d or 36h, or forever")
	}
	bad := func() (time.Duration, error) {
		return 0, fmt.Errorf("retention %q is not a duration such as 7d, 36h or 1d12h (units d, h, m, s, ms, us, ns), nor forever", s)
	}
	var total time.Duration
	for rest := s; rest != ""; {
		i := strings.IndexFunc(rest, func(c rune) bool { return (c < '0' || c > '9') && c != '.' })
		if i <= 0 {
			return bad()
		}
		j := i + strings.IndexFunc(rest[i:], func(c rune) bool { return (c >= '0' && c <= '9') || c == '.' })
		if j < i {
			j = len(rest)
		}
		num, unit := rest[:i], rest[i:j]
		rest = rest[j:]
		if unit == "d" {
			days, err := strconv.ParseFloat(num, 64)
			if err != nil || days > 100000 {
				return bad()
			}
			total += time.Duration(days * float64(24*time.Hour))
			continue
		}
		d, err := time.ParseDuration(num + unit)
		if err != nil {
			return bad()
		}
		total += d
	}
	return total, nil
}
