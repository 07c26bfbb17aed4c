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
// sqlite:PATH, postgres://…, or http(s)://… for a registry server. The
// registry must exist: a command that only reads or records never creates
// one, so a typo'd path answers exit 3 instead of an empty yes.
func (g *globals) openStore(ctx context.Context) (registry.Store, error) {
	return g.open(ctx, false)
}

// createStore opens the registry like openStore but creates it (the SQLite
// file, or the schema in an empty PostgreSQL database) when there is none.
// Only publish, environment create and token create call it.
func (g *globals) createStore(ctx context.Context) (registry.Store, error) {
	return g.open(ctx, true)
}

func (g *globals) open(ctx context.Context, create bool) (registry.Store, error) {
	url := g.registry
	defaulted := url == ""
	if defaulted {
		p, err := defaultRegistryPath()
		if err != nil {
			return nil, err
		}
		url = p
	}
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		db, err := openPostgres(ctx, url, create)
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
	open := sqlite.OpenExisting
	if create {
		open = sqlite.Open
	}
	_, statErr := os.Stat(path)
	db, err := open(ctx, path)
	if err != nil {
		if defaulted && registry.ErrorCode(err) == registry.EUNAVAILABLE {
			err = fmt.Errorf("%w (no --registry or CONTRACTS_REGISTRY was given, so this is the default embedded registry)", err)
			return nil, &registry.Error{Code: registry.EUNAVAILABLE, Message: err.Error(), Err: err}
		}
		return nil, unavailable("registry "+path, err)
	}
	// Undeployments and cache entries take the store's clock: the CLI's,
	// so that CONTRACTS_NOW replays a history as recorded.
	db.Now = now
	if create && os.IsNotExist(statErr) && g.stderr != nil {
		// Say where a new registry went: the default one's place is
		// otherwise never printed, and a typo'd path would make a second,
		// empty registry without a word.
		how := ""
		if defaulted {
			how = " (the default: no --registry or CONTRACTS_REGISTRY was given)"
		}
		fmt.Fprintf(g.stderr, "contracts: created a new registry at %s%s\n", path, how)
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
