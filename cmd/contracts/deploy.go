package main

import (
	"github.com/spf13/cobra"

	"github.com/contractgate/contracts/registry"
)

// deployFlags are the --service/--version/--env triple of the deployment
// commands.
type deployFlags struct{ service, version, env string }

func (f *deployFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.service, "service", "", "the service (required)")
	cmd.Flags().StringVar(&f.version, "version", "", "the published version (required)")
	cmd.Flags().StringVar(&f.env, "env", "", "the environment, e.g. production (required)")
}

func (f *deployFlags) check() error {
	switch {
	case f.service == "" || f.version == "" || f.env == "":
		return usageErrorf("--service, --version and --env are all required")
	case !registry.ValidServiceName(f.service):
		return usageErrorf("--service %q is not a valid service name", f.service)
	case !registry.ValidServiceName(f.env):
		return usageErrorf("--env %q is not a valid environment name: use lower-case letters, digits and '-'", f.env)
	case !registry.ValidVersion(f.version):
		return usageErrorf("--version %q is not a valid version", f.version)
	}
	return nil
}

func newRecordDeploymentCmd(g *globals) *cobra.Command {
	f := &deployFlags{}
	var keep bool
	cmd := &cobra.Command{
		Use:   "record-deployment --service S --version V --env E [--keep-previous]",
		Short: "Record that a published version is now live in an environment",
		Long: `record-deployment marks a published version live in an environment. It
replaces the service's other live versions there, unless --keep-previous
keeps them live too (a canary, a rolling or blue-green deploy); end those
with record-undeployment.`,
		Example: `  contracts record-deployment --service payments --version 1.4.0 --env production
  contracts record-deployment --service payments --version 1.5.0 --env production --keep-previous`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := f.check(); err != nil {
				return err
			}
			ctx := c.Context()
			store, err := g.openStore(ctx)
			if err != nil {
				return err
			}
			defer store.Close()
			d := registry.Deployment{Env: f.env, Service: f.service, Version: f.version, DeployedAt: now()}
			if err := store.RecordDeployment(ctx, d, keep); err != nil {
				return err
			}
			live, err := store.Deployments(ctx, f.env)
			if err != nil {
				return err
			}
			var versions []string
			for _, l := range live {
				if l.Service == f.service {
					versions = append(versions, l.Version)
				}
			}
			if g.output == "json" {
				return writeJSON(stdout(c), map[string]any{"env": f.env, "service": f.service, "live": versions})
			}
			printf(c, "%s %s is live in %s (live there now: %v)\n", f.service, f.version, f.env, versions)
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().BoolVar(&keep, "keep-previous", false, "keep the service's other live versions live (canary, rolling)")
	return cmd
}

func newRecordUndeploymentCmd(g *globals) *cobra.Command {
	f := &deployFlags{}
	cmd := &cobra.Command{
		Use:   "record-undeployment --service S --version V --env E",
		Short: "Record that a version is no longer live in an environment",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := f.check(); err != nil {
				return err
			}
			ctx := c.Context()
			store, err := g.openStore(ctx)
			if err != nil {
				return err
			}
			defer store.Close()
			if err := store.RecordUndeployment(ctx, f.env, f.service, f.version); err != nil {
				return err
			}
			if g.output == "json" {
				return writeJSON(stdout(c), map[string]any{"env": f.env, "service": f.service, "version": f.version, "live": false})
			}
			printf(c, "%s %s is no longer live in %s\n", f.service, f.version, f.env)
			return nil
		},
	}
	f.register(cmd)
	return cmd
}
