package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/contractgate/contracts/compat"
	oacheck "github.com/contractgate/contracts/compat/openapi"
	"github.com/contractgate/contracts/registry"
)

// usageReport is what `contracts usage` finds in one environment: per
// consumer version, each element declared or observed.
type usageReport struct {
	Env       string          `json:"env"`
	Contract  string          `json:"contract"`
	Provider  string          `json:"provider"`
	Since     time.Time       `json:"since"`
	Consumers []consumerUsage `json:"consumers"`
	// Unmatched are the spans to the provider counted but not recorded.
	Unmatched []registry.UnmatchedSpans `json:"unmatched"`
}

// consumerUsage compares one consumer version's declared and observed use.
type consumerUsage struct {
	Consumer string `json:"consumer"`
	Version  string `json:"version,omitempty"`
	// Registered is false for a caller the registry does not know: it
	// counts as a consumer all the same (fail closed).
	Registered bool `json:"registered"`
	// Declared is true when this version is live here and declares it
	// consumes the contract; false for one only observed.
	Declared bool `json:"declared"`
	// Everything is true when the declaration does not narrow: it relies
	// on all the contract offers, so nothing it calls is undeclared.
	Everything bool `json:"reliesOnEverything,omitempty"`
	// Messages are the message types it declares it reads: traces do not
	// show them.
	Messages []string       `json:"messages,omitempty"`
	Elements []elementUsage `json:"elements"`
}

type elementUsage struct {
	Element   string     `json:"element"`
	Declared  bool       `json:"declared"`
	Calls     int64      `json:"calls"`
	FirstSeen *time.Time `json:"firstSeen,omitempty"`
	LastSeen  *time.Time `json:"lastSeen,omitempty"`
}

// status says how an element's use compares.
func (e elementUsage) status() string {
	switch {
	case e.Declared && e.Calls > 0:
		return "declared and seen"
	case e.Declared:
		return "declared, never seen"
	}
	return "seen, not declared"
}

func newUsageCmd(g *globals) *cobra.Command {
	var (
		env    string
		window string
	)
	cmd := &cobra.Command{
		Use:   "usage CONTRACT [--env E] [--window 7d]",
		Short: "Compare what consumers were observed calling with what they declare",
		Long: `usage lists, per consumer version, the elements of CONTRACT it declares it
uses and those it was observed calling, from the OpenTelemetry traces a
registry server receives at /v1/traces: declared and seen, declared but never
seen (a declaration that may be stale), and seen but not declared (a call the
gate would not protect without the observation).

Observed calls are counted per UTC day; --window (default 7d, or forever)
counts the days from that long ago. A caller that is not a registered
service is listed as observed only: it counts as a consumer all the same.
Spans to the contract's provider that matched no element, and spans naming
environments the registry does not know, are counted at the end.`,
		Example: `  contracts usage orders-api --env production
  contracts usage orders-api --window 30d -o json`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErrorf("usage takes one contract")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			if err := g.checkOutput("text", "json"); err != nil {
				return err
			}
			r, err := registry.ParseRetention(window)
			if err != nil {
				return usageErrorf("--window %q: %v", window, strings.Replace(err.Error(), "retention", "window", 1))
			}
			since := time.Time{}
			if d, forever := r.Period(); !forever {
				since = now().Add(-d)
			}
			ctx := c.Context()
			store, err := g.openStore(ctx)
			if err != nil {
				return err
			}
			defer store.Close()
			reports, stray, err := usageReports(ctx, store, args[0], env, since)
			if err != nil {
				return err
			}
			if g.output == "json" {
				return writeJSON(stdout(c), struct {
					Environments []usageReport `json:"environments"`
					// UnknownEnvironments counts spans naming no
					// environment the registry knows.
					UnknownEnvironments []registry.UnmatchedSpans `json:"unknownEnvironments"`
				}{reports, stray})
			}
			return printUsage(c, reports, stray)
		},
	}
	cmd.Flags().StringVar(&env, "env", "", "only this environment")
	cmd.Flags().StringVar(&window, "window", "7d", "count calls observed this long ago or since (d, h; or forever)")
	return cmd
}

// usageReports builds the report of each environment (the one asked, or
// every one) and the counts of spans naming no known environment.
func usageReports(ctx context.Context, store registry.Store, contract, env string, since time.Time) ([]usageReport, []registry.UnmatchedSpans, error) {
	ct, err := store.Contract(ctx, contract)
	if err != nil {
		return nil, nil, err
	}
	var envs []string
	if env != "" {
		if err := registry.CheckEnvironment(ctx, store, env); err != nil {
			return nil, nil, err
		}
		envs = []string{env}
	} else {
		all, err := store.Environments(ctx)
		if err != nil {
			return nil, nil, err
		}
		for _, e := range all {
			envs = append(envs, e.Name)
		}
	}
	services, err := store.Services(ctx)
	if err != nil {
		return nil, nil, err
	}
	registered := map[string]bool{}
	for _, s := range services {
		registered[s.Name] = true
	}
	reports := []usageReport{}
	for _, e := range envs {
		rep, err := usageIn(ctx, store, ct, e, since, registered)
		if err != nil {
			return nil, nil, err
		}
		if len(rep.Consumers) > 0 || len(rep.Unmatched) > 0 || env != "" {
			reports = append(reports, *rep)
		}
	}
	stray := []registry.UnmatchedSpans{}
	if env == "" {
		all, err := store.UnmatchedSpans(ctx, "", since)
		if err != nil {
			return nil, nil, err
		}
		for _, u := range all {
			if u.Env == "" {
				stray = append(stray, u)
			}
		}
	}
	return reports, stray, nil
}

func usageIn(ctx context.Context, store registry.Store, ct *registry.Contract, env string, since time.Time, registered map[string]bool) (*usageReport, error) {
	rep := &usageReport{Env: env, Contract: ct.Name, Provider: ct.Owner, Since: since, Unmatched: []registry.UnmatchedSpans{}}
	live, err := store.LiveConsumers(ctx, env, ct.Name)
	if err != nil {
		return nil, err
	}
	observed, err := store.ObservedUsage(ctx, env, ct.Name, since)
	if err != nil {
		return nil, err
	}
	type key struct{ consumer, version string }
	byKey := map[key]*consumerUsage{}
	var order []key
	add := func(k key, cu *consumerUsage) {
		byKey[k] = cu
		order = append(order, k)
	}
	for _, lc := range live {
		cu := &consumerUsage{Consumer: lc.Service, Version: lc.Version, Registered: true, Declared: true, Messages: lc.Consumption.Messages}
		declared, err := declaredElements(ctx, store, lc.Consumption)
		if err != nil {
			return nil, err
		}
		cu.Everything = !lc.Consumption.Narrowed()
		for _, el := range declared {
			cu.Elements = append(cu.Elements, elementUsage{Element: el, Declared: true})
		}
		add(key{lc.Service, lc.Version}, cu)
	}
	for _, oc := range observed {
		k := key{oc.Consumer, oc.ConsumerVersion}
		cu := byKey[k]
		if cu == nil {
			cu = &consumerUsage{Consumer: oc.Consumer, Version: oc.ConsumerVersion, Registered: registered[oc.Consumer]}
			add(k, cu)
		}
		cu.observe(oc)
	}
	for _, k := range order {
		cu := byKey[k]
		sort.SliceStable(cu.Elements, func(i, j int) bool { return cu.Elements[i].Element < cu.Elements[j].Element })
		if cu.Elements == nil {
			cu.Elements = []elementUsage{}
		}
		rep.Consumers = append(rep.Consumers, *cu)
	}
	sort.SliceStable(rep.Consumers, func(i, j int) bool {
		a, b := rep.Consumers[i], rep.Consumers[j]
		if a.Consumer != b.Consumer {
			return a.Consumer < b.Consumer
		}
		return a.Version < b.Version
	})
	unmatched, err := store.UnmatchedSpans(ctx, env, since)
	if err != nil {
		return nil, err
	}
	for _, u := range unmatched {
		if u.Service == ct.Owner {
			rep.Unmatched = append(rep.Unmatched, u)
		}
	}
	return rep, nil
}

// observe adds an observed call to the element it is on, matching declared
// elements whatever their path variables are called.
func (cu *consumerUsage) observe(oc registry.ObservedCall) {
	first, last := oc.FirstSeen, oc.LastSeen
	for i := range cu.Elements {
		e := &cu.Elements[i]
		if compat.ScopeKey(e.Element) != compat.ScopeKey(oc.Element) {
			continue
		}
		e.Calls += oc.Calls
		if e.FirstSeen == nil || first.Before(*e.FirstSeen) {
			e.FirstSeen = &first
		}
		if e.LastSeen == nil || last.After(*e.LastSeen) {
			e.LastSeen = &last
		}
		return
	}
	cu.Elements = append(cu.Elements, elementUsage{Element: oc.Element, Declared: cu.Everything, Calls: oc.Calls, FirstSeen: &first, LastSeen: &last})
}

// declaredElements lists the operations and RPCs a consumption names: its
// uses, or the operations of its expectations document.
func declaredElements(ctx context.Context, store registry.Store, c registry.Consumption) ([]string, error) {
	if c.Expectations == nil {
		return c.Uses, nil
	}
	hashes := make([]string, 0, len(c.Expectations.Files))
	for _, f := range c.Expectations.Files {
		hashes = append(hashes, f.Hash)
	}
	blobs, err := store.Blobs(ctx, hashes)
	if err != nil {
		return nil, err
	}
	doc, err := registry.LoadOpenAPIDoc(ctx, *c.Expectations, blobs, registry.DocDisplay(registry.OpenAPI, c.ExpectationsPath))
	if err != nil {
		return nil, err
	}
	return oacheck.Operations(doc), nil
}

func printUsage(c *cobra.Command, reports []usageReport, stray []registry.UnmatchedSpans) error {
	const layout = "2006-01-02 15:04Z"
	w := stdout(c)
	for i, rep := range reports {
		if i > 0 {
			fmt.Fprintln(w)
		}
		since := "every day kept"
		if !rep.Since.IsZero() {
			since = "since " + rep.Since.Format("2006-01-02")
		}
		fmt.Fprintf(w, "%s: %s (provided by %s), calls observed %s\n", rep.Env, rep.Contract, rep.Provider, since)
		if len(rep.Consumers) == 0 {
			fmt.Fprintf(w, "  no live consumer declares %s and no call to it was observed\n", rep.Contract)
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		header := false
		var notes []string
		for _, cu := range rep.Consumers {
			name := cu.Consumer
			if cu.Version != "" {
				name += " " + cu.Version
			}
			switch {
			case !cu.Registered:
				name += " (not a registered service)"
			case !cu.Declared:
				name += " (observed only)"
			}
			if cu.Everything {
				notes = append(notes, fmt.Sprintf("%s relies on everything %s offers (no uses or expectations): every call it makes is declared", name, rep.Contract))
			}
			if len(cu.Messages) > 0 {
				notes = append(notes, fmt.Sprintf("%s reads %s: traces do not show messages", name, strings.Join(cu.Messages, ", ")))
			}
			for _, e := range cu.Elements {
				if !header {
					fmt.Fprintln(tw, "  CONSUMER\tELEMENT\tSTATUS\tCALLS\tLAST SEEN")
					header = true
				}
				last := "-"
				if e.LastSeen != nil {
					last = e.LastSeen.Format(layout)
				}
				fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", name, e.Element, e.status(), thousands(e.Calls), last)
			}
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		for _, n := range notes {
			fmt.Fprintf(w, "  %s\n", n)
		}
		for _, u := range rep.Unmatched {
			fmt.Fprintf(w, "  %s spans to %s not recorded as usage: %s%s\n", thousands(u.Calls), u.Service, u.Reason, example(u))
		}
	}
	for _, u := range stray {
		fmt.Fprintf(w, "%s spans name no environment the registry knows (%s)%s\n", thousands(u.Calls), u.Reason, example(u))
	}
	return nil
}

func example(u registry.UnmatchedSpans) string {
	if u.Example == "" {
		return ""
	}
	return fmt.Sprintf(" (last: %s)", u.Example)
}

// thousands writes n with commas: 1,204.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
