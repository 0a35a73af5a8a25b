-- The pages of the freshest earlier crawl of a domain, copied to a new work item ($1) so the
-- site is not fetched again: the newest other work item of domain $2 whose home page answered
-- (2xx/3xx) after $3. Fetch times are kept, so freshness is always that of the real fetch.
WITH source AS (
    SELECT p.work_item_id
    FROM pages p
    JOIN work_items w ON w.id = p.work_item_id
    WHERE w.domain = $2
      AND w.id <> $1
      AND p.kind = 'home'
      AND p.http_status BETWEEN 200 AND 399
      AND p.fetched_at > $3
    ORDER BY p.fetched_at DESC
    LIMIT 1
)
INSERT INTO pages (work_item_id, url, final_url, kind, http_status, content_type, body, truncated,
                   needs_render, headers, rendered, elapsed_ms, fetched_at, content_hash)
SELECT $1, p.url, p.final_url, p.kind, p.http_status, p.content_type, p.body, p.truncated,
       p.needs_render, p.headers, p.rendered, p.elapsed_ms, p.fetched_at, p.content_hash
FROM pages p
JOIN source s ON s.work_item_id = p.work_item_id
ON CONFLICT (work_item_id, url) DO NOTHING
