package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/contractgate/contracts/registry"
)

// Publish stores v and its blobs in one transaction; see registry.Store.
func (db *DB) Publish(ctx context.Context, v *registry.Version, blobs map[string][]byte) (registry.PublishOutcome, error) {
	v, err := registry.PreparePublish(v, blobs, db.now())
	if err != nil {
		return 0, err
	}
	outcome := registry.Created
	err = db.write(ctx, func(tx *sql.Tx) error {
		// Writers are serialised, so the row read here cannot change before
		// commit: a publish that lost a race sees the winner's row.
		var digest string
		err := tx.QueryRowContext(ctx, `SELECT digest FROM versions WHERE service = ? AND version = ?`, v.Service, v.Version).Scan(&digest)
		switch {
		case err == nil && digest == v.Digest:
			outcome = registry.Unchanged
			return nil
		case err == nil:
			existing, err := loadVersion(ctx, tx, v.Service, v.Version)
			if err != nil {
				return err
			}
			return registry.ConflictError(existing, v)
		case !errors.Is(err, sql.ErrNoRows):
			return storeErr(fmt.Sprintf("look up %s %s", v.Service, v.Version), err)
		}
		if err := claimContracts(ctx, tx, v); err != nil {
			return err
		}
		if err := putBlobs(ctx, tx, v, blobs); err != nil {
			return err
		}
		return insertVersion(ctx, tx, v)
	})
	if err != nil {
		return 0, err
	}
	return outcome, nil
}

// claimContracts makes v.Service the owner of each contract it provides that
// nobody owns yet, and fails with EFORBIDDEN on one another service owns.
func claimContracts(ctx context.Context, tx *sql.Tx, v *registry.Version) error {
	provides := append([]registry.Provision(nil), v.Provides...)
	sort.Slice(provides, func(i, j int) bool { return provides[i].Contract < provides[j].Contract })
	for _, p := range provides {
		var owner string
		err := tx.QueryRowContext(ctx, `SELECT owner FROM contracts WHERE name = ?`, p.Contract).Scan(&owner)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if _, err := tx.ExecContext(ctx, `INSERT INTO contracts (name, owner, kind) VALUES (?, ?, ?)`, p.Contract, v.Service, string(p.Kind)); err != nil {
				return storeErr("claim contract "+p.Contract, err)
			}
		case err != nil:
			return storeErr("read the owner of contract "+p.Contract, err)
		case owner != v.Service:
			return registry.Errorf(registry.EFORBIDDEN, "contract %s belongs to service %s; %s cannot publish it", p.Contract, owner, v.Service)
		}
	}
	return nil
}

// putBlobs stores the given blobs and checks that every blob v refers to is
// either given or already stored.
func putBlobs(ctx context.Context, tx *sql.Tx, v *registry.Version, blobs map[string][]byte) error {
	for _, h := range registry.ReferencedBlobs(v) {
		if _, ok := blobs[h]; ok {
			continue
		}
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM blobs WHERE hash = ?`, h).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return registry.Errorf(registry.EINVALID, "%s %s refers to blob %s, which is neither given nor stored", v.Service, v.Version, h)
		}
		if err != nil {
			return storeErr("look up blob "+h, err)
		}
	}
	hashes := make([]string, 0, len(blobs))
	for h := range blobs {
		hashes = append(hashes, h)
	}
	sort.Strings(hashes)
	stmt, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO blobs (hash, content) VALUES (?, ?)`)
	if err != nil {
		return storeErr("prepare blob insert", err)
	}
	defer stmt.Close()
	for _, h := range hashes {
		content := blobs[h]
		if content == nil {
			content = []byte{}
		}
		if _, err := stmt.ExecContext(ctx, h, content); err != nil {
			return storeErr("store blob "+h, err)
		}
	}
	return nil
}

func insertVersion(ctx context.Context, tx *sql.Tx, v *registry.Version) error {
	manifest := v.Manifest
	if manifest == nil {
		manifest = []byte{}
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO versions (service, version, branch, commit_sha, published_at, manifest, digest, manifest_dir) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		v.Service, v.Version, v.Branch, v.Commit, micros(v.PublishedAt), manifest, v.Digest, v.ManifestDir)
	if err != nil {
		return storeErr(fmt.Sprintf("store %s %s", v.Service, v.Version), err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return storeErr("read the new version's id", err)
	}
	for i, p := range v.Provides {
		body, err := json.Marshal(p)
		if err != nil {
			return fmt.Errorf("encode provision %s: %w", p.Contract, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO provisions (version_id, ord, contract, body) VALUES (?, ?, ?, ?)`, id, i, p.Contract, string(body)); err != nil {
			return storeErr("store provision "+p.Contract, err)
		}
	}
	for i, c := range v.Consumes {
		body, err := json.Marshal(c)
		if err != nil {
			return fmt.Errorf("encode consumption %s: %w", c.Contract, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO consumptions (version_id, ord, contract, body) VALUES (?, ?, ?, ?)`, id, i, c.Contract, string(body)); err != nil {
			return storeErr("store consumption "+c.Contract, err)
		}
	}
	return nil
}

// querier is what reads need: a pool or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

const versionColumns = `id, service, version, branch, commit_sha, published_at, manifest, digest, manifest_dir`

// loadVersion reads one version with its provisions and consumptions, or
// fails with ENOTFOUND.
func loadVersion(ctx context.Context, q querier, service, version string) (*registry.Version, error) {
	vs, err := loadVersions(ctx, q, `WHERE service = ? AND version = ?`, service, version)
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return nil, registry.Errorf(registry.ENOTFOUND, "%s %s is not published", service, version)
	}
	return vs[0], nil
}

// loadVersions reads the versions matching where (a clause over the
// versions table) with their provisions and consumptions.
func loadVersions(ctx context.Context, q querier, where string, args ...any) ([]*registry.Version, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+versionColumns+` FROM versions `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, storeErr("read versions", err)
	}
	defer rows.Close()
	byID := map[int64]*registry.Version{}
	var out []*registry.Version
	for rows.Next() {
		var (
			v  registry.Version
			id int64
			at int64
		)
		if err := rows.Scan(&id, &v.Service, &v.Version, &v.Branch, &v.Commit, &at, &v.Manifest, &v.Digest, &v.ManifestDir); err != nil {
			return nil, storeErr("read a version", err)
		}
		v.PublishedAt = fromMicros(at)
		v.Provides = []registry.Provision{}
		v.Consumes = []registry.Consumption{}
		byID[id] = &v
		out = append(out, &v)
	}
	if err := rows.Err(); err != nil {
		return nil, storeErr("read versions", err)
	}
	rows.Close()
	if len(out) == 0 {
		return nil, nil
	}
	sub := `SELECT id FROM versions ` + where
	if err := loadSide(ctx, q, `SELECT version_id, body FROM provisions WHERE version_id IN (`+sub+`) ORDER BY version_id, ord`, args, func(id int64, body []byte) error {
		var p registry.Provision
		if err := json.Unmarshal(body, &p); err != nil {
			return fmt.Errorf("decode a stored provision: %w", err)
		}
		if v := byID[id]; v != nil {
			v.Provides = append(v.Provides, p)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if err := loadSide(ctx, q, `SELECT version_id, body FROM consumptions WHERE version_id IN (`+sub+`) ORDER BY version_id, ord`, args, func(id int64, body []byte) error {
		var c registry.Consumption
		if err := json.Unmarshal(body, &c); err != nil {
			return fmt.Errorf("decode a stored consumption: %w", err)
		}
		if v := byID[id]; v != nil {
			v.Consumes = append(v.Consumes, c)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	return out, nil
}

func loadSide(ctx context.Context, q querier, query string, args []any, each func(id int64, body []byte) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return storeErr("read provisions or consumptions", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id   int64
			body []byte
		)
		if err := rows.Scan(&id, &body); err != nil {
			return storeErr("read a side row", err)
		}
		if err := each(id, body); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return storeErr("read side rows", err)
	}
	return nil
}

// Version returns one version, or ENOTFOUND.
func (db *DB) Version(ctx context.Context, service, version string) (*registry.Version, error) {
	return loadVersion(ctx, db.r, service, version)
}

// Versions returns every version of service, oldest first by
// registry.SortVersions; none (and no error) for an unknown service.
func (db *DB) Versions(ctx context.Context, service string) ([]*registry.Version, error) {
	vs, err := loadVersions(ctx, db.r, `WHERE service = ?`, service)
	if err != nil {
		return nil, err
	}
	if vs == nil {
		vs = []*registry.Version{}
	}
	registry.SortVersions(vs)
	return vs, nil
}

// Services lists every service with a published version, by name.
func (db *DB) Services(ctx context.Context) ([]registry.ServiceInfo, error) {
	rows, err := db.r.QueryContext(ctx, `
		SELECT v.service, COUNT(*),
			(SELECT l.version FROM versions l WHERE l.service = v.service ORDER BY l.published_at DESC, l.id DESC LIMIT 1)
		FROM versions v GROUP BY v.service ORDER BY v.service`)
	if err != nil {
		return nil, storeErr("list services", err)
	}
	defer rows.Close()
	out := []registry.ServiceInfo{}
	index := map[string]int{}
	for rows.Next() {
		var s registry.ServiceInfo
		if err := rows.Scan(&s.Name, &s.Versions, &s.Latest); err != nil {
			return nil, storeErr("read a service", err)
		}
		s.Contracts = []string{}
		index[s.Name] = len(out)
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, storeErr("list services", err)
	}
	rows.Close()
	crows, err := db.r.QueryContext(ctx, `SELECT owner, name FROM contracts ORDER BY owner, name`)
	if err != nil {
		return nil, storeErr("list contracts", err)
	}
	defer crows.Close()
	for crows.Next() {
		var owner, name string
		if err := crows.Scan(&owner, &name); err != nil {
			return nil, storeErr("read a contract", err)
		}
		if i, ok := index[owner]; ok {
			out[i].Contracts = append(out[i].Contracts, name)
		}
	}
	if err := crows.Err(); err != nil {
		return nil, storeErr("list contracts", err)
	}
	return out, nil
}

// Contract returns a contract and its owner, or ENOTFOUND.
func (db *DB) Contract(ctx context.Context, name string) (*registry.Contract, error) {
	var (
		c    registry.Contract
		kind string
	)
	err := db.r.QueryRowContext(ctx, `SELECT name, owner, kind FROM contracts WHERE name = ?`, name).Scan(&c.Name, &c.Owner, &kind)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, registry.Errorf(registry.ENOTFOUND, "contract %s is not published by any service", name)
	}
	if err != nil {
		return nil, storeErr("read contract "+name, err)
	}
	c.Kind = registry.Kind(kind)
	return &c, nil
}

// Blobs returns the contents of the given hashes that are stored.
func (db *DB) Blobs(ctx context.Context, hashes []string) (map[string][]byte, error) {
	out := make(map[string][]byte, len(hashes))
	// Batches keep the statement under SQLite's variable limit.
	const batch = 500
	for start := 0; start < len(hashes); start += batch {
		part := hashes[start:min(start+batch, len(hashes))]
		args := make([]any, len(part))
		for i, h := range part {
			args[i] = h
		}
		rows, err := db.r.QueryContext(ctx, `SELECT hash, content FROM blobs WHERE hash IN (?`+strings.Repeat(", ?", len(part)-1)+`)`, args...)
		if err != nil {
			return nil, storeErr("read blobs", err)
		}
		for rows.Next() {
			var (
				h string
				b []byte
			)
			if err := rows.Scan(&h, &b); err != nil {
				rows.Close()
				return nil, storeErr("read a blob", err)
			}
			if b == nil {
				b = []byte{}
			}
			out[h] = b
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, storeErr("read blobs", err)
		}
	}
	return out, nil
}
