-- The registry's first schema. Names, versions and hashes use the "C"
-- collation so listings sort byte-wise, as SQLite's do, whatever the
-- database's locale. JSON columns hold the registry package's types as
-- encoding/json writes them.

-- Content-addressed blobs: every file of every stored document, once.
CREATE TABLE blobs (
	hash    text COLLATE "C" PRIMARY KEY,
	content bytea NOT NULL
);

-- A contract belongs to the service that first published it.
CREATE TABLE contracts (
	name  text COLLATE "C" PRIMARY KEY,
	owner text COLLATE "C" NOT NULL,
	kind  text NOT NULL
);
CREATE INDEX contracts_owner ON contracts (owner, name);

-- Immutable service versions.
CREATE TABLE versions (
	id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	service      text COLLATE "C" NOT NULL,
	version      text COLLATE "C" NOT NULL,
	branch       text NOT NULL DEFAULT '',
	commit_sha   text NOT NULL DEFAULT '',
	published_at timestamptz NOT NULL,
	manifest     bytea NOT NULL,
	digest       text NOT NULL,
	UNIQUE (service, version)
);
CREATE INDEX versions_service_time ON versions (service, published_at, id);

-- What each version provides and consumes, in manifest order, indexed by
-- contract so the gate's live lookups do not scan.
CREATE TABLE provisions (
	version_id bigint NOT NULL REFERENCES versions (id),
	ord        integer NOT NULL,
	contract   text COLLATE "C" NOT NULL,
	body       jsonb NOT NULL,
	PRIMARY KEY (version_id, ord)
);
CREATE INDEX provisions_contract ON provisions (contract, version_id);

CREATE TABLE consumptions (
	version_id bigint NOT NULL REFERENCES versions (id),
	ord        integer NOT NULL,
	contract   text COLLATE "C" NOT NULL,
	body       jsonb NOT NULL,
	PRIMARY KEY (version_id, ord)
);
CREATE INDEX consumptions_contract ON consumptions (contract, version_id);

-- Live versions per environment; several per service during a canary.
CREATE TABLE deployments (
	env         text COLLATE "C" NOT NULL,
	service     text COLLATE "C" NOT NULL,
	version     text COLLATE "C" NOT NULL,
	version_id  bigint NOT NULL REFERENCES versions (id),
	deployed_at timestamptz NOT NULL,
	PRIMARY KEY (env, service, version)
);
CREATE INDEX deployments_version ON deployments (env, version_id);

CREATE TABLE approvals (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	contract   text COLLATE "C" NOT NULL,
	rule       text NOT NULL,
	element    text NOT NULL,
	consumer   text NOT NULL DEFAULT '',
	reason     text NOT NULL,
	by_whom    text NOT NULL,
	created_at timestamptz NOT NULL,
	expires_at timestamptz NOT NULL
);
CREATE INDEX approvals_contract ON approvals (contract, id);

-- Comparison results keyed by the content hashes compared.
CREATE TABLE report_cache (
	key       text PRIMARY KEY,
	report    bytea NOT NULL,
	stored_at timestamptz NOT NULL
);

-- API tokens: only the hash of the secret is stored.
CREATE TABLE tokens (
	id          text COLLATE "C" PRIMARY KEY,
	name        text NOT NULL,
	scopes      jsonb NOT NULL,
	secret_hash text NOT NULL UNIQUE,
	created_at  timestamptz NOT NULL,
	revoked_at  timestamptz
);

-- The audit log is append-only: the trigger refuses edits, deletions and
-- truncation.
CREATE TABLE audit (
	id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at     timestamptz NOT NULL,
	actor  text NOT NULL,
	action text NOT NULL,
	target text NOT NULL,
	detail text NOT NULL DEFAULT ''
);
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'the audit log is append-only';
END
$$;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit
	FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
