// Package gate decides whether deploying service versions to an environment
// keeps every live counterpart working, and says who relies on what. It works
// over the registry's domain types and Store (package registry) and joins
// them with the checkers (compat/openapi, compat/proto); the registry itself
// depends on no checker.
//
// The flow of one decision (Gate.Decide), one file per step:
//
//  1. gate.go: the environment must exist (a typo never answers yes); each
//     candidate (a published version, or a working copy for verify) must own
//     the contracts it provides.
//  2. provider.go: for every contract the candidate provides (or its live
//     versions provided), every live consumer is a check. The consumer's
//     findings are the changes from each live baseline to the candidate that
//     it relies on (reliance.go), what it names that is gone, and for a
//     consumer with expectations the comparison of its expectations with the
//     candidate.
//  3. consumer.go: for every contract the candidate consumes, every live
//     provider version must offer what the candidate relies on.
//  4. reliance.go: the one notion of reliance. A finding lists every element
//     it reaches (operation, part, path); a consumer relies on an element
//     when it declares nothing narrower, names its scope in uses or
//     messages, or lists it in its expectations. The verdict, who-uses, the
//     changelog's "relied on by" and the web page all ask this file.
//  5. tolerance.go: a finding of a class the consumer tolerates is info for
//     that consumer only.
//  6. approvals.go: a breaking finding every element of which an approval
//     holding in this environment covers is approved, not refused.
//  7. changes.go and semver.go: the full change from each live baseline
//     (whoever relies on it, marked from the checks), and whether the
//     version numbers admit it; a version older than a baseline is a
//     rollback.
//  8. cache.go: comparisons are cached in the store by content hashes, the
//     rule lists' fingerprint and the release, so a repeated gate parses and
//     diffs nothing.
//
// Findings are data: an error from the gate means it could not decide.
package gate
