package server

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/contractgate/contracts/gate"
	"github.com/contractgate/contracts/registry"
	"github.com/contractgate/contracts/registry/client"
	"github.com/contractgate/contracts/registry/storetest"
)

// benchServices is how many services the read benchmarks seed.
const benchServices = 20

// BenchmarkServer measures, on loopback, requests per second and the p99
// latency of a can-i-deploy's reads (Version, LiveConsumers, LiveProviders,
// Blobs: four requests per op), of the whole gate (gate.Gate through
// the client, comparisons cached after the first) and of publish (one
// request per op), from 16 concurrent clients, against one server over
// SQLite and two servers over one PostgreSQL. -benchtime bounds each run
// (default 1s).
func BenchmarkServer(b *testing.B) {
	setups := []struct {
		name  string
		start func(b *testing.B) ([]string, string)
	}{
		{"sqlite-1server", func(b *testing.B) ([]string, string) {
			db := openSQLite(b)
			_, hs := startServer(b, db, Options{})
			return []string{hs.URL}, token(b, db, "bench", "admin")
		}},
		{"postgres-2servers", func(b *testing.B) ([]string, string) {
			urls, secret, _ := startPostgresServers(b, 2)
			return urls, secret
		}},
	}
	for _, s := range setups {
		b.Run(s.name, func(b *testing.B) {
			urls, secret := s.start(b)
			clients := benchClients(b, urls, secret)
			seedBench(b, clients[0])
			b.Run("can-i-deploy-reads", func(b *testing.B) {
				runBench(b, clients, 4, func(ctx context.Context, c *client.Client, i int64) error {
					k := int(i % benchServices)
					v, err := c.Version(ctx, benchSvc(k), "1.0.0")
					if err != nil {
						return err
					}
					if _, err := c.LiveConsumers(ctx, "prod", benchSvc(k)+"-api"); err != nil {
						return err
					}
					if _, err := c.LiveProviders(ctx, "prod", benchSvc(k+1)+"-api"); err != nil {
						return err
					}
					_, err = c.Blobs(ctx, registry.ReferencedBlobs(v))
					return err
				})
			})
			// The gate itself through the client: the reads above plus the
			// cached comparison lookups, as `contracts can-i-deploy` runs.
			b.Run("can-i-deploy-gate", func(b *testing.B) {
				runBench(b, clients, 0, func(ctx context.Context, c *client.Client, i int64) error {
					k := int(i % benchServices)
					g := &gate.Gate{Store: c, CacheSalt: "bench"}
					d, err := g.CanIDeploy(ctx, "prod", []gate.Party{{Service: benchSvc(k), Version: "1.1.0"}})
					if err == nil && !d.Deployable {
						err = fmt.Errorf("%s 1.1.0 refused: %+v", benchSvc(k), d.Refusals())
					}
					return err
				})
			})
			var seq atomic.Int64
			b.Run("publish", func(b *testing.B) {
				runBench(b, clients, 1, func(ctx context.Context, c *client.Client, _ int64) error {
					n := seq.Add(1)
					v, blobs := storetest.Spec{Service: benchSvc(int(n % benchServices)), Version: fmt.Sprintf("2.0.%d", n), Provides: []string{benchSvc(int(n%benchServices)) + "-api"}, Content: fmt.Sprint(n), DocSize: 16 << 10}.Build()
					_, err := c.Publish(ctx, v, blobs)
					return err
				})
			})
		})
	}
}

func benchSvc(i int) string { return fmt.Sprintf("bench%02d", i%benchServices) }

// benchClients makes one client per server, sharing a transport with
// enough idle connections for the concurrent workers.
func benchClients(b *testing.B, urls []string, secret string) []*client.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	hc := &http.Client{Transport: tr, Timeout: time.Minute}
	b.Cleanup(tr.CloseIdleConnections)
	var out []*client.Client
	for _, u := range urls {
		c, err := client.New(u, secret, client.WithHTTPClient(hc))
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

// seedBench publishes one version per service, each consuming the next
// service's contract, all live in prod.
func seedBench(b *testing.B, c *client.Client) {
	ctx := context.Background()
	storetest.CreateEnvs(b, c, "prod")
	for i := 0; i < benchServices; i++ {
		v, blobs := storetest.Spec{Service: benchSvc(i), Version: "1.0.0", Provides: []string{benchSvc(i) + "-api"}, Consumes: []string{benchSvc(i+1) + "-api"}, DocSize: 16 << 10}.Build()
		if _, err := c.Publish(ctx, v, blobs); err != nil {
			b.Fatal(err)
		}
		if err := c.RecordDeployment(ctx, registry.Deployment{Env: "prod", Service: v.Service, Version: v.Version}, false); err != nil {
			b.Fatal(err)
		}
		// The candidate of the gate benchmark: the same contracts, the
		// next version.
		next, nextBlobs := storetest.Spec{Service: benchSvc(i), Version: "1.1.0", Provides: []string{benchSvc(i) + "-api"}, Consumes: []string{benchSvc(i+1) + "-api"}, DocSize: 16 << 10}.Build()
		if _, err := c.Publish(ctx, next, nextBlobs); err != nil {
			b.Fatal(err)
		}
	}
}

// runBench runs op from 16 concurrent workers spread over the clients
// (servers) and reports requests/s (ops/s when requestsPerOp is 0: an op
// of varying requests) and the p99 latency of one op.
func runBench(b *testing.B, clients []*client.Client, requestsPerOp int, op func(ctx context.Context, c *client.Client, i int64) error) {
	ctx := context.Background()
	var (
		mu        sync.Mutex
		latencies []time.Duration
		next      atomic.Int64
		worker    atomic.Int64
	)
	b.SetParallelism(max(1, 16/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		c := clients[int(worker.Add(1))%len(clients)]
		var local []time.Duration
		for pb.Next() {
			t0 := time.Now()
			if err := op(ctx, c, next.Add(1)); err != nil {
				b.Error(err)
				return
			}
			local = append(local, time.Since(t0))
		}
		mu.Lock()
		latencies = append(latencies, local...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	if len(latencies) == 0 {
		return
	}
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	p99 := latencies[min(len(latencies)-1, len(latencies)*99/100)]
	if requestsPerOp > 0 {
		b.ReportMetric(float64(len(latencies)*requestsPerOp)/elapsed.Seconds(), "req/s")
	} else {
		b.ReportMetric(float64(len(latencies))/elapsed.Seconds(), "ops/s")
	}
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms/op")
}
