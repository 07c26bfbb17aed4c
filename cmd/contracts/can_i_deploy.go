package main

import (
	"os"
	"path"
	"time"

	"github.com/spf13/cobra"

	"github.com/contractgate/contracts/gate"
	"github.com/contractgate/contracts/registry"
)

func newCanIDeployCmd(g *globals) *cobra.Command {
	var services, versions []string
	var env string
	var usageWindow func() (time.Duration, error)
	cmd := &cobra.Command{
		Use:   "can-i-deploy --service S --version V [--service S2 --version V2 …] --to E",
		Short: "Ask whether deploying published versions would break anything live",
		Long: `can-i-deploy checks a published version from both sides against every
counterpart live in the environment:

  as a provider: every live consumer of each contract it provides must still
  get what it relies on (everything, the operations in 'uses', the fields in
  'expectations', or the message types in 'messages');
  as a consumer: every live version of each provider it consumes must offer
  what it relies on.

Several --service/--version pairs ask whether deploying them together is
safe: each is checked against the others' new versions. A rollback is
can-i-deploy of the older version. Changes nobody live relies on are
reported as info; approved breaks (contracts approve) do not refuse.

Exit status: 0 yes, 1 no, 2 bad input (e.g. an unpublished version),
3 registry unreachable.`,
		Example: `  contracts can-i-deploy --service payments --version 2.0.0 --to production
  contracts can-i-deploy --service payments --version 2.0.0 --service checkout --version 3.1.0 --to staging`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := g.checkOutput("text", "json", "markdown", "github"); err != nil {
				return err
			}
			if env == "" {
				return usageErrorf("--to ENV is required")
			}
			if len(services) == 0 || len(services) != len(versions) {
				return usageErrorf("give --service and --version in pairs (got %d services and %d versions)", len(services), len(versions))
			}
			var parties []gate.Party
			for i := range services {
				if !registry.ValidServiceName(services[i]) {
					return usageErrorf("--service %q is not a valid service name", services[i])
				}
				parties = append(parties, gate.Party{Service: services[i], Version: versions[i]})
			}
			ctx := c.Context()
			store, err := g.openStore(ctx)
			if err != nil {
				return err
			}
			defer store.Close()
			window, err := usageWindow()
			if err != nil {
				return err
			}
			gt := gateOf(store, localDisplay, window)
			d, err := gt.CanIDeploy(ctx, env, parties)
			if err != nil {
				return err
			}
			if err := printDecision(stdout(c), g.output, "can-i-deploy", d); err != nil {
				return err
			}
			if !d.Deployable {
				return verdictNo
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&services, "service", nil, "service to deploy (repeatable, paired with --version)")
	cmd.Flags().StringArrayVar(&versions, "version", nil, "its published version (repeatable)")
	cmd.Flags().StringVar(&env, "to", "", "the environment to deploy to (required)")
	usageWindow = usageWindowFlag(cmd)
	return cmd
}

func newVerifyCmd(g *globals) *cobra.Command {
	var env string
	var usageWindow func() (time.Duration, error)
	cmd := &cobra.Command{
		Use:   "verify [DIR] --against E",
		Short: "Check an unpublished working copy against what is live",
		Long: `verify runs the can-i-deploy checks for the service in DIR (default: the
current folder) as it is on disk, without publishing it: the provider's
pending changes against live consumers, and the consumer's pending use
against live providers. Meant for pull requests.

Exit status: 0 yes, 1 no, 2 bad input, 3 registry unreachable.`,
		Example: `  contracts verify --against production
  contracts verify services/checkout --against staging -o github`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if err := g.checkOutput("text", "json", "markdown", "github"); err != nil {
				return err
			}
			if env == "" {
				return usageErrorf("--against ENV is required")
			}
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			ctx := c.Context()
			wc, err := registry.LoadWorkingCopy(ctx, dir)
			if err != nil {
				return err
			}
			wc.Version.Version = "(working copy)"
			store, err := g.openStore(ctx)
			if err != nil {
				return err
			}
			defer store.Close()
			window, err := usageWindow()
			if err != nil {
				return err
			}
			gt := gateOf(store, nil, window)
			// Stored paths are relative to the publish root (the service's
			// folder, or the ancestor root: names), so that is where they
			// open from here.
			d, err := gt.Decide(ctx, env, []gate.Candidate{{Version: wc.Version, Blobs: wc.Blobs, Display: wc.RootDisplay}})
			if err != nil {
				return err
			}
			if err := printDecision(stdout(c), g.output, "verify", d); err != nil {
				return err
			}
			if !d.Deployable {
				return verdictNo
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&env, "against", "", "the environment whose live versions to check against (required)")
	usageWindow = usageWindowFlag(cmd)
	return cmd
}

// localDisplay is where a candidate's documents are shown in findings. When
// the current folder holds that service's manifest (a CI job in the
// service's checkout), its paths are the stored ones under the manifest's
// publish root (here, or the folder its root: names), so a person (and a
// workflow annotation) can open them; otherwise they are prefixed with the
// version they come from, since no file here holds them.
func localDisplay(v *registry.Version) string {
	data, err := os.ReadFile(registry.ManifestName)
	if err == nil {
		if m, err := registry.ParseManifest(data, registry.ManifestName); err == nil && m.Service == v.Service {
			if root := path.Clean(m.Root); m.Root != "" && root != "." {
				return root + "/"
			}
			return ""
		}
	}
	return "(" + v.Service + " " + v.Version + ") "
}
