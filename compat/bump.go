package compat

import (
	"fmt"

	"github.com/Masterminds/semver/v3"
)

// Bump is the part of a semantic version a set of changes calls for.
type Bump int

// The bumps, smallest first.
const (
	// Patch: nothing a client can see changed.
	Patch Bump = iota
	// Minor: additions and other compatible changes.
	Minor
	// Major: at least one breaking change.
	Major
)

// String returns patch, minor or major.
func (b Bump) String() string {
	switch b {
	case Major:
		return "major"
	case Minor:
		return "minor"
	}
	return "patch"
}

// MarshalText writes the bump by name.
func (b Bump) MarshalText() ([]byte, error) { return []byte(b.String()), nil }

// Bump returns the bump the report's changes call for: major when anything
// breaks, minor when anything at all changed, patch otherwise.
func (r *Report) Bump() Bump {
	switch {
	case r.Breaking():
		return Major
	case len(r.Findings) > 0:
		return Minor
	}
	return Patch
}

// NextVersion returns the version that follows current for bump b. Before
// 1.0.0, semver allows anything in a minor, so a major bump of 0.y.z raises
// the minor and a minor bump raises the patch.
func NextVersion(current string, b Bump) (string, error) {
	v, err := semver.NewVersion(current)
	if err != nil {
		return "", fmt.Errorf("version %q is not semver: %w", current, err)
	}
	var next semver.Version
	switch {
	case b == Major && v.Major() == 0:
		next = v.IncMinor()
	case b == Major:
		next = v.IncMajor()
	case b == Minor && v.Major() == 0:
		next = v.IncPatch()
	case b == Minor:
		next = v.IncMinor()
	default:
		next = v.IncPatch()
	}
	return next.Original(), nil
}

// Admits reports whether moving from version from to version to is a bump of
// at least b under semver, and whether both parse as semver at all. A
// pre-1.0 minor bump admits breaking changes.
func Admits(from, to string, b Bump) (admits, semverBoth bool) {
	f, err1 := semver.NewVersion(from)
	t, err2 := semver.NewVersion(to)
	if err1 != nil || err2 != nil {
		return false, false
	}
	switch b {
	case Major:
		if t.Major() > f.Major() {
			return true, true
		}
		return t.Major() == 0 && f.Major() == 0 && t.Minor() > f.Minor(), true
	case Minor:
		return t.Major() > f.Major() || (t.Major() == f.Major() && t.Minor() > f.Minor()) ||
			(t.Major() == 0 && !t.LessThan(f) && !t.Equal(f)), true
	}
	return true, true
}
