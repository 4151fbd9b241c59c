-- 0003 request_ids: AIP-155 idempotency. A mutating call that carries a request_id
-- inserts its row here in the same transaction as its effect and stores its answer
-- in `result` (the db_servers row as jsonb, replayed through jsonb_populate_record);
-- a retry finds the row and gets that answer back. Rows older than 24 hours are
-- ignored, reused and purged by the repository.

CREATE TABLE IF NOT EXISTS request_ids (
  request_id uuid PRIMARY KEY,
  fingerprint text NOT NULL,
  result jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS request_ids_created_at_idx ON request_ids (created_at);
