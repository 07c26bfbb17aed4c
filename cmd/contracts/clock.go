package main

import (
	"os"
	"time"
)

// now is the CLI's clock. CONTRACTS_NOW (RFC 3339) fixes it, so scripts and
// tests can replay a day in the life of a registry, approvals expiring
// included.
func now() time.Time {
	if s := os.Getenv("CONTRACTS_NOW"); s != "" {
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t.UTC()
		}
	}
	return time.Now().UTC()
}
