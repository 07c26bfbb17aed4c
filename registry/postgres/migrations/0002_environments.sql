-- Environments are created explicitly (contracts environment create), so a
-- typo'd environment is refused instead of answering yes. Environments that
-- already have deployments are created here so existing registries keep
-- working.
CREATE TABLE environments (
	name       text COLLATE "C" PRIMARY KEY,
	created_at timestamptz NOT NULL
);
INSERT INTO environments (name, created_at)
	SELECT env, MIN(deployed_at) FROM deployments GROUP BY env;

-- Approvals hold only in the environments they name; those stored before
-- this migration name none, so they hold nowhere and are listed as
-- "unscoped: approve again".
ALTER TABLE approvals ADD COLUMN envs text[] NOT NULL DEFAULT '{}';

-- A revoked approval stays on record but no longer holds.
ALTER TABLE approvals ADD COLUMN revoked_at timestamptz;
