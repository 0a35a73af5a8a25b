-- Every lead matching the lead list's filters, for the CSV export: the same parameters and
-- filters as leads_list.sql (keep them the same; $3/$4 come as no limit and offset 0), and
-- only what the export writes. The large JSON documents (score breakdown, intelligence,
-- opportunities, sources), the description, notes and business info are not read at all, and
-- the verified-contact count is not exported (0 here), so a million rows stream without
-- detoasting a million breakdowns.
SELECT l.id, l.origin, l.status, l.lead_score, '{}'::jsonb AS "score_breakdown!",
    '{}'::jsonb AS "business_intelligence!", '[]'::jsonb AS "engagement_opportunities!",
    '[]'::jsonb AS "data_sources!", l.first_name,
    l.last_name, l.email, l.created_at, GREATEST(l.updated_at, c.updated_at) AS "updated_at!",
    l.assignee_id, u.email AS "assignee_email?", ''::text AS "notes!", l.version,
    c.id AS "company_id?", c.name AS "company_name?", c.domain AS "domain?",
    c.website AS "website?", c.industry AS "industry?", c.size_category AS "size_category?",
    NULL::text AS "description?", c.address AS "address?", c.city AS "city?",
    c.region AS "region?", c.postal_code AS "postal_code?", c.country AS "country?",
    c.latitude AS "latitude?", c.longitude AS "longitude?", c.founded_year AS "founded_year?",
    c.employee_count AS "employee_count?", c.phones AS "phones?", c.emails AS "emails?",
    c.socials AS "socials?", c.technologies AS "technologies?",
    NULL::jsonb AS "business_info?",
    (SELECT count(*) FROM contacts k WHERE k.company_id = c.id) AS "contact_count!",
    0::int8 AS "verified_contact_count!"
FROM leads l LEFT JOIN companies c ON c.id = l.company_id
    LEFT JOIN users u ON u.id = l.assignee_id
-- A search's results as an array: the lead ids then come through the primary key, which an
-- EXISTS under the OR could not use.
WHERE ($1::uuid IS NULL OR l.id = ANY (ARRAY(SELECT jr.lead_id FROM job_results jr
        WHERE jr.job_id = $1)))
    AND ($2::int IS NULL OR l.lead_score >= $2)
    AND ($15::int IS NULL OR l.lead_score <= $15)
    AND ($5::text IS NULL OR l.origin = $5)
    AND ($6::text IS NULL OR l.status = $6)
    AND ($7::uuid IS NULL OR l.assignee_id = $7)
    AND ($8::text IS NULL OR lower(c.industry) = lower($8))
    AND ($9::timestamptz IS NULL OR l.created_at >= $9)
    AND ($10::timestamptz IS NULL OR l.created_at < $10)
    -- Each branch can use its own index (trigram on the person's text, trigram on company
    -- names, the status index), which one OR across the join could not.
    -- The matches are gathered once into an array and fetched by primary key: an IN under
    -- the OR would instead be checked against every lead in the sort order's index.
    AND ($11::text IS NULL OR l.id = ANY (ARRAY(
        SELECT p.id FROM leads p
        WHERE lower(coalesce(p.first_name, '') || ' ' || coalesce(p.last_name, '') || ' '
                    || coalesce(p.email, '')) LIKE $11
        UNION
        SELECT q.id FROM leads q JOIN companies k ON k.id = q.company_id
        WHERE lower(k.name) LIKE $11
        UNION
        SELECT s.id FROM leads s WHERE s.status = ANY($14::text[]))))
ORDER BY
    CASE WHEN $12 = 'score' AND NOT $13 THEN l.lead_score END DESC,
    CASE WHEN $12 = 'score' AND $13 THEN l.lead_score END ASC,
    CASE WHEN $12 = 'created' AND NOT $13 THEN l.created_at END DESC,
    CASE WHEN $12 = 'created' AND $13 THEN l.created_at END ASC,
    CASE WHEN $12 = 'updated' AND NOT $13 THEN l.updated_at END DESC,
    CASE WHEN $12 = 'updated' AND $13 THEN l.updated_at END ASC,
    CASE WHEN $12 = 'name' AND NOT $13 THEN l.sort_name END DESC,
    CASE WHEN $12 = 'name' AND $13 THEN l.sort_name END ASC,
    l.id
LIMIT $3 OFFSET $4
