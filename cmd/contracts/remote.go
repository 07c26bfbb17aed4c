package main

import (
	"context"

	"github.com/contractgate/contracts/registry"
)

// openRemote opens a registry server as a Store.
func openRemote(ctx context.Context, url, token string) (registry.Store, error) {
	return nil, usageErrorf("--registry %s: registry servers are not supported by this build yet", url)
}
