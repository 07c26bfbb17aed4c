// Package openapi is the OpenAPI checker: it decides whether a new version
// of an HTTP API can replace the old one without breaking a client written
// against the old one. Documents come from schemas/openapi (imported as
// oaschema), already resolved and carrying source positions.
//
// The flow of Check:
//
//  1. Pair paths by their normalised key (compat.NormalizePath, so
//     /orders/{id} and /orders/{orderId} are one path) in a map, then
//     operations by method; webhooks (3.1) by name and method, callbacks
//     by name, expression and method. Unpaired operations are removed
//     (breaking) or added (info).
//  2. For each paired operation compare, with the direction each part
//     travels: parameters (paired by location and name, path parameters by
//     their place in the template, headers case-insensitively; path-level
//     and operation-level merged), the request body and its media types, the
//     responses (status codes, headers, media types) and the effective
//     security requirements. A request is written by the client and read by
//     the provider, a response the other way round; in a webhook or callback
//     the provider writes the request and the subscriber the response, so
//     their schemas are compared with the directions swapped (and the
//     REQUEST_*/RESPONSE_* rule names keep meaning "written by the client" /
//     "written by the provider").
//  3. Each part whose schemas are compared becomes a root of the pair graph
//     (graph.go). A pair is (old schema, new schema, direction, polarity,
//     mode), normalised first (walk.go: allOf merged, oneOf/anyOf [null, X]
//     read as X nullable); it is compared once, however many operations or
//     routes reach it, recording its own changes and links to its
//     subschemas' pairs, so reference cycles cost nothing extra. Each
//     constraint says whether the new schema accepts fewer values
//     (narrowed) or more (widened), and the direction picks the rule: a
//     narrowed request and a widened response hurt clients, the other two
//     are info. Polarity turns effects round inside not and makes them both
//     ways inside if; parameters and headers are compared in text mode, by
//     the serialized text they accept (1 and "1" are one value, a single
//     value is an array of one).
//  4. After every pair is compared, a breadth-first walk from each root
//     through the pairs that lead to a change gives every change, for each
//     operation and part, the shortest path at which it is met there.
//     checker.add groups one change at one place of the documents (same
//     rule, location and predicate) into one finding whose Elements list
//     every operation and part it reaches.
//  5. Findings get their rule's severity and tolerance class from Rules, the
//     explicit rule list, and the report is sorted by file, line, column
//     and rule.
//
// # Elements
//
// Findings, Elements and Resolve spell the places of a document alike, as
// compat.Element prints them (scope, then part, then path):
//
//	GET /orders/{id}                                   an operation
//	webhook orderPaid POST                             a webhook operation
//	GET /orders/{id} parameter query limit             parameter in name
//	POST /orders request                               the request body
//	POST /orders request application/json              a request media type
//	GET /orders/{id} response 200                      a response (2XX, default)
//	GET /orders/{id} response 200 header X-Next        a response header
//	GET /orders/{id} response 200 application/json     a response media type
//	GET /orders/{id} security                          the security requirements
//	POST /subs callback onEvent {$request.body#/url} POST request application/json
//	                                                   a part of a callback operation
//	… application/json property total                  a place in the part's schema
//
// The path after "property" joins segments with dots: a property name
// (`customer.name`), and, attached without a dot, `[]` for array items,
// `[0]` for a prefixItems position, `[contains]`, `[unevaluated]`,
// `(oneOf Cat)` / `(anyOf Cat)` for an alternative (named by its component,
// title or shape), `(not)`, `(if)`, `(then)`, `(else)`,
// `(patternProperties ^x-)`, `(propertyNames)`, `(unevaluatedProperties)`,
// `(dependentSchemas card)`, `(contentSchema)`; `*` (after a dot) is
// additionalProperties. Users may write the method in any case and name
// template variables as they like (compat.ElementKey).
package openapi
