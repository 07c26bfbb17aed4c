package gate_test

import (
	"context"
	"testing"

	"github.com/contractgate/contracts/registry/postgres"
	"github.com/contractgate/contracts/registry/postgres/pgtest"
)

// TestMain stops the PostgreSQL server a benchmark may have started.
func TestMain(m *testing.M) { pgtest.Main(m) }

// BenchmarkGatePostgres runs the gate benchmark on a real PostgreSQL
// server that the test starts itself.
func BenchmarkGatePostgres(b *testing.B) {
	db, err := postgres.Open(context.Background(), pgtest.Database(b))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	runGateBench(b, db, false)
}
