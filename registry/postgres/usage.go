package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/contractgate/contracts/registry"
)

var _ registry.SpanStore = (*DB)(nil)

// ObserveSpans joins, records and expires span halves in one transaction;
// see registry.SpanStore. Several servers may call it at once: a half
// whose key is being inserted by another transaction waits for it (the
// primary key), then takes it as its other half. Halves and rows are
// written in key order so such waits cannot form a cycle, and a deadlock
// all the same is retried.
func (db *DB) ObserveSpans(ctx context.Context, b registry.SpanBatch) (registry.SpanOutcome, error) {
	pairs, halves, dups := registry.PairWithin(b.Halves)
	var (
		out registry.SpanOutcome
		err error
	)
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		out = registry.SpanOutcome{Duplicates: dups}
		err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
			return observe(ctx, tx, b, pairs, halves, &out)
		})
		if !retryable(err) {
			break
		}
	}
	return out, storeErr("record spans", err)
}

func observe(ctx context.Context, tx pgx.Tx, b registry.SpanBatch, pairs [][2]registry.SpanHalf, halves []registry.SpanHalf, out *registry.SpanOutcome) error {
	at := b.At.UTC()
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
	// Expire what waited too long; rows another server is expiring or
	// joining right now are skipped, not waited for.
	rows, err := tx.Query(ctx, `DELETE FROM span_halves WHERE ctid IN (
			SELECT ctid FROM span_halves WHERE received_at < $1 ORDER BY received_at FOR UPDATE SKIP LOCKED)
		RETURNING server, env, service, version, contract, element, unmatched, example`, at.Add(-b.Window))
	if err != nil {
		return fmt.Errorf("expire span halves: %w", err)
	}
	expired, err := pgx.CollectRows(rows, scanHalf)
	if err != nil {
		return fmt.Errorf("expire span halves: %w", err)
	}
	for _, h := range expired {
		tally.Expire(h)
	}
	out.Expired = len(expired)

	if len(halves) > 0 {
		var (
			trace, span, env, svc, ver, contract, element, unmatched, example []string
			server                                                            []bool
		)
		for _, h := range halves {
			trace, span, server = append(trace, h.TraceID), append(span, h.SpanID), append(server, h.Server)
			env, svc, ver = append(env, h.Env), append(svc, h.Service), append(ver, h.Version)
			contract, element = append(contract, h.Contract), append(element, h.Element)
			unmatched, example = append(unmatched, h.Unmatched), append(example, h.Example)
		}
		// A half whose key is free waits here for its other half. One
		// whose key is taken (after waiting for the transaction that took
		// it, if it is still running) takes its other half below.
		rows, err := tx.Query(ctx, `INSERT INTO span_halves (trace_id, span_id, server, env, service, version, contract, element, unmatched, example, received_at)
			SELECT t, s, srv, e, svc, v, c, el, u, ex, $11
			FROM unnest($1::text[], $2::text[], $3::bool[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
				AS x(t, s, srv, e, svc, v, c, el, u, ex) ORDER BY t, s
			ON CONFLICT (trace_id, span_id) DO NOTHING RETURNING trace_id, span_id`,
			trace, span, server, env, svc, ver, contract, element, unmatched, example, at)
		if err != nil {
			return fmt.Errorf("keep span halves: %w", err)
		}
		inserted := map[[2]string]bool{}
		var t, s string
		if _, err := pgx.ForEachRow(rows, []any{&t, &s}, func() error {
			inserted[[2]string{t, s}] = true
			return nil
		}); err != nil {
			return fmt.Errorf("keep span halves: %w", err)
		}
		out.Pending = len(inserted)
		var taken []registry.SpanHalf
		var tTrace, tSpan []string
		var tServer []bool
		for _, h := range halves {
			if !inserted[[2]string{h.TraceID, h.SpanID}] {
				taken = append(taken, h)
				tTrace, tSpan, tServer = append(tTrace, h.TraceID), append(tSpan, h.SpanID), append(tServer, h.Server)
			}
		}
		if len(taken) > 0 {
			rows, err := tx.Query(ctx, `DELETE FROM span_halves h USING unnest($1::text[], $2::text[], $3::bool[]) AS x(t, s, srv)
				WHERE h.trace_id = x.t AND h.span_id = x.s AND h.server <> x.srv
				RETURNING h.trace_id, h.span_id, h.server, h.env, h.service, h.version, h.contract, h.element, h.unmatched, h.example`, tTrace, tSpan, tServer)
			if err != nil {
				return fmt.Errorf("join span halves: %w", err)
			}
			others := map[[2]string]registry.SpanHalf{}
			var o registry.SpanHalf
			if _, err := pgx.ForEachRow(rows, []any{&o.TraceID, &o.SpanID, &o.Server, &o.Env, &o.Service, &o.Version, &o.Contract, &o.Element, &o.Unmatched, &o.Example}, func() error {
				others[[2]string{o.TraceID, o.SpanID}] = o
				return nil
			}); err != nil {
				return fmt.Errorf("join span halves: %w", err)
			}
			for _, h := range taken {
				other, ok := others[[2]string{h.TraceID, h.SpanID}]
				switch {
				case !ok:
					out.Duplicates++
				case h.Server:
					join(other, h)
				default:
					join(h, other)
				}
			}
		}
	}
	return writeTally(ctx, tx, tally)
}

func scanHalf(row pgx.CollectableRow) (registry.SpanHalf, error) {
	var h registry.SpanHalf
	err := row.Scan(&h.Server, &h.Env, &h.Service, &h.Version, &h.Contract, &h.Element, &h.Unmatched, &h.Example)
	return h, err
}

// writeTally adds a tally's calls and unmatched counts to their day's rows,
// in key order, and drops the days older than registry.UsageKeptFor.
func writeTally(ctx context.Context, tx pgx.Tx, t *registry.UsageTally) error {
	day := registry.Day(t.At)
	batch := &pgx.Batch{}
	for _, k := range t.SortedCalls() {
		batch.Queue(`INSERT INTO usage_calls (env, contract, element, consumer, consumer_version, provider, provider_version, day, calls, first_seen, last_seen)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
			ON CONFLICT (env, contract, day, element, consumer, consumer_version, provider, provider_version) DO UPDATE
			SET calls = usage_calls.calls + excluded.calls, first_seen = LEAST(usage_calls.first_seen, excluded.first_seen), last_seen = GREATEST(usage_calls.last_seen, excluded.last_seen)`,
			k.Env, k.Contract, k.Element, k.Consumer, k.ConsumerVersion, k.Provider, k.ProviderVersion, day, t.Calls[k], t.At)
	}
	for _, u := range t.SortedUnmatched() {
		batch.Queue(`INSERT INTO usage_unmatched (env, reason, service, day, example, calls, first_seen, last_seen)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
			ON CONFLICT (env, day, reason, service) DO UPDATE
			SET calls = usage_unmatched.calls + excluded.calls, first_seen = LEAST(usage_unmatched.first_seen, excluded.first_seen),
				last_seen = GREATEST(usage_unmatched.last_seen, excluded.last_seen),
				example = CASE WHEN excluded.example <> '' THEN excluded.example ELSE usage_unmatched.example END`,
			u.Env, u.Reason, u.Service, day, u.Example, u.Calls, t.At)
	}
	oldest := registry.Day(t.At.Add(-registry.UsageKeptFor))
	batch.Queue(`DELETE FROM usage_calls WHERE day < $1`, oldest)
	batch.Queue(`DELETE FROM usage_unmatched WHERE day < $1`, oldest)
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("record observed usage: %w", err)
	}
	return nil
}

// ObservedUsage lists observed calls; see registry.Store.
func (db *DB) ObservedUsage(ctx context.Context, env, contract string, since time.Time) ([]registry.ObservedCall, error) {
	if env != "" {
		if err := knownEnv(ctx, db.pool, env); err != nil {
			return nil, err
		}
	}
	rows, err := db.pool.Query(ctx, `SELECT env, contract, element, consumer, consumer_version, provider, provider_version, SUM(calls)::bigint, MIN(first_seen), MAX(last_seen)
		FROM usage_calls WHERE ($1 = '' OR env = $1) AND ($2 = '' OR contract = $2) AND day >= $3
		GROUP BY env, contract, element, consumer, consumer_version, provider, provider_version
		ORDER BY env, consumer, consumer_version, element, provider, provider_version, contract`, env, contract, sinceDay(since))
	if err != nil {
		return nil, storeErr("read observed usage", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (registry.ObservedCall, error) {
		var c registry.ObservedCall
		err := row.Scan(&c.Env, &c.Contract, &c.Element, &c.Consumer, &c.ConsumerVersion, &c.Provider, &c.ProviderVersion, &c.Calls, &c.FirstSeen, &c.LastSeen)
		c.FirstSeen, c.LastSeen = utc(c.FirstSeen), utc(c.LastSeen)
		return c, err
	})
	if err != nil {
		return nil, storeErr("read observed usage", err)
	}
	if out == nil {
		out = []registry.ObservedCall{}
	}
	return out, nil
}

// UnmatchedSpans lists unmatched counts; see registry.Store.
func (db *DB) UnmatchedSpans(ctx context.Context, env string, since time.Time) ([]registry.UnmatchedSpans, error) {
	if env != "" {
		if err := knownEnv(ctx, db.pool, env); err != nil {
			return nil, err
		}
	}
	rows, err := db.pool.Query(ctx, `SELECT env, reason, service, SUM(calls)::bigint, MIN(first_seen), MAX(last_seen),
			(array_agg(example ORDER BY day DESC))[1]
		FROM usage_unmatched WHERE ($1 = '' OR env = $1) AND day >= $2
		GROUP BY env, reason, service ORDER BY env, reason, service`, env, sinceDay(since))
	if err != nil {
		return nil, storeErr("read unmatched spans", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (registry.UnmatchedSpans, error) {
		var u registry.UnmatchedSpans
		err := row.Scan(&u.Env, &u.Reason, &u.Service, &u.Calls, &u.FirstSeen, &u.LastSeen, &u.Example)
		u.FirstSeen, u.LastSeen = utc(u.FirstSeen), utc(u.LastSeen)
		return u, err
	})
	if err != nil {
		return nil, storeErr("read unmatched spans", err)
	}
	if out == nil {
		out = []registry.UnmatchedSpans{}
	}
	return out, nil
}

// sinceDay is the first day a since covers; zero covers every day.
func sinceDay(since time.Time) int64 {
	if since.IsZero() {
		return 0
	}
	return registry.Day(since)
}
