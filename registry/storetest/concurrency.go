package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/contractgate/contracts/registry"
)

// concurrencyTests race writers against each other; Run runs them on one
// store, RunShared across several handles on one database.
var concurrencyTests = []struct {
	name string
	run  func(t *testing.T, st registry.Store)
}{
	{"ConcurrentPublishAndDeploy", testConcurrentPublishAndDeploy},
	{"ConcurrentSameContent", testConcurrentSameContent},
	{"ConcurrentDifferentContent", testConcurrentDifferentContent},
	{"ConcurrentOwnership", testConcurrentOwnership},
}

// RunShared runs the concurrency cases with their writes spread round-robin
// over several handles on one database, as separate processes or registry
// servers sharing it would make them. open returns the handles (at least
// one), each closed by its own t.Cleanup.
func RunShared(t *testing.T, open func(t *testing.T) []registry.Store) {
	for _, tt := range concurrencyTests {
		t.Run(tt.name, func(t *testing.T) {
			handles := open(t)
			tt.run(t, &roundRobin{Store: handles[0], all: handles})
		})
	}
}

// roundRobin sends each write to the next handle; reads go to the first.
type roundRobin struct {
	registry.Store
	all  []registry.Store
	next atomic.Uint64
}

func (r *roundRobin) pick() registry.Store {
	return r.all[int(r.next.Add(1)%uint64(len(r.all)))]
}

// Publish publishes through the next handle.
func (r *roundRobin) Publish(ctx context.Context, v *registry.Version, blobs map[string][]byte) (registry.PublishOutcome, error) {
	return r.pick().Publish(ctx, v, blobs)
}

// RecordDeployment records through the next handle.
func (r *roundRobin) RecordDeployment(ctx context.Context, d registry.Deployment, keepPrevious bool) error {
	return r.pick().RecordDeployment(ctx, d, keepPrevious)
}

// workers is how many goroutines each concurrency test runs at once.
const workers = 50

// parallel runs fn for 0..n-1 at once, starting them together.
func parallel(n int, fn func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			fn(i)
		}()
	}
	close(start)
	wg.Wait()
}

// testConcurrentPublishAndDeploy has 50 goroutines publish overlapping
// versions (10 services × 3 versions, each built identically by every
// goroutine that publishes it) and record deployments, then checks that
// every version is stored once with its content, each exactly once
// Created, and that the deployments are exactly what was asked.
func testConcurrentPublishAndDeploy(t *testing.T, st registry.Store) {
	ctx := context.Background()
	const services, versions = 10, 3
	spec := func(i int) Spec {
		svc := fmt.Sprintf("svc-%d", i%services)
		ver := fmt.Sprintf("1.0.%d", (i/services)%versions)
		return Spec{
			Service: svc, Version: ver, Content: svc + ver,
			Provides: []string{svc + "-api"},
			Consumes: []string{fmt.Sprintf("svc-%d-api", (i+1)%services)},
		}
	}
	var (
		mu      sync.Mutex
		created = map[string]int{}
		errs    []error
	)
	CreateEnvs(t, st, "production", "staging")
	parallel(workers, func(i int) {
		s := spec(i)
		v, blobs := s.Build()
		out, err := st.Publish(ctx, v, blobs)
		if err == nil {
			// Every version stays live in production (canaries), and
			// staging holds one version per service.
			err = st.RecordDeployment(ctx, registry.Deployment{Env: "production", Service: s.Service, Version: s.Version}, true)
		}
		if err == nil {
			err = st.RecordDeployment(ctx, registry.Deployment{Env: "staging", Service: s.Service, Version: s.Version}, false)
		}
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			errs = append(errs, fmt.Errorf("worker %d (%s %s): %w", i, s.Service, s.Version, err))
			return
		}
		if out == registry.Created {
			created[s.Service+" "+s.Version]++
		}
	})
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("concurrent publishes and deployments failed:\n%v", err)
	}
	want := map[string]*registry.Version{}
	for i := 0; i < workers; i++ {
		s := spec(i)
		v, _ := s.Build()
		want[s.Service+" "+s.Version] = v
	}
	for key, v := range want {
		if created[key] != 1 {
			t.Errorf("%s was Created %d times, want once", key, created[key])
		}
		got, err := st.Version(ctx, v.Service, v.Version)
		if err != nil {
			t.Errorf("%s lost: %v", key, err)
			continue
		}
		if got.Digest != v.Digest || len(got.Provides) != 1 || len(got.Consumes) != 1 {
			t.Errorf("%s stored with digest %s, %d provisions, %d consumptions; want %s, 1, 1", key, got.Digest, len(got.Provides), len(got.Consumes), v.Digest)
		}
	}
	total := 0
	for s := 0; s < services; s++ {
		vs, err := st.Versions(ctx, fmt.Sprintf("svc-%d", s))
		if err != nil {
			t.Fatal(err)
		}
		total += len(vs)
	}
	if total != len(want) {
		t.Errorf("%d versions stored, want %d", total, len(want))
	}
	prod, err := st.Deployments(ctx, "production")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, d := range prod {
		key := d.Service + " " + d.Version
		if seen[key] {
			t.Errorf("%s is live twice in production", key)
		}
		seen[key] = true
	}
	if len(seen) != len(want) {
		t.Errorf("%d versions live in production, want %d", len(seen), len(want))
	}
	staging, err := st.Deployments(ctx, "staging")
	if err != nil {
		t.Fatal(err)
	}
	perService := map[string]int{}
	for _, d := range staging {
		perService[d.Service]++
	}
	for s := 0; s < services; s++ {
		if n := perService[fmt.Sprintf("svc-%d", s)]; n != 1 {
			t.Errorf("svc-%d has %d live versions in staging, want 1", s, n)
		}
	}
	consumers, err := st.LiveConsumers(ctx, "production", "svc-1-api")
	if err != nil {
		t.Fatal(err)
	}
	if len(consumers) != versions {
		t.Errorf("svc-1-api has %d live consumers in production, want %d (every svc-0 version)", len(consumers), versions)
	}
}

// testConcurrentSameContent races 50 publishes of one version with the same
// content: all succeed, exactly one Created.
func testConcurrentSameContent(t *testing.T, st registry.Store) {
	ctx := context.Background()
	outcomes := make([]registry.PublishOutcome, workers)
	errs := make([]error, workers)
	parallel(workers, func(i int) {
		v, blobs := Spec{Service: "payments", Version: "1.0.0", Provides: []string{"payments-api"}, Content: "same", Branch: fmt.Sprint("b", i)}.Build()
		outcomes[i], errs[i] = st.Publish(ctx, v, blobs)
	})
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("same-content republishes failed:\n%v", err)
	}
	created := 0
	for _, o := range outcomes {
		if o == registry.Created {
			created++
		}
	}
	if created != 1 {
		t.Errorf("%d publishes Created, want exactly 1 (the rest Unchanged)", created)
	}
}

// testConcurrentDifferentContent races 50 publishes of one version with
// different content: exactly one wins, the rest get ECONFLICT, and the
// stored version is the winner's.
func testConcurrentDifferentContent(t *testing.T, st registry.Store) {
	ctx := context.Background()
	digests := make([]string, workers)
	errs := make([]error, workers)
	parallel(workers, func(i int) {
		v, blobs := Spec{Service: "payments", Version: "1.0.0", Provides: []string{"payments-api"}, Content: fmt.Sprint("content-", i)}.Build()
		digests[i] = v.Digest
		_, errs[i] = st.Publish(ctx, v, blobs)
	})
	winner := -1
	for i, err := range errs {
		switch code := registry.ErrorCode(err); code {
		case "":
			if winner >= 0 {
				t.Errorf("workers %d and %d both published payments 1.0.0", winner, i)
			}
			winner = i
		case registry.ECONFLICT:
		default:
			t.Errorf("worker %d: %v (code %q), want success or ECONFLICT", i, err, code)
		}
	}
	if winner < 0 {
		t.Fatal("no publish won")
	}
	got, err := st.Version(ctx, "payments", "1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	if got.Digest != digests[winner] {
		t.Errorf("stored digest %s, want the winner's %s", got.Digest, digests[winner])
	}
}

// testConcurrentOwnership races 50 services to claim one new contract:
// exactly one owns it, the rest get EFORBIDDEN and store nothing.
func testConcurrentOwnership(t *testing.T, st registry.Store) {
	ctx := context.Background()
	errs := make([]error, workers)
	parallel(workers, func(i int) {
		v, blobs := Spec{Service: fmt.Sprint("svc-", i), Version: "1.0.0", Provides: []string{"shared-api"}, Content: fmt.Sprint(i)}.Build()
		_, errs[i] = st.Publish(ctx, v, blobs)
	})
	winner := -1
	for i, err := range errs {
		switch code := registry.ErrorCode(err); code {
		case "":
			if winner >= 0 {
				t.Errorf("svc-%d and svc-%d both published shared-api", winner, i)
			}
			winner = i
		case registry.EFORBIDDEN:
		default:
			t.Errorf("svc-%d: %v (code %q), want success or EFORBIDDEN", i, err, code)
		}
	}
	c, err := st.Contract(ctx, "shared-api")
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprint("svc-", winner); c.Owner != want {
		t.Errorf("shared-api owned by %s, want the winner %s", c.Owner, want)
	}
	services, err := st.Services(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(services) != 1 {
		t.Errorf("%d services stored, want only the winner", len(services))
	}
}
