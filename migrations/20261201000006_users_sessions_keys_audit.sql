-- Staff accounts, their sign-in sessions and refresh tokens, API keys for machine clients,
-- login throttling and the audit log.

CREATE TABLE users (
    id            uuid PRIMARY KEY,
    -- Stored lower-cased so that sign-in and uniqueness ignore case.
    email         text NOT NULL UNIQUE CHECK (email = lower(email)),
    display_name  text NOT NULL DEFAULT '',
    role          text NOT NULL CHECK (role IN ('admin', 'manager', 'agent', 'viewer')),
    -- argon2id PHC string.
    password_hash text NOT NULL,
    disabled_at   timestamptz,
    last_login_at timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER users_updated_at BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION leadgen_touch_updated_at();

-- One row per sign-in: the refresh-token family. Access tokens name it, so ending it (logout,
-- idle timeout, reuse of a refresh token, a disabled user) ends every token issued for it.
CREATE TABLE sessions (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    ended_at     timestamptz,
    end_reason   text CHECK (end_reason IN ('logout', 'idle', 'expired', 'refresh_reuse', 'user_disabled',
                                              'password_changed')),
    ip           text,
    user_agent   text
);
CREATE INDEX sessions_user_open ON sessions (user_id) WHERE ended_at IS NULL;

-- Opaque refresh tokens, stored as SHA-256 digests; each is used once and replaced.
CREATE TABLE refresh_tokens (
    token_hash bytea PRIMARY KEY,
    session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    issued_at  timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

CREATE TABLE api_keys (
    id           uuid PRIMARY KEY,
    name         text NOT NULL,
    -- The first characters of the key, shown in listings so a key can be recognised.
    prefix       text NOT NULL,
    key_hash     bytea NOT NULL UNIQUE,
    scope        text NOT NULL CHECK (scope IN ('read', 'write')),
    created_by   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_keys_created_by ON api_keys (created_by);

-- Failed sign-ins per key (`account:<email>|<ip>` and `ip:<ip>`), for growing delays.
CREATE TABLE login_throttle (
    key             text PRIMARY KEY,
    failures        integer NOT NULL,
    last_failure_at timestamptz NOT NULL,
    blocked_until   timestamptz
);

CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor_type  text NOT NULL CHECK (actor_type IN ('user', 'api_key', 'anonymous', 'system')),
    actor_id    uuid,
    -- Who, in words: the user's email, the key's name, or the email tried at a failed sign-in.
    actor_label text NOT NULL DEFAULT '',
    action      text NOT NULL,
    outcome     text NOT NULL CHECK (outcome IN ('ok', 'denied', 'failed')),
    target_type text,
    target_id   text,
    ip          text,
    request_id  text,
    detail      jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at ON audit_log (at DESC, id DESC);
CREATE INDEX audit_log_action ON audit_log (action, at DESC);
CREATE INDEX audit_log_actor ON audit_log (actor_id, at DESC);
