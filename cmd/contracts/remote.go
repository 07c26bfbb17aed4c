package main

import (
	"context"

	"github.com/contractgate/contracts/registry"
	"github.com/contractgate/contracts/registry/client"
)

// openRemote opens a registry server as a Store. Nothing is sent until the
// first call, so a server that cannot be reached fails that call with
// exit status 3.
func openRemote(ctx context.Context, url, token string) (registry.Store, error) {
	c, err := client.New(url, token, client.WithUserAgent("contracts/"+version))
	if err != nil {
		return nil, usageErrorf("--registry %s: %v", url, err)
	}
	return c, nil
}
