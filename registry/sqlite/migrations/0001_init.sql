-- The registry's first schema. Times are UTC microseconds since the Unix
-- epoch; JSON columns hold the registry package's types as encoding/json
-- writes them.

-- Content-addressed blobs: every file of every stored document, once.
CREATE TABLE blobs (
	hash    TEXT PRIMARY KEY,
	content BLOB NOT NULL
) WITHOUT ROWID;

-- A contract belongs to the service that first published it.
CREATE TABLE contracts (
	name  TEXT PRIMARY KEY,
	owner TEXT NOT NULL,
	kind  TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX contracts_owner ON contracts (owner, name);

-- Immutable service versions.
CREATE TABLE versions (
	id           INTEGER PRIMARY KEY,
	service      TEXT NOT NULL,
	version      TEXT NOT NULL,
	branch       TEXT NOT NULL DEFAULT '',
	commit_sha   TEXT NOT NULL DEFAULT '',
	published_at INTEGER NOT NULL,
	manifest     BLOB NOT NULL,
	digest       TEXT NOT NULL,
	UNIQUE (service, version)
);
CREATE INDEX versions_service_time ON versions (service, published_at, id);

-- What each version provides and consumes, in manifest order; body is the
-- registry.Provision / registry.Consumption as JSON. Indexed by contract so
-- the gate's live lookups do not scan.
CREATE TABLE provisions (
	version_id INTEGER NOT NULL REFERENCES versions (id),
	ord        INTEGER NOT NULL,
	contract   TEXT NOT NULL,
	body       TEXT NOT NULL,
	PRIMARY KEY (version_id, ord)
) WITHOUT ROWID;
CREATE INDEX provisions_contract ON provisions (contract, version_id);

CREATE TABLE consumptions (
	version_id INTEGER NOT NULL REFERENCES versions (id),
	ord        INTEGER NOT NULL,
	contract   TEXT NOT NULL,
	body       TEXT NOT NULL,
	PRIMARY KEY (version_id, ord)
) WITHOUT ROWID;
CREATE INDEX consumptions_contract ON consumptions (contract, version_id);

-- Live versions per environment; several per service during a canary.
CREATE TABLE deployments (
	env         TEXT NOT NULL,
	service     TEXT NOT NULL,
	version     TEXT NOT NULL,
	version_id  INTEGER NOT NULL REFERENCES versions (id),
	deployed_at INTEGER NOT NULL,
	PRIMARY KEY (env, service, version)
) WITHOUT ROWID;
CREATE INDEX deployments_version ON deployments (version_id, env);

CREATE TABLE approvals (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	contract   TEXT NOT NULL,
	rule       TEXT NOT NULL,
	element    TEXT NOT NULL,
	consumer   TEXT NOT NULL DEFAULT '',
	reason     TEXT NOT NULL,
	by_whom    TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);
CREATE INDEX approvals_contract ON approvals (contract, id);

-- Comparison results keyed by the content hashes compared.
CREATE TABLE report_cache (
	key       TEXT PRIMARY KEY,
	report    BLOB NOT NULL,
	stored_at INTEGER NOT NULL
) WITHOUT ROWID;

-- API tokens: only the hash of the secret is stored.
CREATE TABLE tokens (
	id          TEXT PRIMARY KEY,
	name        TEXT NOT NULL,
	scopes      TEXT NOT NULL,
	secret_hash TEXT NOT NULL UNIQUE,
	created_at  INTEGER NOT NULL,
	revoked_at  INTEGER
);

-- The audit log is append-only: the triggers refuse edits and deletions.
CREATE TABLE audit (
	id     INTEGER PRIMARY KEY AUTOINCREMENT,
	at     INTEGER NOT NULL,
	actor  TEXT NOT NULL,
	action TEXT NOT NULL,
	target TEXT NOT NULL,
	detail TEXT NOT NULL DEFAULT ''
);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
	SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
	SELECT RAISE(ABORT, 'the audit log is append-only');
END;
