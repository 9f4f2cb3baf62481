-- Issue 10: a revocation holds until every token that could carry its ids has expired, whatever
-- SIGNOFF_ACCESS_TOKEN_TTL is later set to. A session remembers when the last access token
-- issued on it expires (ms; null: none yet), and each session end how long its revocations must
-- hold: the latest of those among the sessions it ended.
ALTER TABLE sessions ADD COLUMN tokens_until INTEGER;
ALTER TABLE session_ends ADD COLUMN holds_until INTEGER;
-- Ends recorded before this: held as long as a token could have lived (the 30-day maximum).
UPDATE session_ends SET holds_until = at + 2592000000;
CREATE INDEX session_ends_holds ON session_ends (holds_until);
