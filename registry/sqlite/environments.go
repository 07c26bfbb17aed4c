package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/contractgate/contracts/registry"
)

// CreateEnvironment creates an environment; see registry.Store.
func (db *DB) CreateEnvironment(ctx context.Context, name string) (bool, error) {
	if !registry.ValidServiceName(name) {
		return false, registry.Errorf(registry.EINVALID, "environment name %q is invalid: use [a-z0-9][a-z0-9-]{0,62}", name)
	}
	var created bool
	err := db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO environments (name, created_at) VALUES (?, ?)`, name, micros(db.now()))
		if err != nil {
			return storeErr("create environment "+name, err)
		}
		n, err := res.RowsAffected()
		created = n == 1
		return storeErr("create environment "+name, err)
	})
	return created, err
}

// Environments lists every environment by name.
func (db *DB) Environments(ctx context.Context) ([]registry.Environment, error) {
	return environments(ctx, db.r)
}

// queryer is what a pool and a transaction share.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func environments(ctx context.Context, q queryer) ([]registry.Environment, error) {
	rows, err := q.QueryContext(ctx, `SELECT name, created_at FROM environments ORDER BY name`)
	if err != nil {
		return nil, storeErr("list environments", err)
	}
	defer rows.Close()
	out := []registry.Environment{}
	for rows.Next() {
		var (
			e  registry.Environment
			at int64
		)
		if err := rows.Scan(&e.Name, &at); err != nil {
			return nil, storeErr("read an environment", err)
		}
		e.CreatedAt = fromMicros(at)
		out = append(out, e)
	}
	return out, storeErr("list environments", rows.Err())
}

// knownEnv returns nil if env exists, else registry.UnknownEnvironment.
func knownEnv(ctx context.Context, q queryer, env string) error {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM environments WHERE name = ?`, env).Scan(&one)
	if err == nil {
		return nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return storeErr("look up environment "+env, err)
	}
	known, err := environments(ctx, q)
	if err != nil {
		return err
	}
	return registry.UnknownEnvironment(env, known)
}
