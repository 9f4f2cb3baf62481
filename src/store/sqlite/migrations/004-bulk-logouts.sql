-- Bulk logouts ("log out everyone" of an app or a pool): a job row per request, advanced batch
-- by batch (one session-core transaction per batch) so that progress is visible and a job
-- interrupted by a restart resumes where it stopped.
CREATE TABLE bulk_logouts (
  id TEXT PRIMARY KEY,
  pool_id TEXT NOT NULL,
  app_id TEXT,
  status TEXT NOT NULL,
  reason TEXT NOT NULL,
  actor_type TEXT NOT NULL,
  actor_id TEXT,
  total INTEGER NOT NULL,
  ended INTEGER NOT NULL,
  batches INTEGER NOT NULL,
  error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  finished_at INTEGER
);
CREATE INDEX bulk_logouts_pool ON bulk_logouts (pool_id, created_at DESC);
CREATE INDEX bulk_logouts_running ON bulk_logouts (status) WHERE status = 'running';
