package server

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/contractgate/contracts/registry"
	"github.com/contractgate/contracts/registry/client"
	"github.com/contractgate/contracts/registry/postgres"
	"github.com/contractgate/contracts/registry/storetest"
)

// startPostgresServers starts n servers, each with its own connection pool,
// over one PostgreSQL database, and returns their URLs, an admin secret
// and a store to inspect the database directly.
func startPostgresServers(t testing.TB, n int) ([]string, string, *postgres.DB) {
	t.Helper()
	ctx := context.Background()
	url := pgDatabase(t)
	var urls []string
	var first *postgres.DB
	for i := 0; i < n; i++ {
		db, err := postgres.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if first == nil {
			first = db
		}
		srv, err := New(db, Options{Auth: db})
		if err != nil {
			t.Fatal(err)
		}
		hs := httptest.NewServer(srv.Handler())
		t.Cleanup(hs.Close)
		urls = append(urls, hs.URL)
	}
	_, secret, err := CreateToken(ctx, first, "cluster-admin", []string{"admin"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return urls, secret, first
}

// startServeProcesses starts n `contracts serve` processes over one
// PostgreSQL database, with an admin token made by `contracts token create`.
func startServeProcesses(t *testing.T, n int) ([]string, string, *postgres.DB) {
	t.Helper()
	bin := buildContracts(t)
	url := pgDatabase(t)
	secret := createToken(t, bin, url, "cluster-admin", "admin")
	var urls []string
	for i := 0; i < n; i++ {
		urls = append(urls, startServe(t, bin, url).url)
	}
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return urls, secret, db
}

// TestTwoServersOnePostgres: 20 clients spread over two servers (in this
// process, and as two `contracts serve` processes) publish 200 versions and
// record 400 deployments at once, and race to republish each other's
// versions; afterwards every write is there exactly once.
func TestTwoServersOnePostgres(t *testing.T) {
	for _, tt := range []struct {
		name  string
		start func(t *testing.T) ([]string, string, *postgres.DB)
	}{
		{"in-process", func(t *testing.T) ([]string, string, *postgres.DB) { return startPostgresServers(t, 2) }},
		{"processes", func(t *testing.T) ([]string, string, *postgres.DB) { return startServeProcesses(t, 2) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			urls, secret, db := tt.start(t)
			testCluster(t, urls, secret, db)
		})
	}
}

func testCluster(t *testing.T, urls []string, secret string, db *postgres.DB) {
	ctx := context.Background()
	storetest.CreateEnvs(t, db, "canary", "prod")
	const clients, perClient = 20, 10
	svc := func(i int) string { return fmt.Sprintf("svc%02d", i%clients) }
	spec := func(i, j int) storetest.Spec {
		return storetest.Spec{Service: svc(i), Version: fmt.Sprintf("1.0.%d", j), Provides: []string{svc(i) + "-api"}, Consumes: []string{svc(i+1) + "-api"}, Content: fmt.Sprint(j)}
	}
	var created, unchanged atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, clients*perClient*4)
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each request of a client alternates between the servers.
			cs := []*client.Client{}
			for _, u := range urls {
				c, err := client.New(u, secret)
				if err != nil {
					errs <- err
					return
				}
				cs = append(cs, c)
			}
			for j := 0; j < perClient; j++ {
				own, other := cs[j%2], cs[(j+1)%2]
				v, blobs := spec(i, j).Build()
				out, err := own.Publish(ctx, v, blobs)
				if err != nil {
					errs <- fmt.Errorf("client %d publish %s %s: %w", i, v.Service, v.Version, err)
					continue
				}
				count(out, &created, &unchanged)
				// Race the neighbour's publish of the same version.
				nv, nblobs := spec(i+1, j).Build()
				if out, err := other.Publish(ctx, nv, nblobs); err != nil {
					errs <- fmt.Errorf("client %d republish %s %s: %w", i, nv.Service, nv.Version, err)
				} else {
					count(out, &created, &unchanged)
				}
				if err := other.RecordDeployment(ctx, registry.Deployment{Env: "canary", Service: v.Service, Version: v.Version}, true); err != nil {
					errs <- fmt.Errorf("client %d deploy canary: %w", i, err)
				}
				if err := own.RecordDeployment(ctx, registry.Deployment{Env: "prod", Service: v.Service, Version: v.Version}, false); err != nil {
					errs <- fmt.Errorf("client %d deploy prod: %w", i, err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	if created.Load() != clients*perClient || unchanged.Load() != clients*perClient {
		t.Errorf("%d created and %d unchanged, want %d of each", created.Load(), unchanged.Load(), clients*perClient)
	}

	// Read back through the other server than the one most writes went to.
	c, _ := client.New(urls[1], secret)
	services, err := c.Services(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(services) != clients {
		t.Errorf("%d services, want %d", len(services), clients)
	}
	for i := 0; i < clients; i++ {
		vs, err := c.Versions(ctx, svc(i))
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, v := range vs {
			if seen[v.Version] {
				t.Errorf("%s %s stored twice", svc(i), v.Version)
			}
			seen[v.Version] = true
		}
		if len(vs) != perClient {
			t.Errorf("%s has %d versions, want %d", svc(i), len(vs), perClient)
		}
	}
	canary, err := c.Deployments(ctx, "canary")
	if err != nil {
		t.Fatal(err)
	}
	if len(canary) != clients*perClient {
		t.Errorf("%d live in canary, want %d", len(canary), clients*perClient)
	}
	prod, err := c.Deployments(ctx, "prod")
	if err != nil {
		t.Fatal(err)
	}
	if len(prod) != clients {
		t.Errorf("%d live in prod, want %d (one per service)", len(prod), clients)
	}
	for _, d := range prod {
		if d.Version != fmt.Sprintf("1.0.%d", perClient-1) {
			t.Errorf("prod runs %s %s, want the last version deployed", d.Service, d.Version)
		}
	}
	consumers, err := c.LiveConsumers(ctx, "prod", svc(0)+"-api")
	if err != nil || len(consumers) != 1 || consumers[0].Service != svc(clients-1) {
		t.Errorf("live consumers of %s-api in prod: %+v, %v", svc(0), consumers, err)
	}
	entries, err := db.Audit(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]int{}
	for _, e := range entries {
		actions[e.Action]++
	}
	if actions["publish"] != 2*clients*perClient || actions["record-deployment"] != 2*clients*perClient {
		t.Errorf("audit log: %v, want %d publishes and %d deployments", actions, 2*clients*perClient, 2*clients*perClient)
	}
}

func count(out registry.PublishOutcome, created, unchanged *atomic.Int64) {
	if out == registry.Created {
		created.Add(1)
	} else {
		unchanged.Add(1)
	}
}
