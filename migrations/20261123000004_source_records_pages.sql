-- Raw source records (what a directory or API said) and fetched pages, kept so later stages can
-- be re-run on stored data without crawling again.
CREATE TABLE source_records (
    id          bigserial PRIMARY KEY,
    job_id      uuid NOT NULL REFERENCES search_jobs (id) ON DELETE CASCADE,
    source      text NOT NULL,
    source_url  text NOT NULL,
    payload     jsonb NOT NULL,
    fetched_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX source_records_job_idx ON source_records (job_id);

CREATE TABLE pages (
    id            bigserial PRIMARY KEY,
    work_item_id  uuid NOT NULL REFERENCES work_items (id) ON DELETE CASCADE,
    url           text NOT NULL,
    final_url     text NOT NULL,
    kind          text NOT NULL,
    http_status   integer NOT NULL CHECK (http_status BETWEEN 0 AND 999),
    content_type  text,
    body          text NOT NULL DEFAULT '',
    truncated     boolean NOT NULL DEFAULT false,
    needs_render  boolean NOT NULL DEFAULT false,
    headers       jsonb NOT NULL DEFAULT '{}',
    rendered      boolean NOT NULL DEFAULT false,
    elapsed_ms    integer NOT NULL DEFAULT 0,
    fetched_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pages_item_url UNIQUE (work_item_id, url)
);
