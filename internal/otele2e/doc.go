// Package otele2e tests usage observed from traces end to end: two services
// instrumented with the real OpenTelemetry Go SDK (otelhttp, otelgrpc and
// the otlptracehttp exporter) call each other over HTTP and gRPC, with a
// `contracts serve` process as their OTLP endpoint, and `contracts usage`
// shows what they were observed calling against what they declare.
package otele2e
