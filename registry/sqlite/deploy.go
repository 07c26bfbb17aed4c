package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/contractgate/contracts/registry"
)

// RecordDeployment makes d.Service d.Version live in d.Env; see
// registry.Store. Recording a version that is already live changes nothing
// about it (its deployment time stays).
func (db *DB) RecordDeployment(ctx context.Context, d registry.Deployment, keepPrevious bool) error {
	if !registry.ValidServiceName(d.Env) {
		return registry.Errorf(registry.EINVALID, "environment name %q is invalid: use [a-z0-9][a-z0-9-]{0,62}", d.Env)
	}
	at := d.DeployedAt
	if at.IsZero() {
		at = db.now()
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		if err := knownEnv(ctx, tx, d.Env); err != nil {
			return err
		}
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM versions WHERE service = ? AND version = ?`, d.Service, d.Version).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return registry.Errorf(registry.ENOTFOUND, "%s %s is not published; publish it before recording its deployment to %s", d.Service, d.Version, d.Env)
		}
		if err != nil {
			return storeErr(fmt.Sprintf("look up %s %s", d.Service, d.Version), err)
		}
		if !keepPrevious {
			if err := closeReplaced(ctx, tx, d, at); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM deployments WHERE env = ? AND service = ? AND version <> ?`, d.Env, d.Service, d.Version); err != nil {
				return storeErr("retire the previous live versions", err)
			}
		}
		res, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO deployments (env, service, version, version_id, deployed_at) VALUES (?, ?, ?, ?, ?)`,
			d.Env, d.Service, d.Version, id, micros(at))
		if err != nil {
			return storeErr("record the deployment", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return storeErr("record the deployment", err)
		} else if n == 1 {
			return openInterval(ctx, tx, d, id, at)
		}
		return nil
	})
}

// RecordUndeployment removes one live version, or fails with ENOTFOUND.
func (db *DB) RecordUndeployment(ctx context.Context, env, service, version string) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		if err := knownEnv(ctx, tx, env); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM deployments WHERE env = ? AND service = ? AND version = ?`, env, service, version)
		if err != nil {
			return storeErr("record the undeployment", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return storeErr("record the undeployment", err)
		} else if n == 0 {
			return registry.Errorf(registry.ENOTFOUND, "%s %s is not live in %s", service, version, env)
		}
		return closeUndeployed(ctx, tx, env, service, version, db.now())
	})
}

// Deployments lists live versions in env (every environment when empty),
// ordered by env, service, version.
func (db *DB) Deployments(ctx context.Context, env string) ([]registry.Deployment, error) {
	if env != "" {
		if err := knownEnv(ctx, db.r, env); err != nil {
			return nil, err
		}
	}
	rows, err := db.r.QueryContext(ctx, `SELECT env, service, version, deployed_at FROM deployments WHERE ? = '' OR env = ? ORDER BY env, service, version`, env, env)
	if err != nil {
		return nil, storeErr("list deployments", err)
	}
	defer rows.Close()
	out := []registry.Deployment{}
	for rows.Next() {
		var (
			d  registry.Deployment
			at int64
		)
		if err := rows.Scan(&d.Env, &d.Service, &d.Version, &at); err != nil {
			return nil, storeErr("read a deployment", err)
		}
		d.DeployedAt = fromMicros(at)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, storeErr("list deployments", err)
	}
	return out, nil
}

// LiveConsumers lists the consumptions of contract by versions live in env,
// ordered by service and version.
func (db *DB) LiveConsumers(ctx context.Context, env, contract string) ([]registry.LiveConsumption, error) {
	out := []registry.LiveConsumption{}
	err := db.live(ctx, `consumptions`, env, contract, func(service, version string, body []byte) error {
		lc := registry.LiveConsumption{Service: service, Version: version}
		if err := json.Unmarshal(body, &lc.Consumption); err != nil {
			return fmt.Errorf("decode the consumption of %s by %s %s: %w", contract, service, version, err)
		}
		out = append(out, lc)
		return nil
	})
	return out, err
}

// LiveProviders lists the provisions of contract by versions live in env,
// ordered by service and version.
func (db *DB) LiveProviders(ctx context.Context, env, contract string) ([]registry.LiveProvision, error) {
	out := []registry.LiveProvision{}
	err := db.live(ctx, `provisions`, env, contract, func(service, version string, body []byte) error {
		lp := registry.LiveProvision{Service: service, Version: version}
		if err := json.Unmarshal(body, &lp.Provision); err != nil {
			return fmt.Errorf("decode the provision of %s by %s %s: %w", contract, service, version, err)
		}
		out = append(out, lp)
		return nil
	})
	return out, err
}

// live joins deployments in env to the rows of table (provisions or
// consumptions) for contract, through the (contract, version_id) and
// (version_id, env) indexes.
func (db *DB) live(ctx context.Context, table, env, contract string, each func(service, version string, body []byte) error) error {
	rows, err := db.r.QueryContext(ctx, liveQuery(table), env, contract)
	if err != nil {
		return storeErr("read live "+table+" of "+contract, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			service, version string
			body             []byte
		)
		if err := rows.Scan(&service, &version, &body); err != nil {
			return storeErr("read live "+table, err)
		}
		if err := each(service, version, body); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return storeErr("read live "+table+" of "+contract, err)
	}
	return nil
}

// liveQuery selects the live rows of table for (?1 env, ?2 contract). The
// CROSS JOINs fix the order SQLite's planner would otherwise choose without
// statistics (walking every deployment of the environment): the contract's
// index entries first (covering: version and position only), then a probe
// of deployments per version, and only for live ones the row with its body.
func liveQuery(table string) string {
	return `SELECT d.service, d.version, s.body FROM ` + table + ` c
		CROSS JOIN deployments d ON d.version_id = c.version_id AND d.env = ?1
		CROSS JOIN ` + table + ` s ON s.version_id = c.version_id AND s.ord = c.ord
		WHERE c.contract = ?2 ORDER BY d.service, d.version, s.ord`
}
