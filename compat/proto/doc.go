// Package proto checks whether a new version of a set of .proto files can
// replace the old one without breaking peers built from the old one.
//
// The flow of Check:
//
//  1. Index both sets (schemas/proto) by full name: messages, enums,
//     services, methods, extensions and files.
//  2. Pair elements: by full name first; then structurally, through the
//     fields and RPCs that reference them, so a message renamed or moved to
//     another package is compared with its successor by the fields it holds.
//  3. Run the rules of the explicit Rules list over every pair. A rule body
//     compares one (old, new) pair and returns messages; the adapters in
//     check.go do the pairing and fill in element, location and Affects.
//  4. Set each finding's severity: a rule that breaks only above the checked
//     level yields Info. Affects lists every message type and RPC whose
//     transitive closure reaches the changed element (reverse reachability
//     over both versions), so Options.Messages and the gate can narrow.
//  5. Sort the report.
package proto
