package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/contractgate/contracts/registry"
)

// CreateEnvironment creates an environment; see registry.Store.
func (db *DB) CreateEnvironment(ctx context.Context, name string) (bool, error) {
	if !registry.ValidServiceName(name) {
		return false, registry.Errorf(registry.EINVALID, "environment name %q is invalid: use [a-z0-9][a-z0-9-]{0,62}", name)
	}
	tag, err := db.pool.Exec(ctx, `INSERT INTO environments (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, name, db.now())
	if err != nil {
		return false, storeErr("create environment "+name, err)
	}
	return tag.RowsAffected() == 1, nil
}

// Environments lists every environment by name.
func (db *DB) Environments(ctx context.Context) ([]registry.Environment, error) {
	return environments(ctx, db.pool)
}

func environments(ctx context.Context, q querier) ([]registry.Environment, error) {
	rows, err := q.Query(ctx, `SELECT name, created_at FROM environments ORDER BY name`)
	if err != nil {
		return nil, storeErr("list environments", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (registry.Environment, error) {
		var e registry.Environment
		err := row.Scan(&e.Name, &e.CreatedAt)
		e.CreatedAt = utc(e.CreatedAt)
		return e, err
	})
	if err != nil {
		return nil, storeErr("list environments", err)
	}
	if out == nil {
		out = []registry.Environment{}
	}
	return out, nil
}

// knownEnv returns nil if env exists, else registry.UnknownEnvironment.
func knownEnv(ctx context.Context, q querier, env string) error {
	var one int
	err := q.QueryRow(ctx, `SELECT 1 FROM environments WHERE name = $1`, env).Scan(&one)
	if err == nil {
		return nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return storeErr("look up environment "+env, err)
	}
	known, err := environments(ctx, q)
	if err != nil {
		return err
	}
	return registry.UnknownEnvironment(env, known)
}
