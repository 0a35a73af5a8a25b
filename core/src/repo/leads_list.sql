-- Leads with their companies. Filters (NULL: any): $1 found by this job, $2 scoring at least
-- (and $15 at most),
-- $5 origin, $6 status, $7 assignee, $8 industry (any case), $9/$10 created in [from, to),
-- $11 a lower-cased LIKE pattern matched against the person's name and email and the company's
-- name, $14 the statuses the search text names. $12 sorts by score, created, updated or name; $13 ascending.
-- $3/$4 are the page's limit and offset (a NULL limit: every lead, as the CSV export streams
-- them). The filters must stay the same as in leads_count.sql.
-- $16 false reads only what the CSV export writes: the large JSON documents (score breakdown,
-- intelligence, opportunities, sources), description, notes and business info come back empty
-- and the verified-contact count 0, so exporting a million leads detoasts none of them.
SELECT l.id, l.origin, l.status, l.lead_score,
    CASE WHEN $16 THEN l.score_breakdown ELSE '{}' END AS "score_breakdown!",
    CASE WHEN $16 THEN l.business_intelligence ELSE '{}' END AS "business_intelligence!",
    CASE WHEN $16 THEN l.engagement_opportunities ELSE '[]' END AS "engagement_opportunities!",
    CASE WHEN $16 THEN l.data_sources ELSE '[]' END AS "data_sources!", l.first_name,
    l.last_name, l.email, l.created_at, GREATEST(l.updated_at, c.updated_at) AS "updated_at!",
    l.assignee_id, u.email AS "assignee_email?",
    CASE WHEN $16 THEN l.notes ELSE '' END AS "notes!", l.version,
    -- The company side of the outer join is NULL for leads without a company: "col?" keeps
    -- these optional whatever the plan lets the nullability inference see.
    c.id AS "company_id?", c.name AS "company_name?", c.domain AS "domain?",
    c.website AS "website?", c.industry AS "industry?", c.size_category AS "size_category?",
    CASE WHEN $16 THEN c.description END AS "description?", c.address AS "address?",
    c.city AS "city?",
    c.region AS "region?", c.postal_code AS "postal_code?", c.country AS "country?",
    c.latitude AS "latitude?", c.longitude AS "longitude?", c.founded_year AS "founded_year?",
    c.employee_count AS "employee_count?", c.phones AS "phones?", c.emails AS "emails?",
    c.socials AS "socials?", c.technologies AS "technologies?",
    CASE WHEN $16 THEN c.business_info END AS "business_info?",
    (SELECT count(*) FROM contacts k WHERE k.company_id = c.id) AS "contact_count!",
    CASE WHEN $16 THEN (SELECT count(*) FROM contacts k WHERE k.company_id = c.id
        AND k.verification_status = 'verified') ELSE 0 END AS "verified_contact_count!"
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
