-- Domains that redirect to another company domain (an old brand, a country domain, a typo
-- domain): found by the fetch stage when a site's home page redirects across registrable
-- domains, so deduplication can treat both as one company.
CREATE TABLE domain_aliases (
    alias        text PRIMARY KEY CHECK (alias <> ''),
    domain       text NOT NULL CHECK (domain <> '' AND domain <> alias),
    seen_url     text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX domain_aliases_domain_idx ON domain_aliases (domain);
CREATE TRIGGER domain_aliases_touch BEFORE UPDATE ON domain_aliases
    FOR EACH ROW EXECUTE FUNCTION leadgen_touch_updated_at();
