-- Privileges on the `instance` database, applied after every migration run. The one copy
-- used by the Kubernetes schema job (deploy/postgres-cnpg/08-schema-job.yaml mounts it
-- through deploy/sql/kustomization.yaml), the local stack, and tests/deploy/grants_test.cc.
--
--   psql "$OWNER_URL" -v ON_ERROR_STOP=1 --single-transaction -f deploy/sql/grants.sql
--   psql "$OWNER_URL" -v ON_ERROR_STOP=1 -f deploy/sql/verify-grants.sql
--
-- Connect to the instance database as its owner (the role the migrations run as) or a
-- superuser. psql variables (-v NAME=value), with their defaults:
--   instance_role  instance_service  the role instance-service logs in as
--   legacy_role    database_service  the role that must hold nothing here any more
--   schema         public            the schema the migrations create their tables in
--   keep_legacy_grants  off          on: leave legacy_role and PUBLIC as they are. Only
--                  for migration steps 1-4 (deploy/MIGRATION.md), while the old
--                  database-service still runs its SQL; step 5 is running this file
--                  without it.
--
-- Idempotent, and absolute rather than additive: instance_role first loses every table
-- and sequence privilege, then gets exactly what the repository uses, so a privilege
-- granted by hand or by an older file does not survive a run. Neither role has to own
-- anything; the tables stay owned by the migration role.

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

-- The database and the schema: instance_role may connect and use the schema; it may
-- not create anything.
SELECT format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), :'instance_role') \gexec
REVOKE ALL ON SCHEMA :"schema" FROM :"instance_role";
GRANT USAGE ON SCHEMA :"schema" TO :"instance_role";

-- instance_role: start from nothing, then what the repository's statements need.
REVOKE ALL ON ALL TABLES IN SCHEMA :"schema" FROM :"instance_role";
REVOKE ALL ON ALL SEQUENCES IN SCHEMA :"schema" FROM :"instance_role";
--   db_servers: List/Get/FindAvailable read; Create inserts; Update, Increment,
--   Decrement and Allocate (SELECT ... FOR UPDATE SKIP LOCKED needs UPDATE) update;
--   Delete deletes. The FK check against instances runs as the table owner.
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE :"schema".db_servers TO :"instance_role";
--   the AIP-155 request-id records: replay lookup, record in the effect's transaction,
--   purge after the 24 h window.
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE :"schema".request_ids TO :"instance_role";
--   instances: read only, for Delete's "still in use" check. instance-service never
--   writes tenant rows through this API.
GRANT SELECT ON TABLE :"schema".instances TO :"instance_role";
--   the migration ledger: read only, so the server can refuse to start on a schema
--   older than it expects. Only the schema job (as the owner) writes it.
GRANT SELECT ON TABLE :"schema".schema_migrations TO :"instance_role";

\if :keep_legacy_grants
\echo 'grants.sql: keep_legacy_grants is on: legacy_role and PUBLIC keep what they have (migration steps 1-4 only)'
\else
-- Nobody else connects or uses the schema: PUBLIC has CONNECT and TEMPORARY on every
-- new database, and USAGE on schema public. The owner keeps its implicit rights.
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database()) \gexec
REVOKE ALL ON SCHEMA :"schema" FROM PUBLIC;

-- legacy_role (database-service's old login): nothing at all, on the database, the
-- schema, any table, sequence or function, by default privilege, or through membership
-- in a role that has them. Each statement is generated only when the role exists and,
-- for default privileges and memberships, only where there is something to revoke.
SELECT format('REVOKE ALL ON DATABASE %I FROM %I', current_database(), rolname)
  FROM pg_roles WHERE rolname = :'legacy_role' \gexec
SELECT format('REVOKE ALL ON SCHEMA %I FROM %I', :'schema', rolname)
  FROM pg_roles WHERE rolname = :'legacy_role' \gexec
SELECT format('REVOKE ALL ON ALL %s IN SCHEMA %I FROM %I', kind, :'schema', rolname)
  FROM pg_roles, unnest(ARRAY['TABLES', 'SEQUENCES', 'FUNCTIONS']) AS kind
 WHERE rolname = :'legacy_role' \gexec
-- Default privileges would hand it the next table a migration creates.
SELECT format('ALTER DEFAULT PRIVILEGES FOR ROLE %I%s REVOKE ALL ON %s FROM %I',
              pg_get_userbyid(d.defaclrole),
              CASE WHEN d.defaclnamespace = 0 THEN ''
                   ELSE format(' IN SCHEMA %I', n.nspname) END,
              CASE d.defaclobjtype WHEN 'r' THEN 'TABLES' WHEN 'S' THEN 'SEQUENCES'
                   WHEN 'f' THEN 'FUNCTIONS' WHEN 'T' THEN 'TYPES' ELSE 'SCHEMAS' END,
              :'legacy_role')
  FROM pg_default_acl d
  LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace
 WHERE EXISTS (SELECT 1 FROM aclexplode(d.defaclacl) a
                 JOIN pg_roles r ON r.oid = a.grantee
                WHERE r.rolname = :'legacy_role') \gexec
-- Membership in instance_role, the database owner or the predefined data roles would
-- lend it their privileges. Revoking membership in a role needs ADMIN on it (a
-- superuser for the predefined ones): if this statement fails, a person has to look.
SELECT format('REVOKE %I FROM %I', granted.rolname, member.rolname)
  FROM pg_auth_members am
  JOIN pg_roles granted ON granted.oid = am.roleid
  JOIN pg_roles member ON member.oid = am.member
 WHERE member.rolname = :'legacy_role'
   AND (granted.rolname IN (:'instance_role', 'pg_read_all_data', 'pg_write_all_data')
        OR granted.oid = (SELECT datdba FROM pg_database WHERE datname = current_database()))
\gexec
\endif
