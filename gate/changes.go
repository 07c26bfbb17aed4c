package gate

import (
	"context"
	"fmt"
	"strings"

	"github.com/Masterminds/semver/v3"

	"github.com/contractgate/contracts/compat"
	protocheck "github.com/contractgate/contracts/compat/proto"
	"github.com/contractgate/contracts/registry"
)

// changes records, for every contract a candidate provides, the full
// comparison with each baseline — every version of the service live in the
// environment, or, when none is, the highest lower published version — as
// a Change: whoever relies on it (marked from the checks, so the changelog
// says what the verdict says), what version bump it calls for, and whether
// the version numbers admit it.
func (r *run) changes(ctx context.Context) error {
	for _, s := range sortedKeys(r.cands) {
		c := r.cands[s]
		live, err := r.liveBaselines(ctx, c)
		if err != nil {
			return err
		}
		to := Party{c.Version.Service, c.Version.Version}
		for _, p := range c.Version.Provides {
			bases := live[p.Contract]
			if len(bases) == 0 {
				b, ok, err := r.publishedBaseline(ctx, c, p.Contract)
				if err != nil {
					return err
				}
				if ok {
					bases = []baseline{b}
				}
			}
			for _, b := range bases {
				if b.prov.Kind != p.Kind {
					continue
				}
				rep, err := r.cmp.compare(ctx, p.Kind, provisionLevel(p), protocheck.FlowBoth, b.prov.Doc, p.Doc, published(b.prov, p))
				if err != nil {
					return err
				}
				ch := Change{Contract: p.Contract, From: b.party, To: to, Baseline: "live",
					Findings: relocate(rep.Findings, fmt.Sprintf("(%s) %s", b.party, registry.DocDisplay(b.prov.Kind, b.prov.Path)), c.Display+registry.DocDisplay(p.Kind, p.Path))}
				if b.published {
					ch.Baseline = "published"
				}
				bump := rep.Bump()
				if r.refusedFor(p.Contract, to) {
					// A change that breaks a live consumer calls for a major
					// bump even when the documents alone do not say so (a
					// message type a reader needs, deleted).
					bump = compat.Major
				}
				ch.Bump = bump.String()
				r.markReliance(&ch)
				rollback, err := r.older(ctx, c, b.party)
				if err != nil {
					return err
				}
				semverAdvice(&ch, bump, rollback)
				r.decision.Changes = append(r.decision.Changes, ch)
			}
		}
	}
	return nil
}

// publishedBaseline is the highest published version of the candidate's
// service that is lower (by semver) than the candidate and provides the
// contract: what semver compares against when nothing is live.
func (r *run) publishedBaseline(ctx context.Context, c *Candidate, contract string) (baseline, bool, error) {
	cv, err := semver.StrictNewVersion(c.Version.Version)
	if err != nil {
		return baseline{}, false, nil
	}
	vs, err := r.g.Store.Versions(ctx, c.Version.Service)
	if err != nil {
		return baseline{}, false, err
	}
	var best *registry.Version
	var bestV *semver.Version
	for _, v := range vs {
		sv, err := semver.StrictNewVersion(v.Version)
		if err != nil || !sv.LessThan(cv) {
			continue
		}
		if _, ok := v.Provision(contract); ok && (bestV == nil || bestV.LessThan(sv)) {
			best, bestV = v, sv
		}
	}
	if best == nil {
		return baseline{}, false, nil
	}
	p, _ := best.Provision(contract)
	return baseline{party: Party{best.Service, best.Version}, prov: p, published: true}, true, nil
}

// refusedFor reports whether a consumer of contract is refused, in this
// run, for a break the candidate makes as its provider.
func (r *run) refusedFor(contract string, cand Party) bool {
	for _, ch := range r.decision.Checks {
		if ch.Direction == AsProvider && ch.Contract == contract && ch.Candidate == cand && ch.Verdict == VerdictRefused {
			return true
		}
	}
	return false
}

// markReliance says, for each breaking or warning change, who relies on it
// — the consumers whose check holds the same change — and lowers to info
// what nobody live relies on: such a change is reported, not refused. The
// checks are the verdict, so the changelog cannot say otherwise.
func (r *run) markReliance(ch *Change) {
	for i := range ch.Findings {
		f := &ch.Findings[i]
		if f.Severity == compat.Info {
			continue
		}
		var relied, tolerated []string
		for _, c := range r.decision.Checks {
			if c.Direction != AsProvider || c.Contract != ch.Contract || c.Candidate != ch.To {
				continue
			}
			for _, g := range c.Findings {
				if !sameChange(*f, g) {
					continue
				}
				switch {
				case strings.HasPrefix(g.Note, "tolerated by "):
					tolerated = append(tolerated, c.Consumer.String())
				case strings.HasPrefix(g.Note, "approved by "):
					relied = append(relied, c.Consumer.String()+" (approved)")
				default:
					relied = append(relied, c.Consumer.String())
				}
				break
			}
		}
		switch {
		case len(relied) > 0:
			f.Note = "relied on by " + strings.Join(relied, ", ")
			if len(tolerated) > 0 {
				f.Note += "; tolerated by " + strings.Join(tolerated, ", ")
			}
		case len(tolerated) > 0:
			f.Severity = compat.Info
			f.Note = "tolerated by " + strings.Join(tolerated, ", ")
		default:
			f.Severity = compat.Info
			f.Note = "nobody live relies on it"
		}
	}
}

// older reports whether the candidate is older than the baseline: lower by
// semver when both are semver, else published earlier. A working copy is
// never older.
func (r *run) older(ctx context.Context, c *Candidate, base Party) (bool, error) {
	if c.Blobs != nil {
		return false, nil
	}
	cv, err1 := semver.StrictNewVersion(c.Version.Version)
	bv, err2 := semver.StrictNewVersion(base.Version)
	if err1 == nil && err2 == nil {
		return cv.LessThan(bv), nil
	}
	b, err := r.version(ctx, base)
	if err != nil {
		return false, err
	}
	return c.Version.PublishedAt.Before(b.PublishedAt), nil
}
