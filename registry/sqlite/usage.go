package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/contractgate/contracts/registry"
)

var _ registry.SpanStore = (*DB)(nil)

// ObserveSpans joins, records and expires span halves in one write
// transaction; see registry.SpanStore. SQLite has one writer, so a half and
// its other half never miss each other.
func (db *DB) ObserveSpans(ctx context.Context, b registry.SpanBatch) (registry.SpanOutcome, error) {
	var out registry.SpanOutcome
	at := b.At.UTC()
	pairs, halves, dups := registry.PairWithin(b.Halves)
	err := db.write(ctx, func(tx *sql.Tx) error {
		// A retried transaction starts its tally again.
		out = registry.SpanOutcome{Duplicates: dups}
		tally := registry.NewUsageTally(b)
		join := func(client, server registry.SpanHalf) {
			out.Joined += 2
			if tally.Join(client, server) {
				out.Unmatched++
			}
		}
		for _, p := range pairs {
			join(p[0], p[1])
		}
		expired, err := expireHalves(ctx, tx, at.Add(-b.Window))
		if err != nil {
			return err
		}
		for _, h := range expired {
			tally.Expire(h)
		}
		out.Expired = len(expired)
		ins, err := tx.PrepareContext(ctx, `INSERT INTO span_halves (trace_id, span_id, server, env, service, version, contract, element, unmatched, example, received_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
		if err != nil {
			return storeErr("prepare the span insert", err)
		}
		defer ins.Close()
		take, err := tx.PrepareContext(ctx, `DELETE FROM span_halves WHERE trace_id = ? AND span_id = ? AND server <> ?
			RETURNING server, env, service, version, contract, element, unmatched, example`)
		if err != nil {
			return storeErr("prepare the span join", err)
		}
		defer take.Close()
		for _, h := range halves {
			res, err := ins.ExecContext(ctx, h.TraceID, h.SpanID, h.Server, h.Env, h.Service, h.Version, h.Contract, h.Element, h.Unmatched, h.Example, micros(at))
			if err != nil {
				return storeErr("keep a span half", err)
			}
			if n, _ := res.RowsAffected(); n == 1 {
				out.Pending++
				continue
			}
			other := registry.SpanHalf{TraceID: h.TraceID, SpanID: h.SpanID}
			err = take.QueryRowContext(ctx, h.TraceID, h.SpanID, h.Server).Scan(&other.Server, &other.Env, &other.Service, &other.Version, &other.Contract, &other.Element, &other.Unmatched, &other.Example)
			if errors.Is(err, sql.ErrNoRows) {
				out.Duplicates++
				continue
			}
			if err != nil {
				return storeErr("join a span half", err)
			}
			if h.Server {
				join(other, h)
			} else {
				join(h, other)
			}
		}
		return writeTally(ctx, tx, tally)
	})
	return out, err
}

// expireHalves deletes and returns the halves received before cutoff.
func expireHalves(ctx context.Context, tx *sql.Tx, cutoff time.Time) ([]registry.SpanHalf, error) {
	rows, err := tx.QueryContext(ctx, `DELETE FROM span_halves WHERE received_at < ?
		RETURNING server, env, service, version, contract, element, unmatched, example`, micros(cutoff))
	if err != nil {
		return nil, storeErr("expire span halves", err)
	}
	defer rows.Close()
	var out []registry.SpanHalf
	for rows.Next() {
		var h registry.SpanHalf
		if err := rows.Scan(&h.Server, &h.Env, &h.Service, &h.Version, &h.Contract, &h.Element, &h.Unmatched, &h.Example); err != nil {
			return nil, storeErr("read an expired span half", err)
		}
		out = append(out, h)
	}
	return out, storeErr("expire span halves", rows.Err())
}

// writeTally adds a tally's calls and unmatched counts to their day's rows,
// and drops the days older than registry.UsageKeptFor.
func writeTally(ctx context.Context, tx *sql.Tx, t *registry.UsageTally) error {
	day, at := registry.Day(t.At), micros(t.At)
	for _, k := range t.SortedCalls() {
		if _, err := tx.ExecContext(ctx, `INSERT INTO usage_calls (env, contract, element, consumer, consumer_version, provider, provider_version, day, calls, first_seen, last_seen)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT DO UPDATE SET calls = calls + excluded.calls, first_seen = MIN(first_seen, excluded.first_seen), last_seen = MAX(last_seen, excluded.last_seen)`,
			k.Env, k.Contract, k.Element, k.Consumer, k.ConsumerVersion, k.Provider, k.ProviderVersion, day, t.Calls[k], at, at); err != nil {
			return storeErr("record observed usage", err)
		}
	}
	for _, u := range t.SortedUnmatched() {
		if _, err := tx.ExecContext(ctx, `INSERT INTO usage_unmatched (env, reason, service, day, example, calls, first_seen, last_seen)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT DO UPDATE SET calls = calls + excluded.calls, first_seen = MIN(first_seen, excluded.first_seen), last_seen = MAX(last_seen, excluded.last_seen),
				example = CASE WHEN excluded.example <> '' THEN excluded.example ELSE example END`,
			u.Env, u.Reason, u.Service, day, u.Example, u.Calls, at, at); err != nil {
			return storeErr("count unmatched spans", err)
		}
	}
	oldest := registry.Day(t.At.Add(-registry.UsageKeptFor))
	if _, err := tx.ExecContext(ctx, `DELETE FROM usage_calls WHERE day < ?`, oldest); err != nil {
		return storeErr("drop old usage", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM usage_unmatched WHERE day < ?`, oldest); err != nil {
		return storeErr("drop old unmatched counts", err)
	}
	return nil
}

// ObservedUsage lists observed calls; see registry.Store.
func (db *DB) ObservedUsage(ctx context.Context, env, contract string, since time.Time) ([]registry.ObservedCall, error) {
	if env != "" {
		if err := knownEnv(ctx, db.r, env); err != nil {
			return nil, err
		}
	}
	rows, err := db.r.QueryContext(ctx, `SELECT env, contract, element, consumer, consumer_version, provider, provider_version, SUM(calls), MIN(first_seen), MAX(last_seen)
		FROM usage_calls WHERE (?1 = '' OR env = ?1) AND (?2 = '' OR contract = ?2) AND day >= ?3
		GROUP BY env, contract, element, consumer, consumer_version, provider, provider_version
		ORDER BY env, consumer, consumer_version, element, provider, provider_version, contract`, env, contract, sinceDay(since))
	if err != nil {
		return nil, storeErr("read observed usage", err)
	}
	defer rows.Close()
	out := []registry.ObservedCall{}
	for rows.Next() {
		var (
			c           registry.ObservedCall
			first, last int64
		)
		if err := rows.Scan(&c.Env, &c.Contract, &c.Element, &c.Consumer, &c.ConsumerVersion, &c.Provider, &c.ProviderVersion, &c.Calls, &first, &last); err != nil {
			return nil, storeErr("read observed usage", err)
		}
		c.FirstSeen, c.LastSeen = fromMicros(first), fromMicros(last)
		out = append(out, c)
	}
	return out, storeErr("read observed usage", rows.Err())
}

// UnmatchedSpans lists unmatched counts; see registry.Store.
func (db *DB) UnmatchedSpans(ctx context.Context, env string, since time.Time) ([]registry.UnmatchedSpans, error) {
	if env != "" {
		if err := knownEnv(ctx, db.r, env); err != nil {
			return nil, err
		}
	}
	// The example is the latest day's.
	rows, err := db.r.QueryContext(ctx, `SELECT env, reason, service, SUM(calls), MIN(first_seen), MAX(last_seen),
			(SELECT example FROM usage_unmatched l WHERE l.env = u.env AND l.reason = u.reason AND l.service = u.service AND l.day >= ?2 ORDER BY l.day DESC LIMIT 1)
		FROM usage_unmatched u WHERE (?1 = '' OR env = ?1) AND day >= ?2
		GROUP BY env, reason, service ORDER BY env, reason, service`, env, sinceDay(since))
	if err != nil {
		return nil, storeErr("read unmatched spans", err)
	}
	defer rows.Close()
	out := []registry.UnmatchedSpans{}
	for rows.Next() {
		var (
			u           registry.UnmatchedSpans
			first, last int64
		)
		if err := rows.Scan(&u.Env, &u.Reason, &u.Service, &u.Calls, &first, &last, &u.Example); err != nil {
			return nil, storeErr("read unmatched spans", err)
		}
		u.FirstSeen, u.LastSeen = fromMicros(first), fromMicros(last)
		out = append(out, u)
	}
	return out, storeErr("read unmatched spans", rows.Err())
}

// sinceDay is the first day a since covers; zero covers every day.
func sinceDay(since time.Time) int64 {
	if since.IsZero() {
		return 0
	}
	return registry.Day(since)
}
