-- Back-channel logout deliveries can be replayed (queued again after they failed or were
-- delivered). The give-up horizon and the backoff then start over from the replay, so the
-- row records when that was; null for a delivery never replayed (its horizon counts from
-- created_at).
ALTER TABLE logout_deliveries ADD COLUMN replayed_at BIGINT;
