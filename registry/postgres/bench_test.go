package postgres_test

import (
	"testing"

	"github.com/contractgate/contracts/registry"
	"github.com/contractgate/contracts/registry/storetest"
)

// BenchmarkPublish: see storetest.BenchmarkPublish; size it with
// CONTRACTS_BENCH_SERVICES and CONTRACTS_BENCH_VERSIONS and run it with
// -benchtime=1x.
func BenchmarkPublish(b *testing.B) {
	storetest.BenchmarkPublish(b, func(b *testing.B) registry.Store { return open(b) })
}
