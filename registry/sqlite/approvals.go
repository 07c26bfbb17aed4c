package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/contractgate/contracts/registry"
)

// AddApproval stores a and returns it with its ID set (and CreatedAt, when
// zero, set to now).
func (db *DB) AddApproval(ctx context.Context, a registry.Approval) (*registry.Approval, error) {
	if a.CreatedAt.IsZero() {
		a.CreatedAt = db.now()
	}
	a.CreatedAt = a.CreatedAt.UTC().Truncate(time.Microsecond)
	a.ExpiresAt = a.ExpiresAt.UTC().Truncate(time.Microsecond)
	err := db.write(ctx, func(tx *sql.Tx) error {
		envs, err := json.Marshal(nonNil(a.Envs))
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO approvals (contract, rule, element, consumer, reason, by_whom, created_at, expires_at, envs) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.Contract, a.Rule, a.Element, a.Consumer, a.Reason, a.By, micros(a.CreatedAt), micros(a.ExpiresAt), string(envs))
		if err != nil {
			return storeErr("store the approval", err)
		}
		a.ID, err = res.LastInsertId()
		return storeErr("read the approval's id", err)
	})
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// Approvals lists the approvals of contract (of every contract when empty),
// expired ones included, oldest first.
func (db *DB) Approvals(ctx context.Context, contract string) ([]registry.Approval, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, contract, rule, element, consumer, reason, by_whom, created_at, expires_at, envs, revoked_at FROM approvals WHERE ? = '' OR contract = ? ORDER BY id`, contract, contract)
	if err != nil {
		return nil, storeErr("list approvals", err)
	}
	defer rows.Close()
	out := []registry.Approval{}
	for rows.Next() {
		var (
			a                  registry.Approval
			created, expiresAt int64
			envs               string
			revoked            sql.NullInt64
		)
		if err := rows.Scan(&a.ID, &a.Contract, &a.Rule, &a.Element, &a.Consumer, &a.Reason, &a.By, &created, &expiresAt, &envs, &revoked); err != nil {
			return nil, storeErr("read an approval", err)
		}
		if revoked.Valid {
			at := fromMicros(revoked.Int64)
			a.RevokedAt = &at
		}
		if err := json.Unmarshal([]byte(envs), &a.Envs); err != nil {
			return nil, storeErr("read the environments of approval "+strconv.FormatInt(a.ID, 10), err)
		}
		a.Envs = nonNil(a.Envs)
		a.CreatedAt, a.ExpiresAt = fromMicros(created), fromMicros(expiresAt)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, storeErr("list approvals", err)
	}
	return out, nil
}

// RevokeApproval revokes an approval; see registry.Store.
func (db *DB) RevokeApproval(ctx context.Context, id int64, at time.Time) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE approvals SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?`, micros(at), id)
		if err != nil {
			return storeErr("revoke the approval", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return storeErr("revoke the approval", err)
		} else if n == 0 {
			return registry.Errorf(registry.ENOTFOUND, "there is no approval #%d; 'contracts approve list' shows them", id)
		}
		return nil
	})
}

// ContractConsumers lists the services any published version of which
// consumes contract, by name.
func (db *DB) ContractConsumers(ctx context.Context, contract string) ([]string, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT DISTINCT v.service FROM consumptions c JOIN versions v ON v.id = c.version_id WHERE c.contract = ? ORDER BY v.service`, contract)
	if err != nil {
		return nil, storeErr("list the consumers of "+contract, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, storeErr("list the consumers of "+contract, err)
		}
		out = append(out, s)
	}
	return out, storeErr("list the consumers of "+contract, rows.Err())
}

// CachedReport returns the comparison result stored under key, or nil.
func (db *DB) CachedReport(ctx context.Context, key string) ([]byte, error) {
	var b []byte
	err := db.r.QueryRowContext(ctx, `SELECT report FROM report_cache WHERE key = ?`, key).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, storeErr("read cached report", err)
	}
	if b == nil {
		b = []byte{}
	}
	return b, nil
}

// PutCachedReport stores report under key, replacing what was there.
func (db *DB) PutCachedReport(ctx context.Context, key string, report []byte) error {
	if report == nil {
		report = []byte{}
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO report_cache (key, report, stored_at) VALUES (?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET report = excluded.report, stored_at = excluded.stored_at`, key, report, micros(db.now()))
		return storeErr("store cached report", err)
	})
}

// nonNil returns an empty slice for nil, so lists are [] in JSON.
func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}
