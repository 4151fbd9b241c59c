#ifndef TESTS_INSTANCE_SERVICE_REPOSITORY_LEGACY_SCHEMA_H_
#define TESTS_INSTANCE_SERVICE_REPOSITORY_LEGACY_SCHEMA_H_

namespace dbs::testing {

// The shape the old Python service created (see the header of
// instance_service/migrations/sql/0001_db_servers.sql), with rows in the states it
// used to write and one tenant on pool-1.
inline constexpr char kLegacySchema[] = R"sql(
CREATE TABLE db_servers (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name varchar(255) NOT NULL UNIQUE,
  host varchar(255) NOT NULL,
  port integer NOT NULL DEFAULT 5432,
  server_type varchar(50) NOT NULL DEFAULT 'postgres',
  status varchar(50) DEFAULT 'provisioning' CHECK (status IN
    ('provisioning', 'active', 'draining', 'maintenance', 'failed', 'inactive', 'error')),
  health_status varchar(50) DEFAULT 'unknown',
  instance_count integer DEFAULT 0,
  max_instances integer DEFAULT 100,
  created_at timestamptz DEFAULT now(),
  updated_at timestamptz DEFAULT now());
CREATE TABLE instances (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  db_server_id uuid REFERENCES db_servers(id),
  name varchar(255) NOT NULL,
  tenant_id text,
  created_at timestamptz DEFAULT now());
INSERT INTO db_servers (id, name, host, port, status, health_status, instance_count,
                        max_instances, created_at, updated_at) VALUES
  ('aaaaaaaa-0000-4000-8000-000000000001', 'pool-1', 'pg1.internal', 5432, 'active',
   'healthy', 3, 50, '2024-01-02 03:04:05+00', '2024-02-03 04:05:06+00'),
  ('aaaaaaaa-0000-4000-8000-000000000002', 'pool-2', 'pg2.internal', 6432, 'error',
   NULL, NULL, NULL, '2024-01-02 03:04:05+00', NULL),
  ('aaaaaaaa-0000-4000-8000-000000000003', 'pool-3', 'pg3.internal', 5432, 'inactive',
   'ok', 7, 5, '2024-01-02 03:04:05+00', '2024-01-02 03:04:05+00');
INSERT INTO instances (id, db_server_id, name, tenant_id) VALUES
  ('bbbbbbbb-0000-4000-8000-000000000001', 'aaaaaaaa-0000-4000-8000-000000000001',
   'tenant-db-1', 'acme');
)sql";

}  // namespace dbs::testing

#endif  // TESTS_INSTANCE_SERVICE_REPOSITORY_LEGACY_SCHEMA_H_
