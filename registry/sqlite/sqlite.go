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

// Open opens (creating it and its folder if needed) the registry database at
// path, which may carry a "sqlite:" prefix, and brings its schema up to date.
func Open(ctx context.Context, path string) (*DB, error) {
	path = strings.TrimPrefix(path, "sqlite:")
	if path == "" {
		return nil, registry.Errorf(registry.EINVALID, "no SQLite registry path given")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, &registry.Error{Code: registry.EUNAVAILABLE, Message: fmt.Sprintf("create the registry folder %s: %v", dir, err), Err: err}
		}
	}
	ms := strconv.FormatInt(busyTimeout.Milliseconds(), 10)
	w, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout("+ms+")&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_txlock=immediate")
	if err != nil {
		return nil, unavailable(path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	db := &DB{path: path, w: w, Now: time.Now}
	if err := db.migrate(ctx); err != nil {
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
func (db *DB) migrate(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("list migrations: %w", err)
	}
	sort.Strings(names)
	return db.write(ctx, func(tx *sql.Tx) error {
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
