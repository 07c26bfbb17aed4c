package registry

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/contractgate/contracts/compat"
	protocheck "github.com/contractgate/contracts/compat/proto"
)

// Gate answers whether deploying service versions to an environment keeps
// every live counterpart working. It holds no state between calls but the
// store's comparison cache.
type Gate struct {
	Store Store
	// Now is the clock approvals expire by.
	Now func() time.Time
	// CacheSalt is mixed into the keys of cached comparisons: the release
	// of contracts, so a fixed checker does not serve an old answer.
	CacheSalt string
}

// Candidate is a service version to deploy: published (Blobs nil), or an
// unpublished working copy whose documents are in Blobs.
type Candidate struct {
	Version *Version
	Blobs   map[string][]byte
	// Display prefixes the candidate's document paths in findings: the
	// working copy's folder, or "" for a published version.
	Display string
}

// Party is one side of a check: a service version.
type Party struct {
	Service string `json:"service"`
	Version string `json:"version"`
}

func (p Party) String() string { return p.Service + " " + p.Version }

// Verdict is the outcome of one check.
type Verdict string

// The verdicts.
const (
	VerdictOK       Verdict = "ok"
	VerdictRefused  Verdict = "refused"
	VerdictApproved Verdict = "approved" // breaking, but every break is approved
)

// Direction says which side of a check the candidate is on.
type Direction string

// The directions.
const (
	// AsProvider: the candidate provides the contract to a live consumer.
	AsProvider Direction = "provides-to"
	// AsConsumer: the candidate consumes the contract from a live provider.
	AsConsumer Direction = "consumes-from"
)

// Check is one counterpart checked: a contract between the candidate and a
// live (or co-deployed) service version, in one direction.
type Check struct {
	Contract    string           `json:"contract"`
	Kind        Kind             `json:"kind,omitempty"`
	Direction   Direction        `json:"direction"`
	Candidate   Party            `json:"candidate"`
	Counterpart Party            `json:"counterpart"`
	Provider    Party            `json:"provider"`
	Consumer    Party            `json:"consumer"`
	CoDeployed  bool             `json:"coDeployed,omitempty"`
	ReliesOn    string           `json:"reliesOn"`
	Verdict     Verdict          `json:"verdict"`
	Reason      string           `json:"reason,omitempty"`
	Findings    []compat.Finding `json:"findings"`
}

// Change is what changed in a contract the candidate provides, compared
// with a live version of it, whoever relies on it.
type Change struct {
	Contract string `json:"contract"`
	From     Party  `json:"from"`
	To       Party  `json:"to"`
	Bump     string `json:"bump"`
	// Semver says whether the version numbers admit the changes, when both
	// are semver.
	Semver   string           `json:"semver,omitempty"`
	Findings []compat.Finding `json:"findings"`
}

// Decision is the gate's answer.
type Decision struct {
	Env        string     `json:"env"`
	Candidates []Party    `json:"candidates"`
	Deployable bool       `json:"deployable"`
	Checks     []Check    `json:"checks"`
	Changes    []Change   `json:"changes,omitempty"`
	Approvals  []Approval `json:"approvals,omitempty"`
	// Notes are facts worth knowing that do not block (nothing consumes a
	// contract, a consumer relies on everything, …).
	Notes []string `json:"notes,omitempty"`
}

// Refusals returns the refused checks.
func (d *Decision) Refusals() []Check {
	var out []Check
	for _, c := range d.Checks {
		if c.Verdict == VerdictRefused {
			out = append(out, c)
		}
	}
	return out
}

// CanIDeploy decides whether the published versions may be deployed to env
// together.
func (g *Gate) CanIDeploy(ctx context.Context, env string, versions []Party) (*Decision, error) {
	var cands []Candidate
	for _, p := range versions {
		v, err := g.Store.Version(ctx, p.Service, p.Version)
		if err != nil {
			if ErrorCode(err) == ENOTFOUND {
				return nil, Errorf(ENOTFOUND, "%s %s is not published; publish it first with 'contracts publish --version %s'", p.Service, p.Version, p.Version)
			}
			return nil, err
		}
		cands = append(cands, Candidate{Version: v})
	}
	return g.Decide(ctx, env, cands)
}

// gateRun is the state of one decision.
type gateRun struct {
	g         *Gate
	env       string
	cmp       *comparer
	cands     map[string]*Candidate // by service
	decision  *Decision
	approvals map[string][]Approval // by contract
	usedAppr  map[int64]bool
	versions  map[Party]*Version
}

// Decide checks candidates (published or working copies) against what is
// live in env.
func (g *Gate) Decide(ctx context.Context, env string, cands []Candidate) (*Decision, error) {
	// A typo'd environment has no live consumers: answering from it would
	// be a yes nobody checked.
	if err := CheckEnvironment(ctx, g.Store, env); err != nil {
		return nil, err
	}
	overlay := map[string][]byte{}
	r := &gateRun{g: g, env: env, cands: map[string]*Candidate{}, approvals: map[string][]Approval{},
		usedAppr: map[int64]bool{}, versions: map[Party]*Version{}}
	r.decision = &Decision{Env: env, Deployable: true}
	for i := range cands {
		c := &cands[i]
		s := c.Version.Service
		if _, dup := r.cands[s]; dup {
			return nil, Errorf(EINVALID, "service %s is named twice; deploy one version of a service at a time", s)
		}
		r.cands[s] = c
		for h, b := range c.Blobs {
			overlay[h] = b
		}
		r.decision.Candidates = append(r.decision.Candidates, Party{s, c.Version.Version})
	}
	r.cmp = newComparer(g.Store, g.CacheSalt, overlay)
	for _, s := range sortedKeys(r.cands) {
		c := r.cands[s]
		if err := r.checkOwnership(ctx, c); err != nil {
			return nil, err
		}
		if err := r.asProvider(ctx, c); err != nil {
			return nil, err
		}
		if err := r.asConsumer(ctx, c); err != nil {
			return nil, err
		}
	}
	r.semver()
	for _, ch := range r.decision.Checks {
		if ch.Verdict == VerdictRefused {
			r.decision.Deployable = false
		}
	}
	return r.decision, nil
}

func (r *gateRun) now() time.Time {
	if r.g.Now != nil {
		return r.g.Now()
	}
	return time.Now()
}

// checkOwnership refuses a working copy that provides another service's
// contract: publishing it would fail, so verifying it must too.
func (r *gateRun) checkOwnership(ctx context.Context, c *Candidate) error {
	for _, p := range c.Version.Provides {
		owner, err := r.g.Store.Contract(ctx, p.Contract)
		if ErrorCode(err) == ENOTFOUND {
			continue
		}
		if err != nil {
			return err
		}
		if owner.Owner != c.Version.Service {
			return Errorf(EFORBIDDEN, "contract %s belongs to service %s; %s cannot provide it", p.Contract, owner.Owner, c.Version.Service)
		}
	}
	return nil
}

// liveVersion fetches a live version, once per run.
func (r *gateRun) liveVersion(ctx context.Context, p Party) (*Version, error) {
	if v, ok := r.versions[p]; ok {
		return v, nil
	}
	v, err := r.g.Store.Version(ctx, p.Service, p.Version)
	if err != nil {
		return nil, fmt.Errorf("reading live version %s: %w", p, err)
	}
	r.versions[p] = v
	return v, nil
}

// consumerOf is a consumer to check a provision against.
type consumerOf struct {
	party      Party
	cons       Consumption
	coDeployed bool
}

// asProvider checks the candidate against every live consumer of every
// contract it provides, or its live versions provided.
func (r *gateRun) asProvider(ctx context.Context, c *Candidate) error {
	self := c.Version.Service
	cand := Party{self, c.Version.Version}
	// The contracts the candidate provides, and those its live versions
	// provide (a contract dropped altogether must be noticed too).
	baselines := map[string][]LiveProvision{}
	contracts := map[string]bool{}
	for _, p := range c.Version.Provides {
		contracts[p.Contract] = true
	}
	live, err := r.g.Store.Deployments(ctx, r.env)
	if err != nil {
		return err
	}
	for _, d := range live {
		if d.Service != self {
			continue
		}
		v, err := r.liveVersion(ctx, Party{d.Service, d.Version})
		if err != nil {
			return err
		}
		for _, p := range v.Provides {
			contracts[p.Contract] = true
			baselines[p.Contract] = append(baselines[p.Contract], LiveProvision{Service: self, Version: v.Version, Provision: p})
		}
	}
	for _, k := range sortedKeys(contracts) {
		newProv, provided := c.Version.Provision(k)
		consumers, err := r.consumersOf(ctx, k, self)
		if err != nil {
			return err
		}
		// What changed, whoever relies on it.
		if provided {
			for _, base := range baselines[k] {
				if err := r.change(ctx, c, newProv, base, consumers); err != nil {
					return err
				}
			}
		}
		if len(consumers) == 0 {
			r.note("%s: no live consumer in %s", k, r.env)
			continue
		}
		for _, cons := range consumers {
			ch := Check{Contract: k, Kind: newProv.Kind, Direction: AsProvider, Candidate: cand, Counterpart: cons.party,
				Provider: cand, Consumer: cons.party, CoDeployed: cons.coDeployed, ReliesOn: reliesOn(cons.cons)}
			if !provided {
				ch.Findings = append(ch.Findings, compat.Finding{Rule: RuleContractDropped, Severity: compat.Breaking,
					Element: k, Affects: []string{k},
					Message: fmt.Sprintf("%s no longer provides contract %s, which %s consumes.", cand, k, cons.party)})
			} else {
				fs, err := r.providerFindings(ctx, c, newProv, baselines[k], cons)
				if err != nil {
					return err
				}
				ch.Findings = fs
			}
			if err := r.finish(ctx, &ch); err != nil {
				return err
			}
		}
	}
	return nil
}

// consumersOf lists the consumers of contract k after the deploy: live
// consumers not being replaced, plus co-deployed candidates that consume it.
func (r *gateRun) consumersOf(ctx context.Context, k, self string) ([]consumerOf, error) {
	live, err := r.g.Store.LiveConsumers(ctx, r.env, k)
	if err != nil {
		return nil, err
	}
	var out []consumerOf
	for _, lc := range live {
		if lc.Service == self || r.cands[lc.Service] != nil {
			continue
		}
		out = append(out, consumerOf{party: Party{lc.Service, lc.Version}, cons: lc.Consumption})
	}
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

// providerFindings compares what the consumer relies on with the new
// provision.
func (r *gateRun) providerFindings(ctx context.Context, c *Candidate, newProv Provision, bases []LiveProvision, cons consumerOf) ([]compat.Finding, error) {
	newDisplay := c.Display + DocDisplay(newProv.Kind, newProv.Path)
	var out []compat.Finding
	if cons.cons.Expectations != nil {
		if newProv.Kind != OpenAPI {
			return nil, Errorf(EINVALID, "%s expects an OpenAPI document of %s, which is a %s contract", cons.party, newProv.Contract, newProv.Kind)
		}
		rep, err := r.cmp.compare(ctx, OpenAPI, compat.JSON, 0, *cons.cons.Expectations, newProv.Doc)
		if err != nil {
			return nil, err
		}
		expDisplay := "(" + cons.party.Service + ") " + DocDisplay(OpenAPI, cons.cons.ExpectationsPath)
		for _, f := range relocate(rep.Findings, expDisplay, newDisplay) {
			if f.Severity != compat.Info {
				out = append(out, f)
			}
		}
		return out, nil
	}
	level, flow := provisionLevel(newProv), protocheck.FlowBoth
	scope := scopeOf(cons.cons)
	if len(cons.cons.Messages) > 0 && len(cons.cons.Uses) == 0 {
		flow = protocheck.FlowNewWritesOldReads
	}
	for _, base := range bases {
		if base.Provision.Kind != newProv.Kind {
			out = append(out, compat.Finding{Rule: RuleContractKindChanged, Severity: compat.Breaking, Element: newProv.Contract, Affects: scope,
				Message: fmt.Sprintf("%s was a %s contract in %s %s and is a %s contract now; %s reads it as %s.",
					newProv.Contract, base.Provision.Kind, base.Service, base.Version, newProv.Kind, cons.party, base.Provision.Kind)})
			continue
		}
		rep, err := r.cmp.compare(ctx, newProv.Kind, level, flow, base.Provision.Doc, newProv.Doc)
		if err != nil {
			return nil, err
		}
		narrowed := rep.Narrow(scope, fmt.Sprintf("%s does not use it", cons.party.Service))
		oldDisplay := fmt.Sprintf("(%s) %s", Party{base.Service, base.Version}, DocDisplay(base.Provision.Kind, base.Provision.Path))
		for _, f := range relocate(narrowed.Findings, oldDisplay, newDisplay) {
			if f.Severity != compat.Info {
				out = append(out, f)
			}
		}
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

// change records the full comparison of a live provision with the new one
// as a Change, and whether semver admits it.
func (r *gateRun) change(ctx context.Context, c *Candidate, newProv Provision, base LiveProvision, consumers []consumerOf) error {
	if base.Provision.Kind != newProv.Kind {
		return nil
	}
	rep, err := r.cmp.compare(ctx, newProv.Kind, provisionLevel(newProv), protocheck.FlowBoth, base.Provision.Doc, newProv.Doc)
	if err != nil {
		return err
	}
	from := Party{base.Service, base.Version}
	to := Party{c.Version.Service, c.Version.Version}
	if from == to {
		return nil
	}
	ch := Change{Contract: newProv.Contract, From: from, To: to, Bump: rep.Bump().String(),
		Findings: relocate(rep.Findings, fmt.Sprintf("(%s) %s", from, DocDisplay(base.Provision.Kind, base.Provision.Path)), c.Display+DocDisplay(newProv.Kind, newProv.Path))}
	for i := range ch.Findings {
		if err := r.markReliance(ctx, &ch.Findings[i], consumers); err != nil {
			return err
		}
	}
	r.decision.Changes = append(r.decision.Changes, ch)
	return nil
}

// semver says, for each changed contract, what bump the changes call for and
// whether the version numbers admit it. A change that breaks a live consumer
// calls for a major bump even when comparing the documents alone does not
// say so (a message type a reader needs, deleted).
func (r *gateRun) semver() {
	for i := range r.decision.Changes {
		ch := &r.decision.Changes[i]
		bump := compat.Patch
		if len(ch.Findings) > 0 {
			bump = compat.Minor
		}
		for _, f := range ch.Findings {
			if f.Severity == compat.Breaking || strings.HasPrefix(f.Note, "relied on by") {
				bump = compat.Major
			}
		}
		for _, c := range r.decision.Checks {
			if c.Direction == AsProvider && c.Contract == ch.Contract && c.Candidate == ch.To && c.Verdict != VerdictOK {
				bump = compat.Major
			}
		}
		ch.Bump = bump.String()
		admits, semverBoth := compat.Admits(ch.From.Version, ch.To.Version, bump)
		if !semverBoth || bump == compat.Patch {
			continue
		}
		next, _ := compat.NextVersion(ch.From.Version, bump)
		switch {
		case bump == compat.Major && !admits:
			ch.Semver = fmt.Sprintf("%s → %s is not a major bump, but %s has breaking changes; they call for %s", ch.From.Version, ch.To.Version, ch.Contract, next)
			ch.Findings = append(ch.Findings, compat.Finding{Rule: RuleSemverBreakInMinor, Severity: compat.Warning, Element: ch.Contract,
				Message: fmt.Sprintf("%s has breaking changes to %s but is not a major bump from %s; they call for %s.", ch.To, ch.Contract, ch.From.Version, next)})
		case bump == compat.Major:
			ch.Semver = fmt.Sprintf("%s → %s is a major bump, as the breaking changes to %s call for", ch.From.Version, ch.To.Version, ch.Contract)
		default:
			ch.Semver = fmt.Sprintf("the changes to %s call for a %s bump (%s)", ch.Contract, bump, next)
		}
	}
}

// markReliance notes who relies on a change that is not info, and lowers it
// to info when nobody live does: such a change is reported, not refused.
// A consumer with expectations relies on the operations its document names.
func (r *gateRun) markReliance(ctx context.Context, f *compat.Finding, consumers []consumerOf) error {
	if f.Severity == compat.Info {
		return nil
	}
	var who []string
	for _, c := range consumers {
		scope := scopeOf(c.cons)
		if c.cons.Expectations != nil {
			ops, err := r.cmp.offers(ctx, *c.cons.Expectations)
			if err != nil {
				return err
			}
			scope = sortedKeys(ops)
		}
		one := compat.Report{Findings: []compat.Finding{*f}}
		if one.Narrow(scope, "").Findings[0].Severity != compat.Info {
			who = append(who, c.party.String())
		}
	}
	if len(who) == 0 {
		f.Severity = compat.Info
		f.Note = "nobody live relies on it"
		return nil
	}
	f.Note = "relied on by " + strings.Join(who, ", ")
	return nil
}

// asConsumer checks every contract the candidate consumes against every
// provider version that will be live.
func (r *gateRun) asConsumer(ctx context.Context, c *Candidate) error {
	self := c.Version.Service
	cand := Party{self, c.Version.Version}
	for _, cons := range c.Version.Consumes {
		k := cons.Contract
		providers, err := r.providersOf(ctx, k, self)
		if err != nil {
			return err
		}
		if len(providers) == 0 {
			ch := Check{Contract: k, Direction: AsConsumer, Candidate: cand, Consumer: cand, ReliesOn: reliesOn(cons)}
			owner, err := r.g.Store.Contract(ctx, k)
			switch {
			case ErrorCode(err) == ENOTFOUND:
				ch.Reason = fmt.Sprintf("no service has published contract %s", k)
				ch.Findings = []compat.Finding{{Rule: RuleContractUnknown, Severity: compat.Breaking, Element: k, Affects: []string{k},
					Message: fmt.Sprintf("%s consumes %s, which no service has published.", cand, k)}}
			case err != nil:
				return err
			default:
				ch.Counterpart = Party{Service: owner.Owner}
				ch.Provider = ch.Counterpart
				ch.Reason = fmt.Sprintf("%s provides %s but no version of it is live in %s; deploy %s first", owner.Owner, k, r.env, owner.Owner)
				ch.Findings = []compat.Finding{{Rule: RuleProviderNotLive, Severity: compat.Breaking, Element: k, Affects: []string{k},
					Message: fmt.Sprintf("%s consumes %s, but its provider %s has no version live in %s.", cand, k, owner.Owner, r.env)}}
			}
			if err := r.finish(ctx, &ch); err != nil {
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
			if err := r.finish(ctx, &ch); err != nil {
				return err
			}
		}
	}
	return nil
}

// providerOf is a provider version to check a consumption against.
type providerOf struct {
	party      Party
	prov       Provision
	display    string
	coDeployed bool
}

func (r *gateRun) providersOf(ctx context.Context, k, self string) ([]providerOf, error) {
	for _, s := range sortedKeys(r.cands) {
		if s == self {
			continue
		}
		c := r.cands[s]
		if p, ok := c.Version.Provision(k); ok {
			return []providerOf{{party: Party{s, c.Version.Version}, prov: p, display: c.Display + DocDisplay(p.Kind, p.Path), coDeployed: true}}, nil
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
		out = append(out, providerOf{party: party, prov: lp.Provision, display: fmt.Sprintf("(%s) %s", party, DocDisplay(lp.Provision.Kind, lp.Provision.Path))})
	}
	return out, nil
}

func (r *gateRun) consumerFindings(ctx context.Context, c *Candidate, cons Consumption, p providerOf) ([]compat.Finding, error) {
	cand := Party{c.Version.Service, c.Version.Version}
	if cons.Expectations != nil {
		if p.prov.Kind != OpenAPI {
			return nil, Errorf(EINVALID, "%s has expectations of %s as an OpenAPI document, but %s is a %s contract", cand, cons.Contract, cons.Contract, p.prov.Kind)
		}
		rep, err := r.cmp.compare(ctx, OpenAPI, compat.JSON, 0, *cons.Expectations, p.prov.Doc)
		if err != nil {
			return nil, err
		}
		var out []compat.Finding
		for _, f := range relocate(rep.Findings, c.Display+DocDisplay(OpenAPI, cons.ExpectationsPath), p.display) {
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
func (r *gateRun) missing(ctx context.Context, prov Provision, cons Consumption) (uses, messages []string, err error) {
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
		out = append(out, compat.Finding{Rule: RuleOperationMissing, Severity: compat.Breaking, Element: u, Affects: []string{u},
			Message: fmt.Sprintf("%s uses %s of %s, which %s does not offer.", consumer, u, contract, provider)})
	}
	for _, m := range messages {
		if skip != nil && skip(m) {
			continue
		}
		out = append(out, compat.Finding{Rule: RuleMessageMissing, Severity: compat.Breaking, Element: m, Affects: []string{m},
			Message: fmt.Sprintf("%s reads message type %s of %s, which %s does not define.", consumer, m, contract, provider)})
	}
	return out
}

// coveredBy reports whether a breaking finding already affects element.
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

// finish applies approvals, decides the verdict and records the check.
func (r *gateRun) finish(ctx context.Context, ch *Check) error {
	approvals, ok := r.approvals[ch.Contract]
	if !ok {
		var err error
		if approvals, err = r.g.Store.Approvals(ctx, ch.Contract); err != nil {
			return err
		}
		r.approvals[ch.Contract] = approvals
	}
	now := r.now()
	breaking, approved := 0, 0
	for i := range ch.Findings {
		f := &ch.Findings[i]
		if f.Severity != compat.Breaking {
			continue
		}
		breaking++
		for _, a := range approvals {
			if !a.matches(*f, ch.Consumer.Service) {
				continue
			}
			if !r.usedAppr[a.ID] {
				r.usedAppr[a.ID] = true
				r.decision.Approvals = append(r.decision.Approvals, a)
			}
			if now.Before(a.ExpiresAt) {
				f.Note = fmt.Sprintf("approved by %s until %s: %s", orUnknown(a.By), a.ExpiresAt.Format("2006-01-02"), a.Reason)
				approved++
				break
			}
			f.Note = fmt.Sprintf("an approval by %s expired on %s", orUnknown(a.By), a.ExpiresAt.Format("2006-01-02"))
		}
	}
	switch {
	case breaking == 0:
		ch.Verdict = VerdictOK
	case approved == breaking:
		ch.Verdict = VerdictApproved
	default:
		ch.Verdict = VerdictRefused
		if ch.Reason == "" {
			ch.Reason = fmt.Sprintf("%d breaking change(s) that %s relies on", breaking-approved, ch.Consumer)
		}
	}
	rep := compat.Report{Findings: ch.Findings}
	rep.Sort()
	ch.Findings = rep.Findings
	if ch.Findings == nil {
		ch.Findings = []compat.Finding{}
	}
	r.decision.Checks = append(r.decision.Checks, *ch)
	return nil
}

func orUnknown(s string) string {
	if s == "" {
		return "someone"
	}
	return s
}

// matches reports whether the approval covers finding f in a check with
// consumer.
func (a Approval) matches(f compat.Finding, consumer string) bool {
	if a.Rule != f.Rule || (a.Consumer != "" && a.Consumer != consumer) {
		return false
	}
	if a.Element == f.Element {
		return true
	}
	key := compat.ScopeKey(a.Element)
	for _, x := range f.Affects {
		if compat.ScopeKey(x) == key {
			return true
		}
	}
	return false
}

func (r *gateRun) note(format string, args ...any) {
	r.decision.Notes = append(r.decision.Notes, fmt.Sprintf(format, args...))
}

// reliesOn says in words what a consumption relies on.
func reliesOn(c Consumption) string {
	switch {
	case c.Expectations != nil:
		return "the operations and fields in " + c.ExpectationsPath
	case len(c.Uses) > 0 && len(c.Messages) > 0:
		return strings.Join(c.Uses, ", ") + "; messages " + strings.Join(c.Messages, ", ")
	case len(c.Uses) > 0:
		return strings.Join(c.Uses, ", ")
	case len(c.Messages) > 0:
		return "messages " + strings.Join(c.Messages, ", ")
	}
	return "everything"
}

// scopeOf is the scope a consumption narrows comparisons to; nil for
// everything.
func scopeOf(c Consumption) []string {
	if len(c.Uses) == 0 && len(c.Messages) == 0 {
		return nil
	}
	return append(append([]string{}, c.Uses...), c.Messages...)
}

func provisionLevel(p Provision) compat.Level {
	if p.Level == "" {
		return compat.JSON
	}
	l, err := compat.ParseLevel(p.Level)
	if err != nil {
		return compat.JSON
	}
	return l
}

func dedupe(fs []compat.Finding) []compat.Finding {
	seen := map[string]bool{}
	var out []compat.Finding
	for _, f := range fs {
		k := f.Rule + "\x00" + f.Element + "\x00" + f.Location.String() + "\x00" + f.Message
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, f)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
