-- Prints, as runnable GRANT statements, every privilege the legacy role (and PUBLIC,
-- on the database and the schema) holds on the instance database right now. Run it
-- before migration step 5 and keep the output: it is step 5's rollback.
--
--   psql -X -q -At -v ON_ERROR_STOP=1 -d instance -f deploy/sql/snapshot-legacy-grants.sql \
--     > legacy-grants-rollback.sql
--   psql -X -v ON_ERROR_STOP=1 --single-transaction -d instance -f legacy-grants-rollback.sql
--
-- Variables: legacy_role (default database_service), schema (default public).
-- Covers table, sequence and column-less privileges, the database and the schema, the
-- legacy role's default privileges, and its memberships; prints nothing for a role
-- that does not exist.

\if :{?legacy_role}
\else
  \set legacy_role database_service
\endif
\if :{?schema}
\else
  \set schema public
\endif

WITH legacy AS (SELECT oid, rolname FROM pg_roles WHERE rolname = :'legacy_role')
SELECT statement FROM (
  -- Tables, views and sequences, in every schema of this database.
  SELECT 1 AS ord, format('GRANT %s ON %s %I.%I TO %I;', a.privilege_type,
                          CASE c.relkind WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
                          n.nspname, c.relname, legacy.rolname) AS statement
    FROM legacy, pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace,
         aclexplode(c.relacl) a
   WHERE a.grantee = legacy.oid
  UNION ALL
  -- The database, for the role and for PUBLIC.
  SELECT 2, format('GRANT %s ON DATABASE %I TO %s;', a.privilege_type, d.datname,
                   CASE a.grantee WHEN 0 THEN 'PUBLIC' ELSE quote_ident(legacy.rolname) END)
    FROM legacy, pg_database d,
         aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
   WHERE d.datname = current_database() AND a.grantee IN (0, legacy.oid)
  UNION ALL
  -- The schema, for the role and for PUBLIC.
  SELECT 3, format('GRANT %s ON SCHEMA %I TO %s;', a.privilege_type, s.nspname,
                   CASE a.grantee WHEN 0 THEN 'PUBLIC' ELSE quote_ident(legacy.rolname) END)
    FROM legacy, pg_namespace s,
         aclexplode(coalesce(s.nspacl, acldefault('n', s.nspowner))) a
   WHERE s.nspname = :'schema' AND a.grantee IN (0, legacy.oid)
  UNION ALL
  -- Default privileges that named the role.
  SELECT 4, format('ALTER DEFAULT PRIVILEGES FOR ROLE %I%s GRANT %s ON %s TO %I;',
                   pg_get_userbyid(d.defaclrole),
                   CASE WHEN d.defaclnamespace = 0 THEN ''
                        ELSE format(' IN SCHEMA %I', n.nspname) END,
                   a.privilege_type,
                   CASE d.defaclobjtype WHEN 'r' THEN 'TABLES' WHEN 'S' THEN 'SEQUENCES'
                        WHEN 'f' THEN 'FUNCTIONS' WHEN 'T' THEN 'TYPES' ELSE 'SCHEMAS' END,
                   legacy.rolname)
    FROM legacy, pg_default_acl d
    LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace,
         aclexplode(d.defaclacl) a
   WHERE a.grantee = legacy.oid
  UNION ALL
  -- Memberships (cluster-wide; listed so a rollback restores them too).
  SELECT 5, format('GRANT %I TO %I;', pg_get_userbyid(m.roleid), legacy.rolname)
    FROM legacy, pg_auth_members m
   WHERE m.member = legacy.oid
) AS grants
ORDER BY ord, statement;
