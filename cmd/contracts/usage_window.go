package main

import (
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/contractgate/contracts/registry"
)

// usageWindowFlag adds --usage-window to a gate command and returns a
// function reading it: how far back calls observed in traces count as
// reliance.
func usageWindowFlag(cmd *cobra.Command) func() (time.Duration, error) {
	s := cmd.Flags().String("usage-window", "7d", "calls observed in traces this long ago or since count as reliance (d, h)")
	return func() (time.Duration, error) {
		r, err := registry.ParseRetention(*s)
		if err != nil {
			return 0, usageErrorf("--usage-window %q: %s", *s, strings.Replace(err.Error(), "retention", "window", 1))
		}
		d, forever := r.Period()
		if forever || d > registry.UsageKeptFor {
			return 0, usageErrorf("--usage-window %q: the registry keeps observed usage for %d days; give at most %dd", *s, int(registry.UsageKeptFor.Hours()/24), int(registry.UsageKeptFor.Hours()/24))
		}
		return d, nil
	}
}
