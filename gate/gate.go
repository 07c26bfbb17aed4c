package gate

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/contractgate/contracts/compat"
	"github.com/contractgate/contracts/registry"
)

// Gate answers whether deploying service versions to an environment keeps
// every live counterpart working. It holds no state between calls but the
// store's comparison cache.
type Gate struct {
	Store registry.Store
	// Now is the clock approvals expire by.
	Now func() time.Time
	// CacheSalt is mixed into the keys of cached comparisons: the release
	// of contracts, so a fixed checker does not serve an old answer.
	CacheSalt string
	// UsageWindow is how far back calls observed in traces count as
	// reliance; zero means DefaultUsageWindow.
	UsageWindow time.Duration
	// Display, when set, says how CanIDeploy shows a published candidate's
	// document paths in findings (see Candidate.Display): "" shows them as
	// stored, relative to the service's folder.
	Display func(*registry.Version) string
}

func (g *Gate) usageWindow() time.Duration {
	if g.UsageWindow > 0 {
		return g.UsageWindow
	}
	return DefaultUsageWindow
}

func (g *Gate) now() time.Time {
	if g.Now != nil {
		return g.Now()
	}
	return time.Now()
}

// CanIDeploy decides whether the published versions may be deployed to env
// together.
func (g *Gate) CanIDeploy(ctx context.Context, env string, versions []Party) (*Decision, error) {
	var cands []Candidate
	for _, p := range versions {
		v, err := g.Store.Version(ctx, p.Service, p.Version)
		if err != nil {
			if registry.ErrorCode(err) == registry.ENOTFOUND {
				return nil, registry.Errorf(registry.ENOTFOUND, "%s %s is not published; publish it first with 'contracts publish --version %s'", p.Service, p.Version, p.Version)
			}
			return nil, err
		}
		c := Candidate{Version: v}
		if g.Display != nil {
			c.Display = g.Display(v)
		}
		cands = append(cands, c)
	}
	return g.Decide(ctx, env, cands)
}

// run is the state of one decision.
type run struct {
	g        *Gate
	env      string
	cmp      *comparer
	rel      *reliance
	appr     *approvals
	cands    map[string]*Candidate // by service
	decision *Decision
	versions map[Party]*registry.Version
	live     []registry.Deployment // what is live in env, read once
	// observed is, per contract, what each consumer was seen calling.
	observed map[string]map[string]*observedUse
}

// Decide checks candidates (published or working copies) against what is
// live in env, top-down: ownership, each candidate as provider, each as
// consumer, then what changed and whether semver admits it.
func (g *Gate) Decide(ctx context.Context, env string, cands []Candidate) (*Decision, error) {
	// A typo'd environment has no live consumers: answering from it would
	// be a yes nobody checked.
	if err := registry.CheckEnvironment(ctx, g.Store, env); err != nil {
		return nil, err
	}
	overlay := map[string][]byte{}
	r := &run{g: g, env: env, cands: map[string]*Candidate{}, versions: map[Party]*registry.Version{}}
	r.decision = &Decision{Env: env, Deployable: true}
	for i := range cands {
		c := &cands[i]
		s := c.Version.Service
		if _, dup := r.cands[s]; dup {
			return nil, registry.Errorf(registry.EINVALID, "service %s is named twice; deploy one version of a service at a time", s)
		}
		r.cands[s] = c
		for h, b := range c.Blobs {
			overlay[h] = b
		}
		r.decision.Candidates = append(r.decision.Candidates, Party{s, c.Version.Version})
	}
	r.cmp = newComparer(g.Store, g.CacheSalt, overlay)
	r.rel = &reliance{cmp: r.cmp}
	r.appr = newApprovals(g.Store, env, g.now())
	live, err := g.Store.Deployments(ctx, env)
	if err != nil {
		return nil, err
	}
	r.live = live
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
	if err := r.changes(ctx); err != nil {
		return nil, err
	}
	for _, ch := range r.decision.Checks {
		if ch.Verdict == VerdictRefused {
			r.decision.Deployable = false
		}
	}
	r.decision.Approvals = r.appr.used
	return r.decision, nil
}

// checkOwnership refuses a working copy that provides another service's
// contract: publishing it would fail, so verifying it must too.
func (r *run) checkOwnership(ctx context.Context, c *Candidate) error {
	for _, p := range c.Version.Provides {
		owner, err := r.g.Store.Contract(ctx, p.Contract)
		if registry.ErrorCode(err) == registry.ENOTFOUND {
			continue
		}
		if err != nil {
			return err
		}
		if owner.Owner != c.Version.Service {
			return registry.Errorf(registry.EFORBIDDEN, "contract %s belongs to service %s; %s cannot provide it", p.Contract, owner.Owner, c.Version.Service)
		}
	}
	return nil
}

// version fetches a published version, once per run.
func (r *run) version(ctx context.Context, p Party) (*registry.Version, error) {
	if v, ok := r.versions[p]; ok {
		return v, nil
	}
	v, err := r.g.Store.Version(ctx, p.Service, p.Version)
	if err != nil {
		return nil, fmt.Errorf("reading version %s: %w", p, err)
	}
	r.versions[p] = v
	return v, nil
}

// finish applies tolerance and approvals, decides the verdict and records
// the check.
func (r *run) finish(ctx context.Context, ch *Check, tolerates []string) error {
	ch.Findings = tolerate(ch.Findings, tolerates, ch.Consumer.Service)
	breaking, approved, err := r.appr.apply(ctx, ch)
	if err != nil {
		return err
	}
	switch {
	case breaking == 0:
		ch.Verdict = VerdictOK
	case approved == breaking:
		ch.Verdict = VerdictApproved
	default:
		ch.Verdict = VerdictRefused
		if ch.Reason == "" {
			ch.Reason = fmt.Sprintf("%s that %s relies on", plural(breaking-approved, "breaking change"), ch.Consumer)
		}
	}
	sortFindings(ch.Findings)
	if ch.Findings == nil {
		ch.Findings = []compat.Finding{}
	}
	r.decision.Checks = append(r.decision.Checks, *ch)
	return nil
}

func (r *run) note(format string, args ...any) {
	r.decision.Notes = append(r.decision.Notes, fmt.Sprintf(format, args...))
}

// plural writes "1 breaking change", "2 breaking changes".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
