// Package server is the registry's HTTP/JSON API (`contracts serve`) over
// any registry.Store, with bearer tokens from a registry.AuthStore. The API
// is described by schemas/registry-api.yaml; registry/client is its client.
//
// The server is built to be used by callers who are not all trusted: a
// team's CI token, a browser logged in to the web page. It answers what a
// client cannot be trusted to compute (the gate runs here, over documents
// whose hashes the server computed itself) and reads nothing of a request
// before it knows the caller may make it.
//
// The flow of one request:
//
//  1. The standard library's ServeMux routes it by method and path
//     (routeTable: the API's routes, plus /healthz, /readyz, /metrics and
//     the web page at /).
//  2. instrument recovers a panic into a 500 (the server keeps running),
//     counts the request and its duration for Prometheus and writes one
//     structured log line with log/slog, tagged with a request ID (the
//     proxy's X-Request-ID, or a fresh one) that the answer echoes. A 503
//     is logged at WARN (INFO while draining, when it is expected), other
//     5xx at ERROR.
//  3. api bounds the body (64 MiB for a publish, 1 MiB for the rest) and
//     the time of the store calls, then authorises from the headers and
//     path alone: a request that changes something and whose Origin names
//     another site is refused; the bearer token is looked up by the
//     SHA-256 of its secret (revoked or unknown: 401); the caller must hold
//     the route's scope (read; publish:SERVICE and deploy:ENV from the
//     path; admin; wildcards and admin include the narrower scopes). API
//     routes take only `Authorization: Bearer`: Basic auth, which browsers
//     cache and resend to whatever page asks, opens the web page only.
//     With --insecure-no-auth a caller without a token may read and never
//     write.
//  4. A route that does costly work (a publish; a gate or verify run)
//     takes a slot of its pool, first one of the caller's own (at most
//     MaxWorkPerToken per token), then one of the server's; a request
//     waits for them without its body read, so slow or huge bodies of a
//     caller hold that caller's slots only. The work then runs under a
//     memory Budget (1 GiB by default): past it, the request answers 503.
//  5. The handler reads the body (decode: Content-Type application/json,
//     exactly one JSON value, no unknown fields), checks the exact scope
//     when it names something in the body (the environment of a
//     deployment, the consumer of an approval), calls the store, appends
//     every mutation to the audit log (who, what, when) and answers JSON.
//     A publish is verified before it is stored (registry.VerifyPublish):
//     every hash and the digest recomputed from the bytes received, every
//     path checked, every document loaded. The audit entry follows the
//     mutation (the Store and AuthStore are separate): a failed append is
//     logged and counted in contracts_audit_failures_total, not reported
//     to the client, whose change already happened.
//  6. Any error becomes {"error":{"code","message"}} with the HTTP status
//     of its registry error code, from the one table codeStatus. A store
//     that is down answers 503 with Retry-After; what the store or its
//     driver said (which may name the database's user, host and port)
//     goes to the log, and the caller, authenticated or not, reads only
//     "database unavailable" and the request ID. /readyz says the same.
//
// The gate runs on the server (gate.go): POST /v1/gate/can-i-deploy, POST
// /v1/gate/verify (a working copy uploaded and verified like a publish, not
// stored), GET /v1/contracts/{contract}/users (who-uses) and GET /v1/graph
// answer with the gate package's own types, with the server's clock. The
// comparison cache in the store is written only by that gate: no route
// reads or writes it, its keys are the hashes of documents the server
// verified, and a working copy's comparisons are not cached at all.
//
// Tokens are managed over HTTP by an admin (GET/POST /v1/tokens, DELETE
// /v1/tokens/{id}; the last admin token cannot be revoked), and the audit
// log is read at GET /v1/audit, so administering a server never needs the
// database's credentials; only the first admin token is made on the store.
//
// The web page at / lists services, versions, environments with their live
// versions and the consumer → provider graph per environment, and answers
// a can-i-deploy form (?service=&version=&env=) with the same gate,
// showing every check and the findings behind each refusal. It is plain
// HTML, GET only, no scripts, not to be framed by another site; it keeps no
// session, so the login (the token as Basic auth password) is resent by the
// browser with every page and replicas share nothing.
//
// POST /v1/traces (traces.go) takes OpenTelemetry trace exports with a
// token of scope usage and answers as OTLP/HTTP does (an
// ExportTraceServiceResponse, or a google.rpc.Status for a body it cannot
// read); registry/otlp turns them into usage, and the store
// (registry.SpanStore) joins the halves of each call, so the two halves may
// reach different servers. Ingestion is counted on /metrics
// (contracts_otlp_spans_total, contracts_otlp_unmatched_total), not audited.
//
// Serve shuts down gracefully when its context ends (SIGTERM in `contracts
// serve`): /readyz starts failing, and after DrainDelay it stops accepting
// connections and finishes the requests in flight.
// Servers keep no state of their own, so several can share one PostgreSQL.
package server
