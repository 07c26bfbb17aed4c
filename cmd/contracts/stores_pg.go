package main

import (
	"context"
	"errors"

	"github.com/contractgate/contracts/registry"
)

func openPostgres(ctx context.Context, url string) (registry.Store, error) {
	return nil, errors.New("PostgreSQL support is not built yet")
}
