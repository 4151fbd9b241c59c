-- Pre-flight check before migration step 1 (deploy/MIGRATION.md): does the live
-- `db_servers` table, and the `instances` table that references it, have the shape
-- that migration 0001 assumes (the BROWNFIELD ASSUMPTION in the header of
-- instance_service/migrations/sql/0001_db_servers.sql)? Read-only on the tables; it
-- writes one temporary table of its own.
--
--   psql "$OWNER_URL" -X -q -v ON_ERROR_STOP=1 -f deploy/sql/preflight-legacy-shape.sql
--
-- Run it as the role that will run the migration (the tables' owner). Variables:
-- schema (default public). It prints one line per checked item, a diff of what 0001
-- assumes against what is there:
--
--   result  ok    as assumed
--           note  differs, and 0001 adapts it with nothing lost (e.g. text for varchar)
--           WARN  0001 adapts it, but values or behaviour change: read it (e.g. rows
--                 that 0001 normalises, a trigger of your own)
--           FAIL  0001 would fail, or the old service's data would be misread: fix it
--                 before step 1
--   object    the column, constraint, trigger or group of rows
--   expected  what 0001 assumes
--   found     what the database holds (for rows: how many, and up to 3 ids)
--
-- Exit status: 0 when nothing FAILs (psql's 3 with ON_ERROR_STOP otherwise: the last
-- statement raises an error that counts the FAIL lines). On a database without
-- db_servers, or where 0001 is already recorded in schema_migrations, it says so and
-- passes.

\if :{?schema}
\else
  \set schema public
\endif
SELECT set_config('dbs.preflight_schema', :'schema', false) AS schema \gset

CREATE TEMPORARY TABLE IF NOT EXISTS preflight (
  line serial,
  result text NOT NULL,
  object text NOT NULL,
  expected text NOT NULL,
  found text NOT NULL
);
TRUNCATE preflight;

DO $preflight$
DECLARE
  app_schema text := current_setting('dbs.preflight_schema');
  servers regclass := to_regclass(format('%I.db_servers', app_schema));
  tenants regclass := to_regclass(format('%I.instances', app_schema));
  -- One legacy column 0001 assumes (see the VALUES list below): its name, its
  -- assumed type, the family of types that work as well, and what an absence means.
  --   family: text (text, varchar), int4, uuid, timestamptz
  --   when absent: FAIL (0001 cannot adopt the table) or the WARN text
  assumed record;
  col record;
  rows_found bigint;
  sample text;
  usable text[] := '{}';  -- legacy columns present with a usable type, for row checks
  fk record;
  item record;
BEGIN
  -- Adds one line of the report.
  CREATE OR REPLACE FUNCTION pg_temp.report(result text, object text, expected text, found text)
  RETURNS void LANGUAGE sql AS
    'INSERT INTO pg_temp.preflight (result, object, expected, found) VALUES ($1, $2, $3, $4)';

  IF servers IS NULL THEN
    PERFORM pg_temp.report('ok', 'db_servers', 'the old service''s table, or none',
                           'absent: a fresh database, 0001 creates the table');
  ELSIF to_regclass(format('%I.schema_migrations', app_schema)) IS NOT NULL THEN
    EXECUTE format('SELECT count(*) FROM %I.schema_migrations WHERE version = 1', app_schema)
       INTO rows_found;
    IF rows_found > 0 THEN
      PERFORM pg_temp.report('ok', 'db_servers', 'the old service''s table',
                             'already adopted: schema_migrations records 0001');
      RETURN;
    END IF;
  END IF;

  IF servers IS NOT NULL THEN
    -- The migration alters the table: it must run as its owner (or a superuser).
    IF NOT pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = servers), 'USAGE')
       AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
      PERFORM pg_temp.report('FAIL', 'db_servers owner', 'the role that runs the migration',
                             format('%s (you are %s)',
                                    pg_get_userbyid((SELECT relowner FROM pg_class
                                                     WHERE oid = servers)), current_user));
    END IF;

    IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = servers AND attname = 'name'
                     AND attnum > 0 AND NOT attisdropped) THEN
      PERFORM pg_temp.report('FAIL', 'db_servers.name', 'varchar(255) NOT NULL UNIQUE',
                             'absent: 0001 would not recognise the legacy table');
    END IF;

    FOR assumed IN
      SELECT * FROM (VALUES
        (1, 'id', 'uuid PRIMARY KEY DEFAULT gen_random_uuid()', 'uuid', 'uuid', 'FAIL'),
        (2, 'name', 'varchar(255) NOT NULL UNIQUE', 'character varying(255)', 'text', 'FAIL'),
        (3, 'host', 'varchar(255) NOT NULL', 'character varying(255)', 'text', 'FAIL'),
        (4, 'port', 'integer NOT NULL DEFAULT 5432', 'integer', 'int4', 'FAIL'),
        (5, 'server_type', 'varchar(50) NOT NULL DEFAULT ''postgres''',
         'character varying(50)', 'text',
         'absent: 0001 adds it and every pool reads as server_type postgres'),
        (6, 'status', 'varchar(50) DEFAULT ''provisioning''', 'character varying(50)', 'text',
         'absent: 0001 adds it; every pool becomes MAINTENANCE (never allocated from)'),
        (7, 'health_status', 'varchar(50) DEFAULT ''unknown''', 'character varying(50)',
         'text', 'absent: 0001 adds it; every pool reads as health UNKNOWN'),
        (8, 'instance_count', 'integer DEFAULT 0', 'integer', 'int4', 'FAIL'),
        (9, 'max_instances', 'integer DEFAULT 100', 'integer', 'int4', 'FAIL'),
        (10, 'created_at', 'timestamptz DEFAULT now()', 'timestamp with time zone',
         'timestamptz', 'absent: 0001 adds it; create_time becomes the migration time'),
        (11, 'updated_at', 'timestamptz DEFAULT now()', 'timestamp with time zone',
         'timestamptz', 'absent: 0001 adds it; update_time becomes the migration time'))
        AS a(ord, name, expected, assumed_type, family, when_absent)
      ORDER BY ord
    LOOP
      SELECT format_type(a.atttypid, a.atttypmod) AS type,
             format_type(a.atttypid, a.atttypmod)
               || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
               || COALESCE(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '') AS described,
             t.typname
        INTO col
        FROM pg_attribute a
        JOIN pg_type t ON t.oid = a.atttypid
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       WHERE a.attrelid = servers AND a.attname = assumed.name AND a.attnum > 0
         AND NOT a.attisdropped;
      IF NOT FOUND THEN
        IF assumed.when_absent = 'FAIL' THEN
          PERFORM pg_temp.report('FAIL', 'db_servers.' || assumed.name, assumed.expected,
                                 'absent');
        ELSE
          PERFORM pg_temp.report('WARN', 'db_servers.' || assumed.name, assumed.expected,
                                 assumed.when_absent);
        END IF;
        CONTINUE;
      END IF;
      -- Only the type matters: 0001 sets its own NOT NULL and defaults.
      IF col.type = assumed.assumed_type THEN
        PERFORM pg_temp.report('ok', 'db_servers.' || assumed.name, assumed.expected,
                               col.described);
        usable := usable || assumed.name::text;
      ELSIF assumed.family = 'text' AND col.typname IN ('varchar', 'text') THEN
        PERFORM pg_temp.report('note', 'db_servers.' || assumed.name, assumed.expected,
                               col.described || ' (any text type works)');
        usable := usable || assumed.name::text;
      ELSIF assumed.family = 'text' AND col.typname = 'bpchar' THEN
        PERFORM pg_temp.report('WARN', 'db_servers.' || assumed.name, assumed.expected,
                               col.described || ': blank-padded; 0001 trims the copies');
        usable := usable || assumed.name::text;
      ELSIF assumed.family = 'timestamptz' AND col.typname = 'timestamp' THEN
        PERFORM pg_temp.report('WARN', 'db_servers.' || assumed.name, assumed.expected,
                               format('%s: read in the session time zone (%s)',
                                      col.described, current_setting('TimeZone')));
        usable := usable || assumed.name::text;
      ELSE
        PERFORM pg_temp.report('FAIL', 'db_servers.' || assumed.name, assumed.expected,
                               col.described);
      END IF;
    END LOOP;

    -- Columns 0001 adds must not exist yet with another meaning.
    FOR item IN
      SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS type
        FROM pg_attribute a
       WHERE a.attrelid = servers AND a.attnum > 0 AND NOT a.attisdropped
         AND a.attname IN ('display_name', 'state', 'health', 'health_message',
                           'last_health_check_time', 'labels', 'create_time', 'update_time',
                           'version')
       ORDER BY a.attnum
    LOOP
      PERFORM pg_temp.report('FAIL', 'db_servers.' || item.attname,
                             'absent (0001 adds it)', item.type || ', already there');
    END LOOP;

    -- Columns of its own: instance-service never sets them, so one it must set fails
    -- every CreateDbServer.
    FOR item IN
      SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull,
             d.adbin IS NOT NULL OR a.attidentity <> '' OR a.attgenerated <> '' AS filled
        FROM pg_attribute a
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       WHERE a.attrelid = servers AND a.attnum > 0 AND NOT a.attisdropped
         AND a.attname NOT IN ('id', 'name', 'host', 'port', 'server_type', 'status',
                               'health_status', 'instance_count', 'max_instances',
                               'created_at', 'updated_at', 'display_name', 'state', 'health',
                               'health_message', 'last_health_check_time', 'labels',
                               'create_time', 'update_time', 'version')
       ORDER BY a.attnum
    LOOP
      IF item.attnotnull AND NOT item.filled THEN
        PERFORM pg_temp.report('FAIL', 'db_servers.' || item.attname, 'absent',
                               item.type || ' NOT NULL without a default: '
                               || 'CreateDbServer cannot fill it');
      ELSE
        PERFORM pg_temp.report('note', 'db_servers.' || item.attname, 'absent',
                               item.type || ': kept, and left alone');
      END IF;
    END LOOP;

    -- Constraints.
    IF EXISTS (SELECT 1 FROM pg_constraint c
                WHERE c.conrelid = servers AND c.contype = 'p'
                  AND c.conkey = ARRAY[(SELECT attnum FROM pg_attribute
                                         WHERE attrelid = servers AND attname = 'id')]) THEN
      PERFORM pg_temp.report('ok', 'db_servers primary key', 'PRIMARY KEY (id)',
                             'PRIMARY KEY (id)');
    ELSE
      PERFORM pg_temp.report('FAIL', 'db_servers primary key', 'PRIMARY KEY (id)',
                             COALESCE((SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c
                                        WHERE c.conrelid = servers AND c.contype = 'p'),
                                      'none'));
    END IF;
    IF 'name' = ANY (usable) THEN
      IF EXISTS (SELECT 1 FROM pg_index i
                  WHERE i.indrelid = servers AND i.indisunique AND i.indpred IS NULL
                    AND i.indnkeyatts = 1
                    AND i.indkey[0] = (SELECT attnum FROM pg_attribute
                                        WHERE attrelid = servers AND attname = 'name')) THEN
        PERFORM pg_temp.report('ok', 'db_servers unique name', 'UNIQUE (name)', 'UNIQUE (name)');
      ELSE
        PERFORM pg_temp.report('WARN', 'db_servers unique name', 'UNIQUE (name)',
                               'none: 0001 suffixes duplicate names in display_name, and '
                               || 'an old-writer INSERT of a taken name then fails');
      END IF;
    END IF;
    FOR item IN
      SELECT conname, pg_get_constraintdef(oid) AS definition FROM pg_constraint
       WHERE conrelid = servers AND contype = 'c' ORDER BY conname
    LOOP
      PERFORM pg_temp.report('note', 'db_servers check ' || item.conname,
                             'dropped by 0001 (its own CHECKs replace it)', item.definition);
    END LOOP;
    FOR item IN
      SELECT tgname, pg_get_triggerdef(oid) AS definition FROM pg_trigger
       WHERE tgrelid = servers AND NOT tgisinternal ORDER BY tgname
    LOOP
      PERFORM pg_temp.report('WARN', 'db_servers trigger ' || item.tgname,
                             'none (0001 adds db_servers_legacy_sync)', item.definition);
    END LOOP;
    -- Views and rules on the table stop the contract migration (0100) later: it drops
    -- the legacy columns and turns host and server_type into text.
    FOR item IN
      SELECT DISTINCT v.oid::regclass::text AS view
        FROM pg_depend dep
        JOIN pg_rewrite r ON r.oid = dep.objid
        JOIN pg_class v ON v.oid = r.ev_class
       WHERE dep.refobjid = servers AND dep.classid = 'pg_rewrite'::regclass
         AND v.oid <> servers
       ORDER BY 1
    LOOP
      PERFORM pg_temp.report('WARN', 'view ' || item.view, 'none on db_servers',
                             'depends on db_servers: recreate it around step 6 (--contract)');
    END LOOP;

    -- Rows that the new constraints cannot hold (FAIL), or that 0001 normalises (WARN).
    -- Each check runs only when its columns exist with a usable type.
    FOR item IN
      SELECT * FROM (VALUES
        (1, 'FAIL', ARRAY['host'], 'rows with host NULL', 'none (host becomes NOT NULL)',
         'host IS NULL'),
        (2, 'FAIL', ARRAY['port'], 'rows with port outside 1..65535',
         'none (CHECK port BETWEEN 1 AND 65535)', 'port IS NULL OR port NOT BETWEEN 1 AND 65535'),
        (3, 'WARN', ARRAY['name'], 'rows with a blank name',
         'none (display_name becomes db-server-<id>)', 'name IS NULL OR btrim(name) = '''''),
        (4, 'WARN', ARRAY['name'], 'rows sharing a name',
         'none (later ones get -<id prefix> in display_name)',
         'btrim(name) IN (SELECT btrim(name) FROM %s GROUP BY 1 HAVING count(*) > 1)'),
        (5, 'WARN', ARRAY['server_type'], 'rows whose server_type is not lower-case',
         'none (0001 lower-cases and trims it; blank becomes postgres)',
         'server_type IS NULL OR server_type IS DISTINCT FROM lower(btrim(server_type)) '
         'OR btrim(server_type) = '''''),
        (6, 'WARN', ARRAY['status'], 'rows with a status 0001 does not know',
         'none (unknown values and NULL become MAINTENANCE: never allocated from)',
         'lower(btrim(COALESCE(status, ''''))) NOT IN (''provisioning'', ''active'', '
         '''ready'', ''online'', ''draining'', ''maintenance'', ''inactive'', ''disabled'', '
         '''failed'', ''error'')'),
        (7, 'note', ARRAY['health_status'], 'rows with a health_status 0001 does not know',
         'none (unknown values and NULL become UNKNOWN)',
         'lower(btrim(COALESCE(health_status, ''''))) NOT IN (''healthy'', ''ok'', '
         '''degraded'', ''unhealthy'', ''unknown'')'),
        (8, 'WARN', ARRAY['instance_count'], 'rows with instance_count NULL or negative',
         'none (0001 sets them to 0)', 'instance_count IS NULL OR instance_count < 0'),
        (9, 'WARN', ARRAY['instance_count', 'max_instances'],
         'rows with max_instances NULL, < 1 or below instance_count',
         'none (0001 raises max_instances to max(instance_count, 1): a full pool stays full)',
         'max_instances IS NULL OR max_instances < GREATEST(COALESCE(instance_count, 0), 1)'))
        AS c(ord, severity, columns, object, expected, predicate)
      ORDER BY ord
    LOOP
      CONTINUE WHEN NOT item.columns <@ usable;
      EXECUTE format('SELECT count(*), string_agg(id::text, '', '') FILTER (WHERE n <= 3) '
                     'FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM %s WHERE '
                     || item.predicate || ') AS matching', servers, servers)
         INTO rows_found, sample;
      IF rows_found = 0 THEN
        PERFORM pg_temp.report('ok', 'db_servers ' || item.object, item.expected, 'none');
      ELSE
        PERFORM pg_temp.report(item.severity, 'db_servers ' || item.object, item.expected,
                               format('%s: %s%s', rows_found, sample,
                                      CASE WHEN rows_found > 3 THEN ', ...' ELSE '' END));
      END IF;
    END LOOP;
    IF 'status' = ANY (usable) THEN
      EXECUTE format('SELECT string_agg(DISTINCT COALESCE(quote_literal(status), ''NULL''), '
                     ''', '') FROM %s', servers) INTO sample;
      PERFORM pg_temp.report('note', 'db_servers status values', 'the old vocabulary',
                             COALESCE(sample, 'no rows'));
    END IF;
  END IF;

  -- instances: 0002 creates it when absent and adds the foreign key when missing.
  IF tenants IS NULL THEN
    PERFORM pg_temp.report('note', 'instances', 'the tenants'' table',
                           'absent: 0002 creates it');
    RETURN;
  END IF;
  SELECT format_type(a.atttypid, a.atttypmod) AS type, t.typname INTO col
    FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
   WHERE a.attrelid = tenants AND a.attname = 'db_server_id' AND a.attnum > 0
     AND NOT a.attisdropped;
  IF NOT FOUND THEN
    PERFORM pg_temp.report('WARN', 'instances.db_server_id', 'uuid REFERENCES db_servers(id)',
                           'absent: 0002 adds it, NULL for every existing tenant');
    RETURN;
  ELSIF col.typname <> 'uuid' THEN
    PERFORM pg_temp.report('FAIL', 'instances.db_server_id', 'uuid REFERENCES db_servers(id)',
                           col.type || ': cannot reference db_servers.id');
    RETURN;
  END IF;
  PERFORM pg_temp.report('ok', 'instances.db_server_id', 'uuid', col.type);

  SELECT c.conname, pg_get_constraintdef(c.oid) AS definition, c.confdeltype, c.convalidated
    INTO fk
    FROM pg_constraint c
   WHERE c.conrelid = tenants AND c.contype = 'f' AND c.confrelid = servers
   LIMIT 1;
  IF FOUND THEN
    PERFORM pg_temp.report(
      CASE WHEN fk.confdeltype IN ('a', 'r') AND fk.convalidated THEN 'ok' ELSE 'WARN' END,
      'instances foreign key ' || fk.conname,
      'FOREIGN KEY (db_server_id) REFERENCES db_servers(id), ON DELETE NO ACTION',
      fk.definition || CASE WHEN fk.confdeltype NOT IN ('a', 'r')
                            THEN ': a pool delete would change tenants' ELSE '' END
                    || CASE WHEN NOT fk.convalidated THEN ': NOT VALID' ELSE '' END);
  ELSE
    PERFORM pg_temp.report('WARN', 'instances foreign key',
                           'FOREIGN KEY (db_server_id) REFERENCES db_servers(id)',
                           'none: 0002 adds it');
  END IF;
  IF servers IS NOT NULL AND (fk.conname IS NULL OR NOT fk.convalidated) THEN
    EXECUTE format('SELECT count(*), string_agg(id::text, '', '') FILTER (WHERE n <= 3) FROM '
                   '(SELECT i.id, row_number() OVER (ORDER BY i.id) AS n FROM %s i '
                   'WHERE i.db_server_id IS NOT NULL AND NOT EXISTS '
                   '(SELECT 1 FROM %s s WHERE s.id = i.db_server_id)) AS orphans',
                   tenants, servers)
       INTO rows_found, sample;
    PERFORM pg_temp.report(CASE WHEN rows_found = 0 THEN 'ok' ELSE 'FAIL' END,
                           'instances rows on a missing db server',
                           'none (0002''s foreign key refuses them)',
                           CASE WHEN rows_found = 0 THEN 'none'
                                ELSE format('%s: %s%s', rows_found, sample,
                                            CASE WHEN rows_found > 3 THEN ', ...' ELSE '' END)
                           END);
  ELSIF servers IS NULL THEN
    EXECUTE format('SELECT count(*) FROM %s WHERE db_server_id IS NOT NULL', tenants)
       INTO rows_found;
    IF rows_found > 0 THEN
      PERFORM pg_temp.report('FAIL', 'instances rows on a missing db server',
                             'none (0002''s foreign key refuses them)',
                             rows_found || ' rows name a db server, and db_servers is absent');
    END IF;
  END IF;
END
$preflight$;

SELECT result, object, expected, found FROM preflight ORDER BY line;

DO $verdict$
DECLARE
  failures bigint := (SELECT count(*) FROM pg_temp.preflight WHERE result = 'FAIL');
  warnings bigint := (SELECT count(*) FROM pg_temp.preflight WHERE result = 'WARN');
BEGIN
  IF failures > 0 THEN
    RAISE EXCEPTION 'preflight: % FAIL line(s): migration 0001 cannot adopt these tables as '
                    'they are; fix them and run this again', failures;
  END IF;
  RAISE NOTICE 'preflight: passed, no FAIL line (% WARN line(s) to read)', warnings;
END
$verdict$;
