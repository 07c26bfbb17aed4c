package gate_test

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/contractgate/contracts/gate"
	"github.com/contractgate/contracts/registry"
	"github.com/contractgate/contracts/registry/storetest"
)

// The gate benchmark fills a registry the size of a large company and asks
// can-i-deploy for random services: by default 1,000 services with 50
// versions each, 5 environments, about 5 consumers per contract, an OpenAPI
// document of about 40 operations per version. CONTRACTS_BENCH_SERVICES and
// CONTRACTS_BENCH_VERSIONS shrink it for a quick look.

func benchSize() (services, versions int) {
	services, versions = 1000, 50
	if n, err := strconv.Atoi(os.Getenv("CONTRACTS_BENCH_SERVICES")); err == nil && n > 10 {
		services = n
	}
	if n, err := strconv.Atoi(os.Getenv("CONTRACTS_BENCH_VERSIONS")); err == nil && n > 5 {
		versions = n
	}
	return services, versions
}

var benchEnvs = []string{"production", "staging", "qa", "dev", "sandbox"}

// benchDoc is service i's API at version v: 40 operations on a few shared
// schemas, growing by one operation every fifth version.
func benchDoc(i, v int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "openapi: 3.0.3\ninfo: {title: svc%d, version: 1.%d.0}\npaths:\n", i, v)
	ops := 20 + v/5
	for o := 0; o < ops; o++ {
		fmt.Fprintf(&b, "  /svc%d/r%d/{id}:\n    parameters:\n      - {name: id, in: path, required: true, schema: {type: string}}\n", i, o)
		fmt.Fprintf(&b, "    get:\n      operationId: get%d\n      parameters:\n        - {name: expand, in: query, schema: {type: string, enum: [items, customer]}}\n", o)
		b.WriteString("      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: '#/components/schemas/Thing'}\n")
		fmt.Fprintf(&b, "    put:\n      operationId: put%d\n      requestBody:\n        required: true\n        content:\n          application/json:\n            schema: {$ref: '#/components/schemas/NewThing'}\n", o)
		b.WriteString("      responses:\n        '200': {description: ok}\n        '422': {description: invalid}\n")
	}
	b.WriteString(`components:
  schemas:
    NewThing:
      type: object
      required: [name]
      properties:
        name: {type: string, maxLength: 200}
        count: {type: integer, minimum: 0}
        tags: {type: array, items: {type: string}, maxItems: 20}
    Thing:
      type: object
      required: [id, name, createdAt]
      properties:
        id: {type: string}
        name: {type: string}
        count: {type: integer}
        createdAt: {type: string, format: date-time}
        owner: {$ref: '#/components/schemas/Owner'}
    Owner:
      type: object
      properties:
        id: {type: string}
        email: {type: string, format: email}
`)
	return []byte(b.String())
}

func benchVersion(i, v, services int) (*registry.Version, map[string][]byte) {
	svc := fmt.Sprintf("svc%d", i)
	doc, blobs := registry.NewDoc(registry.OpenAPI, "openapi.yaml", map[string][]byte{"openapi.yaml": benchDoc(i, v)})
	ver := &registry.Version{
		Service: svc, Version: fmt.Sprintf("1.%d.0", v),
		Manifest:    []byte(fmt.Sprintf("service: %s\n# version %d\n", svc, v)),
		Provides:    []registry.Provision{{Contract: svc + "-api", Kind: registry.OpenAPI, Path: "openapi.yaml", Doc: doc}},
		PublishedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(v) * time.Hour),
	}
	for k := 1; k <= 5; k++ {
		p := (i + k*7) % services
		c := registry.Consumption{Contract: fmt.Sprintf("svc%d-api", p)}
		if (i+k)%5 != 0 {
			c.Uses = []string{fmt.Sprintf("GET /svc%d/r%d/{id}", p, k), fmt.Sprintf("PUT /svc%d/r%d/{id}", p, k+1)}
		}
		ver.Consumes = append(ver.Consumes, c)
	}
	ver.ComputeDigest()
	return ver, blobs
}

// fillBench publishes every version and deploys one or two per service in
// each environment.
func fillBench(tb testing.TB, store registry.Store) (services, versions int) {
	services, versions = benchSize()
	ctx := context.Background()
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < services; i += 4 {
				for v := 1; v <= versions; v++ {
					ver, blobs := benchVersion(i, v, services)
					if _, err := store.Publish(ctx, ver, blobs); err != nil {
						errs <- err
						return
					}
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		tb.Fatal(err)
	}
	storetest.CreateEnvs(tb, store, benchEnvs...)
	for e, env := range benchEnvs {
		for i := 0; i < services; i++ {
			v := max(versions-1-e*3-i%3, 2)
			d := registry.Deployment{Env: env, Service: fmt.Sprintf("svc%d", i), Version: fmt.Sprintf("1.%d.0", v)}
			if err := store.RecordDeployment(ctx, d, false); err != nil {
				tb.Fatal(err)
			}
			if i%10 == 0 { // a canary: two live versions
				d.Version = fmt.Sprintf("1.%d.0", v-1)
				if err := store.RecordDeployment(ctx, d, true); err != nil {
					tb.Fatal(err)
				}
			}
		}
	}
	tb.Logf("filled %d services × %d versions, %d environments in %s", services, versions, len(benchEnvs), time.Since(start).Round(time.Millisecond))
	return services, versions
}

// runGateBench asks can-i-deploy for the newest version of random services:
// each (service, environment) pair once cold (nothing cached), then the
// same pairs again warm; it reports p50 and p99 of each.
func runGateBench(b *testing.B, store registry.Store, filled bool) {
	services, versions := benchSize()
	if !filled {
		fillBench(b, store)
	}
	ctx := context.Background()
	rng := rand.New(rand.NewSource(1))
	type ask struct {
		env string
		p   gate.Party
	}
	n := 200
	asks := make([]ask, n)
	for k := range asks {
		i := rng.Intn(services)
		asks[k] = ask{benchEnvs[rng.Intn(len(benchEnvs))], gate.Party{Service: fmt.Sprintf("svc%d", i), Version: fmt.Sprintf("1.%d.0", versions)}}
	}
	measure := func() []time.Duration {
		var ds []time.Duration
		for _, a := range asks {
			gt := &gate.Gate{Store: store, Now: time.Now}
			t0 := time.Now()
			d, err := gt.CanIDeploy(ctx, a.env, []gate.Party{a.p})
			if err != nil {
				b.Fatal(err)
			}
			ds = append(ds, time.Since(t0))
			if len(d.Checks) == 0 {
				b.Fatalf("%s in %s: no counterpart checked", a.p, a.env)
			}
		}
		return ds
	}
	b.ResetTimer()
	var cold, warm []time.Duration
	for it := 0; it < b.N; it++ {
		if it == 0 {
			cold = measure()
		}
		warm = append(warm, measure()...)
	}
	b.StopTimer()
	b.ReportMetric(pct(cold, 50), "cold-p50-ms")
	b.ReportMetric(pct(cold, 99), "cold-p99-ms")
	b.ReportMetric(pct(warm, 50), "warm-p50-ms")
	b.ReportMetric(pct(warm, 99), "warm-p99-ms")
}

func pct(ds []time.Duration, p int) float64 {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s) == 0 {
		return 0
	}
	k := (len(s)*p + 99) / 100
	if k > 0 {
		k--
	}
	return float64(s[k].Microseconds()) / 1000
}
