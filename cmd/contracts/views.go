package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/contractgate/contracts/registry"
)

func newServicesCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "services",
		Short: "List the services in the registry",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := g.checkOutput("text", "json"); err != nil {
				return err
			}
			ctx := c.Context()
			store, err := g.openStore(ctx)
			if err != nil {
				return err
			}
			defer store.Close()
			svcs, err := store.Services(ctx)
			if err != nil {
				return err
			}
			if g.output == "json" {
				if svcs == nil {
					svcs = []registry.ServiceInfo{}
				}
				return writeJSON(stdout(c), svcs)
			}
			if len(svcs) == 0 {
				printf(c, "no services yet; publish one with 'contracts publish DIR --version V'\n")
				return nil
			}
			tw := tabwriter.NewWriter(stdout(c), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SERVICE\tVERSIONS\tLATEST\tPROVIDES")
			for _, s := range svcs {
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", s.Name, s.Versions, s.Latest, strings.Join(s.Contracts, ", "))
			}
			return tw.Flush()
		},
	}
}

func newVersionsCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "versions SERVICE",
		Short: "List the published versions of a service, oldest first",
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErrorf("versions takes one argument, the service whose versions to list (got %d); 'contracts services' lists the services\nRun 'contracts versions --help' for usage.", len(args))
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			if err := g.checkOutput("text", "json"); err != nil {
				return err
			}
			ctx := c.Context()
			store, err := g.openStore(ctx)
			if err != nil {
				return err
			}
			defer store.Close()
			vs, err := store.Versions(ctx, args[0])
			if err != nil {
				return err
			}
			if len(vs) == 0 {
				return registry.Errorf(registry.ENOTFOUND, "service %s has no published version", args[0])
			}
			live, err := store.Deployments(ctx, "")
			if err != nil {
				return err
			}
			where := map[string][]string{}
			for _, d := range live {
				if d.Service == args[0] {
					where[d.Version] = append(where[d.Version], d.Env)
				}
			}
			if g.output == "json" {
				type row struct {
					*registry.Version
					LiveIn []string `json:"liveIn"`
				}
				rows := make([]row, 0, len(vs))
				for _, v := range vs {
					rows = append(rows, row{v, append([]string{}, where[v.Version]...)})
				}
				return writeJSON(stdout(c), rows)
			}
			tw := tabwriter.NewWriter(stdout(c), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "VERSION\tPUBLISHED\tBRANCH\tCOMMIT\tLIVE IN")
			for _, v := range vs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", v.Version, v.PublishedAt.Format("2006-01-02 15:04:05Z"), dash(v.Branch), dash(v.Commit), dash(strings.Join(where[v.Version], ", ")))
			}
			return tw.Flush()
		},
	}
}

func newDeploymentsCmd(g *globals) *cobra.Command {
	var (
		env     string
		history bool
	)
	cmd := &cobra.Command{
		Use:   "deployments [--env E [--history]]",
		Short: "List what is live, in one environment or in all, or when each version was live",
		Long: `List what is live, in one environment or in all.

With --history (and --env), list every interval during which a version was
live there: from its deployment until it was replaced or undeployed. The gate
checks message readers against the producer versions live within the
topic's retention, which this history records.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := g.checkOutput("text", "json"); err != nil {
				return err
			}
			if history && env == "" {
				return usageErrorf("--history needs --env: a history is kept per environment")
			}
			ctx := c.Context()
			store, err := g.openStore(ctx)
			if err != nil {
				return err
			}
			defer store.Close()
			if history {
				return printHistory(c, g, store, env)
			}
			ds, err := store.Deployments(ctx, env)
			if err != nil {
				return err
			}
			if g.output == "json" {
				if ds == nil {
					ds = []registry.Deployment{}
				}
				return writeJSON(stdout(c), ds)
			}
			if len(ds) == 0 {
				printf(c, "nothing is live%s\n", map[bool]string{true: " in " + env, false: ""}[env != ""])
				return nil
			}
			tw := tabwriter.NewWriter(stdout(c), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ENV\tSERVICE\tVERSION\tSINCE")
			for _, d := range ds {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", d.Env, d.Service, d.Version, d.DeployedAt.Format("2006-01-02 15:04:05Z"))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&env, "env", "", "only this environment")
	cmd.Flags().BoolVar(&history, "history", false, "list when each version was live in --env, not only what is live now")
	return cmd
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
