-- The lead store. A company is stored once per registrable domain; a lead is how staff work a
-- company (discovered) or a person (inbound).
CREATE TABLE companies (
    id              uuid PRIMARY KEY,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 500),
    -- `domain:<registrable domain>` or `name:<normalised name>|<phone digits>`; one row per key.
    dedup_key       text NOT NULL UNIQUE,
    domain          text,
    website         text,
    industry        text,
    size_category   text CHECK (size_category IN ('1-10', '11-50', '51-200', '201-500', '501-1000', '1000+')),
    description     text,
    address         text,
    city            text,
    region          text,
    postal_code     text,
    country         text,
    latitude        double precision,
    longitude       double precision,
    founded_year    integer CHECK (founded_year BETWEEN 1000 AND 2100),
    employee_count  integer CHECK (employee_count >= 0),
    phones          jsonb NOT NULL DEFAULT '[]',
    emails          jsonb NOT NULL DEFAULT '[]',
    socials         jsonb NOT NULL DEFAULT '[]',
    technologies    jsonb NOT NULL DEFAULT '[]',
    business_info   jsonb NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX companies_name_idx ON companies (lower(name));
CREATE INDEX companies_domain_idx ON companies (domain);
CREATE INDEX companies_industry_idx ON companies (industry);
CREATE TRIGGER companies_touch BEFORE UPDATE ON companies
    FOR EACH ROW EXECUTE FUNCTION leadgen_touch_updated_at();

CREATE TABLE contacts (
    id                  uuid PRIMARY KEY,
    company_id          uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    name                text,
    title               text,
    email               text,
    phone               text,
    linkedin_url        text,
    is_decision_maker   boolean NOT NULL DEFAULT false,
    confidence          real NOT NULL DEFAULT 0.5 CHECK (confidence BETWEEN 0 AND 1),
    source              text NOT NULL,
    verification_status text NOT NULL DEFAULT 'unverified'
        CONSTRAINT contacts_verification_check
        CHECK (verification_status IN ('verified', 'unverified', 'invalid', 'inferred')),
    dedup_key           text NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT contacts_company_key UNIQUE (company_id, dedup_key)
);
CREATE INDEX contacts_email_idx ON contacts (lower(email));
CREATE TRIGGER contacts_touch BEFORE UPDATE ON contacts
    FOR EACH ROW EXECUTE FUNCTION leadgen_touch_updated_at();

CREATE TABLE leads (
    id                       uuid PRIMARY KEY,
    origin                   text NOT NULL
        CONSTRAINT leads_origin_check CHECK (origin IN ('discovered', 'inbound', 'imported')),
    status                   text NOT NULL DEFAULT 'PENDING'
        CONSTRAINT leads_status_check
        CHECK (status IN ('PENDING', 'REACHED_OUT', 'QUALIFIED', 'CONVERTED', 'DISQUALIFIED')),
    company_id               uuid UNIQUE REFERENCES companies (id) ON DELETE CASCADE,
    first_name               text,
    last_name                text,
    email                    text,
    lead_score               integer NOT NULL DEFAULT 0 CHECK (lead_score BETWEEN 0 AND 100),
    score_breakdown          jsonb NOT NULL DEFAULT '{}',
    business_intelligence    jsonb NOT NULL DEFAULT '{}',
    engagement_opportunities jsonb NOT NULL DEFAULT '[]',
    data_sources             jsonb NOT NULL DEFAULT '[]',
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT leads_discovered_has_company CHECK (origin <> 'discovered' OR company_id IS NOT NULL)
);
CREATE INDEX leads_score_idx ON leads (lead_score DESC, id);
CREATE INDEX leads_status_idx ON leads (status);
CREATE INDEX leads_email_idx ON leads (lower(email));
CREATE INDEX leads_created_idx ON leads (created_at DESC);
CREATE TRIGGER leads_touch BEFORE UPDATE ON leads
    FOR EACH ROW EXECUTE FUNCTION leadgen_touch_updated_at();
