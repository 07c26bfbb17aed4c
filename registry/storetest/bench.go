package storetest

import (
	"context"
	"fmt"
	"hash/fnv"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/contractgate/contracts/registry"
)

// Environment variables sizing BenchmarkPublish.
const (
	EnvBenchServices = "CONTRACTS_BENCH_SERVICES" // default 1000
	EnvBenchVersions = "CONTRACTS_BENCH_VERSIONS" // default 20
)

func envInt(b *testing.B, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		b.Fatalf("%s=%q: want a positive number", name, s)
	}
	return n
}

// BenchSpec is version v of service s of n in the benchmark's registry: one
// OpenAPI contract of 5-20 KB whose content changes every version, an event
// contract on every fifth service, and three consumptions of other
// services' contracts.
func BenchSpec(s, v, n int) Spec {
	name := func(i int) string { return fmt.Sprintf("svc-%04d", i%n) }
	h := fnv.New32a()
	fmt.Fprint(h, s, "/", v)
	spec := Spec{
		Service:  name(s),
		Version:  fmt.Sprintf("1.%d.0", v),
		Provides: []string{name(s) + "-api"},
		Consumes: []string{name(s+1) + "-api", name(s+7) + "-api", name(s+31) + "-api"},
		Content:  fmt.Sprintf("%s v%d", name(s), v),
		DocSize:  5000 + int(h.Sum32()%15000),
		Branch:   "main",
		Commit:   fmt.Sprintf("%040x", h.Sum32()),
	}
	if s%5 == 0 {
		spec.Events = []string{name(s) + "-events"}
	}
	return spec
}

// BenchmarkPublish publishes CONTRACTS_BENCH_SERVICES services ×
// CONTRACTS_BENCH_VERSIONS versions into a fresh store per iteration and
// reports the mean time per publish (ns/publish, building versions not
// counted). Then it deploys every service's latest version and reports the
// 50th and 99th percentiles of one contract's live lookups
// (LiveConsumers + LiveProviders, as the gate makes per contract).
func BenchmarkPublish(b *testing.B, open func(b *testing.B) registry.Store) {
	ctx := context.Background()
	services := envInt(b, EnvBenchServices, 1000)
	versions := envInt(b, EnvBenchVersions, 20)
	var (
		publishing time.Duration
		publishes  int
		lookups    []time.Duration
	)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		st := open(b)
		b.StartTimer()
		for v := 0; v < versions; v++ {
			for s := 0; s < services; s++ {
				ver, blobs := BenchSpec(s, v, services).Build()
				start := time.Now()
				out, err := st.Publish(ctx, ver, blobs)
				publishing += time.Since(start)
				publishes++
				if err != nil || out != registry.Created {
					b.Fatalf("publish %s %s: %v, %v", ver.Service, ver.Version, out, err)
				}
			}
		}
		b.StopTimer()
		CreateEnvs(b, st, "production")
		for s := 0; s < services; s++ {
			spec := BenchSpec(s, versions-1, services)
			if err := st.RecordDeployment(ctx, registry.Deployment{Env: "production", Service: spec.Service, Version: spec.Version}, false); err != nil {
				b.Fatalf("deploy: %v", err)
			}
		}
		for s := 0; s < services; s++ {
			contract := BenchSpec(s, 0, services).Provides[0]
			start := time.Now()
			consumers, err := st.LiveConsumers(ctx, "production", contract)
			if err != nil {
				b.Fatalf("live consumers: %v", err)
			}
			if _, err := st.LiveProviders(ctx, "production", contract); err != nil {
				b.Fatalf("live providers: %v", err)
			}
			lookups = append(lookups, time.Since(start))
			if services > 31 && len(consumers) != 3 {
				b.Fatalf("%s has %d live consumers, want 3", contract, len(consumers))
			}
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(publishing.Nanoseconds())/float64(publishes), "ns/publish")
	sort.Slice(lookups, func(i, j int) bool { return lookups[i] < lookups[j] })
	pct := func(p float64) float64 {
		return float64(lookups[int(p*float64(len(lookups)-1))].Microseconds())
	}
	b.ReportMetric(pct(0.50), "µs/live-lookup-p50")
	b.ReportMetric(pct(0.99), "µs/live-lookup-p99")
}
