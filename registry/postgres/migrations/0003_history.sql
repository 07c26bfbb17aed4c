-- Each period a version was live in an environment: the gate checks a
-- message reader against every producer version live within the topic's
-- retention, not only the live ones. An interval opens when a deployment is
-- recorded and closes when the version is replaced or undeployed; the
-- versions live when this migration runs get an open interval from their
-- deployment time (what came before is not known).
CREATE TABLE deployment_history (
	id          bigserial PRIMARY KEY,
	env         text COLLATE "C" NOT NULL,
	service     text COLLATE "C" NOT NULL,
	version     text COLLATE "C" NOT NULL,
	version_id  bigint NOT NULL REFERENCES versions (id),
	live_from   timestamptz NOT NULL,
	live_until  timestamptz,
	replaced_by text COLLATE "C" NOT NULL DEFAULT ''
);
CREATE INDEX deployment_history_env ON deployment_history (env, live_until);
-- A live version has exactly one open interval.
CREATE UNIQUE INDEX deployment_history_open ON deployment_history (env, service, version) WHERE live_until IS NULL;
INSERT INTO deployment_history (env, service, version, version_id, live_from)
	SELECT env, service, version, version_id, deployed_at FROM deployments ORDER BY env, service, deployed_at, version;
