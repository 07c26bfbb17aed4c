package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/contractgate/contracts/registry"
)

// DeploymentHistory lists the live intervals in env that had not ended
// before since; see registry.Store.
func (db *DB) DeploymentHistory(ctx context.Context, env string, since time.Time) ([]registry.LiveInterval, error) {
	if err := knownEnv(ctx, db.pool, env); err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, `SELECT service, version, live_from, live_until, replaced_by FROM deployment_history
		WHERE env = $1 AND (live_until IS NULL OR live_until >= $2) ORDER BY service, live_from, version, id`, env, since.UTC())
	if err != nil {
		return nil, storeErr("read the deployment history of "+env, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (registry.LiveInterval, error) {
		li := registry.LiveInterval{Env: env}
		var until *time.Time
		err := row.Scan(&li.Service, &li.Version, &li.From, &until, &li.ReplacedBy)
		li.From = utc(li.From)
		if until != nil {
			t := utc(*until)
			li.Until = &t
		}
		return li, err
	})
	if err != nil {
		return nil, storeErr("read the deployment history of "+env, err)
	}
	if out == nil {
		out = []registry.LiveInterval{}
	}
	return out, nil
}

// openInterval starts the live interval of a version that just became live.
func openInterval(ctx context.Context, tx pgx.Tx, d registry.Deployment, versionID int64, at time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO deployment_history (env, service, version, version_id, live_from) VALUES ($1, $2, $3, $4, $5)`,
		d.Env, d.Service, d.Version, versionID, at)
	return err
}

// closeReplaced ends the intervals of the service's live versions other
// than d.Version, which d replaces. An interval never ends before it
// started, whatever the clocks said.
func closeReplaced(ctx context.Context, tx pgx.Tx, d registry.Deployment, at time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE deployment_history SET live_until = GREATEST(live_from, $1), replaced_by = $2
		WHERE env = $3 AND service = $4 AND version <> $2 AND live_until IS NULL`, at, d.Version, d.Env, d.Service)
	return err
}

// closeUndeployed ends the interval of a version that was undeployed.
func closeUndeployed(ctx context.Context, tx pgx.Tx, env, service, version string, at time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE deployment_history SET live_until = GREATEST(live_from, $1)
		WHERE env = $2 AND service = $3 AND version = $4 AND live_until IS NULL`, at, env, service, version)
	return err
}
