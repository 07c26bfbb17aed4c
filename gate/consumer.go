package gate

import (
	"context"
	"fmt"
	"strings"

	"github.com/contractgate/contracts/compat"
	"github.com/contractgate/contracts/registry"
)

// providerOf is a provider version to check a consumption against.
type providerOf struct {
	party      Party
	prov       registry.Provision
	display    string
	coDeployed bool
}

// asConsumer checks every contract the candidate consumes against every
// provider version that will be live.
func (r *run) asConsumer(ctx context.Context, c *Candidate) error {
	self := c.Version.Service
	cand := Party{self, c.Version.Version}
	for _, cons := range c.Version.Consumes {
		k := cons.Contract
		providers, err := r.providersOf(ctx, k, self)
		if err != nil {
			return err
		}
		if len(providers) == 0 {
			ch, err := r.noProvider(ctx, cand, cons)
			if err != nil {
				return err
			}
			if err := r.finish(ctx, ch, nil); err != nil {
				return err
			}
			continue
		}
		for _, p := range providers {
			ch := Check{Contract: k, Kind: p.prov.Kind, Direction: AsConsumer, Candidate: cand, Counterpart: p.party,
				Provider: p.party, Consumer: cand, CoDeployed: p.coDeployed, ReliesOn: reliesOn(cons)}
			fs, err := r.consumerFindings(ctx, c, cons, p)
			if err != nil {
				return err
			}
			ch.Findings = fs
			if err := r.finish(ctx, &ch, cons.Tolerates); err != nil {
				return err
			}
		}
		// Messages outlive the producer that wrote them (retention.go).
		if err := r.retainedChecks(ctx, cand, cons, providers); err != nil {
			return err
		}
	}
	return nil
}

// noProvider is the check of a consumption nothing live provides: the
// contract was never published, or its provider is not live here.
func (r *run) noProvider(ctx context.Context, cand Party, cons registry.Consumption) (*Check, error) {
	k := cons.Contract
	ch := &Check{Contract: k, Direction: AsConsumer, Candidate: cand, Consumer: cand, ReliesOn: reliesOn(cons)}
	owner, err := r.g.Store.Contract(ctx, k)
	switch {
	case registry.ErrorCode(err) == registry.ENOTFOUND:
		ch.Reason = fmt.Sprintf("no service has published contract %s", k)
		ch.Findings = []compat.Finding{gateFinding(RuleContractUnknown, k, k, fmt.Sprintf("%s consumes %s, which no service has published.", cand, k))}
	case err != nil:
		return nil, err
	default:
		ch.Counterpart = Party{Service: owner.Owner}
		ch.Provider = ch.Counterpart
		ch.Reason = fmt.Sprintf("%s provides %s but no version of it is live in %s; deploy %s first", owner.Owner, k, r.env, owner.Owner)
		ch.Findings = []compat.Finding{gateFinding(RuleProviderNotLive, k, k,
			fmt.Sprintf("%s consumes %s, but its provider %s has no version live in %s.", cand, k, owner.Owner, r.env))}
	}
	return ch, nil
}

// providersOf lists the provider versions of contract k after the deploy:
// a co-deployed candidate that provides it, else the live ones.
func (r *run) providersOf(ctx context.Context, k, self string) ([]providerOf, error) {
	for _, s := range sortedKeys(r.cands) {
		if s == self {
			continue
		}
		c := r.cands[s]
		if p, ok := c.Version.Provision(k); ok {
			return []providerOf{{party: Party{s, c.Version.Version}, prov: p, display: c.Display + registry.DocDisplay(p.Kind, p.Path), coDeployed: true}}, nil
		}
	}
	live, err := r.g.Store.LiveProviders(ctx, r.env, k)
	if err != nil {
		return nil, err
	}
	var out []providerOf
	for _, lp := range live {
		if lp.Service == self || r.cands[lp.Service] != nil {
			continue
		}
		party := Party{lp.Service, lp.Version}
		out = append(out, providerOf{party: party, prov: lp.Provision, display: fmt.Sprintf("(%s) %s", party, registry.DocDisplay(lp.Provision.Kind, lp.Provision.Path))})
	}
	return out, nil
}

// consumerFindings is what the candidate relies on that the provider
// version does not offer.
func (r *run) consumerFindings(ctx context.Context, c *Candidate, cons registry.Consumption, p providerOf) ([]compat.Finding, error) {
	cand := Party{c.Version.Service, c.Version.Version}
	if cons.Expectations != nil {
		if p.prov.Kind != registry.OpenAPI {
			return nil, registry.Errorf(registry.EINVALID, "%s has expectations of %s as an OpenAPI document, but %s is a %s contract", cand, cons.Contract, cons.Contract, p.prov.Kind)
		}
		rep, err := r.cmp.compare(ctx, registry.OpenAPI, compat.JSON, 0, *cons.Expectations, p.prov.Doc, nil)
		if err != nil {
			return nil, err
		}
		var out []compat.Finding
		for _, f := range relocate(rep.Findings, c.Display+registry.DocDisplay(registry.OpenAPI, cons.ExpectationsPath), p.display) {
			if f.Severity != compat.Info {
				out = append(out, f)
			}
		}
		return out, nil
	}
	uses, messages, err := r.missing(ctx, p.prov, cons)
	if err != nil {
		return nil, err
	}
	return missingFindings(p.party, cons.Contract, cand, uses, messages, nil), nil
}

// missing lists the operations and RPCs (uses) and the message types
// (messages) a consumption names that a provision does not offer.
func (r *run) missing(ctx context.Context, prov registry.Provision, cons registry.Consumption) (uses, messages []string, err error) {
	if len(cons.Uses) == 0 && len(cons.Messages) == 0 {
		return nil, nil, nil
	}
	offers, err := r.cmp.offers(ctx, prov.Doc)
	if err != nil {
		return nil, nil, err
	}
	for _, u := range cons.Uses {
		if !offers[compat.ScopeKey(u)] {
			uses = append(uses, u)
		}
	}
	for _, m := range cons.Messages {
		if !offers[strings.TrimPrefix(m, ".")] {
			messages = append(messages, m)
		}
	}
	return uses, messages, nil
}

// missingFindings reports each missing use or message type.
func missingFindings(provider Party, contract string, consumer Party, uses, messages []string, skip func(string) bool) []compat.Finding {
	var out []compat.Finding
	for _, u := range uses {
		if skip != nil && skip(u) {
			continue
		}
		out = append(out, gateFinding(RuleOperationMissing, u, u, fmt.Sprintf("%s uses %s of %s, which %s does not offer.", consumer, u, contract, provider)))
	}
	for _, m := range messages {
		if skip != nil && skip(m) {
			continue
		}
		out = append(out, gateFinding(RuleMessageMissing, m, m, fmt.Sprintf("%s reads message type %s of %s, which %s does not define.", consumer, m, contract, provider)))
	}
	return out
}

// coveredBy reports whether a breaking finding already says that element
// (an operation or message type) is gone: its element is the scope itself.
func coveredBy(fs []compat.Finding, element string) bool {
	key := compat.ScopeKey(element)
	for _, f := range fs {
		if f.Severity != compat.Breaking {
			continue
		}
		for _, a := range f.Affects {
			if compat.ScopeKey(a) == key && (f.Element == a || strings.HasPrefix(compat.ScopeKey(f.Element), key)) {
				return true
			}
		}
	}
	return false
}
