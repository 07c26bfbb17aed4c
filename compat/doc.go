// Package compat holds what every checker shares: the finding model, the rule
// type, the report, and the comparison levels.
//
// The flow of a check is the same for every kind of contract:
//
//  1. A loader in schemas/... turns untrusted files into a normalised
//     document (an OpenAPI tree, a protobuf descriptor set) that keeps source
//     positions.
//  2. A checker in compat/... (compat/openapi, compat/proto) pairs the
//     elements of the old and the new document and runs the rules of its
//     explicit rule list over each pair. A rule body holds only the
//     comparison; the checker does the pairing and the direction (who writes,
//     who reads).
//  3. Each rule that finds a change appends a Finding to a Report: a stable
//     rule id, a severity, a whole-sentence message, the element, the scope
//     keys it affects (operations, RPCs, message types) and where it is.
//  4. The caller sorts the report and decides: `contracts diff` prints it,
//     the gate narrows it to what live consumers rely on (Report.Narrow).
//
// Findings are data. A checker returns an error only when it could not run.
package compat
