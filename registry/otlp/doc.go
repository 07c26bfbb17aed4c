// Package otlp learns who calls what from OpenTelemetry traces: it takes
// OTLP/HTTP trace exports, as the SDK exporters and the Collector's otlphttp
// exporter send them, and turns them into usage the gate can rely on.
//
// The pipeline, for one request:
//
//  1. Decode reads the body: protobuf (application/x-protobuf) or JSON
//     (application/json, with trace and span ids in hex as OTLP/JSON writes
//     them), optionally gzip-compressed, bounded before and after
//     decompression, into the OTLP project's generated
//     ExportTraceServiceRequest.
//  2. Ingester.Ingest reads each span's resource (service.name,
//     service.version, deployment.environment.name or the older
//     deployment.environment) and keeps CLIENT and SERVER spans only. A
//     span naming no environment, or one the registry does not know, is
//     counted as unmatched, never guessed.
//  3. A SERVER span is resolved to the element it served: http.route with
//     http.request.method (or the older http.method) matched by position to
//     the provider's OpenAPI paths after removing the servers' base path, or
//     rpc.service and rpc.method (or rpc.method "pkg.Service/Method" of the
//     newer conventions) looked up in its proto contracts. The provider is
//     the span's service, at its service.version when that is published,
//     else its versions live in the environment. What matches nothing is
//     kept with the reason, so its client half is consumed, not left over.
//  4. Each span becomes a half of a call: a CLIENT span keyed by its span
//     id, a SERVER span by its parent's, the method OpenTelemetry's service
//     graph uses. The store (registry.SpanStore) joins halves with those
//     pending from earlier requests, of this server or another one behind
//     the same load balancer, within a bounded window, and adds each call
//     to the consumer's usage of the element.
//
// A caller that is not a registered service still counts as a consumer: its
// calls are usage the gate fails closed on.
package otlp
