package gate

import (
	"context"
	"fmt"
	"sort"

	"github.com/contractgate/contracts/compat"
	protocheck "github.com/contractgate/contracts/compat/proto"
	"github.com/contractgate/contracts/registry"
)

// consumerOf is a consumer to check a provision against.
type consumerOf struct {
	party      Party
	cons       registry.Consumption
	coDeployed bool
	// obs is what the consumer was observed calling within the usage
	// window; obs.only marks a consumer known only from observations.
	obs *observedUse
}

// baseline is a version of the candidate's service that the candidate is
// compared with: one live in the environment (or, for semver only, the
// highest lower published version).
type baseline struct {
	party Party
	prov  registry.Provision
	// published marks a baseline that is not live, only published.
	published bool
}

// asProvider checks the candidate against every consumer of every contract
// it provides, or its live versions provided (a contract dropped
// altogether must be noticed too).
func (r *run) asProvider(ctx context.Context, c *Candidate) error {
	self := c.Version.Service
	cand := Party{self, c.Version.Version}
	contracts := map[string]bool{}
	for _, p := range c.Version.Provides {
		contracts[p.Contract] = true
	}
	bases, err := r.liveBaselines(ctx, c)
	if err != nil {
		return err
	}
	for k := range bases {
		contracts[k] = true
	}
	for _, k := range sortedKeys(contracts) {
		newProv, provided := c.Version.Provision(k)
		consumers, err := r.consumersOf(ctx, k, self)
		if err != nil {
			return err
		}
		if len(consumers) == 0 {
			r.note("%s: no live consumer in %s", k, r.env)
		}
		for _, cons := range consumers {
			ch := Check{Contract: k, Kind: newProv.Kind, Direction: AsProvider, Candidate: cand, Counterpart: cons.party,
				Provider: cand, Consumer: cons.party, CoDeployed: cons.coDeployed, ReliesOn: reliesOn(cons.cons)}
			if cons.obs != nil && cons.obs.only {
				ch.ReliesOn, ch.Observed = observedReliesOn(cons.obs), true
			}
			if !provided {
				ch.Findings = append(ch.Findings, gateFinding(RuleContractDropped, k, k,
					fmt.Sprintf("%s no longer provides contract %s, which %s consumes.", cand, k, cons.party)))
			} else {
				fs, err := r.providerFindings(ctx, c, newProv, bases[k], cons)
				if err != nil {
					return err
				}
				ch.Findings = fs
			}
			if err := r.finish(ctx, &ch, cons.cons.Tolerates); err != nil {
				return err
			}
		}
	}
	return nil
}

// liveBaselines lists, per contract, the provisions of the candidate's
// service's versions live in the environment, other than the candidate.
func (r *run) liveBaselines(ctx context.Context, c *Candidate) (map[string][]baseline, error) {
	out := map[string][]baseline{}
	for _, d := range r.live {
		if d.Service != c.Version.Service || d.Version == c.Version.Version {
			continue
		}
		v, err := r.version(ctx, Party{d.Service, d.Version})
		if err != nil {
			return nil, err
		}
		for _, p := range v.Provides {
			out[p.Contract] = append(out[p.Contract], baseline{party: Party{v.Service, v.Version}, prov: p})
		}
	}
	return out, nil
}

// consumersOf lists the consumers of contract k after the deploy: live
// consumers not being replaced, plus co-deployed candidates that consume it.
func (r *run) consumersOf(ctx context.Context, k, self string) ([]consumerOf, error) {
	live, err := r.g.Store.LiveConsumers(ctx, r.env, k)
	if err != nil {
		return nil, err
	}
	obs, err := r.observedOf(ctx, k)
	if err != nil {
		return nil, err
	}
	var out []consumerOf
	declared := map[string]bool{}
	for _, lc := range live {
		declared[lc.Service] = true
		if lc.Service == self || r.cands[lc.Service] != nil {
			continue
		}
		out = append(out, consumerOf{party: Party{lc.Service, lc.Version}, cons: lc.Consumption, obs: obs[lc.Service]})
	}
	// Callers seen in traces that declare nothing of k count all the same.
	out = append(out, observedOnly(obs, declared, func(s string) bool { return s == self || r.cands[s] != nil })...)
	for _, s := range sortedKeys(r.cands) {
		if s == self {
			continue
		}
		v := r.cands[s].Version
		for _, cons := range v.Consumes {
			if cons.Contract == k {
				out = append(out, consumerOf{party: Party{s, v.Version}, cons: cons, coDeployed: true})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].party.String() < out[j].party.String() })
	return out, nil
}

// providerFindings is what breaks the consumer if the candidate's
// provision replaces the baselines: the changes from each baseline it
// relies on, what it names that the candidate no longer offers, and, for a
// consumer with expectations, the comparison of its expectations with the
// candidate.
func (r *run) providerFindings(ctx context.Context, c *Candidate, newProv registry.Provision, bases []baseline, cons consumerOf) ([]compat.Finding, error) {
	newDisplay := c.Display + registry.DocDisplay(newProv.Kind, newProv.Path)
	var out []compat.Finding
	if cons.cons.Expectations != nil {
		fs, err := r.expectationFindings(ctx, cons, newProv, newDisplay)
		if err != nil {
			return nil, err
		}
		if cons.obs == nil {
			return dedupe(fs), nil
		}
		// What it was seen calling beyond its expectations counts too.
		out = fs
		only := *cons.obs
		only.only = true
		cons.obs = &only
	}
	for _, base := range bases {
		if base.prov.Kind != newProv.Kind {
			out = append(out, gateFinding(RuleContractKindChanged, newProv.Contract, newProv.Contract,
				fmt.Sprintf("%s was a %s contract in %s and is a %s contract now; %s reads it as %s.",
					newProv.Contract, base.prov.Kind, base.party, newProv.Kind, cons.party, base.prov.Kind)))
			continue
		}
		rep, err := r.cmp.compare(ctx, newProv.Kind, provisionLevel(newProv), readerFlow(cons.cons), base.prov.Doc, newProv.Doc, published(base.prov, newProv))
		if err != nil {
			return nil, err
		}
		oldDisplay := fmt.Sprintf("(%s) %s", base.party, registry.DocDisplay(base.prov.Kind, base.prov.Path))
		relied, err := r.rel.narrow(ctx, cons.cons, cons.obs, rep.Findings)
		if err != nil {
			return nil, err
		}
		out = append(out, relocate(relied, oldDisplay, newDisplay)...)
	}
	// What the consumer names must still be there, whatever the baseline.
	uses, messages, err := r.missing(ctx, newProv, cons.cons)
	if err != nil {
		return nil, err
	}
	covered := func(e string) bool { return coveredBy(out, e) }
	out = append(out, missingFindings(Party{c.Version.Service, c.Version.Version}, newProv.Contract, cons.party, uses, messages, covered)...)
	return dedupe(out), nil
}

// expectationFindings compares what a consumer's expectations document
// says it sends and reads with the candidate's document: the expectations
// are the old side, so anything they rely on that the candidate changes is
// a finding.
func (r *run) expectationFindings(ctx context.Context, cons consumerOf, newProv registry.Provision, newDisplay string) ([]compat.Finding, error) {
	if newProv.Kind != registry.OpenAPI {
		return nil, registry.Errorf(registry.EINVALID, "%s expects an OpenAPI document of %s, which is a %s contract", cons.party, newProv.Contract, newProv.Kind)
	}
	rep, err := r.cmp.compare(ctx, registry.OpenAPI, compat.JSON, 0, *cons.cons.Expectations, newProv.Doc, nil)
	if err != nil {
		return nil, err
	}
	expDisplay := "(" + cons.party.Service + ") " + registry.DocDisplay(registry.OpenAPI, cons.cons.ExpectationsPath)
	var out []compat.Finding
	for _, f := range relocate(rep.Findings, expDisplay, newDisplay) {
		if f.Severity != compat.Info {
			out = append(out, f)
		}
	}
	return out, nil
}

// readerFlow is how messages travel for a consumer: a consumer that only
// reads messages (a bus) reads what the new producer writes; one that uses
// RPCs talks both ways.
func readerFlow(c registry.Consumption) protocheck.Flow {
	if len(c.Messages) > 0 && len(c.Uses) == 0 {
		return protocheck.FlowNewWritesOldReads
	}
	return protocheck.FlowBoth
}

// gateFinding is a breaking finding of a gate rule on one element.
func gateFinding(rule, scope, element, message string) compat.Finding {
	return compat.Finding{Rule: rule, Severity: compat.Breaking, Element: element, Affects: []string{scope},
		Elements: []compat.Element{{Scope: scope}}, Message: message}
}

func provisionLevel(p registry.Provision) compat.Level {
	if p.Level == "" {
		return compat.JSON
	}
	l, err := compat.ParseLevel(p.Level)
	if err != nil {
		return compat.JSON
	}
	return l
}

// published is the scope of a comparison of a messages contract: the
// message types either version publishes (a type no longer published is
// a change too). Nil, for a contract that lists no messages, is
// everything.
func published(old, new registry.Provision) []string {
	if len(old.Messages) == 0 && len(new.Messages) == 0 {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, m := range append(append([]string{}, old.Messages...), new.Messages...) {
		if !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	sort.Strings(out)
	return out
}
