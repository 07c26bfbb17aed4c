package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/contractgate/contracts/registry"
	"github.com/contractgate/contracts/registry/server"
)

func newTokenCmd(g *globals) *cobra.Command {
	var store string
	cmd := &cobra.Command{
		Use:   "token create|revoke|list --store URL",
		Short: "Manage the registry server's API tokens, directly in its store",
		Long: `token creates, revokes and lists the bearer tokens of a registry server,
working directly on the server's store (--store, the same URL as serve).

Scopes: read (everything a reader needs), publish:SERVICE or publish:*,
deploy:ENV or deploy:*, and admin (everything). Every scope includes read.
Only a hash of each secret is stored: create prints the secret once.`,
		Args: cobra.NoArgs,
	}
	cmd.PersistentFlags().StringVar(&store, "store", "", "the registry server's store: a file path or sqlite:PATH, or postgres://… (required)")

	var name string
	var scopes []string
	create := &cobra.Command{
		Use:     "create --name N --scope S [--scope S …]",
		Short:   "Create a token and print its secret, once",
		Example: "  contracts token create --store postgres://db/contracts --name ci-checkout --scope publish:checkout --scope deploy:staging",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := g.checkOutput("text", "json"); err != nil {
				return err
			}
			ctx := c.Context()
			auth, closeStore, err := openAuth(c, g, store, true)
			if err != nil {
				return err
			}
			defer closeStore()
			t, secret, err := server.CreateToken(ctx, auth, name, scopes, time.Now())
			if err != nil {
				if registry.ErrorCode(err) == registry.EINVALID {
					return usageErrorf("%v", err)
				}
				return err
			}
			if g.output == "json" {
				return json.NewEncoder(stdout(c)).Encode(struct {
					registry.Token
					Secret string `json:"secret"`
				}{*t, secret})
			}
			printf(c, "%s\n", secret)
			fmt.Fprintf(c.ErrOrStderr(), "token %s (%s) created with scopes %s; the secret above is shown only now: keep it in your CI's secret store\n",
				t.ID, t.Name, strings.Join(t.Scopes, ", "))
			return nil
		},
	}
	create.Flags().StringVar(&name, "name", "", "who or what uses the token, e.g. ci-checkout (required)")
	create.Flags().StringArrayVar(&scopes, "scope", nil, "a scope: read, publish:SERVICE, publish:*, deploy:ENV, deploy:* or admin (repeatable)")

	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke a token by ID (see token list)",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			auth, closeStore, err := openAuth(c, g, store, false)
			if err != nil {
				return err
			}
			defer closeStore()
			if err := auth.RevokeToken(c.Context(), args[0], time.Now().UTC()); err != nil {
				return err
			}
			printf(c, "token %s revoked\n", args[0])
			return nil
		},
	}

	list := &cobra.Command{
		Use:   "list",
		Short: "List tokens (never their secrets), revoked ones included",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := g.checkOutput("text", "json"); err != nil {
				return err
			}
			auth, closeStore, err := openAuth(c, g, store, false)
			if err != nil {
				return err
			}
			defer closeStore()
			ts, err := auth.Tokens(c.Context())
			if err != nil {
				return err
			}
			if g.output == "json" {
				return json.NewEncoder(stdout(c)).Encode(ts)
			}
			tw := tabwriter.NewWriter(stdout(c), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tSCOPES\tCREATED\tREVOKED")
			for _, t := range ts {
				revoked := "-"
				if t.RevokedAt != nil {
					revoked = t.RevokedAt.Format(time.RFC3339)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, strings.Join(t.Scopes, ","), t.CreatedAt.Format(time.RFC3339), revoked)
			}
			return tw.Flush()
		},
	}
	cmd.AddCommand(create, revoke, list)
	return cmd
}

// openAuth opens --store as a token store.
// Only create may make the store (the first admin token of a new server).
func openAuth(c *cobra.Command, g *globals, url string, create bool) (registry.AuthStore, func(), error) {
	st, auth, err := openServerStore(c.Context(), g, url, create)
	if err != nil {
		return nil, nil, err
	}
	if auth == nil {
		st.Close()
		return nil, nil, usageErrorf("--store %s cannot hold tokens", url)
	}
	return auth, func() { st.Close() }, nil
}
