package main

import (
	"context"

	"github.com/contractgate/contracts/registry"
	"github.com/contractgate/contracts/registry/postgres"
)

// openPostgres opens a PostgreSQL registry; its migrations run on open,
// under an advisory lock, so many processes may open it at once. Without
// create, a database with no registry schema is refused.
func openPostgres(ctx context.Context, url string, create bool) (registry.Store, error) {
	open := postgres.OpenExisting
	if create {
		open = postgres.Open
	}
	db, err := open(ctx, url)
	if err != nil {
		return nil, err
	}
	return db, nil
}
