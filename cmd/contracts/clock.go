package main

import (
	"os"
	"time"
)

// nowEnv fixes "now" where the gate runs: the CLI on an embedded or
// PostgreSQL registry, or `contracts serve` itself. Over an http(s)://
// registry the server's clock decides and the client sends none.
const nowEnv = "CONTRACTS_NOW"

// checkClock refuses an unparsable CONTRACTS_NOW (exit 2) instead of
// silently falling back to the real time.
func checkClock() error {
	s := os.Getenv(nowEnv)
	if s == "" {
		return nil
	}
	if _, err := time.Parse(time.RFC3339, s); err != nil {
		return usageErrorf("%s=%q is not an RFC 3339 time such as 2026-12-04T10:00:00Z: %v", nowEnv, s, err)
	}
	return nil
}

// now is the CLI's clock. CONTRACTS_NOW (RFC 3339) fixes it, so scripts and
// tests can replay a day in the life of a registry, approvals expiring
// included. checkClock has validated it before any command runs.
func now() time.Time {
	if s := os.Getenv(nowEnv); s != "" {
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t.UTC()
		}
	}
	return time.Now().UTC()
}
