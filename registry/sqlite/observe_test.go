package sqlite_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/contractgate/contracts/registry"
	"github.com/contractgate/contracts/registry/sqlite"
	"github.com/contractgate/contracts/registry/storetest"
)

// TestHistoryMigrationFillsLiveVersions: a registry made before histories
// were kept gets an open interval, from its deployment time, for every
// version live when it is upgraded.
func TestHistoryMigrationFillsLiveVersions(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "registry.db")
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"migrations/0001_init.sql", "migrations/0002_environments.sql"} {
		body, err := os.ReadFile(m)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := raw.Exec(string(body)); err != nil {
			t.Fatalf("%s: %v", m, err)
		}
	}
	deployed := time.Date(2026, 2, 1, 9, 30, 0, 0, time.UTC)
	for _, q := range []string{
		`CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (2)`,
		`INSERT INTO versions (id, service, version, published_at, manifest, digest) VALUES (1, 'orders', '1.0.0', 0, 'service: orders', 'd1'), (2, 'orders', '1.1.0', 0, 'service: orders', 'd2')`,
		`INSERT INTO environments (name, created_at) VALUES ('production', 0)`,
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := raw.Exec(`INSERT INTO deployments (env, service, version, version_id, deployed_at) VALUES ('production', 'orders', '1.0.0', 1, ?), ('production', 'orders', '1.1.0', 2, ?)`,
		deployed.UnixMicro(), deployed.Add(time.Hour).UnixMicro()); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	db, err := sqlite.OpenExisting(ctx, path)
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	defer db.Close()
	got, err := db.DeploymentHistory(ctx, "production", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Version != "1.0.0" || !got[0].From.Equal(deployed) || !got[0].Live() ||
		got[1].Version != "1.1.0" || !got[1].From.Equal(deployed.Add(time.Hour)) || !got[1].Live() {
		t.Fatalf("history after the upgrade = %+v, want 1.0.0 and 1.1.0 live since their deployments", got)
	}
	// The filled intervals close like any other.
	if err := db.RecordUndeployment(ctx, "production", "orders", "1.0.0"); err != nil {
		t.Fatal(err)
	}
	got, err = db.DeploymentHistory(ctx, "production", time.Time{})
	if err != nil || len(got) != 2 || got[0].Live() || !got[1].Live() {
		t.Errorf("history after undeploying 1.0.0 = %+v, %v", got, err)
	}
}

// TestSharedSpans joins the halves of calls sent through two handles on one
// file at once, as two processes would.
func TestSharedSpans(t *testing.T) {
	storetest.RunSharedSpans(t, func(t *testing.T) []registry.Store {
		path := filepath.Join(t.TempDir(), "registry.db")
		var handles []registry.Store
		for i := 0; i < 2; i++ {
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
