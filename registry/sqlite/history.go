package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/contractgate/contracts/registry"
)

// DeploymentHistory lists the live intervals in env that had not ended
// before since; see registry.Store.
func (db *DB) DeploymentHistory(ctx context.Context, env string, since time.Time) ([]registry.LiveInterval, error) {
	if err := knownEnv(ctx, db.r, env); err != nil {
		return nil, err
	}
	var from int64
	if !since.IsZero() {
		from = micros(since)
	}
	rows, err := db.r.QueryContext(ctx, `SELECT service, version, live_from, live_until, replaced_by FROM deployment_history
		WHERE env = ? AND (live_until IS NULL OR live_until >= ?) ORDER BY service, live_from, version, id`, env, from)
	if err != nil {
		return nil, storeErr("read the deployment history of "+env, err)
	}
	defer rows.Close()
	out := []registry.LiveInterval{}
	for rows.Next() {
		li := registry.LiveInterval{Env: env}
		var (
			start int64
			until sql.NullInt64
		)
		if err := rows.Scan(&li.Service, &li.Version, &start, &until, &li.ReplacedBy); err != nil {
			return nil, storeErr("read a live interval", err)
		}
		li.From = fromMicros(start)
		if until.Valid {
			t := fromMicros(until.Int64)
			li.Until = &t
		}
		out = append(out, li)
	}
	return out, storeErr("read the deployment history of "+env, rows.Err())
}

// openInterval starts the live interval of a version that just became live.
func openInterval(ctx context.Context, tx *sql.Tx, d registry.Deployment, versionID int64, at time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO deployment_history (env, service, version, version_id, live_from) VALUES (?, ?, ?, ?, ?)`,
		d.Env, d.Service, d.Version, versionID, micros(at))
	return storeErr("record the start of a live interval", err)
}

// closeReplaced ends the intervals of the service's live versions other
// than d.Version, which d replaces. An interval never ends before it
// started, whatever the clocks said.
func closeReplaced(ctx context.Context, tx *sql.Tx, d registry.Deployment, at time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE deployment_history SET live_until = MAX(live_from, ?), replaced_by = ?
		WHERE env = ? AND service = ? AND version <> ? AND live_until IS NULL`, micros(at), d.Version, d.Env, d.Service, d.Version)
	return storeErr("record the end of the replaced versions' live intervals", err)
}

// closeUndeployed ends the interval of a version that was undeployed.
func closeUndeployed(ctx context.Context, tx *sql.Tx, env, service, version string, at time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE deployment_history SET live_until = MAX(live_from, ?)
		WHERE env = ? AND service = ? AND version = ? AND live_until IS NULL`, micros(at), env, service, version)
	return storeErr("record the end of a live interval", err)
}
