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
//     the fields it holds; then across a package rename (a file at the same
//     path whose package changed, or the one package gone with the one
//     package new) by the name within the package; then an unreferenced
//     message gone under its name with the one new message holding the same
//     fields. Services pair by name, then by short name in another package
//     (a package rename), then by their methods (a service rename).
//     Extensions pair by extended message and number, as peers see them,
//     then by full name (a renumbered extension).
//  3. Run the rules of the explicit ruleList (rules.go) over every pair. A
//     rule body (rules_*.go) compares one (old, new) pair and reports whole
//     sentences; the adapters in check.go do the pairing and fill in the
//     element, its location and Elements. Options, edition features and
//     custom options such as the Google API annotations are read off the
//     linked descriptors by features.go. A change is one finding: a rule
//     whose change another finding already names (a type's rename for the
//     fields that use it, a file's addition for what it declares) stays
//     silent.
//  4. Set each finding's severity: a rule that breaks only above the checked
//     level yields Info with a Note. Options.Flow turns off the rules that
//     cannot hurt when only NEW writes and only OLD reads (events). The loops
//     over pairs watch the context, so a cancelled check ends at once.
//  4. Set each finding's severity: a rule that breaks only above the checked
//     level yields Info with a Note. Options.Flow turns off the rules that
//     cannot hurt when only NEW writes and only OLD reads (events).
//  5. Elements list every place the change reaches (reverse reachability
//     over both versions), and Affects their scopes. Options.Messages keeps
//     only the findings that reach its message types and RPCs (what a
//     contract declaring `messages:` publishes); the gate narrows further
//     per consumer. Then the report is sorted.
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
