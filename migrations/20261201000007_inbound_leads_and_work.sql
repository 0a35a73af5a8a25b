-- Inbound leads (the public form), their résumés, and the fields staff work leads with.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

ALTER TABLE leads
    ADD COLUMN assignee_id uuid REFERENCES users (id) ON DELETE SET NULL,
    ADD COLUMN notes       text NOT NULL DEFAULT '' CHECK (length(notes) <= 20000),
    -- Raised by every change staff make; a change naming an older version is refused (409).
    ADD COLUMN version     integer NOT NULL DEFAULT 1;

-- One inbound lead per person: a second submission with the same email adds its résumé to the
-- first lead.
CREATE UNIQUE INDEX leads_inbound_email_unique ON leads (lower(email)) WHERE origin = 'inbound';
CREATE INDEX leads_assignee_idx ON leads (assignee_id) WHERE assignee_id IS NOT NULL;
CREATE INDEX leads_origin_idx ON leads (origin, created_at DESC);
CREATE INDEX leads_updated_idx ON leads (updated_at DESC);
-- Case-insensitive substring search over people's names and emails, and company names.
CREATE INDEX leads_person_trgm ON leads USING gin (
    (lower(coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' ' || coalesce(email, '')))
    gin_trgm_ops);
CREATE INDEX companies_name_trgm ON companies USING gin (lower(name) gin_trgm_ops);

-- Files attached to a lead (résumés), stored encrypted in the object store under a generated key.
CREATE TABLE lead_files (
    id            uuid PRIMARY KEY,
    lead_id       uuid NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    storage_key   text NOT NULL UNIQUE,
    -- The client's file name, sanitised; shown and offered on download, never used as a path.
    filename      text NOT NULL CHECK (length(filename) BETWEEN 1 AND 200),
    kind          text NOT NULL CHECK (kind IN ('pdf', 'doc', 'docx')),
    size_bytes    bigint NOT NULL CHECK (size_bytes > 0),
    sha256        bytea NOT NULL,
    -- `clean` when the virus scanner passed it, `not_scanned` when no scanner is configured.
    scan_result   text NOT NULL CHECK (scan_result IN ('clean', 'not_scanned')),
    uploaded_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lead_files_lead_idx ON lead_files (lead_id, uploaded_at);

ALTER TABLE email_outbox DROP CONSTRAINT email_outbox_kind_check;
ALTER TABLE email_outbox ADD CONSTRAINT email_outbox_kind_check
    CHECK (kind IN ('search_completed', 'inbound_confirmation', 'inbound_staff'));
