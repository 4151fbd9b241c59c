-- 0002 instances: the tenants' databases, each placed on one db server. The table
-- already exists in production (its other columns are not instance-service's
-- concern and are left alone); on an empty database it is created with the minimal
-- columns. What this migration guarantees is the plan's foreign key
-- instances.db_server_id -> db_servers.id (ON DELETE NO ACTION: a referenced db
-- server cannot be deleted), added unless one already exists. An instances row that
-- references a missing db server makes the migration fail and roll back.

CREATE TABLE IF NOT EXISTS instances (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  db_server_id uuid,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE instances ADD COLUMN IF NOT EXISTS db_server_id uuid;

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint
                 WHERE conrelid = 'instances'::regclass AND contype = 'f'
                   AND confrelid = 'db_servers'::regclass) THEN
    ALTER TABLE instances ADD CONSTRAINT instances_db_server_id_fkey
      FOREIGN KEY (db_server_id) REFERENCES db_servers (id);
  END IF;
END
$$;

-- DeleteDbServer asks "is any instance on this server?" under a row lock.
CREATE INDEX IF NOT EXISTS instances_db_server_id_idx ON instances (db_server_id);
