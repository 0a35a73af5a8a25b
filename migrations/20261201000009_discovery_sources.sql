-- Discovery sources: each search's sources with their state and counts, the last known state
-- of every source for the health endpoint, and the geocoder's answers (its usage policy asks
-- that results be cached).
CREATE TABLE job_sources (
    job_id      uuid NOT NULL REFERENCES search_jobs (id) ON DELETE CASCADE,
    source      text NOT NULL,
    state       text NOT NULL DEFAULT 'ok'
        CHECK (state IN ('ok', 'needs_key', 'rate_limited', 'failing')),
    done        boolean NOT NULL DEFAULT false,
    -- Records the source listed, and how many of them the search accepted.
    listed      integer NOT NULL DEFAULT 0,
    accepted    integer NOT NULL DEFAULT 0,
    requests    integer NOT NULL DEFAULT 0,
    message     text,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, source)
);
CREATE TRIGGER job_sources_touch BEFORE UPDATE ON job_sources
    FOR EACH ROW EXECUTE FUNCTION leadgen_touch_updated_at();

CREATE TABLE source_health (
    source      text PRIMARY KEY,
    state       text NOT NULL
        CHECK (state IN ('ok', 'needs_key', 'rate_limited', 'failing')),
    message     text,
    checked_at  timestamptz NOT NULL DEFAULT now(),
    last_ok_at  timestamptz,
    listed      bigint NOT NULL DEFAULT 0
);

CREATE TABLE geocode_cache (
    query       text PRIMARY KEY,
    area        jsonb,
    fetched_at  timestamptz NOT NULL DEFAULT now()
);
