package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/contractgate/contracts/registry"
)

func newPublishCmd(g *globals) *cobra.Command {
	var ver, branch, commit string
	cmd := &cobra.Command{
		Use:   "publish [DIR] --version V",
		Short: "Record a service version: its manifest and every document it names",
		Long: `publish reads DIR/contracts.yaml (DIR defaults to the current folder),
loads and validates every document the manifest names, and stores the
version in the registry in one transaction.

Versions are immutable: publishing the same version with the same content
again does nothing; with different content it is refused. A contract belongs
to the service that first published it.`,
		Example: `  contracts publish --version 1.4.0
  contracts publish services/payments --version "$GITHUB_SHA" --branch main --commit "$GITHUB_SHA"`,
		Args: dirArg("publish"),
		RunE: func(c *cobra.Command, args []string) error {
			if err := g.checkOutput("text", "json"); err != nil {
				return err
			}
			if ver == "" {
				return usageErrorf("--version is required")
			}
			if !registry.ValidVersion(ver) {
				return usageErrorf("--version %q: use letters, digits and . _ + - only", ver)
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
			v := wc.Version
			v.Version, v.Branch, v.Commit = ver, branch, commit
			v.PublishedAt = now()
			store, err := g.createStore(ctx)
			if err != nil {
				return err
			}
			defer store.Close()
			outcome, err := store.Publish(ctx, v, wc.Blobs)
			if err != nil {
				return err
			}
			if g.output == "json" {
				return writeJSON(stdout(c), map[string]any{
					"service": v.Service, "version": v.Version, "digest": v.Digest,
					"created": outcome == registry.Created,
				})
			}
			if outcome == registry.Unchanged {
				printf(c, "%s %s is already published with this content; nothing to do\n", v.Service, v.Version)
				return nil
			}
			printf(c, "published %s %s (%d provided, %d consumed)\n", v.Service, v.Version, len(v.Provides), len(v.Consumes))
			for _, p := range v.Provides {
				printf(c, "  provides %s (%s, %s)\n", p.Contract, p.Kind, plural(len(p.Doc.Files), "file"))
			}
			for _, cons := range v.Consumes {
				printf(c, "  consumes %s%s\n", cons.Contract, narrowing(cons))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&ver, "version", "", "the version to publish (required); semver rules apply when it is semver")
	cmd.Flags().StringVar(&branch, "branch", "", "the branch it was built from")
	cmd.Flags().StringVar(&commit, "commit", "", "the commit it was built from")
	return cmd
}

// narrowing describes how a consumption narrows what it relies on.
func narrowing(c registry.Consumption) string {
	switch {
	case c.Expectations != nil:
		return fmt.Sprintf(" (expectations in %s)", c.ExpectationsPath)
	case len(c.Uses) > 0 && len(c.Messages) > 0:
		return fmt.Sprintf(" (uses %s, reads %s)", operations(len(c.Uses)), messageTypes(len(c.Messages)))
	case len(c.Uses) > 0:
		return fmt.Sprintf(" (uses %s)", operations(len(c.Uses)))
	case len(c.Messages) > 0:
		return fmt.Sprintf(" (reads %s)", messageTypes(len(c.Messages)))
	}
	return " (relies on all of it)"
}

func operations(n int) string   { return plural(n, "operation") }
func messageTypes(n int) string { return plural(n, "message type") }

// dirArg checks the optional DIR argument of publish and validate.
func dirArg(verb string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) > 1 {
			return usageErrorf("%s takes at most one argument, the service's folder (got %d: %s)\nRun 'contracts %s --help' for usage.", verb, len(args), strings.Join(args, " "), verb)
		}
		return nil
	}
}

func newValidateCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "validate [DIR]",
		Short: "Check a manifest and every document it names, without a registry",
		Long: `validate reads DIR/contracts.yaml (DIR defaults to the current folder) and
loads every document it names with the same loaders publish uses. It prints
what the service provides and consumes, or the first problem with its file
and line (exit status 2).`,
		Args: dirArg("validate"),
		RunE: func(c *cobra.Command, args []string) error {
			if err := g.checkOutput("text", "json"); err != nil {
				return err
			}
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			wc, err := registry.LoadWorkingCopy(c.Context(), dir)
			if err != nil {
				return err
			}
			v := wc.Version
			if g.output == "json" {
				return writeJSON(stdout(c), map[string]any{"valid": true, "service": v.Service, "provides": v.Provides, "consumes": v.Consumes})
			}
			printf(c, "%s: valid manifest for service %s\n", wc.Manifest.File, v.Service)
			for _, p := range v.Provides {
				printf(c, "  provides %s (%s %s, %s)\n", p.Contract, p.Kind, p.Path, plural(len(p.Doc.Files), "file"))
			}
			for _, cons := range v.Consumes {
				printf(c, "  consumes %s%s\n", cons.Contract, narrowing(cons))
			}
			return nil
		},
	}
}
