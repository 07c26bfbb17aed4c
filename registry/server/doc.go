// Package server is the registry's HTTP/JSON API (`contracts serve`) over
// any registry.Store, with bearer tokens from a registry.AuthStore. The API
// is described by schemas/registry-api.yaml; registry/client is its client.
//
// The flow of one request:
//
//  1. The standard library's ServeMux routes it by method and path
//     (routeTable: one route per Store method, plus /healthz, /readyz,
//     /metrics and the web page at /).
//  2. instrument recovers a panic into a 500 (the server keeps running),
//     counts the request and its duration for Prometheus and writes one
//     structured log line with log/slog, tagged with a request ID (the
//     proxy's X-Request-ID, or a fresh one) that the answer echoes.
//  3. api bounds the body (64 MiB for a publish, 1 MiB for most routes;
//     at most MaxConcurrentPublishes publish bodies are decoded at once),
//     bounds the store calls in time, and authenticates the bearer token:
//     the SHA-256 of the secret finds the token; revoked or unknown tokens
//     answer 401.
//  4. The handler checks the scope the action needs (read; publish:SERVICE;
//     deploy:ENV; admin; wildcards and admin include the narrower scopes),
//     calls the store, appends every mutation to the audit log (who, what,
//     when) and answers JSON. The audit entry follows the mutation (the
//     Store and AuthStore are separate): a failed append is logged and
//     counted in contracts_audit_failures_total, not reported to the
//     client, whose change already happened.
//  5. Any error becomes {"error":{"code","message"}} with the HTTP status of
//     its registry error code, from the one table codeStatus.
//
// The web page at / lists services, versions, environments with their live
// versions and the consumer → provider graph per environment, and answers
// a can-i-deploy form (?service=&version=&env=) with gate.Gate, showing
// every check and the findings behind each refusal. It is plain HTML: no
// scripts.
//
// Serve shuts down gracefully when its context ends (SIGTERM in `contracts
// serve`): /readyz starts failing, and after DrainDelay it stops accepting
// connections and finishes the requests in flight.
// Servers keep no state of their own, so several can share one PostgreSQL.
package server
