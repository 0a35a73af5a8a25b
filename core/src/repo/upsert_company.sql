-- Upserts a company by its key ($2); newer non-empty values win, missing ones keep what was
-- known. $1 is the id of a new row.
INSERT INTO companies (id, dedup_key, name, domain, website, industry, size_category,
    description, address, city, region, postal_code, country, founded_year, employee_count,
    phones, emails, socials, technologies, business_info)
VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20)
ON CONFLICT (dedup_key) DO UPDATE SET
    name = EXCLUDED.name,
    domain = COALESCE(EXCLUDED.domain, companies.domain),
    website = COALESCE(EXCLUDED.website, companies.website),
    industry = COALESCE(EXCLUDED.industry, companies.industry),
    size_category = COALESCE(EXCLUDED.size_category, companies.size_category),
    description = COALESCE(EXCLUDED.description, companies.description),
    address = COALESCE(EXCLUDED.address, companies.address),
    city = COALESCE(EXCLUDED.city, companies.city),
    region = COALESCE(EXCLUDED.region, companies.region),
    postal_code = COALESCE(EXCLUDED.postal_code, companies.postal_code),
    country = COALESCE(EXCLUDED.country, companies.country),
    founded_year = COALESCE(EXCLUDED.founded_year, companies.founded_year),
    employee_count = COALESCE(EXCLUDED.employee_count, companies.employee_count),
    phones = CASE WHEN EXCLUDED.phones = '[]' THEN companies.phones ELSE EXCLUDED.phones END,
    emails = CASE WHEN EXCLUDED.emails = '[]' THEN companies.emails ELSE EXCLUDED.emails END,
    socials = CASE WHEN EXCLUDED.socials = '[]' THEN companies.socials ELSE EXCLUDED.socials END,
    technologies = CASE WHEN EXCLUDED.technologies = '[]' THEN companies.technologies
                        ELSE EXCLUDED.technologies END,
    business_info = companies.business_info || EXCLUDED.business_info
RETURNING id
