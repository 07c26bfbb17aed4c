package main

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/contractgate/contracts/gate"
	"github.com/contractgate/contracts/registry"
)

func newApproveCmd(g *globals) *cobra.Command {
	var a registry.Approval
	var expires string
	cmd := &cobra.Command{
		Use:   "approve CONTRACT --rule R --element E --env E [--env E2 …] [--consumer C] --reason TEXT --expires DATE",
		Short: "Record a deliberate break so the gate reports it as approved",
		Long: `approve records that a breaking change to CONTRACT is deliberate: why, in
which environments, until when, and who approved it (you: the operating
system user here, or the token's name over a registry server — not a flag).
While the approval holds, can-i-deploy and verify report a finding with that
rule whose every element it names (the element as findings print it, or an
operation, part, field or message type that encloses it) as approved instead
of refusing the deploy.

The rule must be a known rule id, the element an element of the contract in a
published version, --consumer a service that consumes the contract, and each
--env an environment the registry knows: otherwise nothing is stored and the
command says what is near. --consumer limits the approval to one consuming
service; without it the approval covers every consumer, later ones too.
Over a registry server, approving a break of consumer C needs a token of C's
team (publish:C or approve:C) or admin, and an approval for every consumer
needs admin: a provider cannot approve breaking someone else.

Take the rule and element from the refusal you want to approve; the gate
prints the exact command under "what to do". An expired or revoked approval
no longer holds; 'approve list' shows them, 'approve revoke ID' ends one.`,
		Example: `  contracts approve payments-api --rule OPERATION_REMOVED --element "GET /payments/{id}" \
      --env production --consumer checkout \
      --reason "checkout stopped calling it in 3.2; old pods drain today" --expires 2026-12-01`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErrorf("approve takes one argument, the contract")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			if err := g.checkOutput("text", "json"); err != nil {
				return err
			}
			a.Contract = args[0]
			switch {
			case a.Rule == "" || a.Element == "" || a.Reason == "" || expires == "" || len(a.Envs) == 0:
				return usageErrorf("--rule, --element, --env, --reason and --expires are all required")
			case !registry.ValidServiceName(a.Contract):
				return usageErrorf("%q is not a valid contract name", a.Contract)
			case a.Consumer != "" && !registry.ValidServiceName(a.Consumer):
				return usageErrorf("--consumer %q is not a valid service name", a.Consumer)
			}
			exp, err := parseExpiry(expires)
			if err != nil {
				return err
			}
			now := now()
			if !exp.After(now) {
				return usageErrorf("--expires %s is in the past; an approval must end in the future", expires)
			}
			a.ExpiresAt, a.CreatedAt = exp, now
			a.By = osUser()
			ctx := c.Context()
			store, err := g.openStore(ctx)
			if err != nil {
				return err
			}
			defer store.Close()
			gt := &gate.Gate{Store: store, Now: func() time.Time { return now }, CacheSalt: version}
			if err := gt.CheckApproval(ctx, &a); err != nil {
				return err
			}
			saved, err := store.AddApproval(ctx, a)
			if err != nil {
				return err
			}
			if g.output == "json" {
				return writeJSON(stdout(c), saved)
			}
			printf(c, "approved #%d by %s: %s %s on %s%s in %s until %s\n", saved.ID, saved.By, saved.Contract, saved.Rule, saved.Element,
				consumerSuffix(saved.Consumer), strings.Join(saved.Envs, ", "), saved.ExpiresAt.Format("2006-01-02"))
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&a.Rule, "rule", "", "the rule id of the finding, e.g. OPERATION_REMOVED (required)")
	fl.StringVar(&a.Element, "element", "", "the element as the finding prints it, or an operation, part, field or message type enclosing it (required)")
	fl.StringArrayVar(&a.Envs, "env", nil, "an environment the approval holds in (required, repeatable)")
	fl.StringVar(&a.Consumer, "consumer", "", "only for this consuming service (default: every consumer, later ones too)")
	fl.StringVar(&a.Reason, "reason", "", "why the break is acceptable (required)")
	fl.StringVar(&expires, "expires", "", "when the approval ends: YYYY-MM-DD or RFC 3339 (required)")
	cmd.AddCommand(newApprovalsCmd(g), newRevokeApprovalCmd(g))
	return cmd
}

// osUser is who approves locally: the operating system user.
func osUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return firstNonEmpty(os.Getenv("USER"), os.Getenv("USERNAME"), "unknown")
}

func newApprovalsCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "list [CONTRACT]",
		Short: "List approvals, expired, revoked and unscoped ones included",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if err := g.checkOutput("text", "json"); err != nil {
				return err
			}
			contract := ""
			if len(args) == 1 {
				contract = args[0]
			}
			ctx := c.Context()
			store, err := g.openStore(ctx)
			if err != nil {
				return err
			}
			defer store.Close()
			as, err := store.Approvals(ctx, contract)
			if err != nil {
				return err
			}
			if g.output == "json" {
				if as == nil {
					as = []registry.Approval{}
				}
				return writeJSON(stdout(c), as)
			}
			if len(as) == 0 {
				printf(c, "no approvals\n")
				return nil
			}
			now := now()
			tw := tabwriter.NewWriter(stdout(c), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tCONTRACT\tRULE\tELEMENT\tCONSUMER\tENVIRONMENTS\tBY\tEXPIRES\tREASON")
			for _, a := range as {
				exp := a.ExpiresAt.Format("2006-01-02")
				switch {
				case a.RevokedAt != nil:
					exp += " (revoked " + a.RevokedAt.Format("2006-01-02") + ")"
				case !now.Before(a.ExpiresAt):
					exp += " (expired)"
				}
				envs := strings.Join(a.Envs, ",")
				if len(a.Envs) == 0 {
					envs = "unscoped: approve again"
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.ID, a.Contract, a.Rule, a.Element, dash(a.Consumer), envs, a.By, exp, a.Reason)
			}
			return tw.Flush()
		},
	}
}

func newRevokeApprovalCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke an approval (see approve list); it stays on record but no longer holds",
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErrorf("approve revoke takes one approval ID (see 'contracts approve list')")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(strings.TrimPrefix(args[0], "#"), 10, 64)
			if err != nil || id <= 0 {
				return usageErrorf("%q is not an approval ID (see 'contracts approve list')", args[0])
			}
			ctx := c.Context()
			store, err := g.openStore(ctx)
			if err != nil {
				return err
			}
			defer store.Close()
			if err := store.RevokeApproval(ctx, id, now()); err != nil {
				return err
			}
			printf(c, "approval #%d revoked\n", id)
			return nil
		},
	}
}

func parseExpiry(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		// A date means the end of that day, UTC.
		return t.Add(24*time.Hour - time.Second).UTC(), nil
	}
	return time.Time{}, usageErrorf("--expires %q: use YYYY-MM-DD or an RFC 3339 time", s)
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}
