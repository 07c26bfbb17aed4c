package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/contractgate/contracts/registry"
	"github.com/contractgate/contracts/registry/sqlite"
)

// defaultRegistryPath is the embedded registry under the user's data folder:
// $XDG_DATA_HOME/contracts/registry.db, else ~/.local/share/contracts.
func defaultRegistryPath() (string, error) {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "contracts", "registry.db"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return "", usageErrorf("no registry given and no home folder to keep the embedded one in: set --registry or CONTRACTS_REGISTRY (for example sqlite:./registry.db)")
	}
	return filepath.Join(home, ".local", "share", "contracts", "registry.db"), nil
}

// openStore opens the registry named by --registry: a file path or
// sqlite:PATH, postgres://…, or http(s)://… for a registry server.
func (g *globals) openStore(ctx context.Context) (registry.Store, error) {
	url := g.registry
	if url == "" {
		p, err := defaultRegistryPath()
		if err != nil {
			return nil, err
		}
		url = p
	}
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		db, err := openPostgres(ctx, url)
		if err != nil {
			return nil, unavailable("PostgreSQL registry", err)
		}
		return db, nil
	case strings.HasPrefix(url, "http://"), strings.HasPrefix(url, "https://"):
		return openRemote(ctx, url, g.token)
	case strings.Contains(url, "://"):
		return nil, usageErrorf("--registry %q: unknown scheme; use a file path, sqlite:PATH, postgres://… or http(s)://…", url)
	}
	path := strings.TrimPrefix(url, "sqlite:")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, unavailable("registry "+path, err)
	}
	return db, nil
}

// unavailable marks a failure to open a store as exit status 3, unless the
// store said the input was bad.
func unavailable(what string, err error) error {
	if registry.ErrorCode(err) != registry.EINTERNAL {
		return err
	}
	return &registry.Error{Code: registry.EUNAVAILABLE, Message: fmt.Sprintf("cannot open the %s: %v", what, err), Err: err}
}
