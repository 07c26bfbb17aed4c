package postgres_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/contractgate/contracts/registry"
	"github.com/contractgate/contracts/registry/postgres"
	"github.com/contractgate/contracts/registry/postgres/pgtest"
	"github.com/contractgate/contracts/registry/storetest"
)

// TestHistoryMigrationFillsLiveVersions: a registry made before histories
// were kept gets an open interval, from its deployment time, for every
// version live when it is upgraded.
func TestHistoryMigrationFillsLiveVersions(t *testing.T) {
	ctx := context.Background()
	url := pgtest.Database(t)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"migrations/0001_init.sql", "migrations/0002_environments.sql"} {
		body, err := os.ReadFile(m)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(ctx, string(body)); err != nil {
			t.Fatalf("%s: %v", m, err)
		}
	}
	deployed := time.Date(2026, 2, 1, 9, 30, 0, 0, time.UTC)
	for _, q := range []string{
		`CREATE TABLE schema_version (version integer NOT NULL)`,
		`INSERT INTO schema_version VALUES (2)`,
		`INSERT INTO versions (id, service, version, published_at, manifest, digest) OVERRIDING SYSTEM VALUE VALUES (1, 'orders', '1.0.0', now(), 'service: orders', 'd1'), (2, 'orders', '1.1.0', now(), 'service: orders', 'd2')`,
		`INSERT INTO environments (name, created_at) VALUES ('production', now())`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := conn.Exec(ctx, `INSERT INTO deployments (env, service, version, version_id, deployed_at) VALUES ('production', 'orders', '1.0.0', 1, $1), ('production', 'orders', '1.1.0', 2, $2)`,
		deployed, deployed.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)

	db, err := postgres.OpenExisting(ctx, url)
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
	if err := db.RecordUndeployment(ctx, "production", "orders", "1.0.0"); err != nil {
		t.Fatal(err)
	}
	got, err = db.DeploymentHistory(ctx, "production", time.Time{})
	if err != nil || len(got) != 2 || got[0].Live() || !got[1].Live() {
		t.Errorf("history after undeploying 1.0.0 = %+v, %v", got, err)
	}
}

// TestSharedSpans joins the halves of calls sent through three pools on one
// database at once, as three registry servers behind a load balancer would.
func TestSharedSpans(t *testing.T) {
	storetest.RunSharedSpans(t, func(t *testing.T) []registry.Store {
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
