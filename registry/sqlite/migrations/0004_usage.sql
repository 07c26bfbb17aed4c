-- Usage observed from OpenTelemetry traces. A call is a CLIENT span joined
-- to the SERVER span whose parent it is; the halves wait here, not in a
-- server's memory, so that the two halves of a call may reach different
-- registry servers and still join. A client half is keyed by its span id,
-- a server half by its parent's: one call's halves share the key.
CREATE TABLE span_halves (
	trace_id    TEXT NOT NULL,
	span_id     TEXT NOT NULL,
	server      INTEGER NOT NULL,
	env         TEXT NOT NULL,
	service     TEXT NOT NULL,
	version     TEXT NOT NULL,
	contract    TEXT NOT NULL,
	element     TEXT NOT NULL,
	unmatched   TEXT NOT NULL,
	example     TEXT NOT NULL,
	received_at INTEGER NOT NULL,
	PRIMARY KEY (trace_id, span_id)
) WITHOUT ROWID;
CREATE INDEX span_halves_received ON span_halves (received_at);

-- Joined calls add up per element, consumer version, provider version and
-- UTC day (days since the epoch): aggregates, never raw spans.
CREATE TABLE usage_calls (
	env              TEXT NOT NULL,
	contract         TEXT NOT NULL,
	element          TEXT NOT NULL,
	consumer         TEXT NOT NULL,
	consumer_version TEXT NOT NULL,
	provider         TEXT NOT NULL,
	provider_version TEXT NOT NULL,
	day              INTEGER NOT NULL,
	calls            INTEGER NOT NULL,
	first_seen       INTEGER NOT NULL,
	last_seen        INTEGER NOT NULL,
	PRIMARY KEY (env, contract, day, element, consumer, consumer_version, provider, provider_version)
) WITHOUT ROWID;
CREATE INDEX usage_calls_day ON usage_calls (day);

-- Spans counted but not recorded as usage, and why; env is '' when the span
-- named no environment the registry knows.
CREATE TABLE usage_unmatched (
	env        TEXT NOT NULL,
	reason     TEXT NOT NULL,
	service    TEXT NOT NULL,
	day        INTEGER NOT NULL,
	example    TEXT NOT NULL,
	calls      INTEGER NOT NULL,
	first_seen INTEGER NOT NULL,
	last_seen  INTEGER NOT NULL,
	PRIMARY KEY (env, day, reason, service)
) WITHOUT ROWID;
CREATE INDEX usage_unmatched_day ON usage_unmatched (day);
