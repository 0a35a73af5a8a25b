//! Raw source records (what a directory said) and the fetched pages of a work item, stored so
//! later stages can be re-run without crawling again.

use super::Db;
use crate::model::StoredPage;
use uuid::Uuid;

/// Stores one raw listing of a source as it was read.
pub async fn add_source_record<'c>(
    db: impl Db<'c>,
    job_id: Uuid,
    source: &str,
    source_url: &str,
    payload: &serde_json::Value,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO source_records (job_id, source, source_url, payload) VALUES ($1, $2, $3, $4)",
        job_id,
        source,
        source_url,
        payload,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A page to store.
#[derive(Debug, Clone)]
pub struct NewPage<'a> {
    /// Requested URL.
    pub url: &'a str,
    /// URL after redirects.
    pub final_url: &'a str,
    /// Role on the site.
    pub kind: &'a str,
    /// HTTP status (0 when the request failed before a response).
    pub http_status: i32,
    /// Content type.
    pub content_type: Option<&'a str>,
    /// Body text.
    pub body: &'a str,
    /// Whether the body was cut at the size limit.
    pub truncated: bool,
    /// Whether it needs a browser to show its content.
    pub needs_render: bool,
    /// Selected headers as JSON object.
    pub headers: &'a serde_json::Value,
    /// Request duration.
    pub elapsed_ms: i32,
}

/// Stores or replaces several pages of one item in one statement (a site's pages together, so
/// a crawl costs one write per site rather than one per page). A URL given twice keeps the
/// last.
pub async fn upsert_many<'c>(
    db: impl Db<'c>,
    item: Uuid,
    pages: &[NewPage<'_>],
) -> sqlx::Result<()> {
    // One row per URL: a statement may not update the same row twice.
    let mut last = std::collections::HashMap::new();
    for (i, p) in pages.iter().enumerate() {
        last.insert(p.url, i);
    }
    let mut order: Vec<usize> = last.into_values().collect();
    order.sort_unstable();
    let urls: Vec<&str> = order.iter().map(|&i| pages[i].url).collect();
    let final_urls: Vec<&str> = order.iter().map(|&i| pages[i].final_url).collect();
    let kinds: Vec<&str> = order.iter().map(|&i| pages[i].kind).collect();
    let bodies: Vec<&str> = order.iter().map(|&i| pages[i].body).collect();
    let statuses: Vec<i32> = order.iter().map(|&i| pages[i].http_status).collect();
    let types: Vec<Option<&str>> = order.iter().map(|&i| pages[i].content_type).collect();
    let truncated: Vec<bool> = order.iter().map(|&i| pages[i].truncated).collect();
    let render: Vec<bool> = order.iter().map(|&i| pages[i].needs_render).collect();
    let elapsed: Vec<i32> = order.iter().map(|&i| pages[i].elapsed_ms).collect();
    let headers: Vec<serde_json::Value> = order.iter().map(|&i| pages[i].headers.clone()).collect();
    sqlx::query!(
        r#"INSERT INTO pages (work_item_id, url, final_url, kind, http_status, content_type, body,
                             truncated, needs_render, elapsed_ms, headers, content_hash)
           SELECT $1, u.url, u.final_url, u.kind, u.http_status, u.content_type, u.body,
                  u.truncated, u.needs_render, u.elapsed_ms, u.headers,
                  encode(sha256(convert_to(u.body, 'UTF8')), 'hex')
           FROM UNNEST($2::text[], $3::text[], $4::text[], $5::int4[], $6::text[], $7::text[],
                       $8::bool[], $9::bool[], $10::int4[], $11::jsonb[])
                AS u(url, final_url, kind, http_status, content_type, body, truncated,
                     needs_render, elapsed_ms, headers)
           ON CONFLICT (work_item_id, url) DO UPDATE SET final_url = EXCLUDED.final_url,
             kind = EXCLUDED.kind, http_status = EXCLUDED.http_status,
             content_type = EXCLUDED.content_type, body = EXCLUDED.body,
             truncated = EXCLUDED.truncated, needs_render = EXCLUDED.needs_render,
             elapsed_ms = EXCLUDED.elapsed_ms, headers = EXCLUDED.headers,
             content_hash = EXCLUDED.content_hash, fetched_at = now()"#,
        item,
        &urls as &[&str],
        &final_urls as &[&str],
        &kinds as &[&str],
        &statuses,
        &types as &[Option<&str>],
        &bodies as &[&str],
        &truncated,
        &render,
        &elapsed,
        &headers,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Replaces a page's body with its browser-rendered HTML.
pub async fn set_rendered<'c>(
    db: impl Db<'c>,
    item: Uuid,
    url: &str,
    html: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE pages SET body = $3, rendered = true, needs_render = false,
                content_hash = encode(sha256(convert_to($3, 'UTF8')), 'hex')
         WHERE work_item_id = $1 AND url = $2",
        item,
        url,
        html,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// URLs of an item's pages still waiting for the browser.
pub async fn needing_render<'c>(db: impl Db<'c>, item: Uuid) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!(
        "SELECT url FROM pages WHERE work_item_id = $1 AND needs_render ORDER BY id",
        item
    )
    .fetch_all(db)
    .await
}

/// An item's pages in fetch order (home first).
pub async fn for_item<'c>(db: impl Db<'c>, item: Uuid) -> sqlx::Result<Vec<StoredPage>> {
    let rows = sqlx::query!(
        "SELECT url, final_url, kind, http_status, body, headers, elapsed_ms FROM pages
         WHERE work_item_id = $1 ORDER BY id",
        item,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| StoredPage {
            url: r.url,
            final_url: r.final_url,
            kind: r.kind,
            http_status: r.http_status,
            body: r.body,
            headers: serde_json::from_value(r.headers).unwrap_or_default(),
            elapsed_ms: u32::try_from(r.elapsed_ms).ok(),
        })
        .collect())
}

/// Records that `alias` redirects to the company domain `domain` (the latest sighting wins).
pub async fn add_domain_alias<'c>(
    db: impl Db<'c>,
    alias: &str,
    domain: &str,
    seen_url: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO domain_aliases (alias, domain, seen_url) VALUES ($1, $2, $3)
         ON CONFLICT (alias) DO UPDATE SET domain = EXCLUDED.domain, seen_url = EXCLUDED.seen_url",
        alias,
        domain,
        seen_url,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Gives `item` the pages of the most recent other work item of the same `domain` whose home
/// page was fetched successfully after `since`, keeping their original fetch times; returns how
/// many pages were copied (0: nothing fresh, fetch the site).
pub async fn copy_fresh<'c>(
    db: impl Db<'c>,
    item: Uuid,
    domain: &str,
    since: chrono::DateTime<chrono::Utc>,
) -> sqlx::Result<u64> {
    let r = sqlx::query_file!("src/repo/pages_copy_fresh.sql", item, domain, since)
        .execute(db)
        .await?;
    Ok(r.rows_affected())
}
