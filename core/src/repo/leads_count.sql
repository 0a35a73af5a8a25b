-- How many leads match the lead list's filters (the same as in leads_list.sql, same numbering
-- minus the paging and sorting parameters: $3 origin … $9 pattern, $10 statuses, $11 the highest score).
SELECT count(*) AS "count!"
FROM leads l LEFT JOIN companies c ON c.id = l.company_id
-- A search's results as an array: the lead ids then come through the primary key, which an
-- EXISTS under the OR could not use.
WHERE ($1::uuid IS NULL OR l.id = ANY (ARRAY(SELECT jr.lead_id FROM job_results jr
        WHERE jr.job_id = $1)))
    AND ($2::int IS NULL OR l.lead_score >= $2)
    AND ($11::int IS NULL OR l.lead_score <= $11)
    AND ($3::text IS NULL OR l.origin = $3)
    AND ($4::text IS NULL OR l.status = $4)
    AND ($5::uuid IS NULL OR l.assignee_id = $5)
    AND ($6::text IS NULL OR lower(c.industry) = lower($6))
    AND ($7::timestamptz IS NULL OR l.created_at >= $7)
    AND ($8::timestamptz IS NULL OR l.created_at < $8)
    -- The matches are gathered once into an array and fetched by primary key: an IN under
    -- the OR would instead be checked against every lead in the sort order's index.
    AND ($9::text IS NULL OR l.id = ANY (ARRAY(
        SELECT p.id FROM leads p
        WHERE lower(coalesce(p.first_name, '') || ' ' || coalesce(p.last_name, '') || ' '
                    || coalesce(p.email, '')) LIKE $9
        UNION
        SELECT q.id FROM leads q JOIN companies k ON k.id = q.company_id
        WHERE lower(k.name) LIKE $9
        UNION
        SELECT s.id FROM leads s WHERE s.status = ANY($10::text[]))))
