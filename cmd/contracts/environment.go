package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/contractgate/contracts/registry"
)

// newEnvironmentCmd is `contracts environment create NAME` and
// `contracts environment list`.
func newEnvironmentCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "environment create NAME | environment list",
		Short: "Create an environment, or list them",
		Long: `Environments (production, staging, …) are created explicitly. Every command
that names one — can-i-deploy --to, verify --against, record-deployment,
record-undeployment, who-uses --env, graph --env, deployments --env,
approve --env — refuses an environment the registry does not know (exit 2,
naming the nearest), so a typo never answers yes.

A new environment's first deploys are gated like any other: a consumer
cannot go live before the providers it needs.

Over a registry server, creating an environment needs a token with admin
or deploy:NAME.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return usageErrorf("environment needs a subcommand: create NAME or list\nRun 'contracts environment --help' for usage.")
		},
	}
	create := &cobra.Command{
		Use:   "create NAME",
		Short: "Create an environment; creating one that exists changes nothing",
		Long: `create makes an environment known to the registry. It is the one command
besides publish (and token create --store) that creates a registry that does
not exist yet. Creating an environment that exists is a no-op (exit 0).`,
		Example: `  contracts environment create production
  contracts environment create staging --registry https://contracts.example.com`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErrorf("environment create takes one NAME (got %d)\nRun 'contracts environment create --help' for usage.", len(args))
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			if err := g.checkOutput("text", "json"); err != nil {
				return err
			}
			name := args[0]
			if !registry.ValidServiceName(name) {
				return usageErrorf("environment name %q is not valid: use lower-case letters, digits and '-', starting with a letter or digit, at most 63 characters", name)
			}
			ctx := c.Context()
			store, err := g.createStore(ctx)
			if err != nil {
				return err
			}
			defer store.Close()
			created, err := store.CreateEnvironment(ctx, name)
			if err != nil {
				return err
			}
			if g.output == "json" {
				return writeJSON(stdout(c), map[string]any{"name": name, "created": created})
			}
			if created {
				printf(c, "environment %s created\n", name)
			} else {
				printf(c, "environment %s already exists; nothing changed\n", name)
			}
			return nil
		},
	}
	list := newEnvironmentsCmd(g)
	list.Use = "list"
	list.Aliases = nil
	cmd.AddCommand(create, list)
	return cmd
}

// newEnvironmentsCmd lists environments: `contracts environments`.
func newEnvironmentsCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "environments",
		Short: "List the environments the registry knows",
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
			envs, err := store.Environments(ctx)
			if err != nil {
				return err
			}
			if g.output == "json" {
				return writeJSON(stdout(c), envs)
			}
			if len(envs) == 0 {
				printf(c, "no environments yet; create one with 'contracts environment create NAME'\n")
				return nil
			}
			tw := tabwriter.NewWriter(stdout(c), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ENVIRONMENT\tCREATED")
			for _, e := range envs {
				fmt.Fprintf(tw, "%s\t%s\n", e.Name, e.CreatedAt.Format("2006-01-02 15:04:05Z"))
			}
			return tw.Flush()
		},
	}
}
