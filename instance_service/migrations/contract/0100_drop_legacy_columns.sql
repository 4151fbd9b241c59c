-- 0100 CONTRACT: the end of the expand/contract adoption of db_servers (see
-- sql/0001_db_servers.sql). Drops the legacy columns the old Python database-service
-- read and wrote, the trigger that kept them in step with the new ones and its
-- functions, and gives the new columns the defaults a fresh database has, so both end
-- in the same schema.
--
-- NOT applied by `instance-service migrate` or at start-up: only by
-- `instance-service migrate --contract`, once nothing runs the old SQL any more
-- (deploy/MIGRATION.md, step 6). From the moment it commits, the old service's
-- statements fail. Recorded in schema_migrations like any other version. Every
-- statement is IF EXISTS or idempotent, so on a fresh database (no legacy columns,
-- no trigger) it changes nothing.
--
-- Rollback: none in place (the legacy columns' values are gone); restore from the
-- backup taken before it, or re-add the columns by hand from the new ones.

DROP TRIGGER IF EXISTS db_servers_legacy_sync ON db_servers;
DROP FUNCTION IF EXISTS db_servers_legacy_sync(), db_servers_state_from_legacy(text),
  db_servers_state_to_legacy(text), db_servers_health_from_legacy(text),
  db_servers_health_to_legacy(text);

-- Dropping `name` drops the legacy unique constraint db_servers_name_key with it.
ALTER TABLE db_servers
  DROP COLUMN IF EXISTS name,
  DROP COLUMN IF EXISTS status,
  DROP COLUMN IF EXISTS health_status,
  DROP COLUMN IF EXISTS created_at,
  DROP COLUMN IF EXISTS updated_at;

-- The types and defaults of a fresh database (the legacy ones served the old writer;
-- varchar(n) -> text needs no table rewrite).
ALTER TABLE db_servers
  ALTER COLUMN state SET DEFAULT 'PROVISIONING',
  ALTER COLUMN health SET DEFAULT 'UNKNOWN',
  ALTER COLUMN create_time SET DEFAULT now(),
  ALTER COLUMN update_time SET DEFAULT now(),
  ALTER COLUMN host TYPE text,
  ALTER COLUMN host DROP DEFAULT,
  ALTER COLUMN server_type TYPE text,
  ALTER COLUMN port DROP DEFAULT,
  ALTER COLUMN server_type DROP DEFAULT,
  ALTER COLUMN max_instances DROP DEFAULT;
