package main

import (
	"encoding/json"
	"fmt"
	"os/user"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
)

func newAuditCmd(g *globals) *cobra.Command {
	var store string
	var limit int
	cmd := &cobra.Command{
		Use:   "audit [--limit N] [--registry https://… --token ADMIN | --store URL]",
		Short: "Show the registry server's audit log, newest first",
		Long: `audit prints the newest entries of a registry server's append-only audit
log: every publish, deployment, approval and token change, with who made it
(the token's name and ID) and when. It needs an admin token over HTTP
(--registry https://… --token ADMIN), or the server's store (--store).`,
		Example: `  contracts audit --registry https://registry.example.com --token "$ADMIN_TOKEN" --limit 20
  contracts audit --store postgres://db/contracts -o json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := g.checkOutput("text", "json"); err != nil {
				return err
			}
			if limit < 1 || limit > 10000 {
				return usageErrorf("--limit %d must be from 1 to 10000", limit)
			}
			adm, err := openAdmin(c, g, store, false)
			if err != nil {
				return err
			}
			defer adm.Close()
			entries, err := adm.Audit(c.Context(), limit)
			if err != nil {
				return err
			}
			if g.output == "json" {
				return json.NewEncoder(stdout(c)).Encode(entries)
			}
			tw := tabwriter.NewWriter(stdout(c), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "AT\tACTOR\tACTION\tTARGET\tDETAIL")
			for _, e := range entries {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", e.At.Format(time.RFC3339), e.Actor, e.Action, e.Target, oneLine(e.Detail))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&store, "store", "", "read the server's store directly: a file path or sqlite:PATH, or postgres://… (default: the server at --registry)")
	cmd.Flags().IntVar(&limit, "limit", 100, "how many entries, newest first (at most 10000)")
	return cmd
}

// oneLine keeps a table row on one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// currentUser names the local user, for the audit entries of changes made
// directly on a store.
func currentUser() (string, error) {
	u, err := user.Current()
	if err != nil {
		return "", err
	}
	return u.Username, nil
}
