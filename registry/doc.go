// Package registry is the domain of the contract registry: services,
// contracts and their owners, immutable versions with their manifest and
// documents (stored content-addressed), consumptions, deployments and
// approvals; the Store interface that SQLite, PostgreSQL and the remote
// client implement; and the gate that joins the registry and the checkers.
//
// The flow of a deploy decision:
//
//  1. `contracts publish` reads a manifest (ParseManifest), loads every
//     document it names with the checkers' loaders, and stores the version
//     with Store.Publish: one transaction, content-addressed blobs.
//  2. `contracts record-deployment` marks versions live per environment.
//  3. `contracts can-i-deploy` (Gate.CanIDeploy) loads the candidate
//     version, finds every live counterpart in the target environment
//     (Store.LiveConsumers, Store.LiveProviders), compares documents with the
//     checkers (cached by content hash), narrows each comparison to what the
//     consumer relies on, applies approvals, and returns a Decision.
package registry
