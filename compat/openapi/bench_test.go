package openapi

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/contractgate/contracts/internal/budget"
	oaschema "github.com/contractgate/contracts/schemas/openapi"
)

// BenchmarkGitHubAPI loads and compares two consecutive releases of GitHub's
// REST description (about 12 MB of JSON each), loading both concurrently as
// the CLI does.
func BenchmarkGitHubAPI(b *testing.B) {
	dir := filepath.Join("..", "..", "testdata", "external", "octokit")
	oldPath := filepath.Join(dir, "old", "api.github.com.json")
	newPath := filepath.Join(dir, "new", "api.github.com.json")
	for _, p := range []string{oldPath, newPath} {
		if _, err := os.Stat(p); err != nil {
			b.Skipf("%s is absent: run `make fetch-bench-data` (scripts/fetch-openapi-bench.sh) to fetch @octokit/openapi 22.0.0 and 23.0.0", p)
		}
	}
	ctx := context.Background()
	b.ReportAllocs()
	defer cpuTime(b)()
	for b.Loop() {
		old, new, err := oaschema.LoadPair(ctx, oldPath, newPath)
		if err != nil {
			b.Fatal(err)
		}
		rep, err := Check(ctx, old, new)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(rep.Findings)), "findings")
	}
}

// generated writes an OpenAPI document with n operations over n/4 paths
// sharing a few component schemas; change alters one shared schema and a
// few operations.
func generated(n int, change bool) []byte {
	var b strings.Builder
	b.WriteString("openapi: 3.0.3\ninfo:\n  title: Generated\n  version: 1.0.0\npaths:\n")
	methods := []string{"get", "put", "post", "delete"}
	for i := 0; i < n/len(methods); i++ {
		fmt.Fprintf(&b, "  /resources%d/{id}:\n    parameters:\n      - name: id\n        in: path\n        required: true\n        schema:\n          type: string\n", i)
		for _, m := range methods {
			fmt.Fprintf(&b, "    %s:\n      operationId: %s%d\n", m, m, i)
			if change && i%1000 == 0 && m == "get" {
				b.WriteString("      parameters:\n        - name: filter\n          in: query\n          required: true\n          schema:\n            type: string\n")
			}
			if m == "put" || m == "post" {
				fmt.Fprintf(&b, "      requestBody:\n        content:\n          application/json:\n            schema:\n              $ref: '#/components/schemas/Item%d'\n", i%10)
			}
			fmt.Fprintf(&b, "      responses:\n        '200':\n          description: OK\n          content:\n            application/json:\n              schema:\n                $ref: '#/components/schemas/Item%d'\n        '404':\n          description: Not found\n", i%10)
		}
	}
	b.WriteString("components:\n  schemas:\n")
	for i := 0; i < 10; i++ {
		fmt.Fprintf(&b, "    Item%d:\n      type: object\n      required: [id]\n      properties:\n        id:\n          type: string\n        count:\n          type: integer\n          maximum: 100\n", i)
		if change && i == 3 {
			b.WriteString("        extra:\n          type: string\n")
		}
	}
	return []byte(b.String())
}

// BenchmarkGenerated10k loads and compares a generated spec of 10,000
// operations (3.7 MB of YAML) against a changed copy.
func BenchmarkGenerated10k(b *testing.B) { benchGenerated(b, 10000) }

// BenchmarkGenerated5MB does the same for a pair of about 5 MB each
// (14,000 operations; YAML, slower to parse than JSON).
func BenchmarkGenerated5MB(b *testing.B) { benchGenerated(b, 14000) }

// BenchmarkGenerated5MBJSON compares the same document written as JSON
// (about 5 MB each side), the form large generated specs usually take.
func BenchmarkGenerated5MBJSON(b *testing.B) { benchGeneratedAs(b, 8600, true) }

func benchGenerated(b *testing.B, ops int) { benchGeneratedAs(b, ops, false) }

func benchGeneratedAs(b *testing.B, ops int, asJSON bool) {
	oldDoc, newDoc := generated(ops, false), generated(ops, true)
	if asJSON {
		oldDoc, newDoc = toJSON(b, oldDoc), toJSON(b, newDoc)
	}
	fsys := fstest.MapFS{
		"old/openapi.yaml": {Data: oldDoc},
		"new/openapi.yaml": {Data: newDoc},
	}
	b.SetBytes(int64(len(oldDoc)))
	ctx := context.Background()
	b.ReportAllocs()
	defer cpuTime(b)()
	for b.Loop() {
		// Both sides load concurrently, as the CLI loads them.
		var old *oaschema.Document
		var oldErr error
		done := make(chan struct{})
		go func() {
			defer close(done)
			old, oldErr = oaschema.Load(ctx, fsys, "old/openapi.yaml", oaschema.Options{})
		}()
		new, err := oaschema.Load(ctx, fsys, "new/openapi.yaml", oaschema.Options{})
		<-done
		if err != nil || oldErr != nil {
			b.Fatal(err, oldErr)
		}
		rep, err := Check(ctx, old, new)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(rep.Findings)), "findings")
	}
}

// toJSON rewrites a generated YAML document as indented JSON.
func toJSON(b *testing.B, doc []byte) []byte {
	var v any
	if err := yaml.Unmarshal(doc, &v); err != nil {
		b.Fatal(err)
	}
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// cpuTime reports the process CPU time (user and system) per operation
// next to ns/op: on a shared machine the wall clock measures the neighbours
// as much as the code.
func cpuTime(b *testing.B) func() {
	start := rusage()
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64((rusage()-start).Milliseconds())/float64(b.N), "cpu-ms/op")
		}
	}
}

func rusage() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// wideDoc writes what ../shared/corpus/generators/openapi_wide.py writes: a
// document of about mb megabytes made of many small paths.
func wideDoc(mb float64) []byte {
	var b strings.Builder
	b.WriteString("openapi: 3.0.3\ninfo: {title: wide, version: '1'}\npaths:\n")
	for n := 0; float64(b.Len()) < mb*(1<<20); n++ {
		fmt.Fprintf(&b, "  /p%d:\n    get:\n      responses:\n        '200': {description: ok, content: "+
			"{application/json: {schema: {type: object, properties: {a: {type: string}, "+
			"b: {type: integer}}}}}}\n", n)
	}
	return []byte(b.String())
}

// BenchmarkWide6MB and BenchmarkWide60MB load a wide document twice (as
// the CLI loads OLD and NEW, concurrently) and compare it with itself:
// the cost must grow linearly with the size.
func BenchmarkWide6MB(b *testing.B)  { benchWide(b, 6) }
func BenchmarkWide60MB(b *testing.B) { benchWide(b, 60) }

func benchWide(b *testing.B, mb float64) {
	fsys := fstest.MapFS{"openapi.yaml": {Data: wideDoc(mb)}}
	b.SetBytes(int64(len(fsys["openapi.yaml"].Data)))
	// Within the CLI's default budget, so `make bench` never swaps the
	// machine: past it the benchmark says so and stops.
	ctx, stop := budget.Watch(context.Background(), budget.DefaultProcess, "")
	defer stop()
	defer func() {
		if budget.IsExceeded(context.Cause(ctx)) {
			b.Skipf("%.0f MB: %v", mb, context.Cause(ctx))
		}
	}()
	b.ReportAllocs()
	defer cpuTime(b)()
	for b.Loop() {
		var old *oaschema.Document
		var oldErr error
		done := make(chan struct{})
		go func() {
			defer close(done)
			old, oldErr = oaschema.Load(ctx, fsys, "openapi.yaml", oaschema.Options{})
		}()
		new, err := oaschema.Load(ctx, fsys, "openapi.yaml", oaschema.Options{})
		<-done
		if ctx.Err() != nil {
			return
		}
		if err != nil || oldErr != nil {
			b.Fatal(err, oldErr)
		}
		rep, err := Check(ctx, old, new)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			b.Fatal(err)
		}
		if len(rep.Findings) != 0 {
			b.Fatalf("a document compared with itself reports %v", rep.Findings[0])
		}
	}
}

// BenchmarkCycles compares documents of k schemas that all reference each
// other (../shared/corpus/generators/openapi_cycles.py): the cost must grow
// with the documents' size (k²), not with the routes through them.
func BenchmarkCycles(b *testing.B) {
	for _, k := range []int{4, 10, 20, 40} {
		b.Run(fmt.Sprintf("K=%d", k), func(b *testing.B) {
			fsys := fstest.MapFS{"old/openapi.json": {Data: cyclesDoc(k, false)}, "new/openapi.json": {Data: cyclesDoc(k, true)}}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				old, err := oaschema.Load(ctx, fsys, "old/openapi.json", oaschema.Options{})
				if err != nil {
					b.Fatal(err)
				}
				new, err := oaschema.Load(ctx, fsys, "new/openapi.json", oaschema.Options{})
				if err != nil {
					b.Fatal(err)
				}
				rep, err := Check(ctx, old, new)
				if err != nil {
					b.Fatal(err)
				}
				if len(rep.Findings) != 1 || rep.Findings[0].Rule != "RESPONSE_PROPERTY_ADDED" || len(rep.Findings[0].Elements) != k {
					b.Fatalf("want one RESPONSE_PROPERTY_ADDED reaching %d operations, got %v", k, rep.Findings)
				}
			}
		})
	}
}

// BenchmarkStripe loads and compares the Stripe pair of
// ../shared/corpus/stripe-12 (two consecutive commits of Stripe's
// spec3.yaml, about 1.9 MB each), whose expandable fields make every
// schema reachable from every other.
func BenchmarkStripe(b *testing.B) {
	dir := filepath.Join("..", "..", "..", "shared", "corpus", "stripe-12")
	oldPath, newPath := filepath.Join(dir, "old.yaml"), filepath.Join(dir, "new.yaml")
	if _, err := os.Stat(oldPath); err != nil {
		b.Skipf("%s is absent", oldPath)
	}
	ctx := context.Background()
	b.ReportAllocs()
	defer cpuTime(b)()
	for b.Loop() {
		old, new, err := oaschema.LoadPair(ctx, oldPath, newPath)
		if err != nil {
			b.Fatal(err)
		}
		rep, err := Check(ctx, old, new)
		if err != nil {
			b.Fatal(err)
		}
		if rep.Breaking() {
			b.Fatalf("the Stripe pair is compatible; got %v", rep.Findings)
		}
		b.ReportMetric(float64(len(rep.Findings)), "findings")
	}
}

// BenchmarkElementsStripe lists the elements of Stripe's document, whose
// routes through its schemas are far too many to list: the listing must
// stay within its bounds and be cheap.
func BenchmarkElementsStripe(b *testing.B) {
	p := filepath.Join("..", "..", "..", "shared", "corpus", "stripe-12", "new.yaml")
	if _, err := os.Stat(p); err != nil {
		b.Skipf("%s is absent", p)
	}
	ctx := context.Background()
	d, err := oaschema.LoadFile(ctx, p)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		es, err := Elements(ctx, d)
		if err != nil {
			b.Fatal(err)
		}
		places := 0
		for _, e := range es {
			if e.Path != "" {
				places++
			}
		}
		if places > MaxElements {
			b.Fatalf("%d places, more than %d", places, MaxElements)
		}
		b.ReportMetric(float64(len(es)), "elements")
	}
}
