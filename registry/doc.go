// Package registry is the domain of the contract registry: services,
// contracts and their owners, immutable versions with their manifest and
// documents (stored content-addressed), consumptions, environments,
// deployments and approvals; the Store interface that SQLite, PostgreSQL and
// the remote client implement; and the errors, with stable codes, that the
// CLI maps to exit statuses and the server to HTTP statuses. It depends on
// no checker: the gate (package gate) joins the registry and the checkers.
//
// The flow of a deploy decision:
//
//  1. `contracts environment create` makes an environment known; every
//     command naming another is refused (CheckEnvironment).
//  2. `contracts publish` reads a manifest (ParseManifest), loads every
//     document it names with the loaders (schemas/...), and stores the
//     version with Store.Publish: one transaction, content-addressed blobs.
//  3. `contracts record-deployment` marks versions live per environment.
//  4. `contracts can-i-deploy` asks package gate, which reads what is live
//     (Store.LiveConsumers, Store.LiveProviders), compares documents and
//     decides.
package registry
