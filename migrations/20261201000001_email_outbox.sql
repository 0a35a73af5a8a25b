-- Emails waiting to be sent, written in the same transaction as the event they announce (a
-- completed search, later an inbound lead), then delivered by the notify stage over SMTP.
-- `dedupe_key` makes announcing the same event twice a no-op; `message_id` is fixed per row so
-- a resend after a crash carries the same Message-ID and mail clients show it once.
CREATE TABLE email_outbox (
    id           uuid PRIMARY KEY,
    kind         text NOT NULL
        CONSTRAINT email_outbox_kind_check
        CHECK (kind IN ('search_completed')),
    dedupe_key   text NOT NULL
        CONSTRAINT email_outbox_dedupe_key_unique UNIQUE,
    job_id       uuid REFERENCES search_jobs (id) ON DELETE SET NULL,
    recipients   text[] NOT NULL CHECK (cardinality(recipients) > 0),
    subject      text NOT NULL CHECK (subject <> ''),
    body_text    text NOT NULL,
    body_html    text NOT NULL,
    message_id   text NOT NULL,
    status       text NOT NULL DEFAULT 'pending'
        CONSTRAINT email_outbox_status_check
        CHECK (status IN ('pending', 'sent', 'failed')),
    attempts     integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error   text,
    sent_at      timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT email_outbox_sent_has_time CHECK ((status = 'sent') = (sent_at IS NOT NULL))
);
CREATE INDEX email_outbox_job_idx ON email_outbox (job_id);
CREATE INDEX email_outbox_pending_idx ON email_outbox (created_at) WHERE status = 'pending';
CREATE TRIGGER email_outbox_touch BEFORE UPDATE ON email_outbox
    FOR EACH ROW EXECUTE FUNCTION leadgen_touch_updated_at();
