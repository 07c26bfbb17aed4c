package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
	"github.com/spf13/pflag"
)

// newGenDocsCmd is the hidden command that writes the CLI reference, one
// markdown page per command, from the cobra definitions themselves, so the
// reference in docs/cli cannot drift from the binary (a test compares them).
func newGenDocsCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "gen-docs DIR",
		Short:  "Write the CLI reference as markdown into DIR",
		Hidden: true,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErrorf("gen-docs takes one argument, the folder to write into (got %d)", len(args))
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			return genDocs(args[0])
		},
	}
}

// genDocs replaces the contracts*.md pages in dir with pages generated from
// a fresh command tree. A fresh tree, not the running one, because cobra adds
// its completion command when executing, and because flag defaults read from
// the environment (CONTRACTS_REGISTRY, CONTRACTS_TOKEN) must not end up in
// the docs.
func genDocs(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("writing the CLI reference: %w", err)
	}
	old, err := filepath.Glob(filepath.Join(dir, "contracts*.md"))
	if err != nil {
		return err
	}
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			return fmt.Errorf("writing the CLI reference: %w", err)
		}
	}
	root := docsRoot()
	if err := doc.GenMarkdownTree(root, dir); err != nil {
		return fmt.Errorf("writing the CLI reference into %s: %w", dir, err)
	}
	return nil
}

// docsRoot is the command tree as the reference documents it: no date
// stamp, and defaults that do not depend on who generates the pages.
func docsRoot() *cobra.Command {
	root := newRootCmd()
	root.DisableAutoGenTag = true
	home, _ := os.UserHomeDir()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.DisableAutoGenTag = true
		for _, fs := range []*pflag.FlagSet{c.PersistentFlags(), c.LocalNonPersistentFlags()} {
			fs.VisitAll(func(f *pflag.Flag) {
				switch f.Name {
				case "registry", "token":
					f.DefValue = ""
				}
				if home != "" && strings.Contains(f.DefValue, home) {
					f.DefValue = strings.ReplaceAll(f.DefValue, home, "~")
				}
			})
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	return root
}
