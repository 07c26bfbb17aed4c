package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/contractgate/contracts/registry"
	"github.com/contractgate/contracts/registry/client"
	"github.com/contractgate/contracts/registry/server"
)

func newTokenCmd(g *globals) *cobra.Command {
	var store string
	cmd := &cobra.Command{
		Use:   "token create|revoke|list [--registry https://… --token ADMIN | --store URL]",
		Short: "Manage the registry server's API tokens",
		Long: `token creates, revokes and lists the bearer tokens of a registry server:
over HTTP with an admin token (--registry https://… --token ADMIN, or
CONTRACTS_REGISTRY and CONTRACTS_TOKEN), or directly in the server's store
(--store, the same URL as serve), which is how the first admin token is made.

Scopes: read (everything a reader needs), publish:SERVICE, approve:SERVICE
(approve breaks that affect SERVICE), deploy:ENV (each also with *), and
admin (everything). Every scope includes read. Only a hash of each secret is
stored: create prints the secret once. Every change is in the audit log
(contracts audit).`,
		Args: cobra.NoArgs,
	}
	cmd.PersistentFlags().StringVar(&store, "store", "", "work directly on the server's store: a file path or sqlite:PATH, or postgres://… (default: the server at --registry)")

	var name string
	var scopes []string
	create := &cobra.Command{
		Use:   "create --name N --scope S [--scope S …]",
		Short: "Create a token and print its secret, once",
		Example: `  contracts token create --registry https://registry.example.com --token "$ADMIN_TOKEN" --name ci-checkout --scope publish:checkout --scope deploy:staging
  contracts token create --store postgres://db/contracts --name admin --scope admin`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := g.checkOutput("text", "json"); err != nil {
				return err
			}
			// Bad scopes are refused before anything is opened, the same
			// way over HTTP and on the store.
			for _, s := range scopes {
				if err := server.ValidScope(s); err != nil {
					return usageErrorf("%v", err)
				}
			}
			adm, err := openAdmin(c, g, store, true)
			if err != nil {
				return err
			}
			defer adm.Close()
			t, secret, err := adm.CreateToken(c.Context(), name, scopes)
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
	create.Flags().StringArrayVar(&scopes, "scope", nil, "a scope: read, publish:SERVICE, approve:SERVICE, deploy:ENV (each also with *) or admin (repeatable)")

	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke a token by ID (see token list)",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			adm, err := openAdmin(c, g, store, false)
			if err != nil {
				return err
			}
			defer adm.Close()
			t, err := adm.RevokeToken(c.Context(), args[0])
			if err != nil {
				return err
			}
			printf(c, "token %s (%s) revoked\n", t.ID, t.Name)
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
			adm, err := openAdmin(c, g, store, false)
			if err != nil {
				return err
			}
			defer adm.Close()
			ts, err := adm.Tokens(c.Context())
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

// tokenAdmin is where a registry server's tokens and audit log are
// managed: the server over HTTP, with an admin token, or its store.
type tokenAdmin interface {
	CreateToken(ctx context.Context, name string, scopes []string) (*registry.Token, string, error)
	Tokens(ctx context.Context) ([]registry.Token, error)
	RevokeToken(ctx context.Context, id string) (*registry.Token, error)
	Audit(ctx context.Context, limit int) ([]registry.AuditEntry, error)
	Close() error
}

// openAdmin opens --store when given (only create may make it: the first
// admin token of a new server), else the registry server at --registry.
func openAdmin(c *cobra.Command, g *globals, store string, create bool) (tokenAdmin, error) {
	if store != "" {
		st, auth, err := openServerStore(c.Context(), g, store, create)
		if err != nil {
			return nil, err
		}
		if auth == nil {
			st.Close()
			return nil, usageErrorf("--store %s cannot hold tokens", store)
		}
		return &storeAdmin{st: st, auth: auth}, nil
	}
	if !strings.HasPrefix(g.registry, "http://") && !strings.HasPrefix(g.registry, "https://") {
		return nil, usageErrorf("%s works on a registry server: give --registry https://… (or CONTRACTS_REGISTRY) with an admin --token, or --store URL for the server's database", c.CommandPath())
	}
	if g.token == "" {
		return nil, usageErrorf("%s over %s needs an admin token: pass --token or set CONTRACTS_TOKEN", c.CommandPath(), g.registry)
	}
	cl, err := client.New(g.registry, g.token, client.WithUserAgent("contracts/"+version))
	if err != nil {
		return nil, usageErrorf("--registry %s: %v", g.registry, err)
	}
	return cl, nil
}

// storeAdmin manages tokens directly in a server's store. Its changes are
// audited like the server's, under the local user's name.
type storeAdmin struct {
	st   registry.Store
	auth registry.AuthStore
}

func (a *storeAdmin) CreateToken(ctx context.Context, name string, scopes []string) (*registry.Token, string, error) {
	t, secret, err := server.CreateToken(ctx, a.auth, name, scopes, time.Now())
	if err != nil {
		return nil, "", err
	}
	a.audit(ctx, "create-token", t.Name+" (token "+t.ID+")", "scopes "+strings.Join(t.Scopes, ", "))
	return t, secret, nil
}

func (a *storeAdmin) Tokens(ctx context.Context) ([]registry.Token, error) { return a.auth.Tokens(ctx) }

func (a *storeAdmin) RevokeToken(ctx context.Context, id string) (*registry.Token, error) {
	if err := a.auth.RevokeToken(ctx, id, time.Now().UTC()); err != nil {
		return nil, err
	}
	ts, err := a.auth.Tokens(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		if t.ID == id {
			a.audit(ctx, "revoke-token", t.Name+" (token "+t.ID+")", "")
			return &t, nil
		}
	}
	return &registry.Token{ID: id}, nil
}

func (a *storeAdmin) Audit(ctx context.Context, limit int) ([]registry.AuditEntry, error) {
	if limit <= 0 {
		limit = 100
	}
	return a.auth.Audit(ctx, limit)
}

func (a *storeAdmin) Close() error { return a.st.Close() }

// audit records a change made on the store directly. A failure to record
// it is a warning: the change happened.
func (a *storeAdmin) audit(ctx context.Context, action, target, detail string) {
	e := registry.AuditEntry{At: time.Now().UTC(), Actor: localActor(), Action: action, Target: target, Detail: detail}
	_ = a.auth.AppendAudit(ctx, e)
}

// localActor names whoever changes a store directly, for the audit log.
func localActor() string {
	u := "unknown user"
	if cu, err := currentUser(); err == nil && cu != "" {
		u = cu
	}
	return u + " (--store, local)"
}
