-- One candidate company inside one search, carried through the stages.
-- (job_id, dedup_key) is unique so a company listed twice by the sources is worked once per job.
CREATE TABLE work_items (
    id          uuid PRIMARY KEY,
    job_id      uuid NOT NULL REFERENCES search_jobs (id) ON DELETE CASCADE,
    dedup_key   text NOT NULL,
    domain      text,
    candidate   jsonb NOT NULL,
    stage       text NOT NULL DEFAULT 'fetch'
        CONSTRAINT work_items_stage_check
        CHECK (stage IN ('fetch', 'render', 'extract', 'enrich', 'score', 'merge', 'done', 'failed', 'filtered')),
    facts       jsonb,
    enrichment  jsonb,
    score       jsonb,
    lead_id     uuid,
    error       text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT work_items_job_key UNIQUE (job_id, dedup_key)
);
CREATE INDEX work_items_job_stage_idx ON work_items (job_id, stage);
CREATE TRIGGER work_items_touch BEFORE UPDATE ON work_items
    FOR EACH ROW EXECUTE FUNCTION leadgen_touch_updated_at();
