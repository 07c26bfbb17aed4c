package registry

import (
	"fmt"
	"sort"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// SortVersions orders versions oldest first: by semver where both parse, by
// publish time otherwise (and then by name, so the order is total).
func SortVersions(vs []*Version) {
	sort.SliceStable(vs, func(i, j int) bool { return VersionLess(vs[i], vs[j]) })
}

// VersionLess reports whether a comes before b in SortVersions order.
func VersionLess(a, b *Version) bool {
	sa, errA := semver.NewVersion(a.Version)
	sb, errB := semver.NewVersion(b.Version)
	if errA == nil && errB == nil && !sa.Equal(sb) {
		return sa.LessThan(sb)
	}
	if !a.PublishedAt.Equal(b.PublishedAt) {
		return a.PublishedAt.Before(b.PublishedAt)
	}
	return a.Version < b.Version
}

// ConflictError builds the ECONFLICT error for publishing version v again
// with content other than what existing holds, saying what differs.
func ConflictError(existing, v *Version) *Error {
	var diffs []string
	if string(existing.Manifest) != string(v.Manifest) {
		diffs = append(diffs, "the manifest contracts.yaml")
	}
	docs := func(ver *Version) map[string]Doc {
		m := map[string]Doc{}
		for _, p := range ver.Provides {
			m["contract "+p.Contract] = p.Doc
		}
		for _, c := range ver.Consumes {
			if c.Expectations != nil {
				m["expectations for "+c.Contract] = *c.Expectations
			}
		}
		return m
	}
	oldDocs, newDocs := docs(existing), docs(v)
	var names []string
	for n := range oldDocs {
		names = append(names, n)
	}
	for n := range newDocs {
		if _, ok := oldDocs[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		o, inOld := oldDocs[n]
		nw, inNew := newDocs[n]
		switch {
		case !inOld:
			diffs = append(diffs, n+" (not in the stored version)")
		case !inNew:
			diffs = append(diffs, n+" (only in the stored version)")
		case o.Hash != nw.Hash:
			diffs = append(diffs, n+" ("+changedFiles(o, nw)+")")
		}
	}
	if len(diffs) == 0 {
		diffs = append(diffs, "the content digest")
	}
	return Errorf(ECONFLICT, "%s %s is already published with different content: %s differ; versions are immutable, publish this content under a new version",
		v.Service, v.Version, strings.Join(diffs, ", "))
}

func changedFiles(a, b Doc) string {
	ah := map[string]string{}
	for _, f := range a.Files {
		ah[f.Path] = f.Hash
	}
	var changed []string
	seen := map[string]bool{}
	for _, f := range b.Files {
		seen[f.Path] = true
		if ah[f.Path] != f.Hash {
			changed = append(changed, f.Path)
		}
	}
	for _, f := range a.Files {
		if !seen[f.Path] {
			changed = append(changed, f.Path)
		}
	}
	sort.Strings(changed)
	if len(changed) == 0 {
		return "same files"
	}
	return fmt.Sprintf("files %s", strings.Join(changed, ", "))
}
