package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/contractgate/contracts/gate"
)

func newWhoUsesCmd(g *globals) *cobra.Command {
	var env string
	cmd := &cobra.Command{
		Use:   "who-uses CONTRACT [ELEMENT] [--env E]",
		Short: "List the live consumers that rely on a contract or one of its elements",
		Long: `who-uses lists the consumer versions live in an environment (or in all of
them) that rely on CONTRACT, or on one ELEMENT of it: an HTTP operation
("GET /orders/{id}"), an RPC ("orders.v1.OrderService.GetOrder"), a message
type or a field of one ("orders.v1.OrderPlaced.total_cents"). When nobody
relies on an element, its provider can remove it.

Consumers that do not narrow what they use (no uses, expectations or
messages in their manifest) rely on everything.`,
		Example: `  contracts who-uses payments-api "GET /payments/{id}" --env production
  contracts who-uses orders-events orders.v1.OrderPlaced`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) < 1 || len(args) > 2 {
				return usageErrorf("who-uses takes a contract and optionally an element")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			if err := g.checkOutput("text", "json"); err != nil {
				return err
			}
			contract, element := args[0], ""
			if len(args) == 2 {
				element = args[1]
			}
			ctx := c.Context()
			store, err := g.openStore(ctx)
			if err != nil {
				return err
			}
			defer store.Close()
			us, err := gateOf(store, nil, 0).WhoUses(ctx, contract, element, env)
			if err != nil {
				return err
			}
			if g.output == "json" {
				if us == nil {
					us = []gate.Usage{}
				}
				return writeJSON(stdout(c), us)
			}
			what := contract
			if element != "" {
				what = element + " of " + contract
			}
			where := "in any environment"
			if env != "" {
				where = "in " + env
			}
			if len(us) == 0 {
				printf(c, "nobody live %s relies on %s\n", where, what)
				return nil
			}
			printf(c, "live consumers %s relying on %s:\n", where, what)
			tw := tabwriter.NewWriter(stdout(c), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "  ENV\tCONSUMER\tVERSION\tRELIES ON")
			for _, u := range us {
				rel := u.ReliesOn
				if u.Why != "" {
					rel = u.Why
				}
				fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", u.Env, u.Consumer.Service, u.Consumer.Version, rel)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&env, "env", "", "only this environment (default: all)")
	return cmd
}
