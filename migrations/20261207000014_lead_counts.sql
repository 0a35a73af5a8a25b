-- Leads counted by origin and status, kept exact by statement-level triggers (one update per
-- statement, however many rows it touches, so a COPY of a million leads costs one), so that the
-- lead list's total over all leads, or one origin or status, is a lookup instead of a count of
-- every row.

CREATE TABLE lead_counts (
    origin text NOT NULL,
    status text NOT NULL,
    n      bigint NOT NULL CHECK (n >= 0),
    PRIMARY KEY (origin, status)
);

-- A change that leaves every lead's origin and status as they were writes nothing here.
CREATE FUNCTION leadgen_count_leads() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO lead_counts AS c (origin, status, n)
        SELECT origin, status, count(*) FROM new_rows GROUP BY origin, status
        ON CONFLICT (origin, status) DO UPDATE SET n = c.n + EXCLUDED.n;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE lead_counts c SET n = c.n - o.k
        FROM (SELECT origin, status, count(*) AS k FROM old_rows GROUP BY origin, status) o
        WHERE c.origin = o.origin AND c.status = o.status;
    ELSE
        -- Groups that gained and groups that lost are disjoint, so one statement can do both.
        WITH moves AS (
            SELECT origin, status, sum(k) AS k FROM (
                SELECT origin, status, 1 AS k FROM new_rows
                UNION ALL
                SELECT origin, status, -1 FROM old_rows) x
            GROUP BY origin, status HAVING sum(k) <> 0
        ), lost AS (
            UPDATE lead_counts c SET n = c.n + m.k
            FROM moves m
            WHERE m.k < 0 AND c.origin = m.origin AND c.status = m.status
            RETURNING 1
        )
        INSERT INTO lead_counts AS c (origin, status, n)
        SELECT origin, status, k FROM moves WHERE k > 0
        ON CONFLICT (origin, status) DO UPDATE SET n = c.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER leads_counted_insert AFTER INSERT ON leads
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION leadgen_count_leads();
CREATE TRIGGER leads_counted_update AFTER UPDATE ON leads
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION leadgen_count_leads();
CREATE TRIGGER leads_counted_delete AFTER DELETE ON leads
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION leadgen_count_leads();

INSERT INTO lead_counts (origin, status, n)
SELECT origin, status, count(*) FROM leads GROUP BY origin, status;
