// Package postgres is the registry store on PostgreSQL, through pgx v5 and
// its pool, for registry servers that run side by side over one database. It
// implements registry.Store and registry.AuthStore and passes
// registry/storetest.
//
// The flow:
//
//  1. Open connects a pgxpool and applies the embedded migrations in one
//     transaction holding pg_advisory_xact_lock(migrationLock), guarded by
//     the schema_version table, so two processes opening a new database at
//     once apply them exactly once.
//  2. Publish checks the version (registry.PreparePublish), then in one
//     READ COMMITTED transaction: INSERT the version row ON CONFLICT DO
//     NOTHING first — a racing publish of the same (service, version) waits
//     for the winner's transaction and then gets no row, rolls back, reads
//     the winner's version and answers Unchanged or registry.ConflictError;
//     contracts are claimed in name order (INSERT ON CONFLICT DO NOTHING,
//     then the owner is read back: EFORBIDDEN if another service's);
//     referenced blobs must be given or stored; blobs (in hash order, ON
//     CONFLICT DO NOTHING), provisions and consumptions follow. The fixed
//     lock order (version, contracts, blobs) keeps racing publishes from
//     deadlocking; deadlocks, serialization failures and unique violations
//     are retried all the same.
//  3. RecordDeployment takes a transaction-scoped advisory lock on
//     (environment, service), so replacing live versions is serialised per
//     service and environment. LiveConsumers and LiveProviders walk the
//     contract's rows (index on contract) and probe deployments for each
//     (index on env, version_id), a join order fixed in the query so it
//     stays cheap even when the planner's statistics are stale.
package postgres
