package registry_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/contractgate/contracts/registry/sqlite"
)

func BenchmarkGateSQLite(b *testing.B) {
	db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	runGateBench(b, db)
}
