-- Email verification: what DNS said about each mail domain, shared by every worker, and the
-- verdict on each contact's address (role or personal, disposable, why).

CREATE TABLE mail_domains (
    domain     text PRIMARY KEY,
    verdict    text NOT NULL CONSTRAINT mail_domains_verdict_check
        CHECK (verdict IN ('accepts', 'refuses')),
    exchangers text[] NOT NULL DEFAULT '{}',
    reason     text,
    checked_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);

ALTER TABLE contacts
    ADD COLUMN email_kind text CONSTRAINT contacts_email_kind_check
        CHECK (email_kind IN ('role', 'personal')),
    ADD COLUMN email_disposable boolean NOT NULL DEFAULT false,
    ADD COLUMN verification_reason text;
