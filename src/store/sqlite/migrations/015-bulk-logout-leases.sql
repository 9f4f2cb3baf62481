-- Bulk logout leases (issue 10 part 2): a running job belongs to the node that holds its lease
-- (owner, lease_until), renewed at each batch. A node killed mid-job stops renewing it, and any
-- running node takes the job over once the lease has run out — instead of the job staying
-- 'running' until that very node starts again. Jobs running before this migration have no
-- lease: the first node to look takes them.
ALTER TABLE bulk_logouts ADD COLUMN owner TEXT;
ALTER TABLE bulk_logouts ADD COLUMN lease_until INTEGER;
