package gate

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/contractgate/contracts/compat"
	oacheck "github.com/contractgate/contracts/compat/openapi"
	protocheck "github.com/contractgate/contracts/compat/proto"
	"github.com/contractgate/contracts/registry"
)

// approvals applies the stored approvals of a run's contracts.
type approvals struct {
	store registry.Store
	env   string
	now   time.Time

	mu   sync.Mutex
	byK  map[string][]registry.Approval // by contract
	seen map[int64]bool
	used []registry.Approval
}

func newApprovals(store registry.Store, env string, now time.Time) *approvals {
	return &approvals{store: store, env: env, now: now, byK: map[string][]registry.Approval{}, seen: map[int64]bool{}}
}

// apply marks the breaking findings of ch that approvals cover, returning
// how many were breaking and how many of those are approved. A finding is
// approved when every element of it is covered by an approval that holds
// here: same rule, this consumer (or every consumer), this environment,
// not expired or revoked, naming the element or one that encloses it.
func (a *approvals) apply(ctx context.Context, ch *Check) (breaking, approved int, err error) {
	list, err := a.of(ctx, ch.Contract)
	if err != nil {
		return 0, 0, err
	}
	for i := range ch.Findings {
		f := &ch.Findings[i]
		if f.Severity != compat.Breaking {
			continue
		}
		breaking++
		var matched []registry.Approval
		for _, ap := range list {
			if ruleCovers(ap.Rule, f.Rule) && (ap.Consumer == "" || ap.Consumer == ch.Consumer.Service) && ap.RevokedAt == nil && approvesAny(ap, *f) {
				matched = append(matched, ap)
			}
		}
		if len(matched) == 0 {
			continue
		}
		a.record(matched)
		var holding []registry.Approval
		for _, ap := range matched {
			if ap.Holds(a.env, a.now) {
				holding = append(holding, ap)
			}
		}
		if len(holding) > 0 && coversAll(holding, *f) {
			ap := holding[0]
			f.Note = fmt.Sprintf("approved by %s until %s: %s", orUnknown(ap.By), ap.ExpiresAt.Format("2006-01-02"), ap.Reason)
			approved++
			continue
		}
		f.Note = whyNot(matched, a.env, a.now)
	}
	return breaking, approved, nil
}

// whyNot says why approvals that name a finding do not approve it here.
func whyNot(matched []registry.Approval, env string, now time.Time) string {
	ap := matched[len(matched)-1]
	switch {
	case len(ap.Envs) == 0:
		return fmt.Sprintf("approval #%d by %s is unscoped (stored before approvals named environments) and holds nowhere: approve again with --env", ap.ID, orUnknown(ap.By))
	case !now.Before(ap.ExpiresAt):
		return fmt.Sprintf("an approval by %s expired on %s", orUnknown(ap.By), ap.ExpiresAt.Format("2006-01-02"))
	case !holdsIn(ap, env):
		return fmt.Sprintf("approval #%d by %s holds in %s, not in %s", ap.ID, orUnknown(ap.By), strings.Join(ap.Envs, ", "), env)
	}
	return fmt.Sprintf("approval #%d by %s covers only some of the places this change reaches", ap.ID, orUnknown(ap.By))
}

func holdsIn(ap registry.Approval, env string) bool {
	for _, e := range ap.Envs {
		if e == env {
			return true
		}
	}
	return false
}

func (a *approvals) of(ctx context.Context, contract string) ([]registry.Approval, error) {
	a.mu.Lock()
	list, ok := a.byK[contract]
	a.mu.Unlock()
	if ok {
		return list, nil
	}
	list, err := a.store.Approvals(ctx, contract)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	a.byK[contract] = list
	a.mu.Unlock()
	return list, nil
}

func (a *approvals) record(aps []registry.Approval) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, ap := range aps {
		if !a.seen[ap.ID] {
			a.seen[ap.ID] = true
			a.used = append(a.used, ap)
		}
	}
}

// ruleCovers reports whether an approval of rule id approves a finding of
// rule got: the same rule, or a deprecated rule whose successor made it
// (ids are never removed, so stored approvals keep their meaning).
func ruleCovers(id, got string) bool {
	if id == got {
		return true
	}
	for seen := 0; seen < 8; seen++ { // successors chain; a loop is a bug
		next := ""
		for _, r := range AllRules() {
			if r.ID == id {
				next = r.Deprecated
			}
		}
		if next == "" {
			return false
		}
		if next == got {
			return true
		}
		id = next
	}
	return false
}

// approvesAny reports whether the approval names at least one element of f.
func approvesAny(ap registry.Approval, f compat.Finding) bool {
	key := compat.ElementKey(ap.Element)
	for _, e := range elementsOf(f) {
		if names(key, e) {
			return true
		}
	}
	return compat.ElementKey(f.Element) == key
}

// coversAll reports whether every element of f is named by one of aps.
func coversAll(aps []registry.Approval, f compat.Finding) bool {
	for _, e := range elementsOf(f) {
		ok := false
		for _, ap := range aps {
			if names(compat.ElementKey(ap.Element), e) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// names reports whether an element written by a person (key, an
// ElementKey) names e: e itself or an element enclosing it
// (`GET /orders/{id}` names everything of that operation), or the place e
// reaches (`orders.v1.Order.status` names that field wherever an RPC or
// message type reaches it; `orders.v1.Order` its fields).
func names(key string, e compat.Element) bool {
	if e.Within(key) {
		return true
	}
	p := compat.ElementKey(e.Path)
	return p != "" && (p == key || strings.HasPrefix(p, key+"."))
}

func orUnknown(s string) string {
	if s == "" {
		return "someone"
	}
	return s
}

// AllRules is every rule the gate knows: the checkers' and its own. An
// approval must name one of them.
func AllRules() []compat.Rule {
	var all []compat.Rule
	all = append(all, oacheck.Rules...)
	all = append(all, protocheck.Rules...)
	all = append(all, Rules...)
	return all
}

// consumerLister is what a store offers beyond registry.Store to list a
// contract's consumers in one query; others are scanned version by version.
type consumerLister interface {
	ContractConsumers(ctx context.Context, contract string) ([]string, error)
}

// CheckApproval validates an approval before it is stored: the contract
// exists; the rule is a known rule id; the element is an element of the
// contract in some published version; the consumer, if named, is a service
// that consumes the contract; every environment exists and there is at
// least one. Each refusal is EINVALID (exit 2) naming the nearest names;
// nothing is stored.
func (g *Gate) CheckApproval(ctx context.Context, a *registry.Approval) error {
	ct, err := g.Store.Contract(ctx, a.Contract)
	if err != nil {
		if registry.ErrorCode(err) == registry.ENOTFOUND {
			return registry.Errorf(registry.EINVALID, "no service has published contract %q", a.Contract)
		}
		return err
	}
	if err := checkRule(a.Rule); err != nil {
		return err
	}
	if len(a.Envs) == 0 {
		return registry.Errorf(registry.EINVALID, "an approval needs at least one --env: it holds only in the environments it names")
	}
	for _, env := range a.Envs {
		if err := registry.CheckEnvironment(ctx, g.Store, env); err != nil {
			return err
		}
	}
	if a.Consumer != "" {
		consumers, err := g.consumersOf(ctx, a.Contract)
		if err != nil {
			return err
		}
		if !contains(consumers, a.Consumer) {
			return registry.Errorf(registry.EINVALID, "--consumer %s: no published version of %s consumes %s%s",
				a.Consumer, a.Consumer, a.Contract, registry.DidYouMean(a.Consumer, consumers, "consumers of "+a.Contract))
		}
	}
	return g.checkElement(ctx, ct, a.Element)
}

func checkRule(id string) error {
	var ids []string
	for _, r := range AllRules() {
		if r.ID == id {
			return nil
		}
		ids = append(ids, r.ID)
	}
	return registry.Errorf(registry.EINVALID, "unknown rule %q: take the rule id from the finding you approve%s", id, nearestOnly(id, ids))
}

// nearestOnly is "; did you mean X?" without the list of every name.
func nearestOnly(name string, known []string) string {
	if near := registry.Nearest(name, known, 3); len(near) > 0 {
		return "; did you mean " + strings.Join(near, " or ") + "?"
	}
	return ""
}

// checkElement requires element to be an element of the contract in one of
// its published versions.
func (g *Gate) checkElement(ctx context.Context, ct *registry.Contract, element string) error {
	found, names, err := g.resolvePublished(ctx, ct, element)
	if err != nil {
		return err
	}
	if len(found) == 0 {
		return registry.Errorf(registry.EINVALID, "%q is not an element of %s in any published version%s", element, ct.Name, nearestOnly(element, names))
	}
	return nil
}

// consumersOf lists the services that consume contract in a published
// version, and those observed calling it (in any environment, within the
// days the registry keeps): the gate checks those too, so they may be
// approved for.
func (g *Gate) consumersOf(ctx context.Context, contract string) ([]string, error) {
	declared, err := g.declaredConsumersOf(ctx, contract)
	if err != nil {
		return nil, err
	}
	calls, err := g.Store.ObservedUsage(ctx, "", contract, time.Time{})
	if err != nil {
		return nil, err
	}
	for _, c := range calls {
		if !contains(declared, c.Consumer) {
			declared = append(declared, c.Consumer)
		}
	}
	return declared, nil
}

func (g *Gate) declaredConsumersOf(ctx context.Context, contract string) ([]string, error) {
	if cl, ok := g.Store.(consumerLister); ok {
		return cl.ContractConsumers(ctx, contract)
	}
	svcs, err := g.Store.Services(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range svcs {
		vs, err := g.Store.Versions(ctx, s.Name)
		if err != nil {
			return nil, err
		}
	versions:
		for _, v := range vs {
			for _, c := range v.Consumes {
				if c.Contract == contract {
					out = append(out, s.Name)
					break versions
				}
			}
		}
	}
	return out, nil
}

func contains(xs []string, x string) bool {
	for _, s := range xs {
		if s == x {
			return true
		}
	}
	return false
}
