-- Field-level survivorship. Every value a source gave for a company field is kept with its
-- source, URL, time and confidence; the company's columns hold the values chosen from them
-- (core::survivorship). Companies are matched by the deduplication engine rather than by one
-- key, so the key is no longer unique: franchise branches share a domain but are different
-- companies. `match_keys` are the engine's blocking keys (domain, phone, name word + place),
-- indexed to find the companies a new record could match.
ALTER TABLE companies DROP CONSTRAINT companies_dedup_key_key;
CREATE INDEX companies_dedup_key_idx ON companies (dedup_key);
ALTER TABLE companies ADD COLUMN match_keys text[] NOT NULL DEFAULT '{}';
CREATE INDEX companies_match_keys_idx ON companies USING gin (match_keys);

CREATE TABLE company_field_values (
    company_id  uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    field       text NOT NULL CHECK (field IN ('name', 'website', 'industry', 'size_category',
        'description', 'address', 'city', 'region', 'postal_code', 'country', 'founded_year',
        'employee_count', 'phones', 'emails', 'social_profiles', 'technologies')),
    value       jsonb NOT NULL,
    value_hash  text GENERATED ALWAYS AS (md5(value::text)) STORED,
    source      text NOT NULL CHECK (source <> ''),
    url         text,
    confidence  real NOT NULL CHECK (confidence BETWEEN 0 AND 1),
    seen_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, field, source, value_hash)
);

-- Companies stored before survivorship: their columns become values of source `stored`, and
-- their domains and phones become match keys (name keys are added at their next merge).
INSERT INTO company_field_values (company_id, field, value, source, confidence, seen_at)
SELECT c.id, v.field, v.value, 'stored', 0.8, c.updated_at
FROM companies c
CROSS JOIN LATERAL (
    SELECT 'name' AS field, to_jsonb(c.name) AS value
    UNION ALL SELECT 'website', to_jsonb(c.website) WHERE c.website IS NOT NULL
    UNION ALL SELECT 'industry', to_jsonb(c.industry) WHERE c.industry IS NOT NULL
    UNION ALL SELECT 'size_category', to_jsonb(c.size_category) WHERE c.size_category IS NOT NULL
    UNION ALL SELECT 'description', to_jsonb(c.description) WHERE c.description IS NOT NULL
    UNION ALL SELECT 'address', to_jsonb(c.address) WHERE c.address IS NOT NULL
    UNION ALL SELECT 'city', to_jsonb(c.city) WHERE c.city IS NOT NULL
    UNION ALL SELECT 'region', to_jsonb(c.region) WHERE c.region IS NOT NULL
    UNION ALL SELECT 'postal_code', to_jsonb(c.postal_code) WHERE c.postal_code IS NOT NULL
    UNION ALL SELECT 'country', to_jsonb(c.country) WHERE c.country IS NOT NULL
    UNION ALL SELECT 'founded_year', to_jsonb(c.founded_year) WHERE c.founded_year IS NOT NULL
    UNION ALL SELECT 'employee_count', to_jsonb(c.employee_count) WHERE c.employee_count IS NOT NULL
    UNION ALL SELECT 'phones', p FROM jsonb_array_elements(c.phones) p
    UNION ALL SELECT 'emails', e FROM jsonb_array_elements(c.emails) e
    UNION ALL SELECT 'social_profiles', s FROM jsonb_array_elements(c.socials) s
    UNION ALL SELECT 'technologies', t FROM jsonb_array_elements(c.technologies) t
) v
ON CONFLICT DO NOTHING;
UPDATE companies c SET match_keys = ARRAY(
    SELECT 'd:' || c.domain WHERE c.domain IS NOT NULL
    UNION
    SELECT 'p:' || right(regexp_replace(p #>> '{}', '[^0-9]', '', 'g'), 10)
    FROM jsonb_array_elements(c.phones) p
    WHERE length(regexp_replace(p #>> '{}', '[^0-9]', '', 'g')) >= 7
);

-- Other sources' listings of a work item's company, found in the same search: their fields
-- become values of the company at merge. A table of their own, not a column: discovery adds
-- them under the search's lock while stages update the item row, and an insert here only
-- shares the item's key lock, so the two never wait on each other in a cycle.
CREATE TABLE work_item_sightings (
    item_id    uuid NOT NULL REFERENCES work_items (id) ON DELETE CASCADE,
    seq        bigserial,
    candidate  jsonb NOT NULL,
    PRIMARY KEY (item_id, seq)
);

-- Leads merged by hand: the surviving lead, the merged one as it was, who merged and when.
CREATE TABLE lead_merges (
    id                 uuid PRIMARY KEY,
    survivor_id        uuid NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    merged_lead_id     uuid NOT NULL,
    merged_company_id  uuid,
    merged_by          uuid REFERENCES users (id) ON DELETE SET NULL,
    snapshot           jsonb NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lead_merges_survivor_idx ON lead_merges (survivor_id, created_at DESC);
