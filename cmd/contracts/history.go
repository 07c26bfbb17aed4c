package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/contractgate/contracts/registry"
)

// printHistory writes the live intervals of env, oldest first per service.
func printHistory(c *cobra.Command, g *globals, store registry.Store, env string) error {
	list, err := store.DeploymentHistory(c.Context(), env, time.Time{})
	if err != nil {
		return err
	}
	if g.output == "json" {
		if list == nil {
			list = []registry.LiveInterval{}
		}
		return writeJSON(stdout(c), list)
	}
	if len(list) == 0 {
		printf(c, "nothing has been live in %s yet\n", env)
		return nil
	}
	const layout = "2006-01-02 15:04:05Z"
	tw := tabwriter.NewWriter(stdout(c), 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tVERSION\tFROM\tUNTIL\tENDED BY")
	for _, li := range list {
		until, ended := "live", "-"
		if li.Until != nil {
			until, ended = li.Until.Format(layout), "undeployed"
			if li.ReplacedBy != "" {
				ended = "replaced by " + li.ReplacedBy
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", li.Service, li.Version, li.From.Format(layout), until, ended)
	}
	return tw.Flush()
}
