package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/jackc/pgx/v5"

	"github.com/contractgate/contracts/registry"
)

// maxAttempts bounds the retries of a transaction that lost a race.
const maxAttempts = 8

// errLostRace tells Publish that another publish of the same version
// committed first, so the stored row decides the outcome.
var errLostRace = errors.New("another publish of this version committed first")

// Publish stores v and its blobs in one transaction; see registry.Store.
func (db *DB) Publish(ctx context.Context, v *registry.Version, blobs map[string][]byte) (registry.PublishOutcome, error) {
	v, err := registry.PreparePublish(v, blobs, db.now())
	if err != nil {
		return 0, err
	}
	for attempt := 1; ; attempt++ {
		err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error { return publishTx(ctx, tx, v, blobs) })
		if errors.Is(err, errLostRace) {
			existing, err := loadVersion(ctx, db.pool, v.Service, v.Version)
			if registry.ErrorCode(err) == registry.ENOTFOUND && attempt < maxAttempts {
				continue // cannot happen while versions are never deleted
			}
			if err != nil {
				return 0, err
			}
			if existing.Digest == v.Digest {
				return registry.Unchanged, nil
			}
			return 0, registry.ConflictError(existing, v)
		}
		if retryable(err) && attempt < maxAttempts {
			continue
		}
		if err != nil {
			return 0, storeErr(fmt.Sprintf("publish %s %s", v.Service, v.Version), err)
		}
		return registry.Created, nil
	}
}

func publishTx(ctx context.Context, tx pgx.Tx, v *registry.Version, blobs map[string][]byte) error {
	manifest := v.Manifest
	if manifest == nil {
		manifest = []byte{}
	}
	// The version row first: a racing publish of the same version blocks
	// here until the winner commits or rolls back.
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO versions (service, version, branch, commit_sha, published_at, manifest, digest, manifest_dir)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (service, version) DO NOTHING RETURNING id`,
		v.Service, v.Version, v.Branch, v.Commit, v.PublishedAt, manifest, v.Digest, v.ManifestDir).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return errLostRace
	}
	if err != nil {
		return fmt.Errorf("store the version row: %w", err)
	}
	if err := claimContracts(ctx, tx, v); err != nil {
		return err
	}
	if err := putBlobs(ctx, tx, v, blobs); err != nil {
		return err
	}
	return insertSides(ctx, tx, id, v)
}

// claimContracts makes v.Service the owner of each contract it provides that
// nobody owns yet, in name order, and fails with EFORBIDDEN on one another
// service owns.
func claimContracts(ctx context.Context, tx pgx.Tx, v *registry.Version) error {
	provides := append([]registry.Provision(nil), v.Provides...)
	sort.Slice(provides, func(i, j int) bool { return provides[i].Contract < provides[j].Contract })
	for _, p := range provides {
		if _, err := tx.Exec(ctx, `INSERT INTO contracts (name, owner, kind) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING`, p.Contract, v.Service, string(p.Kind)); err != nil {
			return fmt.Errorf("claim contract %s: %w", p.Contract, err)
		}
		// A separate statement, so it sees a racing claim that committed
		// while the insert waited for it.
		var owner string
		if err := tx.QueryRow(ctx, `SELECT owner FROM contracts WHERE name = $1`, p.Contract).Scan(&owner); err != nil {
			return fmt.Errorf("read the owner of contract %s: %w", p.Contract, err)
		}
		if owner != v.Service {
			return registry.Errorf(registry.EFORBIDDEN, "contract %s belongs to service %s; %s cannot publish it", p.Contract, owner, v.Service)
		}
	}
	return nil
}

// putBlobs stores the given blobs in hash order and checks that every blob v
// refers to is either given or already stored.
func putBlobs(ctx context.Context, tx pgx.Tx, v *registry.Version, blobs map[string][]byte) error {
	var missing []string
	for _, h := range registry.ReferencedBlobs(v) {
		if _, ok := blobs[h]; !ok {
			missing = append(missing, h)
		}
	}
	if len(missing) > 0 {
		stored := map[string]bool{}
		rows, err := tx.Query(ctx, `SELECT hash FROM blobs WHERE hash = ANY($1)`, missing)
		if err != nil {
			return fmt.Errorf("look up stored blobs: %w", err)
		}
		hashes, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return fmt.Errorf("look up stored blobs: %w", err)
		}
		for _, h := range hashes {
			stored[h] = true
		}
		for _, h := range missing {
			if !stored[h] {
				return registry.Errorf(registry.EINVALID, "%s %s refers to blob %s, which is neither given nor stored", v.Service, v.Version, h)
			}
		}
	}
	if len(blobs) == 0 {
		return nil
	}
	hashes := make([]string, 0, len(blobs))
	for h := range blobs {
		hashes = append(hashes, h)
	}
	sort.Strings(hashes)
	contents := make([][]byte, len(hashes))
	for i, h := range hashes {
		contents[i] = blobs[h]
		if contents[i] == nil {
			contents[i] = []byte{}
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO blobs (hash, content)
		SELECT h, c FROM unnest($1::text[], $2::bytea[]) WITH ORDINALITY AS u(h, c, n) ORDER BY n
		ON CONFLICT (hash) DO NOTHING`, hashes, contents); err != nil {
		return fmt.Errorf("store blobs: %w", err)
	}
	return nil
}

// insertSides stores the provisions and consumptions of version row id.
func insertSides(ctx context.Context, tx pgx.Tx, id int64, v *registry.Version) error {
	var (
		ords      []int32
		contracts []string
		bodies    []string
	)
	for i, p := range v.Provides {
		body, err := json.Marshal(p)
		if err != nil {
			return fmt.Errorf("encode provision %s: %w", p.Contract, err)
		}
		ords, contracts, bodies = append(ords, int32(i)), append(contracts, p.Contract), append(bodies, string(body))
	}
	if err := insertSide(ctx, tx, "provisions", id, ords, contracts, bodies); err != nil {
		return err
	}
	ords, contracts, bodies = nil, nil, nil
	for i, c := range v.Consumes {
		body, err := json.Marshal(c)
		if err != nil {
			return fmt.Errorf("encode consumption %s: %w", c.Contract, err)
		}
		ords, contracts, bodies = append(ords, int32(i)), append(contracts, c.Contract), append(bodies, string(body))
	}
	return insertSide(ctx, tx, "consumptions", id, ords, contracts, bodies)
}

func insertSide(ctx context.Context, tx pgx.Tx, table string, id int64, ords []int32, contracts, bodies []string) error {
	if len(ords) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `INSERT INTO `+table+` (version_id, ord, contract, body)
		SELECT $1, o, c, b::jsonb FROM unnest($2::integer[], $3::text[], $4::text[]) AS u(o, c, b)`, id, ords, contracts, bodies); err != nil {
		return fmt.Errorf("store %s: %w", table, err)
	}
	return nil
}

// querier is what reads need: the pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

const versionColumns = `id, service, version, branch, commit_sha, published_at, manifest, digest, manifest_dir`

// loadVersion reads one version with its provisions and consumptions, or
// fails with ENOTFOUND.
func loadVersion(ctx context.Context, q querier, service, version string) (*registry.Version, error) {
	vs, err := loadVersions(ctx, q, `WHERE service = $1 AND version = $2`, service, version)
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
	rows, err := q.Query(ctx, `SELECT `+versionColumns+` FROM versions `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, storeErr("read versions", err)
	}
	byID := map[int64]*registry.Version{}
	var out []*registry.Version
	for rows.Next() {
		var (
			v  registry.Version
			id int64
		)
		if err := rows.Scan(&id, &v.Service, &v.Version, &v.Branch, &v.Commit, &v.PublishedAt, &v.Manifest, &v.Digest, &v.ManifestDir); err != nil {
			rows.Close()
			return nil, storeErr("read a version", err)
		}
		v.PublishedAt = utc(v.PublishedAt)
		v.Provides = []registry.Provision{}
		v.Consumes = []registry.Consumption{}
		byID[id] = &v
		out = append(out, &v)
	}
	if err := rows.Err(); err != nil {
		return nil, storeErr("read versions", err)
	}
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
	rows, err := q.Query(ctx, query, args...)
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
			return storeErr("read a provision or consumption", err)
		}
		if err := each(id, body); err != nil {
			return err
		}
	}
	return storeErr("read provisions or consumptions", rows.Err())
}

// Version returns one version, or ENOTFOUND.
func (db *DB) Version(ctx context.Context, service, version string) (*registry.Version, error) {
	return loadVersion(ctx, db.pool, service, version)
}

// Versions returns every version of service, oldest first by
// registry.SortVersions; none (and no error) for an unknown service.
func (db *DB) Versions(ctx context.Context, service string) ([]*registry.Version, error) {
	vs, err := loadVersions(ctx, db.pool, `WHERE service = $1`, service)
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
	rows, err := db.pool.Query(ctx, `
		SELECT v.service, COUNT(*),
			(SELECT l.version FROM versions l WHERE l.service = v.service ORDER BY l.published_at DESC, l.id DESC LIMIT 1),
			COALESCE((SELECT array_agg(c.name ORDER BY c.name) FROM contracts c WHERE c.owner = v.service), '{}')
		FROM versions v GROUP BY v.service ORDER BY v.service`)
	if err != nil {
		return nil, storeErr("list services", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (registry.ServiceInfo, error) {
		var s registry.ServiceInfo
		err := row.Scan(&s.Name, &s.Versions, &s.Latest, &s.Contracts)
		return s, err
	})
	if err != nil {
		return nil, storeErr("list services", err)
	}
	if out == nil {
		out = []registry.ServiceInfo{}
	}
	return out, nil
}

// Contract returns a contract and its owner, or ENOTFOUND.
func (db *DB) Contract(ctx context.Context, name string) (*registry.Contract, error) {
	var (
		c    registry.Contract
		kind string
	)
	err := db.pool.QueryRow(ctx, `SELECT name, owner, kind FROM contracts WHERE name = $1`, name).Scan(&c.Name, &c.Owner, &kind)
	if errors.Is(err, pgx.ErrNoRows) {
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
	if len(hashes) == 0 {
		return out, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT hash, content FROM blobs WHERE hash = ANY($1)`, hashes)
	if err != nil {
		return nil, storeErr("read blobs", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			h string
			b []byte
		)
		if err := rows.Scan(&h, &b); err != nil {
			return nil, storeErr("read a blob", err)
		}
		if b == nil {
			b = []byte{}
		}
		out[h] = b
	}
	return out, storeErr("read blobs", rows.Err())
}
