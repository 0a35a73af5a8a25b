-- A search: the criteria a client asked for and the job's lifecycle.
-- Counters are maintained by the stages in the same transaction as the work they describe.
CREATE TABLE search_jobs (
    id                   uuid PRIMARY KEY,
    status               text NOT NULL DEFAULT 'initiated'
        CONSTRAINT search_jobs_status_check
        CHECK (status IN ('initiated', 'running', 'completed', 'failed', 'cancelled')),
    criteria             jsonb NOT NULL,
    current_step         text NOT NULL DEFAULT 'queued',
    max_results          integer NOT NULL CHECK (max_results BETWEEN 1 AND 10000),
    discovered_count     integer NOT NULL DEFAULT 0 CHECK (discovered_count >= 0),
    processed_count      integer NOT NULL DEFAULT 0 CHECK (processed_count >= 0),
    failed_count         integer NOT NULL DEFAULT 0 CHECK (failed_count >= 0),
    filtered_count       integer NOT NULL DEFAULT 0 CHECK (filtered_count >= 0),
    results_count        integer NOT NULL DEFAULT 0 CHECK (results_count >= 0),
    discovery_done       boolean NOT NULL DEFAULT false,
    estimated_completion timestamptz NOT NULL,
    started_at           timestamptz,
    completed_at         timestamptz,
    failure_reason       text,
    summary              jsonb,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX search_jobs_created_at_idx ON search_jobs (created_at DESC);
CREATE INDEX search_jobs_status_idx ON search_jobs (status);
CREATE TRIGGER search_jobs_touch BEFORE UPDATE ON search_jobs
    FOR EACH ROW EXECUTE FUNCTION leadgen_touch_updated_at();
