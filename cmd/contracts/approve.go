package main

import (
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/contractgate/contracts/registry"
)

func newApproveCmd(g *globals) *cobra.Command {
	var a registry.Approval
	var expires string
	cmd := &cobra.Command{
		Use:   "approve CONTRACT --rule R --element E [--consumer C] --reason TEXT --expires DATE",
		Short: "Record a deliberate break so the gate reports it as approved",
		Long: `approve records that a breaking change to CONTRACT is deliberate: who
approved it, why, and until when. While the approval holds, can-i-deploy and
verify report a finding with that rule and element (an operation, field or
message type it names or affects) as approved instead of refusing the deploy.
--consumer limits the approval to one consuming service. An expired approval
no longer applies and is shown as expired.

Take the rule and element from the refusal you want to approve; the gate
prints the exact command under "what to do".`,
		Example: `  contracts approve payments-api --rule OPERATION_REMOVED --element "GET /payments/{id}" \
      --consumer checkout --reason "checkout stopped calling it in 3.2; old pods drain today" --expires 2026-12-01`,
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
			case a.Rule == "" || a.Element == "" || a.Reason == "" || expires == "":
				return usageErrorf("--rule, --element, --reason and --expires are all required")
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
			if a.By == "" {
				a.By = firstNonEmpty(os.Getenv("GITHUB_ACTOR"), os.Getenv("USER"), "unknown")
			}
			ctx := c.Context()
			store, err := g.openStore(ctx)
			if err != nil {
				return err
			}
			defer store.Close()
			if _, err := store.Contract(ctx, a.Contract); err != nil {
				return err
			}
			saved, err := store.AddApproval(ctx, a)
			if err != nil {
				return err
			}
			if g.output == "json" {
				return writeJSON(stdout(c), saved)
			}
			printf(c, "approved #%d: %s %s on %s%s until %s\n", saved.ID, saved.Contract, saved.Rule, saved.Element,
				consumerSuffix(saved.Consumer), saved.ExpiresAt.Format("2006-01-02"))
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&a.Rule, "rule", "", "the rule id of the finding, e.g. OPERATION_REMOVED (required)")
	fl.StringVar(&a.Element, "element", "", "the finding's element or an operation/message type it affects (required)")
	fl.StringVar(&a.Consumer, "consumer", "", "only for this consuming service (default: every consumer)")
	fl.StringVar(&a.Reason, "reason", "", "why the break is acceptable (required)")
	fl.StringVar(&expires, "expires", "", "when the approval ends: YYYY-MM-DD or RFC 3339 (required)")
	fl.StringVar(&a.By, "by", "", "who approves (default: $GITHUB_ACTOR or $USER)")
	cmd.AddCommand(newApprovalsCmd(g))
	return cmd
}

func newApprovalsCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "list [CONTRACT]",
		Short: "List approvals, expired ones included",
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
			fmt.Fprintln(tw, "ID\tCONTRACT\tRULE\tELEMENT\tCONSUMER\tBY\tEXPIRES\tREASON")
			for _, a := range as {
				exp := a.ExpiresAt.Format("2006-01-02")
				if !now.Before(a.ExpiresAt) {
					exp += " (expired)"
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.ID, a.Contract, a.Rule, a.Element, dash(a.Consumer), a.By, exp, a.Reason)
			}
			return tw.Flush()
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
