package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// globals are the flags every command shares.
type globals struct {
	registry string
	token    string
	output   string
	// stderr is where notes beside a command's output go (the running
	// command's error stream).
	stderr io.Writer
}

func newRootCmd() *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:   "contracts",
		Short: "Keep independent microservice deploys safe",
		Long: `contracts compares API (OpenAPI) and message (protobuf) schemas with
direction-aware rules, records in a registry what every service version
provides and consumes and where it is live, and refuses a deploy that would
break a live consumer, saying exactly who and what would break.

Exit status: 0 yes / compatible, 1 no / breaking, 2 bad input or usage,
3 registry unreachable or internal failure. 'contracts' without a command
prints this help and exits 2.

Environment:
  CONTRACTS_REGISTRY  the registry (as --registry); default: the embedded
                      registry at $XDG_DATA_HOME/contracts/registry.db
                      (~/.local/share/contracts/registry.db)
  CONTRACTS_TOKEN     bearer token for a registry server (as --token)
  CONTRACTS_NOW       an RFC 3339 time that fixes "now" where the gate runs
                      (the CLI on an embedded or PostgreSQL registry, or
                      contracts serve), for reproducible checks of expiries
                      and histories; a registry server's clients never set
                      the server's clock`,
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(c *cobra.Command, _ []string) error {
			g.stderr = c.ErrOrStderr()
			return checkClock()
		},
		// A command is needed: without one (a CI step whose variable came
		// out empty, say) the help goes to stderr and the exit status says
		// it was a usage mistake, instead of a silent success.
		// (An unknown command never gets here: cobra refuses it first,
		// with suggestions.)
		RunE: func(c *cobra.Command, _ []string) error {
			c.SetOut(c.ErrOrStderr())
			if err := c.Help(); err != nil {
				return err
			}
			return usageErrorf("no command given: name one of the commands above")
		},
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageErrorf("%v\nRun '%s --help' for usage.", err, c.CommandPath())
	})
	pf := root.PersistentFlags()
	pf.StringVar(&g.registry, "registry", os.Getenv("CONTRACTS_REGISTRY"),
		"the registry: a file path or sqlite:PATH, postgres://…, or http(s)://… for a registry server (env CONTRACTS_REGISTRY; default: an embedded registry in the user's data folder)")
	// --help shows where that embedded registry is on this machine.
	if f := pf.Lookup("registry"); f.DefValue == "" {
		if p, err := defaultRegistryPath(); err == nil {
			f.DefValue = p
		}
	}
	pf.StringVar(&g.token, "token", os.Getenv("CONTRACTS_TOKEN"), "bearer token for a registry server (env CONTRACTS_TOKEN)")
	pf.StringVarP(&g.output, "output", "o", "text", "output format: text, json, markdown or github")

	// Commands in the order a user meets them, grouped in --help.
	groups := []struct {
		id, title string
		cmds      []*cobra.Command
	}{
		{"check", "Compare documents (no registry):", []*cobra.Command{newDiffCmd(g), newValidateCmd(g)}},
		{"record", "Record versions and deployments:", []*cobra.Command{newPublishCmd(g), newEnvironmentCmd(g), newRecordDeploymentCmd(g), newRecordUndeploymentCmd(g)}},
		{"gate", "Gate deploys:", []*cobra.Command{newCanIDeployCmd(g), newVerifyCmd(g), newApproveCmd(g), newWhoUsesCmd(g), newUsageCmd(g)}},
		{"view", "See what the registry holds:", []*cobra.Command{newServicesCmd(g), newVersionsCmd(g), newEnvironmentsCmd(g), newDeploymentsCmd(g), newGraphCmd(g)}},
		{"server", "Run the registry server:", []*cobra.Command{newServeCmd(g), newTokenCmd(g), newAuditCmd(g)}},
	}
	for _, grp := range groups {
		root.AddGroup(&cobra.Group{ID: grp.id, Title: grp.title})
		for _, c := range grp.cmds {
			c.GroupID = grp.id
			root.AddCommand(c)
		}
	}
	root.AddCommand(newGenDocsCmd(), newReportCmd(g))
	forEachCommand(root, explainArgs)
	return root
}

func forEachCommand(c *cobra.Command, f func(*cobra.Command)) {
	f(c)
	for _, sub := range c.Commands() {
		forEachCommand(sub, f)
	}
}

// explainArgs makes a wrong number of arguments say what the command takes:
// cobra's own checks say only "accepts 1 arg(s), received 0". Checks that
// already explain themselves (usage errors) are left as they are.
func explainArgs(c *cobra.Command) {
	check := c.Args
	if check == nil || c == c.Root() {
		return
	}
	c.Args = func(c *cobra.Command, args []string) error {
		err := check(c, args)
		var ee *exitError
		if err == nil || errors.As(err, &ee) {
			return err
		}
		return usageErrorf("%v\nUsage: %s\nRun '%s --help' for more.", err, c.UseLine(), c.CommandPath())
	}
}

// checkOutput validates --output against the formats a command supports.
func (g *globals) checkOutput(allowed ...string) error {
	for _, a := range allowed {
		if g.output == a {
			return nil
		}
	}
	return usageErrorf("--output %q is not supported here; use one of %v", g.output, allowed)
}

func stdout(c *cobra.Command) io.Writer { return c.OutOrStdout() }

func printf(c *cobra.Command, format string, args ...any) {
	fmt.Fprintf(c.OutOrStdout(), format, args...)
}
