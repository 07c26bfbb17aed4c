package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/contractgate/contracts/registry"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the advisory lock key held while migrating (bigint key
// space; deployments use the separate two-int key space).
const migrationLock int64 = 0x636f6e7472616374 // "contract"

// deployLockClass is the first key of the per (env, service) advisory locks.
const deployLockClass int32 = 0x636f6e74 // "cont"

// DB is a registry stored in a PostgreSQL database.
type DB struct {
	pool *pgxpool.Pool
	// Now is the clock for publish, deployment and cache times.
	Now func() time.Time
}

var (
	_ registry.Store     = (*DB)(nil)
	_ registry.AuthStore = (*DB)(nil)
)

// Open connects to the database at url (postgres://… or a DSN) and brings
// its schema up to date, creating it in an empty database. Only commands
// that may create a registry call Open; the others call OpenExisting.
func Open(ctx context.Context, url string) (*DB, error) {
	return open(ctx, url, true)
}

// OpenExisting connects to a database that already holds a registry, and
// fails with EUNAVAILABLE (exit status 3) when the database has no registry
// schema, so a wrong database name never answers from an empty registry.
func OpenExisting(ctx context.Context, url string) (*DB, error) {
	return open(ctx, url, false)
}

func open(ctx context.Context, url string, create bool) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, registry.Errorf(registry.EINVALID, "PostgreSQL registry URL: %v", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, unavailable(cfg, err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, unavailable(cfg, err)
	}
	db := &DB{pool: pool, Now: time.Now}
	if !create {
		var exists bool
		if err := pool.QueryRow(ctx, `SELECT to_regclass('schema_version') IS NOT NULL`).Scan(&exists); err != nil {
			pool.Close()
			return nil, unavailable(cfg, err)
		}
		if !exists {
			pool.Close()
			return nil, registry.Errorf(registry.EUNAVAILABLE, "the PostgreSQL database %s on %s has no contracts registry in it; create one with 'contracts environment create NAME --registry URL' or 'contracts publish', or check the database name",
				cfg.ConnConfig.Database, cfg.ConnConfig.Host)
		}
	}
	if err := db.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

func unavailable(cfg *pgxpool.Config, err error) error {
	where := cfg.ConnConfig.Host + ":" + strconv.Itoa(int(cfg.ConnConfig.Port)) + "/" + cfg.ConnConfig.Database
	return &registry.Error{Code: registry.EUNAVAILABLE, Message: fmt.Sprintf("connect to the PostgreSQL registry at %s: %v", where, err), Err: err}
}

// Close closes the pool.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// migrate applies the embedded migrations newer than schema_version in one
// transaction under the migration advisory lock: a second process opening
// at the same time waits on the lock, then finds nothing left to do.
func (db *DB) migrate(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("list migrations: %w", err)
	}
	sort.Strings(names)
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
			return storeErr("take the migration lock", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)`); err != nil {
			return storeErr("create schema_version", err)
		}
		var current int
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&current); err != nil {
			return storeErr("read schema_version", err)
		}
		if latest := migrationNumber(names[len(names)-1]); current > latest {
			return registry.Errorf(registry.EUNAVAILABLE, "the PostgreSQL registry has schema version %d, newer than this contracts binary knows (%d); upgrade contracts", current, latest)
		}
		for _, name := range names {
			n := migrationNumber(name)
			if n <= current {
				continue
			}
			body, err := migrations.ReadFile(name)
			if err != nil {
				return fmt.Errorf("read migration %s: %w", name, err)
			}
			if _, err := tx.Exec(ctx, string(body)); err != nil {
				return storeErr("apply migration "+name, err)
			}
			if _, err := tx.Exec(ctx, `DELETE FROM schema_version`); err != nil {
				return storeErr("record migration "+name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_version (version) VALUES ($1)`, n); err != nil {
				return storeErr("record migration "+name, err)
			}
		}
		return nil
	})
}

// storeErr wraps a failure of the database itself as EINTERNAL (EUNAVAILABLE
// when the connection failed), keeping registry errors and cancellation as
// they are; nil stays nil.
func storeErr(what string, err error) error {
	if err == nil {
		return nil
	}
	var re *registry.Error
	if errors.As(err, &re) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("postgres registry: %s: %w", what, err)
	}
	code := registry.EINTERNAL
	if unreachable(err) {
		code = registry.EUNAVAILABLE
	}
	return &registry.Error{Code: code, Message: fmt.Sprintf("postgres registry: %s: %v", what, err), Err: err}
}

// unreachable reports whether err says the database cannot be used right
// now (down, restarting, out of connections, the network between) rather
// than that a statement failed: callers should retry later, so it is
// EUNAVAILABLE (503 from the server, exit status 3 from the CLI).
func unreachable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case strings.HasPrefix(pgErr.Code, "08"), // connection_exception
			strings.HasPrefix(pgErr.Code, "53"),          // insufficient_resources (too_many_connections…)
			pgErr.Code == "57P01", pgErr.Code == "57P02", // admin_shutdown, crash_shutdown
			pgErr.Code == "57P03": // cannot_connect_now (starting up)
			return true
		}
		return false
	}
	var connErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connErr) || errors.As(err, &netErr) || pgconn.SafeToRetry(err) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// retryable reports whether a transaction failed only because of a
// concurrent one and may simply run again.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	switch pgErr.Code {
	case "40P01", // deadlock_detected
		"40001", // serialization_failure
		"23505": // unique_violation: a racing insert won; re-reading decides
		return true
	}
	return false
}

// now returns the clock's time at the precision stored.
func (db *DB) now() time.Time { return db.Now().UTC().Truncate(time.Microsecond) }

func utc(t time.Time) time.Time { return t.UTC() }

// migrationNumber is the number a migration file's name starts with
// ("0001_init.sql" is 1); a name without one is a bug caught by the tests.
func migrationNumber(name string) int {
	n, err := strconv.Atoi(strings.SplitN(filepath.Base(name), "_", 2)[0])
	if err != nil {
		panic(fmt.Sprintf("migration %s: the name must start with its number", name))
	}
	return n
}
