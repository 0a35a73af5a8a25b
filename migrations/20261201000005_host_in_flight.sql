-- At most one request in flight per host across all workers: a request holds the host until it
-- completes (busy_until is a lease, so a worker that dies mid-request frees it when it expires).
ALTER TABLE host_slots ADD COLUMN busy_until timestamptz;
