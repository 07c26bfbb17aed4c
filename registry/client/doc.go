// Package client is a registry.Store that talks to a registry server
// (`contracts serve`, package registry/server) over its JSON API, so the CLI
// and the gate work unchanged with `--registry https://…`.
//
// The flow of one call:
//
//  1. A Store method builds the route of schemas/registry-api.yaml, escaping
//     each path segment, and encodes its arguments as the JSON body (blobs
//     and reports as base64).
//  2. call sends it with the bearer token, each attempt bounded by the
//     caller's context and a timeout: one minute for reads, five for
//     writes (WithTimeout sets both).
//  3. Reads (GETs and the blob query) are retried with doubling backoff on
//     network failures and 502/503/504; writes never are, since a write
//     whose answer was lost may have happened.
//  4. An error answer {"error":{"code","message"}} becomes a
//     *registry.Error with the server's code, so callers see the same codes
//     as with a local store; an answer without one is classified by status;
//     a server that cannot be reached is registry.EUNAVAILABLE.
package client
