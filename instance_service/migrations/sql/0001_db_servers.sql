-- 0001 db_servers: the pools instance-service owns. Creates the table on an empty
-- database, or EXPANDS the one the old Python database-service wrote, so that the old
-- service and instance-service can run side by side on the same rows (expand/contract).
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
-- "Legacy table" below means: db_servers exists and has a `name` column.
--
-- FRESH DATABASE: the table gets only the new columns (id, display_name, host, port,
-- server_type, state, health, health_message, last_health_check_time, instance_count,
-- max_instances, labels, create_time, update_time, version), their constraints and
-- the availability index. No legacy column, no trigger, no helper function.
--
-- LEGACY TABLE (EXPAND): nothing legacy is renamed, dropped or rewritten.
--   * Shared columns stay what they are and are used by both services: id, host, port,
--     server_type, instance_count, max_instances.
--   * Legacy-only columns stay, with their values: name, status (lowercase),
--     health_status (lowercase), created_at, updated_at. They lose NOT NULL and their
--     defaults; the trigger below fills them instead (with the same defaults).
--   * New columns are added and backfilled from the legacy ones:
--       name          -> display_name (blank -> 'db-server-<id>', duplicates get
--                        '-<id prefix>'; the legacy unique constraint on name stays)
--       status        -> state: upper-cased; 'error' -> FAILED, 'inactive'/'disabled'
--                        -> MAINTENANCE, 'ready'/'online' -> ACTIVE, anything else
--                        (or NULL) -> MAINTENANCE (never allocated from until an
--                        operator decides)
--       health_status -> health: upper-cased; 'ok' -> HEALTHY, unknown or NULL -> UNKNOWN
--       created_at    -> create_time, updated_at -> update_time (NULL -> the other, or now())
--     plus health_message '', last_health_check_time NULL, labels {}, version 1.
--   * The only values of SHARED columns that change are those the new constraints
--     cannot hold, each in a way the old reader sees as the same thing:
--       instance_count NULL or negative -> 0; max_instances raised to at least
--       max(instance_count, 1), so no row is over capacity (a full pool stays full);
--       server_type lower-cased and trimmed, blank -> 'postgres'.
--     Legacy CHECK constraints are dropped: the CHECKs below replace them. One of them,
--     db_servers_instance_count_check, also binds the old writer: an unguarded
--     `instance_count + 1` on a full pool now fails instead of over-filling it.
--   * A BEFORE INSERT OR UPDATE trigger, db_servers_legacy_sync, keeps each pair in
--     step in both directions:
--       name <-> display_name, status <-> state, health_status <-> health,
--       created_at <-> create_time, updated_at <-> update_time.
--     INSERT: a side left NULL is filled from the other (the old writer sets only the
--       legacy columns, instance-service only the new ones); both NULL -> the default
--       (PROVISIONING/'provisioning', UNKNOWN/'unknown', now()); both given and
--       disagreeing -> the new side wins.
--     UPDATE: the side that changed (IS DISTINCT FROM OLD) is copied to the other;
--       if both changed, the new side wins. A write that does not bump `version` (the
--       old writer never does) gets version + 1 and update_time = now() (or the
--       updated_at it set), so etags change on old-writer writes too.
--     Value maps, new -> legacy (legacy -> new is the normalisation above, plus
--       'draining', 'maintenance', 'failed' by upper-casing):
--       PROVISIONING 'provisioning', ACTIVE 'active', DRAINING 'inactive',
--       MAINTENANCE 'inactive', FAILED 'error';
--       HEALTHY 'healthy', DEGRADED 'degraded', UNHEALTHY 'unhealthy', UNKNOWN 'unknown'.
--     DRAINING maps to 'inactive' because that is the value the old service knows as
--     "do not allocate"; a later legacy write that leaves status alone keeps DRAINING.
--   * The new paired columns (display_name, state, health, create_time, update_time)
--     have no defaults on a legacy table (the trigger fills them); the contract
--     migration gives them the fresh database's defaults.
-- A row that cannot be normalised (a port outside 1..65535, a NULL host) fails the
-- migration, which then rolls back as a whole: fix the row and run it again.
--
-- CONTRACT: instance_service/migrations/contract/0100_drop_legacy_columns.sql drops
-- the legacy columns, the trigger and its functions. It runs only through
-- `instance-service migrate --contract`, after the old service is gone
-- (deploy/MIGRATION.md, step 6). On a fresh database it is a no-op.

CREATE TABLE IF NOT EXISTS db_servers (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid()
);

-- The value maps, used by the backfill and the trigger. Dropped again at the end of
-- this file on a fresh database, and by the contract migration.
CREATE OR REPLACE FUNCTION db_servers_state_from_legacy(legacy text) RETURNS text
LANGUAGE sql IMMUTABLE AS $fn$
  SELECT CASE upper(btrim(COALESCE(legacy, '')))
           WHEN 'PROVISIONING' THEN 'PROVISIONING'
           WHEN 'ACTIVE' THEN 'ACTIVE'
           WHEN 'READY' THEN 'ACTIVE'
           WHEN 'ONLINE' THEN 'ACTIVE'
           WHEN 'DRAINING' THEN 'DRAINING'
           WHEN 'MAINTENANCE' THEN 'MAINTENANCE'
           WHEN 'INACTIVE' THEN 'MAINTENANCE'
           WHEN 'DISABLED' THEN 'MAINTENANCE'
           WHEN 'FAILED' THEN 'FAILED'
           WHEN 'ERROR' THEN 'FAILED'
           ELSE 'MAINTENANCE'
         END
$fn$;

CREATE OR REPLACE FUNCTION db_servers_state_to_legacy(state text) RETURNS text
LANGUAGE sql IMMUTABLE AS $fn$
  SELECT CASE state
           WHEN 'PROVISIONING' THEN 'provisioning'
           WHEN 'ACTIVE' THEN 'active'
           WHEN 'DRAINING' THEN 'inactive'
           WHEN 'MAINTENANCE' THEN 'inactive'
           WHEN 'FAILED' THEN 'error'
         END
$fn$;

CREATE OR REPLACE FUNCTION db_servers_health_from_legacy(legacy text) RETURNS text
LANGUAGE sql IMMUTABLE AS $fn$
  SELECT CASE upper(btrim(COALESCE(legacy, '')))
           WHEN 'HEALTHY' THEN 'HEALTHY'
           WHEN 'OK' THEN 'HEALTHY'
           WHEN 'DEGRADED' THEN 'DEGRADED'
           WHEN 'UNHEALTHY' THEN 'UNHEALTHY'
           ELSE 'UNKNOWN'
         END
$fn$;

CREATE OR REPLACE FUNCTION db_servers_health_to_legacy(health text) RETURNS text
LANGUAGE sql IMMUTABLE AS $fn$
  SELECT CASE health
           WHEN 'HEALTHY' THEN 'healthy'
           WHEN 'DEGRADED' THEN 'degraded'
           WHEN 'UNHEALTHY' THEN 'unhealthy'
           WHEN 'UNKNOWN' THEN 'unknown'
         END
$fn$;

-- The two-way sync of a legacy table (see the header). Installed as a trigger only
-- on a legacy table, at the end of this file.
CREATE OR REPLACE FUNCTION db_servers_legacy_sync() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.display_name IS NULL THEN
      NEW.display_name := NEW.name;
    ELSIF NEW.name IS DISTINCT FROM NEW.display_name THEN
      NEW.name := NEW.display_name;
    END IF;

    IF NEW.state IS NULL THEN
      NEW.state := CASE WHEN NEW.status IS NULL THEN 'PROVISIONING'
                        ELSE db_servers_state_from_legacy(NEW.status) END;
    END IF;
    IF NEW.status IS NULL
       OR db_servers_state_from_legacy(NEW.status) IS DISTINCT FROM NEW.state THEN
      NEW.status := db_servers_state_to_legacy(NEW.state);
    END IF;

    IF NEW.health IS NULL THEN
      NEW.health := db_servers_health_from_legacy(NEW.health_status);
    END IF;
    IF NEW.health_status IS NULL
       OR db_servers_health_from_legacy(NEW.health_status) IS DISTINCT FROM NEW.health THEN
      NEW.health_status := db_servers_health_to_legacy(NEW.health);
    END IF;

    NEW.create_time := COALESCE(NEW.create_time, NEW.created_at, now());
    NEW.created_at := NEW.create_time;
    NEW.update_time := COALESCE(NEW.update_time, NEW.updated_at, now());
    NEW.updated_at := NEW.update_time;
    RETURN NEW;
  END IF;

  -- UPDATE: copy the side that changed; the new side wins when both did.
  IF NEW.display_name IS DISTINCT FROM OLD.display_name THEN
    NEW.name := NEW.display_name;
  ELSIF NEW.name IS DISTINCT FROM OLD.name THEN
    NEW.display_name := NEW.name;
  END IF;

  IF NEW.state IS DISTINCT FROM OLD.state THEN
    NEW.status := db_servers_state_to_legacy(NEW.state);
  ELSIF NEW.status IS DISTINCT FROM OLD.status THEN
    NEW.state := db_servers_state_from_legacy(NEW.status);
  END IF;

  IF NEW.health IS DISTINCT FROM OLD.health THEN
    NEW.health_status := db_servers_health_to_legacy(NEW.health);
  ELSIF NEW.health_status IS DISTINCT FROM OLD.health_status THEN
    NEW.health := db_servers_health_from_legacy(NEW.health_status);
  END IF;

  IF NEW.create_time IS DISTINCT FROM OLD.create_time THEN
    NEW.created_at := NEW.create_time;
  ELSIF NEW.created_at IS DISTINCT FROM OLD.created_at THEN
    NEW.create_time := COALESCE(NEW.created_at, OLD.create_time);
  END IF;

  IF NEW.update_time IS DISTINCT FROM OLD.update_time THEN
    NEW.updated_at := NEW.update_time;
  ELSIF NEW.updated_at IS DISTINCT FROM OLD.updated_at AND NEW.updated_at IS NOT NULL THEN
    NEW.update_time := NEW.updated_at;
  END IF;

  -- A writer that does not know `version` (the old service): bump it, so the etag
  -- changes, and stamp the write.
  IF NEW.version IS NOT DISTINCT FROM OLD.version THEN
    NEW.version := OLD.version + 1;
    IF NEW.update_time IS NOT DISTINCT FROM OLD.update_time THEN
      NEW.update_time := now();
    END IF;
    NEW.updated_at := NEW.update_time;
  END IF;
  RETURN NEW;
END
$fn$;

-- Legacy CHECK constraints go (the CHECKs below replace them); legacy-only columns
-- lose NOT NULL and their defaults (the trigger fills them).
DO $$
DECLARE
  legacy_check record;
BEGIN
  FOR legacy_check IN SELECT conname FROM pg_constraint
                      WHERE conrelid = 'db_servers'::regclass AND contype = 'c' LOOP
    EXECUTE format('ALTER TABLE db_servers DROP CONSTRAINT %I', legacy_check.conname);
  END LOOP;
  IF EXISTS (SELECT 1 FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = 'db_servers'
               AND column_name = 'name') THEN
    ALTER TABLE db_servers
      ADD COLUMN IF NOT EXISTS status varchar(50),
      ADD COLUMN IF NOT EXISTS health_status varchar(50),
      ADD COLUMN IF NOT EXISTS created_at timestamptz,
      ADD COLUMN IF NOT EXISTS updated_at timestamptz;
    ALTER TABLE db_servers
      ALTER COLUMN name DROP NOT NULL,
      ALTER COLUMN status DROP NOT NULL,
      ALTER COLUMN status DROP DEFAULT,
      ALTER COLUMN health_status DROP NOT NULL,
      ALTER COLUMN health_status DROP DEFAULT,
      ALTER COLUMN created_at DROP NOT NULL,
      ALTER COLUMN created_at DROP DEFAULT,
      ALTER COLUMN updated_at DROP NOT NULL,
      ALTER COLUMN updated_at DROP DEFAULT;
  END IF;
END
$$;

ALTER TABLE db_servers
  ALTER COLUMN id SET DEFAULT gen_random_uuid(),
  ADD COLUMN IF NOT EXISTS display_name text,
  ADD COLUMN IF NOT EXISTS host text,
  ADD COLUMN IF NOT EXISTS port integer,
  ADD COLUMN IF NOT EXISTS server_type text,
  ADD COLUMN IF NOT EXISTS state text,
  ADD COLUMN IF NOT EXISTS health text,
  ADD COLUMN IF NOT EXISTS health_message text,
  ADD COLUMN IF NOT EXISTS last_health_check_time timestamptz,
  ADD COLUMN IF NOT EXISTS instance_count integer,
  ADD COLUMN IF NOT EXISTS max_instances integer,
  ADD COLUMN IF NOT EXISTS labels jsonb,
  ADD COLUMN IF NOT EXISTS create_time timestamptz,
  ADD COLUMN IF NOT EXISTS update_time timestamptz,
  ADD COLUMN IF NOT EXISTS version bigint;

-- Backfill the new columns of a legacy table (a fresh table is empty). Static SQL in
-- PL/pgSQL is planned when first reached, so the legacy names are never resolved on
-- a fresh database.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = 'db_servers'
               AND column_name = 'name') THEN
    UPDATE db_servers SET
      display_name = COALESCE(NULLIF(btrim(name), ''), 'db-server-' || id::text),
      server_type = COALESCE(NULLIF(lower(btrim(server_type)), ''), 'postgres'),
      state = db_servers_state_from_legacy(status),
      health = db_servers_health_from_legacy(health_status),
      health_message = '',
      instance_count = GREATEST(COALESCE(instance_count, 0), 0),
      max_instances = GREATEST(COALESCE(max_instances, 0), COALESCE(instance_count, 0), 1),
      labels = '{}'::jsonb,
      create_time = COALESCE(created_at, updated_at, now()),
      update_time = COALESCE(updated_at, created_at, now()),
      version = 1;
    -- The old table may not have enforced unique names: keep the oldest, suffix the rest.
    UPDATE db_servers AS d
    SET display_name = d.display_name || '-' || left(d.id::text, 8)
    FROM (SELECT id, row_number() OVER (PARTITION BY display_name
                                        ORDER BY create_time, id) AS n
          FROM db_servers) AS duplicate
    WHERE d.id = duplicate.id AND duplicate.n > 1;
  ELSE
    -- Fresh: the paired columns get their defaults here; on a legacy table the
    -- trigger supplies them until the contract migration sets these.
    ALTER TABLE db_servers
      ALTER COLUMN state SET DEFAULT 'PROVISIONING',
      ALTER COLUMN health SET DEFAULT 'UNKNOWN',
      ALTER COLUMN create_time SET DEFAULT now(),
      ALTER COLUMN update_time SET DEFAULT now(),
      ALTER COLUMN max_instances DROP DEFAULT;
  END IF;
END
$$;

ALTER TABLE db_servers
  ALTER COLUMN display_name SET NOT NULL,
  ALTER COLUMN host SET NOT NULL,
  ALTER COLUMN port SET NOT NULL,
  ALTER COLUMN server_type SET NOT NULL,
  ALTER COLUMN state SET NOT NULL,
  ALTER COLUMN health SET NOT NULL,
  ALTER COLUMN health_message SET NOT NULL,
  ALTER COLUMN health_message SET DEFAULT '',
  ALTER COLUMN instance_count SET NOT NULL,
  ALTER COLUMN instance_count SET DEFAULT 0,
  ALTER COLUMN max_instances SET NOT NULL,
  ALTER COLUMN labels SET NOT NULL,
  ALTER COLUMN labels SET DEFAULT '{}'::jsonb,
  ALTER COLUMN create_time SET NOT NULL,
  ALTER COLUMN update_time SET NOT NULL,
  ALTER COLUMN version SET NOT NULL,
  ALTER COLUMN version SET DEFAULT 1,
  ADD CONSTRAINT db_servers_display_name_key UNIQUE (display_name),
  ADD CONSTRAINT db_servers_port_check CHECK (port BETWEEN 1 AND 65535),
  ADD CONSTRAINT db_servers_state_check
    CHECK (state IN ('PROVISIONING', 'ACTIVE', 'DRAINING', 'MAINTENANCE', 'FAILED')),
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
  WHERE state = 'ACTIVE' AND health = 'HEALTHY' AND instance_count < max_instances;

-- Last, so the backfill above does not fire it: the two-way sync on a legacy table;
-- a fresh database keeps a clean schema.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = 'db_servers'
               AND column_name = 'name') THEN
    CREATE TRIGGER db_servers_legacy_sync
      BEFORE INSERT OR UPDATE ON db_servers
      FOR EACH ROW EXECUTE FUNCTION db_servers_legacy_sync();
  ELSE
    DROP FUNCTION db_servers_legacy_sync(), db_servers_state_from_legacy(text),
      db_servers_state_to_legacy(text), db_servers_health_from_legacy(text),
      db_servers_health_to_legacy(text);
  END IF;
END
$$;
