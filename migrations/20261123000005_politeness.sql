-- Politeness state shared by every worker process: robots.txt per host and the next moment a
-- request to that host is allowed. Slots are reserved with one atomic UPSERT.
CREATE TABLE robots_cache (
    host        text PRIMARY KEY,
    http_status integer NOT NULL,
    body        text NOT NULL,
    fetched_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);

CREATE TABLE host_slots (
    host            text PRIMARY KEY,
    next_allowed_at timestamptz NOT NULL
);
