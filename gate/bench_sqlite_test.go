package gate_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/contractgate/contracts/registry/sqlite"
)

// BenchmarkGateSQLite runs the gate benchmark on the embedded store.
// CONTRACTS_BENCH_DB keeps the filled registry at that path and reuses it
// on the next run, which saves the two minutes of filling while profiling.
func BenchmarkGateSQLite(b *testing.B) {
	path := os.Getenv("CONTRACTS_BENCH_DB")
	reuse := false
	if path == "" {
		path = filepath.Join(b.TempDir(), "bench.db")
	} else if _, err := os.Stat(path); err == nil {
		reuse = true
	}
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	runGateBench(b, db, reuse)
}
