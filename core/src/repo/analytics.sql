-- The analytics summary of all leads ($1 NULL) or of one job's results; $2/$3 are the hot and
-- warm score thresholds. One round trip, one JSON document.
-- Each step carries only the columns it needs: over a million leads, whole rows would be
-- gigabytes of JSON copied between steps.
WITH scope AS (
    SELECT l.id, l.company_id, l.lead_score, l.engagement_opportunities FROM leads l
    WHERE $1::uuid IS NULL
       OR l.id = ANY (ARRAY(SELECT jr.lead_id FROM job_results jr WHERE jr.job_id = $1))
), comp AS (
    SELECT c.id, c.industry, c.size_category, c.technologies, c.phones
    FROM companies c JOIN scope s ON s.company_id = c.id
), cont AS (
    SELECT k.verification_status, k.is_decision_maker, k.email, k.phone
    FROM contacts k JOIN comp c ON c.id = k.company_id
), bands AS (
    SELECT count(*) FILTER (WHERE lead_score >= $2) AS hot,
           count(*) FILTER (WHERE lead_score >= $3 AND lead_score < $2) AS warm,
           count(*) FILTER (WHERE lead_score < $3) AS cold,
           count(*) AS total,
           COALESCE(avg(lead_score), 0)::float8 AS avg_score
    FROM scope
)
SELECT jsonb_build_object(
  'total_leads', (SELECT total FROM bands),
  'average_score', (SELECT round(avg_score::numeric, 1) FROM bands),
  'lead_quality_distribution', (SELECT jsonb_build_object(
      'hot_leads', jsonb_build_object('count', hot, 'percentage',
          CASE WHEN total = 0 THEN 0 ELSE round(100.0 * hot / total, 1) END,
          'score_range', $2::text || '-100'),
      'warm_leads', jsonb_build_object('count', warm, 'percentage',
          CASE WHEN total = 0 THEN 0 ELSE round(100.0 * warm / total, 1) END,
          'score_range', $3::text || '-' || ($2 - 1)::text),
      'cold_leads', jsonb_build_object('count', cold, 'percentage',
          CASE WHEN total = 0 THEN 0 ELSE round(100.0 * cold / total, 1) END,
          'score_range', '0-' || ($3 - 1)::text)) FROM bands),
  'contact_analytics', (SELECT jsonb_build_object(
      'total_contacts', count(*),
      'verified_contacts', count(*) FILTER (WHERE verification_status = 'verified'),
      'decision_makers', count(*) FILTER (WHERE is_decision_maker),
      'with_email', count(*) FILTER (WHERE email IS NOT NULL),
      'with_phone', count(*) FILTER (WHERE phone IS NOT NULL),
      'email_verification_rate', CASE WHEN count(*) FILTER (WHERE email IS NOT NULL) = 0 THEN 0
          ELSE round(100.0 * count(*) FILTER (WHERE email IS NOT NULL AND verification_status = 'verified')
                     / count(*) FILTER (WHERE email IS NOT NULL), 1) END,
      'phone_verification_rate', CASE WHEN (SELECT count(*) FROM comp) = 0 THEN 0
          ELSE round(100.0 * (SELECT count(*) FROM comp WHERE phones <> '[]') / (SELECT count(*) FROM comp), 1) END)
      FROM cont),
  'industry_breakdown', COALESCE((SELECT jsonb_agg(jsonb_build_object('industry', industry, 'count', n) ORDER BY n DESC, industry)
      FROM (SELECT COALESCE(industry, 'unclassified') AS industry, count(*) AS n FROM comp GROUP BY 1) x), '[]'),
  'company_size_distribution', COALESCE((SELECT jsonb_object_agg(size, n)
      FROM (SELECT COALESCE(size_category, 'unknown') AS size, count(*) AS n FROM comp GROUP BY 1) x), '{}'),
  'technology_trends', jsonb_build_object('most_common', COALESCE((SELECT jsonb_agg(jsonb_build_object('technology', t, 'count', n, 'percentage',
          round(100.0 * n / GREATEST((SELECT count(*) FROM comp), 1), 1)) ORDER BY n DESC, t)
      FROM (SELECT t, count(*) AS n FROM comp, jsonb_array_elements_text(technologies) t GROUP BY t ORDER BY n DESC, t LIMIT 10) x), '[]')),
  'engagement_opportunities', COALESCE((SELECT jsonb_object_agg(priority, n)
      FROM (SELECT o->>'priority' AS priority, count(*) AS n FROM scope, jsonb_array_elements(engagement_opportunities) o GROUP BY 1) x), '{}')
) AS "analytics!"
