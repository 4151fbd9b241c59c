-- 0004 db_servers no-op updates: an UPDATE that leaves every column as it was is no
-- write, so it keeps `version` (the etag) and `update_time`. The contract says that
-- setting the current state again is a no-op (UpdateDbServer,
-- proto/instance/v1/db_servers.proto), and a caller holding the etag must not get
-- ETAG_MISMATCH for it. instance-service's UPDATE bumps only a row it changes
-- (kUpdate, instance_service/repository/db_server_statements.h); this migration does
-- the same for the legacy sync trigger of 0001, which otherwise bumps every UPDATE
-- that leaves `version` alone, that one included.
--
-- The change, for both writers on a legacy table: db_servers_legacy_sync() returns an
-- UPDATE's row untouched when the writer changed no column at all (NEW is not distinct
-- from OLD): nothing to sync, nothing to bump. Everything else is 0001's function,
-- line for line: an old-writer UPDATE that changes any column (updated_at included)
-- still bumps `version` and `update_time`; one that sets every column it names to the
-- value it has keeps both, as a no-op UpdateDbServer does.
--
-- PostgreSQL cannot replace part of a function and applied migrations are never
-- edited, so the whole function is defined again here: 0001's body plus the IF marked
-- "UPDATE." below. A later change to it is a later migration, like this one.
--
-- Legacy tables only, until the contract: contract/0100_drop_legacy_columns.sql drops
-- the trigger and this function by name, as before. On a fresh database, or one
-- contracted already (0100 applied before this), there is no trigger: the function is
-- created and dropped again at the end of this file, and nothing changes. No trigger
-- is added: the hot writes (IncrementInstanceCount, DecrementInstanceCount,
-- AllocateDbServer) always change instance_count, so they run the same trigger as
-- before with one row comparison more, in the expand phase only, and none at all
-- after the contract or on a fresh database.

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

  -- UPDATE. A write that changes no column (the writer set every column it named to
  -- the value it has) is no write: nothing to sync, and version and update_time stay.
  IF NEW IS NOT DISTINCT FROM OLD THEN
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

-- Only a legacy table (0001's trigger in place) keeps it.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_trigger
                 WHERE tgrelid = 'db_servers'::regclass AND tgname = 'db_servers_legacy_sync'
                   AND NOT tgisinternal) THEN
    DROP FUNCTION db_servers_legacy_sync();
  END IF;
END
$$;
