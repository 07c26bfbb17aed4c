package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

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
	var err error
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
			if err := knownEnv(ctx, tx, d.Env); err != nil {
				return err
			}
			var id int64
			err := tx.QueryRow(ctx, `SELECT id FROM versions WHERE service = $1 AND version = $2`, d.Service, d.Version).Scan(&id)
			if errors.Is(err, pgx.ErrNoRows) {
				return registry.Errorf(registry.ENOTFOUND, "%s %s is not published; publish it before recording its deployment to %s", d.Service, d.Version, d.Env)
			}
			if err != nil {
				return fmt.Errorf("look up %s %s: %w", d.Service, d.Version, err)
			}
			// Serialise deployments of this service in this environment,
			// so two replacing ones cannot both stay live.
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, deployLockClass, d.Env+"/"+d.Service); err != nil {
				return fmt.Errorf("lock the deployments of %s in %s: %w", d.Service, d.Env, err)
			}
			if !keepPrevious {
				if err := closeReplaced(ctx, tx, d, at); err != nil {
					return fmt.Errorf("record the end of the replaced versions' live intervals: %w", err)
				}
				if _, err := tx.Exec(ctx, `DELETE FROM deployments WHERE env = $1 AND service = $2 AND version <> $3`, d.Env, d.Service, d.Version); err != nil {
					return fmt.Errorf("retire the previous live versions: %w", err)
				}
			}
			tag, err := tx.Exec(ctx, `INSERT INTO deployments (env, service, version, version_id, deployed_at) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (env, service, version) DO NOTHING`, d.Env, d.Service, d.Version, id, at)
			if err != nil {
				return fmt.Errorf("record the deployment: %w", err)
			}
			if tag.RowsAffected() == 1 {
				if err := openInterval(ctx, tx, d, id, at); err != nil {
					return fmt.Errorf("record the start of a live interval: %w", err)
				}
			}
			return nil
		})
		if !retryable(err) {
			break
		}
	}
	return storeErr(fmt.Sprintf("record the deployment of %s %s to %s", d.Service, d.Version, d.Env), err)
}

// RecordUndeployment removes one live version, or fails with ENOTFOUND. It
// takes the same lock as RecordDeployment, so a racing deployment of the
// service cannot leave its history out of step with what is live.
func (db *DB) RecordUndeployment(ctx context.Context, env, service, version string) error {
	if err := knownEnv(ctx, db.pool, env); err != nil {
		return err
	}
	at := db.now()
	var err error
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, deployLockClass, env+"/"+service); err != nil {
				return fmt.Errorf("lock the deployments of %s in %s: %w", service, env, err)
			}
			tag, err := tx.Exec(ctx, `DELETE FROM deployments WHERE env = $1 AND service = $2 AND version = $3`, env, service, version)
			if err != nil {
				return fmt.Errorf("record the undeployment: %w", err)
			}
			if tag.RowsAffected() == 0 {
				return registry.Errorf(registry.ENOTFOUND, "%s %s is not live in %s", service, version, env)
			}
			if err := closeUndeployed(ctx, tx, env, service, version, at); err != nil {
				return fmt.Errorf("record the end of a live interval: %w", err)
			}
			return nil
		})
		if !retryable(err) {
			break
		}
	}
	return storeErr(fmt.Sprintf("record the undeployment of %s %s from %s", service, version, env), err)
}

// Deployments lists live versions in env (every environment when empty),
// ordered by env, service, version.
func (db *DB) Deployments(ctx context.Context, env string) ([]registry.Deployment, error) {
	if env != "" {
		if err := knownEnv(ctx, db.pool, env); err != nil {
			return nil, err
		}
	}
	rows, err := db.pool.Query(ctx, `SELECT env, service, version, deployed_at FROM deployments WHERE $1 = '' OR env = $1 ORDER BY env, service, version`, env)
	if err != nil {
		return nil, storeErr("list deployments", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (registry.Deployment, error) {
		var d registry.Deployment
		err := row.Scan(&d.Env, &d.Service, &d.Version, &d.DeployedAt)
		d.DeployedAt = utc(d.DeployedAt)
		return d, err
	})
	if err != nil {
		return nil, storeErr("list deployments", err)
	}
	if out == nil {
		out = []registry.Deployment{}
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

// live finds the rows of table (provisions or consumptions) for contract
// whose versions are live in env: the contract's rows (index on contract),
// each probing deployments (index on env, version_id). The OFFSET 0 fence
// keeps the lateral subquery from being flattened, which fixes that join
// order: otherwise, when the statistics of a freshly filled deployments
// table are stale, the planner walks every live deployment of the
// environment and probes the contract index for each (10 ms at a thousand
// services instead of half of one).
func (db *DB) live(ctx context.Context, table, env, contract string, each func(service, version string, body []byte) error) error {
	rows, err := db.pool.Query(ctx, liveQuery(table), env, contract)
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
	return storeErr("read live "+table+" of "+contract, rows.Err())
}

// liveQuery selects the live rows of table for ($1 env, $2 contract); see
// live.
func liveQuery(table string) string {
	return `SELECT d.service, d.version, s.body FROM ` + table + ` s
		CROSS JOIN LATERAL (SELECT service, version FROM deployments d WHERE d.version_id = s.version_id AND d.env = $1 OFFSET 0) d
		WHERE s.contract = $2 ORDER BY d.service, d.version, s.ord`
}
