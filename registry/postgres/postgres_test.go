package postgres_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/contractgate/contracts/registry"
	"github.com/contractgate/contracts/registry/postgres"
	"github.com/contractgate/contracts/registry/postgres/pgtest"
	"github.com/contractgate/contracts/registry/storetest"
)

// TestMain stops the PostgreSQL server the tests started, if any.
func TestMain(m *testing.M) { pgtest.Main(m) }

// open returns a store on a fresh schema of the test server.
func open(t testing.TB) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), pgtest.Database(t))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) registry.Store { return open(t) })
}

func TestAuthStore(t *testing.T) {
	storetest.RunAuth(t, func(t *testing.T) registry.AuthStore { return open(t) })
}

// TestSharedDatabase races writers through three pools on one database, as
// three registry servers would.
func TestSharedDatabase(t *testing.T) {
	storetest.RunShared(t, func(t *testing.T) []registry.Store {
		url := pgtest.Database(t)
		var handles []registry.Store
		for i := 0; i < 3; i++ {
			db, err := postgres.Open(context.Background(), url)
			if err != nil {
				t.Fatalf("open handle %d: %v", i, err)
			}
			t.Cleanup(func() { db.Close() })
			handles = append(handles, db)
		}
		return handles
	})
}

// TestConcurrentOpen opens one new database from many goroutines at once,
// each with its own pool, as separate processes would: the migrations are
// applied once under the advisory lock and every opener can write.
func TestConcurrentOpen(t *testing.T) {
	url := pgtest.Database(t)
	const openers = 8
	var wg sync.WaitGroup
	errs := make([]error, openers)
	for i := 0; i < openers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := postgres.Open(context.Background(), url)
			if err != nil {
				errs[i] = err
				return
			}
			defer db.Close()
			errs[i] = db.PutCachedReport(context.Background(), "k", []byte("v"))
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("opener %d: %v", i, err)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	tests := []struct {
		name, url, code string
	}{
		{"bad URL", "postgres://%zz", registry.EINVALID},
		{"nobody listening", "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2", registry.EUNAVAILABLE},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := postgres.Open(context.Background(), tt.url)
			if got := registry.ErrorCode(err); got != tt.code {
				t.Errorf("open %q: %v (code %q), want %q", tt.url, err, got, tt.code)
			}
		})
	}
}

// TestNewerSchemaRefused: a binary must not write to a registry whose
// schema a newer binary has migrated past what it knows.
func TestNewerSchemaRefused(t *testing.T) {
	ctx := context.Background()
	url := pgtest.Database(t)
	db, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `UPDATE schema_version SET version = 999`); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	_, err = postgres.Open(ctx, url)
	if registry.ErrorCode(err) != registry.EUNAVAILABLE || !strings.Contains(err.Error(), "999") {
		t.Errorf("open a newer schema: %v, want EUNAVAILABLE naming version 999", err)
	}
}
