// Package storetest is the one test suite every registry storage backend
// passes, so SQLite, PostgreSQL and anything later behave alike.
//
// A backend's test calls:
//
//  1. Run(t, open) with an open function that returns a fresh, empty store
//     for each subtest (and closes it in t.Cleanup). Run walks a table of
//     behaviours: publish and read back, version ordering, services and
//     contract ownership, blobs, idempotent republish, conflicts, failed
//     publishes leaving nothing behind, deployments, live consumers and
//     providers, approvals and the report cache.
//  2. The concurrency cases inside Run: 50 goroutines publishing and
//     deploying at once, same-content and different-content races and an
//     ownership race, each checked for lost or doubled writes.
//  3. RunAuth(t, open) for registry.AuthStore: tokens and the audit log.
//  4. BenchmarkPublish(b, open) from the backend's benchmark: publishes
//     services × versions (CONTRACTS_BENCH_SERVICES, CONTRACTS_BENCH_VERSIONS)
//     and reports ns/publish, then the p99 of the gate's live lookups.
//
// Spec builds test versions with their blobs.
package storetest
