-- 0001 db_servers: the pools instance-service owns. Creates the table on an empty
-- database, or adopts the one the old Python database-service wrote, keeping its rows.
--
-- BROWNFIELD ASSUMPTION (the legacy shape this migration adopts):
--   CREATE TABLE db_servers (
--     id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
--     name           varchar(255) NOT NULL UNIQUE,      -- constraint db_servers_name_key
--     host           varchar(255) NOT NULL,
--     port           integer NOT NULL DEFAULT 5432,
--     server_type    varchar(50) NOT NULL DEFAULT 'postgres',
--     status         varchar(50) DEFAULT 'provisioning',  -- lowercase; also 'inactive', 'error'
--     health_status  varchar(50) DEFAULT 'unknown',       -- lowercase, may be NULL
--     instance_count integer DEFAULT 0,
--     max_instances  integer DEFAULT 100,
--     created_at     timestamptz DEFAULT now(),
--     updated_at     timestamptz DEFAULT now());
-- with no triggers, and instances.db_server_id referencing db_servers.id (0002).
--
-- Every statement works on both an empty database and that table: renames happen
-- only where the old column exists, columns are added IF NOT EXISTS, and values are
-- backfilled and normalised before each constraint is added. Nothing is dropped
-- except legacy CHECK constraints and the legacy unique constraint on `name`, which
-- the constraints below replace. Normalisation:
--   name -> display_name (blank -> 'db-server-<id>', duplicates get '-<id prefix>')
--   status: upper-cased; 'error' -> FAILED, 'inactive'/'disabled' -> MAINTENANCE,
--           'ready'/'online' -> ACTIVE, anything else unknown -> MAINTENANCE (never
--           allocated from until an operator decides)
--   health_status -> health: upper-cased; 'ok' -> HEALTHY, unknown or NULL -> UNKNOWN
--   instance_count: NULL or negative -> 0
--   max_instances: raised to at least max(instance_count, 1), so no row is over capacity
-- A row that cannot be normalised (a port outside 1..65535, a NULL host) fails the
-- migration, which then rolls back as a whole: fix the row and run it again.
--
-- CUTOVER: this is not compatible with the old Python writer (renamed columns,
-- upper-case states). Stop every direct writer of db_servers (scale the old
-- database-service to 0) before this runs against production, and bring
-- database-service back only in its InstanceServiceClient form.

CREATE TABLE IF NOT EXISTS db_servers (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid()
);

DO $$
DECLARE
  renames CONSTANT text[][] := ARRAY[['name', 'display_name'],
                                      ['health_status', 'health'],
                                      ['created_at', 'create_time'],
                                      ['updated_at', 'update_time']];
  legacy_check record;
BEGIN
  FOR i IN 1 .. array_length(renames, 1) LOOP
    IF EXISTS (SELECT 1 FROM information_schema.columns
               WHERE table_schema = current_schema() AND table_name = 'db_servers'
                 AND column_name = renames[i][1])
       AND NOT EXISTS (SELECT 1 FROM information_schema.columns
                       WHERE table_schema = current_schema() AND table_name = 'db_servers'
                         AND column_name = renames[i][2]) THEN
      EXECUTE format('ALTER TABLE db_servers RENAME COLUMN %I TO %I',
                     renames[i][1], renames[i][2]);
    END IF;
  END LOOP;
  FOR legacy_check IN SELECT conname FROM pg_constraint
                      WHERE conrelid = 'db_servers'::regclass AND contype = 'c' LOOP
    EXECUTE format('ALTER TABLE db_servers DROP CONSTRAINT %I', legacy_check.conname);
  END LOOP;
END
$$;

ALTER TABLE db_servers DROP CONSTRAINT IF EXISTS db_servers_name_key;

ALTER TABLE db_servers
  ALTER COLUMN id SET DEFAULT gen_random_uuid(),
  ADD COLUMN IF NOT EXISTS display_name text,
  ADD COLUMN IF NOT EXISTS host text,
  ADD COLUMN IF NOT EXISTS port integer,
  ADD COLUMN IF NOT EXISTS server_type text,
  ADD COLUMN IF NOT EXISTS status text,
  ADD COLUMN IF NOT EXISTS health text,
  ADD COLUMN IF NOT EXISTS health_message text,
  ADD COLUMN IF NOT EXISTS last_health_check_time timestamptz,
  ADD COLUMN IF NOT EXISTS instance_count integer,
  ADD COLUMN IF NOT EXISTS max_instances integer,
  ADD COLUMN IF NOT EXISTS labels jsonb,
  ADD COLUMN IF NOT EXISTS create_time timestamptz,
  ADD COLUMN IF NOT EXISTS update_time timestamptz,
  ADD COLUMN IF NOT EXISTS version bigint;

-- varchar(n) -> text needs no table rewrite.
ALTER TABLE db_servers
  ALTER COLUMN display_name TYPE text,
  ALTER COLUMN host TYPE text,
  ALTER COLUMN server_type TYPE text,
  ALTER COLUMN status TYPE text,
  ALTER COLUMN health TYPE text;

UPDATE db_servers SET
  display_name = COALESCE(NULLIF(btrim(display_name), ''), 'db-server-' || id::text),
  server_type = COALESCE(NULLIF(lower(btrim(server_type)), ''), 'postgres'),
  status = CASE upper(btrim(COALESCE(status, '')))
             WHEN 'PROVISIONING' THEN 'PROVISIONING'
             WHEN 'ACTIVE' THEN 'ACTIVE'
             WHEN 'READY' THEN 'ACTIVE'
             WHEN 'ONLINE' THEN 'ACTIVE'
             WHEN 'DRAINING' THEN 'DRAINING'
             WHEN 'MAINTENANCE' THEN 'MAINTENANCE'
             WHEN 'FAILED' THEN 'FAILED'
             WHEN 'ERROR' THEN 'FAILED'
             ELSE 'MAINTENANCE'
           END,
  health = CASE upper(btrim(COALESCE(health, '')))
             WHEN 'HEALTHY' THEN 'HEALTHY'
             WHEN 'OK' THEN 'HEALTHY'
             WHEN 'DEGRADED' THEN 'DEGRADED'
             WHEN 'UNHEALTHY' THEN 'UNHEALTHY'
             ELSE 'UNKNOWN'
           END,
  health_message = COALESCE(health_message, ''),
  instance_count = GREATEST(COALESCE(instance_count, 0), 0),
  max_instances = GREATEST(COALESCE(max_instances, 0), COALESCE(instance_count, 0), 1),
  labels = COALESCE(labels, '{}'::jsonb),
  create_time = COALESCE(create_time, update_time, now()),
  update_time = COALESCE(update_time, create_time, now()),
  version = COALESCE(version, 1);

-- The old table may not have enforced unique names: keep the oldest, suffix the rest.
UPDATE db_servers AS d
SET display_name = d.display_name || '-' || left(d.id::text, 8)
FROM (SELECT id, row_number() OVER (PARTITION BY display_name ORDER BY create_time, id) AS n
      FROM db_servers) AS duplicate
WHERE d.id = duplicate.id AND duplicate.n > 1;

ALTER TABLE db_servers
  ALTER COLUMN display_name SET NOT NULL,
  ALTER COLUMN host SET NOT NULL,
  ALTER COLUMN port SET NOT NULL,
  ALTER COLUMN server_type SET NOT NULL,
  ALTER COLUMN status SET NOT NULL,
  ALTER COLUMN status SET DEFAULT 'PROVISIONING',
  ALTER COLUMN health SET NOT NULL,
  ALTER COLUMN health SET DEFAULT 'UNKNOWN',
  ALTER COLUMN health_message SET NOT NULL,
  ALTER COLUMN health_message SET DEFAULT '',
  ALTER COLUMN instance_count SET NOT NULL,
  ALTER COLUMN instance_count SET DEFAULT 0,
  ALTER COLUMN max_instances SET NOT NULL,
  ALTER COLUMN max_instances DROP DEFAULT,
  ALTER COLUMN labels SET NOT NULL,
  ALTER COLUMN labels SET DEFAULT '{}'::jsonb,
  ALTER COLUMN create_time SET NOT NULL,
  ALTER COLUMN create_time SET DEFAULT now(),
  ALTER COLUMN update_time SET NOT NULL,
  ALTER COLUMN update_time SET DEFAULT now(),
  ALTER COLUMN version SET NOT NULL,
  ALTER COLUMN version SET DEFAULT 1,
  ADD CONSTRAINT db_servers_display_name_key UNIQUE (display_name),
  ADD CONSTRAINT db_servers_port_check CHECK (port BETWEEN 1 AND 65535),
  ADD CONSTRAINT db_servers_status_check
    CHECK (status IN ('PROVISIONING', 'ACTIVE', 'DRAINING', 'MAINTENANCE', 'FAILED')),
  ADD CONSTRAINT db_servers_health_check
    CHECK (health IN ('UNKNOWN', 'HEALTHY', 'DEGRADED', 'UNHEALTHY')),
  ADD CONSTRAINT db_servers_max_instances_check CHECK (max_instances > 0),
  ADD CONSTRAINT db_servers_instance_count_check
    CHECK (instance_count >= 0 AND instance_count <= max_instances),
  ADD CONSTRAINT db_servers_labels_check
    CHECK (jsonb_typeof(labels) = 'object'
           AND NOT jsonb_path_exists(labels, '$.* ? (@.type() != "string")'));

-- FindAvailable and Allocate: an index scan over the eligible rows of one
-- server_type, least loaded first, ties by id. The expression must match the
-- repository's ORDER BY exactly.
CREATE INDEX IF NOT EXISTS db_servers_available_idx
  ON db_servers (server_type, ((instance_count::float8 / max_instances)), id)
  WHERE status = 'ACTIVE' AND health = 'HEALTHY' AND instance_count < max_instances;
