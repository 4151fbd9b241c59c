-- Checks the state deploy/sql/grants.sql leaves, and fails (non-zero psql exit with
-- ON_ERROR_STOP) listing every problem. Read-only. The schema job runs it after the
-- grants; deploy/MIGRATION.md uses it as step 5's verification.
--
--   psql "$OWNER_URL" -v ON_ERROR_STOP=1 -f deploy/sql/verify-grants.sql
--
-- Same variables and defaults as grants.sql: instance_role, legacy_role, schema,
-- keep_legacy_grants (on: legacy_role and PUBLIC are not checked).
-- has_*_privilege() answers for the role as PostgreSQL would: through PUBLIC, through
-- roles it is a member of, and as a superuser, so a privilege arriving by any route
-- is caught.

\if :{?instance_role}
\else
  \set instance_role instance_service
\endif
\if :{?legacy_role}
\else
  \set legacy_role database_service
\endif
\if :{?schema}
\else
  \set schema public
\endif
\if :{?keep_legacy_grants}
\else
  \set keep_legacy_grants off
\endif

-- Dollar-quoted bodies do not see psql variables; session settings carry them.
SELECT set_config('dbs.instance_role', :'instance_role', false) AS instance_role,
       set_config('dbs.legacy_role', :'legacy_role', false) AS legacy_role,
       set_config('dbs.schema', :'schema', false) AS schema,
       set_config('dbs.keep_legacy_grants', :'keep_legacy_grants', false) AS keep \gset

DO $verify$
DECLARE
  instance_role text := current_setting('dbs.instance_role');
  legacy_role text := current_setting('dbs.legacy_role');
  app_schema text := current_setting('dbs.schema');
  keep_legacy boolean := current_setting('dbs.keep_legacy_grants')::boolean;
  problems text[] := '{}';
  item text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = instance_role) THEN
    RAISE EXCEPTION 'role % does not exist', instance_role;
  END IF;

  -- instance_role: connects, uses the schema, owns and creates nothing, no superpowers.
  IF NOT has_database_privilege(instance_role, current_database(), 'CONNECT') THEN
    problems := problems || format('%s cannot CONNECT', instance_role);
  END IF;
  IF has_schema_privilege(instance_role, app_schema, 'CREATE') THEN
    problems := problems || format('%s can CREATE in schema %s', instance_role, app_schema);
  END IF;
  FOR item IN
    SELECT c.relname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
     WHERE r.rolname = instance_role AND c.relnamespace = app_schema::regnamespace
  LOOP
    problems := problems || format('%s owns %s', instance_role, item);
  END LOOP;
  FOR item IN
    SELECT format('%s on %s', p, c.relname)
      FROM pg_class c, unnest(ARRAY['TRUNCATE', 'REFERENCES', 'TRIGGER']) AS p
     WHERE c.relnamespace = app_schema::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
       AND has_table_privilege(instance_role, c.oid, p)
  LOOP
    problems := problems || format('%s has %s', instance_role, item);
  END LOOP;

  -- legacy_role: when it exists at all, no way in and nothing to read or write.
  IF NOT keep_legacy AND has_database_privilege('public', current_database(), 'CONNECT') THEN
    problems := problems || format('PUBLIC has CONNECT on database %s', current_database());
  END IF;
  IF NOT keep_legacy AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = legacy_role) THEN
    FOR item IN
      SELECT p FROM unnest(ARRAY['CONNECT', 'TEMPORARY', 'CREATE']) AS p
       WHERE has_database_privilege(legacy_role, current_database(), p)
    LOOP
      problems := problems || format('%s has %s on database %s', legacy_role, item,
                                     current_database());
    END LOOP;
    FOR item IN
      SELECT format('%s on table %I.%I', p, n.nspname, c.relname)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace,
             unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE',
                          'REFERENCES', 'TRIGGER']) AS p
       WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
         AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'
         AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
         AND has_table_privilege(legacy_role, c.oid, p)
      UNION ALL
      SELECT format('USAGE on sequence %I.%I', n.nspname, c.relname)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = app_schema
         -- CASE: the planner may otherwise ask about a non-sequence first.
         AND CASE WHEN c.relkind = 'S'
                  THEN has_sequence_privilege(legacy_role, c.oid, 'USAGE') END
      UNION ALL
      SELECT format('owns %I.%I', n.nspname, c.relname)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_roles r ON r.oid = c.relowner
       WHERE r.rolname = legacy_role
      UNION ALL
      SELECT 'is a superuser' FROM pg_roles WHERE rolname = legacy_role AND rolsuper
    LOOP
      problems := problems || format('%s %s', legacy_role, item);
    END LOOP;
  END IF;

  IF cardinality(problems) > 0 THEN
    RAISE EXCEPTION 'grants on database % are wrong: %', current_database(),
      array_to_string(problems, '; ');
  END IF;
  IF keep_legacy THEN
    RAISE NOTICE 'grants on database % verified for %; % and PUBLIC not checked (keep_legacy_grants)',
      current_database(), instance_role, legacy_role;
  ELSE
    RAISE NOTICE 'grants on database % verified: % may connect, % and PUBLIC have nothing',
      current_database(), instance_role, legacy_role;
  END IF;
END
$verify$;
