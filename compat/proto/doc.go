// Package proto checks whether a new version of a set of .proto files can
// replace the old one without breaking peers built from the old one.
//
// The flow of Check:
//
//  1. Index both sets (schemas/proto) by full name: files, messages, enums,
//     services and extensions, and build each side's reverse reference graph
//     (which messages and RPCs refer to which types), in index.go.
//  2. Pair elements (pair.go): by full name first; then structurally,
//     through the RPCs and the fields that reference them, so a message
//     renamed or moved to another package is compared with its successor by
//     the fields it holds; then an unreferenced message gone under its name
//     with the one new message holding the same fields. Services pair by
//     name, then by short name in another package (a package rename), then
//     by their methods (a service rename).
//  3. Run the rules of the explicit ruleList (rules.go) over every pair. A
//     rule body (rules_*.go) compares one (old, new) pair and reports whole
//     sentences; the adapters in check.go do the pairing and fill in the
//     element, its location and Affects.
//  4. Set each finding's severity: a rule that breaks only above the checked
//     level yields Info with a Note. Options.Flow turns off the rules that
//     cannot hurt when only NEW writes and only OLD reads (events).
//  5. Affects lists every message type and RPC whose transitive closure
//     reaches the changed element (reverse reachability over both versions);
//     Options.Messages, and the gate, narrow the report with it
//     (compat.Report.Narrow). Then the report is sorted.
package proto
