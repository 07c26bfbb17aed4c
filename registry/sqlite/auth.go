package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/contractgate/contracts/registry"
)

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
	sj, err := json.Marshal(scopes)
	if err != nil {
		return fmt.Errorf("encode token scopes: %w", err)
	}
	var revoked any
	if t.RevokedAt != nil {
		revoked = micros(*t.RevokedAt)
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM tokens WHERE id = ? OR secret_hash = ?`, t.ID, secretHash).Scan(&one)
		if err == nil {
			return registry.Errorf(registry.ECONFLICT, "token %s (or one with the same secret) already exists", t.ID)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return storeErr("look up token "+t.ID, err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO tokens (id, name, scopes, secret_hash, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?)`,
			t.ID, t.Name, string(sj), secretHash, micros(t.CreatedAt), revoked)
		return storeErr("store token "+t.ID, err)
	})
}

const tokenColumns = `id, name, scopes, created_at, revoked_at`

func scanToken(scan func(dest ...any) error) (*registry.Token, error) {
	var (
		t       registry.Token
		scopes  []byte
		created int64
		revoked sql.NullInt64
	)
	if err := scan(&t.ID, &t.Name, &scopes, &created, &revoked); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(scopes, &t.Scopes); err != nil {
		return nil, fmt.Errorf("decode the scopes of token %s: %w", t.ID, err)
	}
	t.CreatedAt = fromMicros(created)
	if revoked.Valid {
		at := fromMicros(revoked.Int64)
		t.RevokedAt = &at
	}
	return &t, nil
}

// TokenByHash returns the token whose secret hashes to secretHash, revoked
// or not, or ENOTFOUND.
func (db *DB) TokenByHash(ctx context.Context, secretHash string) (*registry.Token, error) {
	t, err := scanToken(db.r.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE secret_hash = ?`, secretHash).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, registry.Errorf(registry.ENOTFOUND, "no token has this secret")
	}
	if err != nil {
		return nil, storeErr("look up a token", err)
	}
	return t, nil
}

// RevokeToken revokes a token by ID, or fails with ENOTFOUND. Revoking a
// revoked token keeps its first revocation time.
func (db *DB) RevokeToken(ctx context.Context, id string, at time.Time) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?`, micros(at), id)
		if err != nil {
			return storeErr("revoke token "+id, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return storeErr("revoke token "+id, err)
		} else if n == 0 {
			return registry.Errorf(registry.ENOTFOUND, "no token has ID %s", id)
		}
		return nil
	})
}

// Tokens lists every token, revoked ones included, oldest first.
func (db *DB) Tokens(ctx context.Context) ([]registry.Token, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+tokenColumns+` FROM tokens ORDER BY created_at, id`)
	if err != nil {
		return nil, storeErr("list tokens", err)
	}
	defer rows.Close()
	out := []registry.Token{}
	for rows.Next() {
		t, err := scanToken(rows.Scan)
		if err != nil {
			return nil, storeErr("read a token", err)
		}
		out = append(out, *t)
	}
	if err := rows.Err(); err != nil {
		return nil, storeErr("list tokens", err)
	}
	return out, nil
}

// AppendAudit appends e to the audit log (At, when zero, set to now).
func (db *DB) AppendAudit(ctx context.Context, e registry.AuditEntry) error {
	if e.At.IsZero() {
		e.At = db.now()
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO audit (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)`,
			micros(e.At), e.Actor, e.Action, e.Target, e.Detail)
		return storeErr("append to the audit log", err)
	})
}

// Audit returns the newest entries, newest first, at most limit (every
// entry when limit is not positive).
func (db *DB) Audit(ctx context.Context, limit int) ([]registry.AuditEntry, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := db.r.QueryContext(ctx, `SELECT id, at, actor, action, target, detail FROM audit ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, storeErr("read the audit log", err)
	}
	defer rows.Close()
	out := []registry.AuditEntry{}
	for rows.Next() {
		var (
			e  registry.AuditEntry
			at int64
		)
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Target, &e.Detail); err != nil {
			return nil, storeErr("read an audit entry", err)
		}
		e.At = fromMicros(at)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, storeErr("read the audit log", err)
	}
	return out, nil
}
