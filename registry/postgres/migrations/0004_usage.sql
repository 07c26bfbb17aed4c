-- Usage observed from OpenTelemetry traces. A call is a CLIENT span joined
-- to the SERVER span whose parent it is; the halves wait here, not in a
-- server's memory, so that the two halves of a call may reach different
-- registry servers and still join. A client half is keyed by its span id,
-- a server half by its parent's: one call's halves share the key, and the
-- primary key makes the second of two racing inserts wait for the first and
-- then find it.
CREATE TABLE span_halves (
	trace_id    text COLLATE "C" NOT NULL,
	span_id     text COLLATE "C" NOT NULL,
	server      boolean NOT NULL,
	env         text NOT NULL,
	service     text NOT NULL,
	version     text NOT NULL,
	contract    text NOT NULL,
	element     text NOT NULL,
	unmatched   text NOT NULL,
	example     text NOT NULL,
	received_at timestamptz NOT NULL,
	PRIMARY KEY (trace_id, span_id)
);
CREATE INDEX span_halves_received ON span_halves (received_at);

-- Joined calls add up per element, consumer version, provider version and
-- UTC day (days since the epoch): aggregates, never raw spans.
CREATE TABLE usage_calls (
	env              text COLLATE "C" NOT NULL,
	contract         text COLLATE "C" NOT NULL,
	element          text COLLATE "C" NOT NULL,
	consumer         text COLLATE "C" NOT NULL,
	consumer_version text COLLATE "C" NOT NULL,
	provider         text COLLATE "C" NOT NULL,
	provider_version text COLLATE "C" NOT NULL,
	day              bigint NOT NULL,
	calls            bigint NOT NULL,
	first_seen       timestamptz NOT NULL,
	last_seen        timestamptz NOT NULL,
	PRIMARY KEY (env, contract, day, element, consumer, consumer_version, provider, provider_version)
);
CREATE INDEX usage_calls_day ON usage_calls (day);

-- Spans counted but not recorded as usage, and why; env is '' when the span
-- named no environment the registry knows.
CREATE TABLE usage_unmatched (
	env        text COLLATE "C" NOT NULL,
	reason     text COLLATE "C" NOT NULL,
	service    text COLLATE "C" NOT NULL,
	day        bigint NOT NULL,
	example    text NOT NULL,
	calls      bigint NOT NULL,
	first_seen timestamptz NOT NULL,
	last_seen  timestamptz NOT NULL,
	PRIMARY KEY (env, day, reason, service)
);
CREATE INDEX usage_unmatched_day ON usage_unmatched (day);
