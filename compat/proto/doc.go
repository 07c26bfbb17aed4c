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
//  5. Elements list every place the change reaches (reverse reachability
//     over both versions), and Affects their scopes; Options.Messages, and
//     the gate, narrow the report with them. Then the report is sorted.
//
// # Elements
//
// A finding's Elements, and what Resolve returns for a query, are spelled
// the same way (compat.Element.String):
//
//   - a change inside a type (a field, an enum value, the type itself)
//     reaches one element per RPC whose request or response type holds it
//     in its closure, `pricing.v1.PricingService.GetPrice response
//     pricing.v1.Price.amount_cents`, and one per message type whose
//     closure holds it, `pricing.v1.PriceChanged pricing.v1.Price.amount_cents`
//     (Scope, Part, Path); the changed message type itself is a scope
//     without a path, `pricing.v1.Price`;
//   - a field is named `pkg.Msg.field`, an extension by its full name, an
//     enum value `pkg.Enum.VALUE` (Resolve also takes `pkg.VALUE`); an enum
//     is a scope only when no message or RPC carries it, else the messages
//     and RPCs that carry it are;
//   - a change to an RPC or a service (deleted, streaming, HTTP binding)
//     reaches each RPC alone: `pricing.v1.PricingService.GetPrice`;
//   - a change to a file (package, options) reaches every type and RPC the
//     file declares, as if each had changed.
//
// A rule that hurts only one direction keeps only those elements: a field
// that became REQUIRED by google.api.field_behavior reaches the requests
// that carry it, not the responses.
package proto
