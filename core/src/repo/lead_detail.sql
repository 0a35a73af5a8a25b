-- One lead ($1) with its company.
SELECT l.id, l.origin, l.status, l.lead_score, l.score_breakdown,
    l.business_intelligence, l.engagement_opportunities, l.data_sources, l.first_name,
    l.last_name, l.email, l.created_at, GREATEST(l.updated_at, c.updated_at) AS "updated_at!",
    l.assignee_id, u.email AS "assignee_email?", l.notes, l.version,
    -- The company side of the outer join is NULL for leads without a company: "col?" keeps
    -- these optional whatever the plan lets the nullability inference see.
    c.id AS "company_id?", c.name AS "company_name?", c.domain AS "domain?",
    c.website AS "website?", c.industry AS "industry?", c.size_category AS "size_category?",
    c.description AS "description?", c.address AS "address?", c.city AS "city?",
    c.region AS "region?", c.postal_code AS "postal_code?", c.country AS "country?",
    c.latitude AS "latitude?", c.longitude AS "longitude?", c.founded_year AS "founded_year?",
    c.employee_count AS "employee_count?", c.phones AS "phones?", c.emails AS "emails?",
    c.socials AS "socials?", c.technologies AS "technologies?",
    c.business_info AS "business_info?",
    (SELECT count(*) FROM contacts k WHERE k.company_id = c.id) AS "contact_count!",
    (SELECT count(*) FROM contacts k WHERE k.company_id = c.id
        AND k.verification_status = 'verified') AS "verified_contact_count!"
FROM leads l LEFT JOIN companies c ON c.id = l.company_id
    LEFT JOIN users u ON u.id = l.assignee_id
WHERE l.id = $1
