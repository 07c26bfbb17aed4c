package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

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
	if a.Envs == nil {
		a.Envs = []string{}
	}
	err := db.pool.QueryRow(ctx, `INSERT INTO approvals (contract, rule, element, consumer, reason, by_whom, created_at, expires_at, envs)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		a.Contract, a.Rule, a.Element, a.Consumer, a.Reason, a.By, a.CreatedAt, a.ExpiresAt, a.Envs).Scan(&a.ID)
	if err != nil {
		return nil, storeErr("store the approval", err)
	}
	return &a, nil
}

// Approvals lists the approvals of contract (of every contract when empty),
// expired ones included, oldest first.
func (db *DB) Approvals(ctx context.Context, contract string) ([]registry.Approval, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, contract, rule, element, consumer, reason, by_whom, created_at, expires_at, envs, revoked_at
		FROM approvals WHERE $1 = '' OR contract = $1 ORDER BY id`, contract)
	if err != nil {
		return nil, storeErr("list approvals", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (registry.Approval, error) {
		var a registry.Approval
		err := row.Scan(&a.ID, &a.Contract, &a.Rule, &a.Element, &a.Consumer, &a.Reason, &a.By, &a.CreatedAt, &a.ExpiresAt, &a.Envs, &a.RevokedAt)
		a.CreatedAt, a.ExpiresAt = utc(a.CreatedAt), utc(a.ExpiresAt)
		if a.RevokedAt != nil {
			at := utc(*a.RevokedAt)
			a.RevokedAt = &at
		}
		if a.Envs == nil {
			a.Envs = []string{}
		}
		return a, err
	})
	if err != nil {
		return nil, storeErr("list approvals", err)
	}
	if out == nil {
		out = []registry.Approval{}
	}
	return out, nil
}

// RevokeApproval revokes an approval; see registry.Store.
func (db *DB) RevokeApproval(ctx context.Context, id int64, at time.Time) error {
	tag, err := db.pool.Exec(ctx, `UPDATE approvals SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2`, at.UTC().Truncate(time.Microsecond), id)
	if err != nil {
		return storeErr("revoke the approval", err)
	}
	if tag.RowsAffected() == 0 {
		return registry.Errorf(registry.ENOTFOUND, "there is no approval #%d; 'contracts approve list' shows them", id)
	}
	return nil
}

// ContractConsumers lists the services any published version of which
// consumes contract, by name.
func (db *DB) ContractConsumers(ctx context.Context, contract string) ([]string, error) {
	rows, err := db.pool.Query(ctx, `SELECT DISTINCT v.service FROM consumptions c JOIN versions v ON v.id = c.version_id WHERE c.contract = $1 ORDER BY v.service`, contract)
	if err != nil {
		return nil, storeErr("list the consumers of "+contract, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return out, storeErr("list the consumers of "+contract, err)
}

// CachedReport returns the comparison result stored under key, or nil.
func (db *DB) CachedReport(ctx context.Context, key string) ([]byte, error) {
	var b []byte
	err := db.pool.QueryRow(ctx, `SELECT report FROM report_cache WHERE key = $1`, key).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
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
	_, err := db.pool.Exec(ctx, `INSERT INTO report_cache (key, report, stored_at) VALUES ($1, $2, $3)
		ON CONFLICT (key) DO UPDATE SET report = excluded.report, stored_at = excluded.stored_at`, key, report, db.now())
	return storeErr("store cached report", err)
}

// CreateToken stores t with the hash of its secret (never the secret). A
// token ID or secret hash already stored fails with ECONFLICT.
func (db *DB) CreateToken(ctx context.Context, t registry.Token, secretHash string) error {
	if t.ID == "" || secretHash == "" {
		return registry.Errorf(registry.EINVALID, "a token needs an ID and a secret hash")
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = db.now()
	}
	scopes := t.Scopes
	if scopes == nil {
		scopes = []string{}
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO tokens (id, name, scopes, secret_hash, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		t.ID, t.Name, scopes, secretHash, t.CreatedAt, t.RevokedAt)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return registry.Errorf(registry.ECONFLICT, "token %s (or one with the same secret) already exists", t.ID)
	}
	return storeErr("store token "+t.ID, err)
}

const tokenColumns = `id, name, scopes, created_at, revoked_at`

func scanToken(row pgx.Row) (registry.Token, error) {
	var t registry.Token
	if err := row.Scan(&t.ID, &t.Name, &t.Scopes, &t.CreatedAt, &t.RevokedAt); err != nil {
		return t, err
	}
	t.CreatedAt = utc(t.CreatedAt)
	if t.RevokedAt != nil {
		at := utc(*t.RevokedAt)
		t.RevokedAt = &at
	}
	return t, nil
}

// TokenByHash returns the token whose secret hashes to secretHash, revoked
// or not, or ENOTFOUND.
func (db *DB) TokenByHash(ctx context.Context, secretHash string) (*registry.Token, error) {
	t, err := scanToken(db.pool.QueryRow(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE secret_hash = $1`, secretHash))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, registry.Errorf(registry.ENOTFOUND, "no token has this secret")
	}
	if err != nil {
		return nil, storeErr("look up a token", err)
	}
	return &t, nil
}

// RevokeToken revokes a token by ID, or fails with ENOTFOUND. Revoking a
// revoked token keeps its first revocation time.
func (db *DB) RevokeToken(ctx context.Context, id string, at time.Time) error {
	tag, err := db.pool.Exec(ctx, `UPDATE tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2`, at.UTC().Truncate(time.Microsecond), id)
	if err != nil {
		return storeErr("revoke token "+id, err)
	}
	if tag.RowsAffected() == 0 {
		return registry.Errorf(registry.ENOTFOUND, "no token has ID %s", id)
	}
	return nil
}

// Tokens lists every token, revoked ones included, oldest first.
func (db *DB) Tokens(ctx context.Context) ([]registry.Token, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+tokenColumns+` FROM tokens ORDER BY created_at, id`)
	if err != nil {
		return nil, storeErr("list tokens", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (registry.Token, error) { return scanToken(row) })
	if err != nil {
		return nil, storeErr("list tokens", err)
	}
	if out == nil {
		out = []registry.Token{}
	}
	return out, nil
}

// AppendAudit appends e to the audit log (At, when zero, set to now).
func (db *DB) AppendAudit(ctx context.Context, e registry.AuditEntry) error {
	if e.At.IsZero() {
		e.At = db.now()
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO audit (at, actor, action, target, detail) VALUES ($1, $2, $3, $4, $5)`,
		e.At, e.Actor, e.Action, e.Target, e.Detail)
	return storeErr("append to the audit log", err)
}

// Audit returns the newest entries, newest first, at most limit (every
// entry when limit is not positive).
func (db *DB) Audit(ctx context.Context, limit int) ([]registry.AuditEntry, error) {
	var lim *int
	if limit > 0 {
		lim = &limit
	}
	rows, err := db.pool.Query(ctx, `SELECT id, at, actor, action, target, detail FROM audit ORDER BY id DESC LIMIT $1`, lim)
	if err != nil {
		return nil, storeErr("read the audit log", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (registry.AuditEntry, error) {
		var e registry.AuditEntry
		err := row.Scan(&e.ID, &e.At, &e.Actor, &e.Action, &e.Target, &e.Detail)
		e.At = utc(e.At)
		return e, err
	})
	if err != nil {
		return nil, storeErr("read the audit log", err)
	}
	if out == nil {
		out = []registry.AuditEntry{}
	}
	return out, nil
}
