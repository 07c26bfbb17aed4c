package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/contractgate/contracts/registry"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// busyTimeout is how long a writer waits for another process's write
// transaction before giving up with SQLITE_BUSY.
const busyTimeout = 30 * time.Second

// DB is a registry stored in one SQLite file.
type DB struct {
	path string
	// w has exactly one connection: writes in this process queue for it
	// instead of spinning on SQLITE_BUSY.
	w *sql.DB
	// r serves reads concurrently with the writer (WAL).
	r *sql.DB
	// Now is the clock for publish, deployment and cache times.
	Now func() time.Time
}

var (
	_ registry.Store     = (*DB)(nil)
	_ registry.AuthStore = (*DB)(nil)
)

// Open opens the registry database at path, which may carry a "sqlite:"
// prefix, creating it (and its folder) when it does not exist, and brings
// its schema up to date. The folder is created 0700 and the file 0600: a
// registry holds every team's documents. Only commands that may create a
// registry call Open; the others call OpenExisting.
func Open(ctx context.Context, path string) (*DB, error) {
	return open(ctx, path, true)
}

// OpenExisting opens a registry that already exists, and fails with
// EUNAVAILABLE (exit status 3) saying where it looked when there is none,
// so a typo'd path never silently answers from an empty registry.
func OpenExisting(ctx context.Context, path string) (*DB, error) {
	return open(ctx, path, false)
}

// NotFoundHint is what OpenExisting's error tells a person to do.
const NotFoundHint = "create it with 'contracts environment create NAME' or 'contracts publish', or point --registry (CONTRACTS_REGISTRY) at an existing one"

func open(ctx context.Context, path string, create bool) (*DB, error) {
	path = strings.TrimPrefix(path, "sqlite:")
	if path == "" {
		return nil, registry.Errorf(registry.EINVALID, "no SQLite registry path given")
	}
	info, err := os.Stat(path)
	switch {
	case err == nil && info.IsDir():
		return nil, registry.Errorf(registry.EUNAVAILABLE, "the registry %s is a folder, not a SQLite file", path)
	case err == nil && info.Size() == 0 && !create:
		return nil, registry.Errorf(registry.EUNAVAILABLE, "no registry at %s (the file is empty); %s", path, NotFoundHint)
	case errors.Is(err, fs.ErrNotExist) && !create:
		return nil, registry.Errorf(registry.EUNAVAILABLE, "no registry at %s; %s", path, NotFoundHint)
	case errors.Is(err, fs.ErrNotExist):
		if err := createFile(path); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, unavailable(path, err)
	}
	ms := strconv.FormatInt(busyTimeout.Milliseconds(), 10)
	w, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout("+ms+")&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_txlock=immediate")
	if err != nil {
		return nil, unavailable(path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	db := &DB{path: path, w: w, Now: time.Now}
	if err := db.migrate(ctx, create); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout("+ms+")&_pragma=foreign_keys(1)&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, unavailable(path, err)
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	db.r = r
	return db, nil
}

// createFile makes the registry's folder (0700) and an empty file (0600)
// for SQLite to fill; SQLite gives its -wal and -shm files the same mode.
func createFile(path string) error {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return &registry.Error{Code: registry.EUNAVAILABLE, Message: fmt.Sprintf("create the registry folder %s: %v", dir, err), Err: err}
		}
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil // another process made it first
	}
	if err != nil {
		return &registry.Error{Code: registry.EUNAVAILABLE, Message: fmt.Sprintf("create the registry %s: %v", path, err), Err: err}
	}
	return f.Close()
}

func unavailable(path string, err error) error {
	return &registry.Error{Code: registry.EUNAVAILABLE, Message: fmt.Sprintf("open the SQLite registry %s: %v", path, err), Err: err}
}

// Close releases both pools.
func (db *DB) Close() error {
	return errors.Join(db.r.Close(), db.w.Close())
}

// migrate applies the embedded migrations newer than schema_version, all in
// one BEGIN IMMEDIATE transaction: a second process opening at the same
// time waits for it, then finds nothing left to do.
//
// Without create, a database that has no registry schema yet is refused
// rather than given one: the file was not made by contracts.
func (db *DB) migrate(ctx context.Context, create bool) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("list migrations: %w", err)
	}
	sort.Strings(names)
	return db.write(ctx, func(tx *sql.Tx) error {
		if !create {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'`).Scan(&n); err != nil {
				return unavailable(db.path, err)
			}
			if n == 0 {
				return registry.Errorf(registry.EUNAVAILABLE, "%s is not a contracts registry (it has no registry schema); %s", db.path, NotFoundHint)
			}
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
			return unavailable(db.path, err)
		}
		var current int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&current); err != nil {
			return unavailable(db.path, err)
		}
		if latest := migrationNumber(names[len(names)-1]); current > latest {
			return registry.Errorf(registry.EUNAVAILABLE, "the registry %s has schema version %d, newer than this contracts binary knows (%d); upgrade contracts", db.path, current, latest)
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
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("apply migration %s to %s: %w", name, db.path, err)
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM schema_version; INSERT INTO schema_version (version) VALUES (?)`, n); err != nil {
				return fmt.Errorf("record migration %s: %w", name, err)
			}
		}
		return nil
	})
}

// write runs fn in a write transaction (BEGIN IMMEDIATE), committing when fn
// returns nil and rolling back otherwise.
func (db *DB) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return storeErr("begin a write transaction", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return storeErr("commit", err)
	}
	return nil
}

// storeErr wraps a failure of the database itself as EINTERNAL, keeping
// registry errors as they are; nil stays nil.
func storeErr(what string, err error) error {
	if err == nil {
		return nil
	}
	var re *registry.Error
	if errors.As(err, &re) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("sqlite registry: %s: %w", what, err)
	}
	return &registry.Error{Code: registry.EINTERNAL, Message: fmt.Sprintf("sqlite registry: %s: %v", what, err), Err: err}
}

func micros(t time.Time) int64 { return t.UTC().UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// now returns the clock's time at the precision stored.
func (db *DB) now() time.Time { return db.Now().UTC().Truncate(time.Microsecond) }

// migrationNumber is the number a migration file's name starts with
// ("0001_init.sql" is 1); a name without one is a bug caught by the tests.
func migrationNumber(name string) int {
	n, err := strconv.Atoi(strings.SplitN(filepath.Base(name), "_", 2)[0])
	if err != nil {
		panic(fmt.Sprintf("migration %s: the name must start with its number", name))
	}
	return n
}
