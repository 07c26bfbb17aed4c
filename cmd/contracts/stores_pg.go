package main

import (
	"context"

	"github.com/contractgate/contracts/registry"
	"github.com/contractgate/contracts/registry/postgres"
)

// openPostgres opens a PostgreSQL registry; its migrations run on open,
// under an advisory lock, so many processes may open it at once.
func openPostgres(ctx context.Context, url string) (registry.Store, error) {
	db, err := postgres.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	return db, nil
}
