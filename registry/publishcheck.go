package registry

import (
	"sort"
	"time"
)

// PreparePublish checks a version and its blobs before a store writes them,
// and returns the copy to store: PublishedAt set to now when zero and kept in
// UTC to the microsecond (the precision every backend can hold, so both
// backends order and compare times alike), and Digest computed when empty.
// It fails with EINVALID naming the first problem: a bad service, version or
// contract name, a contract provided twice, or a blob whose content does not
// hash to its key. Blobs a document refers to but that are absent from blobs
// must already be stored; ReferencedBlobs lists them for that check.
func PreparePublish(v *Version, blobs map[string][]byte, now time.Time) (*Version, error) {
	if v == nil {
		return nil, Errorf(EINVALID, "nothing to publish: the version is missing")
	}
	if !ValidServiceName(v.Service) {
		return nil, Errorf(EINVALID, "service name %q is invalid: use [a-z0-9][a-z0-9-]{0,62}", v.Service)
	}
	if !ValidVersion(v.Version) {
		return nil, Errorf(EINVALID, "version %q of %s is invalid: use letters, digits and . _ + -", v.Version, v.Service)
	}
	seen := map[string]bool{}
	for _, p := range v.Provides {
		if !ValidServiceName(p.Contract) {
			return nil, Errorf(EINVALID, "contract name %q provided by %s is invalid: use [a-z0-9][a-z0-9-]{0,62}", p.Contract, v.Service)
		}
		if seen[p.Contract] {
			return nil, Errorf(EINVALID, "%s %s provides contract %s twice", v.Service, v.Version, p.Contract)
		}
		seen[p.Contract] = true
	}
	for _, c := range v.Consumes {
		if !ValidServiceName(c.Contract) {
			return nil, Errorf(EINVALID, "contract name %q consumed by %s is invalid: use [a-z0-9][a-z0-9-]{0,62}", c.Contract, v.Service)
		}
	}
	for hash, content := range blobs {
		if got := HashBytes(content); got != hash {
			return nil, Errorf(EINVALID, "blob %s does not match its content (which hashes to %s)", hash, got)
		}
	}
	out := *v
	if out.PublishedAt.IsZero() {
		out.PublishedAt = now
	}
	out.PublishedAt = out.PublishedAt.UTC().Truncate(time.Microsecond)
	if out.Digest == "" {
		out.ComputeDigest()
	}
	return &out, nil
}

// ReferencedBlobs returns, sorted and without duplicates, the hashes of every
// file of every document v provides or expects.
func ReferencedBlobs(v *Version) []string {
	set := map[string]bool{}
	for _, p := range v.Provides {
		for _, f := range p.Doc.Files {
			set[f.Hash] = true
		}
	}
	for _, c := range v.Consumes {
		if c.Expectations != nil {
			for _, f := range c.Expectations.Files {
				set[f.Hash] = true
			}
		}
	}
	out := make([]string, 0, len(set))
	for h := range set {
		out = append(out, h)
	}
	sort.Strings(out)
	return out
}
