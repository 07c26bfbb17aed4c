// Package sqlite is the embedded registry store: one SQLite file, opened with
// the pure-Go driver modernc.org/sqlite. It implements registry.Store and
// registry.AuthStore and passes registry/storetest.
//
// The flow:
//
//  1. Open creates the file's folder, opens a single-connection writer pool
//     (WAL journal, busy_timeout, every transaction BEGIN IMMEDIATE) and a
//     read-only pool, then applies the embedded migrations in one
//     BEGIN IMMEDIATE transaction guarded by the schema_version table, so
//     two processes opening a new file at once apply them exactly once.
//  2. Publish checks the version (registry.PreparePublish), then in one
//     write transaction: an existing row with the same (service, version)
//     decides Unchanged or registry.ConflictError; contract ownership is
//     claimed or checked; referenced blobs must be given or already stored;
//     blobs (INSERT OR IGNORE), the version row, its provisions and its
//     consumptions are written. Any failure rolls all of it back.
//  3. Deployments point at version rows; LiveConsumers and LiveProviders
//     walk the contract's entries in the provisions/consumptions index on
//     (contract, version_id), probe deployments on (version_id, env), and
//     read the bodies of live rows only; CROSS JOIN fixes that order.
//
// Writers are serialised: by the one-connection pool inside a process and
// by BEGIN IMMEDIATE with busy_timeout across processes, so a racing
// publish always sees the winner's row and decides Unchanged or conflict.
package sqlite
