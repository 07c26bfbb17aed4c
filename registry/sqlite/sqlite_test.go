package sqlite_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/contractgate/contracts/registry"
	"github.com/contractgate/contracts/registry/sqlite"
	"github.com/contractgate/contracts/registry/storetest"
)

func open(t testing.TB) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "nested", "registry.db"))
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

// TestSharedFile races writers through three handles on one file, each with
// its own pools, as three processes would.
func TestSharedFile(t *testing.T) {
	storetest.RunShared(t, func(t *testing.T) []registry.Store {
		path := filepath.Join(t.TempDir(), "registry.db")
		var handles []registry.Store
		for i := 0; i < 3; i++ {
			db, err := sqlite.Open(context.Background(), path)
			if err != nil {
				t.Fatalf("open handle %d: %v", i, err)
			}
			t.Cleanup(func() { db.Close() })
			handles = append(handles, db)
		}
		return handles
	})
}

// TestConcurrentOpen opens one new file from many goroutines at once, each
// with its own pools, as separate processes would: the migrations are
// applied once and every opener can write.
func TestConcurrentOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "registry.db")
	const openers = 8
	var wg sync.WaitGroup
	errs := make([]error, openers)
	for i := 0; i < openers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := sqlite.Open(context.Background(), path)
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

func TestOpenBadPath(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, code string
	}{
		{"empty", "", registry.EINVALID},
		{"folder is a file", filepath.Join(file, "registry.db"), registry.EUNAVAILABLE},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sqlite.Open(context.Background(), tt.path)
			if got := registry.ErrorCode(err); got != tt.code {
				t.Errorf("open %q: %v (code %q), want %q", tt.path, err, got, tt.code)
			}
		})
	}
}

// TestNewerSchemaRefused: a binary must not write to a registry whose
// schema a newer binary has migrated past what it knows.
func TestNewerSchemaRefused(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "registry.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE schema_version SET version = 999`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	_, err = sqlite.Open(ctx, path)
	if registry.ErrorCode(err) != registry.EUNAVAILABLE || !strings.Contains(err.Error(), "999") {
		t.Errorf("open a newer schema: %v, want EUNAVAILABLE naming version 999", err)
	}
}
