// Package openapi is the OpenAPI checker: it decides whether a new version
// of an HTTP API can replace the old one without breaking a client written
// against the old one. Documents come from schemas/openapi (imported as
// oaschema), already resolved and carrying source positions.
//
// The flow of Check:
//
//  1. Pair paths by their normalised key (compat.NormalizePath, so
//     /orders/{id} and /orders/{orderId} are one path) in a map, never by
//     comparing every pair, then operations by method. Unpaired operations
//     are removed (breaking) or added (info).
//  2. For each paired operation compare, with the direction each part
//     travels: parameters (paired by location and name, path parameters by
//     their place in the template, headers case-insensitively; path-level
//     and operation-level merged), the request body and its media types, the
//     responses (status codes, headers, media types) and the effective
//     security requirements. A request is written by the client and read by
//     the provider; a response the other way round.
//  3. Schemas are compared resolved, so an inline schema and a $ref to an
//     identical component are equal. checker.schema memoises on (old
//     schema, new schema, direction): a component reached from a thousand
//     operations is compared once, and recursive schemas terminate. allOf
//     members are merged first; oneOf/anyOf alternatives are paired by
//     component name or shape. Each constraint (type, nullable, format,
//     enum, bounds, lengths, items, uniqueItems, multipleOf, pattern,
//     additionalProperties, discriminator mapping, alternatives) says whether
//     the new schema accepts fewer values (narrowed) or more (widened), and
//     the direction picks the rule: a narrowed request and a widened
//     response hurt clients, the other two are info.
//  4. Every change goes through checker.add, which groups one change at one
//     place of the documents (same rule, location and predicate) reached
//     from many operations into one finding whose Affects lists them all and
//     whose message names the first few.
//  5. Findings get their rule's severity from Rules, the explicit rule list,
//     and the report is sorted by file, line, column and rule.
package openapi
