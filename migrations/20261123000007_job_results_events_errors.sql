-- Which leads a search found (with the score they had then), the job's event stream for live
-- progress, and the errors a client sees in the job status.
CREATE TABLE job_results (
    job_id      uuid NOT NULL REFERENCES search_jobs (id) ON DELETE CASCADE,
    lead_id     uuid NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    lead_score  integer NOT NULL CHECK (lead_score BETWEEN 0 AND 100),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, lead_id)
);
CREATE INDEX job_results_lead_idx ON job_results (lead_id);
CREATE INDEX job_results_job_score_idx ON job_results (job_id, lead_score DESC);

CREATE TABLE job_events (
    id          bigserial PRIMARY KEY,
    job_id      uuid NOT NULL REFERENCES search_jobs (id) ON DELETE CASCADE,
    kind        text NOT NULL
        CONSTRAINT job_events_kind_check
        CHECK (kind IN ('job_progress', 'lead_discovered', 'job_completed', 'job_failed')),
    payload     jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX job_events_job_idx ON job_events (job_id, id);

CREATE TABLE job_errors (
    id          bigserial PRIMARY KEY,
    job_id      uuid NOT NULL REFERENCES search_jobs (id) ON DELETE CASCADE,
    work_item_id uuid REFERENCES work_items (id) ON DELETE CASCADE,
    stage       text NOT NULL,
    company     text,
    url         text,
    message     text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX job_errors_job_idx ON job_errors (job_id, id);

-- Measured stage durations feed the estimated completion of new searches.
CREATE TABLE stage_timings (
    stage       text PRIMARY KEY,
    samples     bigint NOT NULL DEFAULT 0,
    avg_ms      double precision NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
