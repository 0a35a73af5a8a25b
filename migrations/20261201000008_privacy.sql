-- Privacy: people and companies that must not be stored (by a digest of their email or domain,
-- so the list itself holds no address).

CREATE TABLE suppressions (
    id          uuid PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('email', 'domain')),
    value_hash  bytea NOT NULL UNIQUE,
    note        text NOT NULL DEFAULT '' CHECK (length(note) <= 500),
    created_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Leads idle the longest first, for the retention sweep.
CREATE INDEX leads_idle_idx ON leads (updated_at);
