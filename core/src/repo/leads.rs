//! The lead store: companies, contacts and leads; merge upserts, listing, detail, export and
//! analytics queries.

use super::Db;
use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

/// A contact as the merge stage writes it.
#[derive(Debug, Clone, Default)]
pub struct ContactRecord {
    /// A key unique within the company: the email, or `name:<lowercase name>`.
    pub dedup_key: String,
    /// Full name.
    pub name: Option<String>,
    /// Title.
    pub title: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// LinkedIn URL.
    pub linkedin_url: Option<String>,
    /// Decision maker flag.
    pub is_decision_maker: bool,
    /// 0–1.
    pub confidence: f32,
    /// Where it was found.
    pub source: String,
    /// `verified`, `invalid`, `inferred`; `None` is `unverified`.
    pub verification_status: Option<String>,
    /// Why the address got its verdict.
    pub verification_reason: Option<String>,
    /// `role` or `personal`, for a contact with an address.
    pub email_kind: Option<String>,
    /// Whether the address is at a disposable-mail provider.
    pub email_disposable: bool,
}

impl ContactRecord {
    /// Whether the address is a guess rather than seen.
    pub fn email_inferred(&self) -> bool {
        self.verification_status.as_deref() == Some("inferred")
    }
}

/// The lead-level part of a merge.
#[derive(Debug, Clone, Default)]
pub struct LeadRecord {
    /// 0–100.
    pub lead_score: i32,
    /// Score breakdown JSON.
    pub score_breakdown: Value,
    /// Growth signals, technology stack, pain points, competitive landscape.
    pub business_intelligence: Value,
    /// Engagement opportunities.
    pub engagement_opportunities: Value,
}

/// Upserts the discovered lead of a company; staff-owned fields (status) are kept, and the data
/// sources are left to [`super::companies::refresh`]. Returns the lead id and whether it was
/// new.
pub async fn upsert_discovered_lead<'c>(
    db: impl Db<'c>,
    company: Uuid,
    l: &LeadRecord,
) -> sqlx::Result<(Uuid, bool)> {
    let r = sqlx::query!(
        r#"INSERT INTO leads (id, origin, company_id, lead_score, score_breakdown,
            business_intelligence, engagement_opportunities)
         VALUES ($1, 'discovered', $2, $3, $4, $5, $6)
         ON CONFLICT (company_id) DO UPDATE SET
            lead_score = EXCLUDED.lead_score,
            score_breakdown = EXCLUDED.score_breakdown,
            business_intelligence = EXCLUDED.business_intelligence,
            engagement_opportunities = EXCLUDED.engagement_opportunities
         RETURNING id, (xmax = 0) AS "inserted!""#,
        Uuid::now_v7(),
        company,
        l.lead_score,
        l.score_breakdown,
        l.business_intelligence,
        l.engagement_opportunities,
    )
    .fetch_one(db)
    .await?;
    Ok((r.id, r.inserted))
}

/// The company of a lead, if it has one.
pub async fn company_of<'c>(db: impl Db<'c>, lead: Uuid) -> sqlx::Result<Option<Uuid>> {
    Ok(
        sqlx::query_scalar!("SELECT company_id FROM leads WHERE id = $1", lead)
            .fetch_optional(db)
            .await?
            .flatten(),
    )
}

/// Adds a lead to a job's results with its score at the time; false when already there.
pub async fn add_job_result<'c>(
    db: impl Db<'c>,
    job: Uuid,
    lead: Uuid,
    score: i32,
) -> sqlx::Result<bool> {
    let r = sqlx::query!(
        "INSERT INTO job_results (job_id, lead_id, lead_score) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING",
        job,
        lead,
        score,
    )
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// A lead with its company, as lists and the detail view show it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LeadRow {
    /// Lead id.
    pub id: Uuid,
    /// discovered, inbound or imported.
    pub origin: String,
    /// Workflow status.
    pub status: String,
    /// Score 0–100.
    pub lead_score: i32,
    /// Score breakdown.
    pub score_breakdown: Value,
    /// Business intelligence.
    pub business_intelligence: Value,
    /// Engagement opportunities.
    pub engagement_opportunities: Value,
    /// Data sources.
    pub data_sources: Value,
    /// Inbound first name.
    pub first_name: Option<String>,
    /// Inbound last name.
    pub last_name: Option<String>,
    /// Inbound email.
    pub email: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last change of the lead or its company.
    pub updated_at: DateTime<Utc>,
    /// Company id.
    pub company_id: Option<Uuid>,
    /// Company name.
    pub company_name: Option<String>,
    /// Company domain.
    pub domain: Option<String>,
    /// Website.
    pub website: Option<String>,
    /// Industry.
    pub industry: Option<String>,
    /// Size bucket.
    pub size_category: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Address line.
    pub address: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// Country.
    pub country: Option<String>,
    /// Latitude.
    pub latitude: Option<f64>,
    /// Longitude.
    pub longitude: Option<f64>,
    /// Founded.
    pub founded_year: Option<i32>,
    /// Employees.
    pub employee_count: Option<i32>,
    /// Phones.
    pub phones: Option<Value>,
    /// Emails.
    pub emails: Option<Value>,
    /// Socials.
    pub socials: Option<Value>,
    /// Technologies.
    pub technologies: Option<Value>,
    /// Business info.
    pub business_info: Option<Value>,
    /// Contacts.
    pub contact_count: i64,
    /// Verified contacts.
    pub verified_contact_count: i64,
    /// The staff member working it.
    pub assignee_id: Option<Uuid>,
    /// Their email.
    pub assignee_email: Option<String>,
    /// Staff notes.
    pub notes: String,
    /// Raised by every staff change (optimistic concurrency).
    pub version: i32,
}

/// How the lead list is ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LeadSort {
    /// By score (the default, best first).
    #[default]
    Score,
    /// By creation time.
    Created,
    /// By last change.
    Updated,
    /// By company name, or the person's name for leads without a company.
    Name,
}

impl LeadSort {
    fn as_str(self) -> &'static str {
        match self {
            LeadSort::Score => "score",
            LeadSort::Created => "created",
            LeadSort::Updated => "updated",
            LeadSort::Name => "name",
        }
    }
}

/// Filters and order of the lead list.
#[derive(Debug, Clone, Default)]
pub struct LeadFilter {
    /// Only leads a job found.
    pub job_id: Option<Uuid>,
    /// Only leads scoring at least this.
    pub score_min: Option<i32>,
    /// Only leads scoring at most this.
    pub score_max: Option<i32>,
    /// Only this origin.
    pub origin: Option<String>,
    /// Only this status.
    pub status: Option<String>,
    /// Only leads assigned to this user.
    pub assignee_id: Option<Uuid>,
    /// Only this industry (any case).
    pub industry: Option<String>,
    /// Only leads created at or after.
    pub created_from: Option<DateTime<Utc>>,
    /// Only leads created before.
    pub created_to: Option<DateTime<Utc>>,
    /// Text searched (any case) in the person's name and email, the company name and the status.
    pub search: Option<String>,
    /// Order.
    pub sort: LeadSort,
    /// Ascending instead of descending.
    pub ascending: bool,
}

impl LeadFilter {
    /// The statuses whose name contains the search text (`reached` finds REACHED_OUT).
    fn statuses_named(&self) -> Vec<String> {
        let Some(text) = self
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        else {
            return vec![];
        };
        let needle = text.to_lowercase().replace(' ', "_");
        [
            "PENDING",
            "REACHED_OUT",
            "QUALIFIED",
            "CONVERTED",
            "DISQUALIFIED",
        ]
        .into_iter()
        .filter(|s| s.to_lowercase().contains(&needle))
        .map(str::to_string)
        .collect()
    }

    /// The LIKE pattern of the search text, its wildcards escaped.
    fn pattern(&self) -> Option<String> {
        self.search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                let escaped = s
                    .to_lowercase()
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_");
                format!("%{escaped}%")
            })
    }
}

/// One page of leads, best score first.
pub async fn list<'c>(
    db: impl Db<'c>,
    f: &LeadFilter,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<LeadRow>> {
    sqlx::query_file_as!(
        LeadRow,
        "src/repo/leads_list.sql",
        f.job_id,
        f.score_min,
        limit,
        offset,
        f.origin,
        f.status,
        f.assignee_id,
        f.industry,
        f.created_from,
        f.created_to,
        f.pattern(),
        f.sort.as_str(),
        f.ascending,
        &f.statuses_named(),
        f.score_max,
        true,
    )
    .fetch_all(db)
    .await
}

/// One page of leads and how many match, planned for the filter at hand: the list's optional
/// filters and sort orders fold away only in a plan made for the actual values, so this asks
/// Postgres for such a plan every time (planning costs well under a millisecond).
pub async fn page(
    pool: &sqlx::PgPool,
    f: &LeadFilter,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<LeadRow>, i64)> {
    let mut tx = pool.begin().await?;
    sqlx::query!("SET LOCAL plan_cache_mode = force_custom_plan")
        .execute(&mut *tx)
        .await?;
    let rows = list(&mut *tx, f, limit, offset).await?;
    let total = count(&mut *tx, f).await?;
    tx.commit().await?;
    Ok((rows, total))
}

/// Number of leads matching a filter. With no filter but origin and status it is read from
/// the trigger-kept `lead_counts` (exact, and a lookup however many leads there are).
pub async fn count<'c>(db: impl Db<'c>, f: &LeadFilter) -> sqlx::Result<i64> {
    let by_origin_and_status_only = f.job_id.is_none()
        && f.score_min.is_none()
        && f.score_max.is_none()
        && f.assignee_id.is_none()
        && f.industry.is_none()
        && f.created_from.is_none()
        && f.created_to.is_none()
        && f.pattern().is_none();
    if by_origin_and_status_only {
        return sqlx::query_scalar!(
            r#"SELECT coalesce(sum(n), 0)::int8 AS "n!" FROM lead_counts
               WHERE ($1::text IS NULL OR origin = $1) AND ($2::text IS NULL OR status = $2)"#,
            f.origin,
            f.status,
        )
        .fetch_one(db)
        .await;
    }
    sqlx::query_file_scalar!(
        "src/repo/leads_count.sql",
        f.job_id,
        f.score_min,
        f.origin,
        f.status,
        f.assignee_id,
        f.industry,
        f.created_from,
        f.created_to,
        f.pattern(),
        &f.statuses_named(),
        f.score_max,
    )
    .fetch_one(db)
    .await
}

/// Streams every matching lead for export in the list's order, without loading them all. Only
/// what the export writes is read: the JSON documents, description, notes and business info
/// come back empty and `verified_contact_count` as 0.
pub fn stream<'a, 'c: 'a>(
    db: impl Db<'c> + 'a,
    f: &LeadFilter,
) -> futures::stream::BoxStream<'a, sqlx::Result<LeadRow>> {
    sqlx::query_file_as!(
        LeadRow,
        "src/repo/leads_list.sql",
        f.job_id,
        f.score_min,
        None::<i64>,
        0i64,
        f.origin.clone(),
        f.status.clone(),
        f.assignee_id,
        f.industry.clone(),
        f.created_from,
        f.created_to,
        f.pattern(),
        f.sort.as_str(),
        f.ascending,
        &f.statuses_named(),
        f.score_max,
        false,
    )
    .fetch(db)
}

/// One lead with its company.
pub async fn get<'c>(db: impl Db<'c>, id: Uuid) -> sqlx::Result<Option<LeadRow>> {
    sqlx::query_file_as!(LeadRow, "src/repo/lead_detail.sql", id)
        .fetch_optional(db)
        .await
}

/// A contact as the detail view shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ContactRow {
    /// Contact id.
    pub id: Uuid,
    /// Name.
    pub name: Option<String>,
    /// Title.
    pub title: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// LinkedIn.
    pub linkedin_url: Option<String>,
    /// Decision maker.
    pub is_decision_maker: bool,
    /// Confidence 0–1.
    pub confidence: f32,
    /// Source URL.
    pub source: String,
    /// verified, unverified, invalid, inferred.
    pub verification_status: String,
    /// Why the address got its verdict.
    pub verification_reason: Option<String>,
    /// `role` or `personal`.
    pub email_kind: Option<String>,
    /// Whether the address is at a disposable-mail provider.
    pub email_disposable: bool,
}

/// Contacts of a company, decision makers first.
pub async fn contacts<'c>(db: impl Db<'c>, company: Uuid) -> sqlx::Result<Vec<ContactRow>> {
    sqlx::query_as!(
        ContactRow,
        "SELECT id, name, title, email, phone, linkedin_url, is_decision_maker, confidence, source,
                verification_status, verification_reason, email_kind, email_disposable
         FROM contacts WHERE company_id = $1 ORDER BY is_decision_maker DESC, name",
        company,
    )
    .fetch_all(db)
    .await
}

/// Other known companies of the same industry and city (the competitive landscape).
pub async fn competitors<'c>(
    db: impl Db<'c>,
    company: Uuid,
    industry: &str,
    city: Option<&str>,
) -> sqlx::Result<Vec<(String, i32)>> {
    let rows = sqlx::query!(
        "SELECT c.name, l.lead_score FROM companies c JOIN leads l ON l.company_id = c.id
         WHERE c.industry = $2 AND c.id <> $1 AND ($3::text IS NULL OR c.city = $3)
         ORDER BY l.lead_score DESC LIMIT 5",
        company,
        industry,
        city,
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.name, r.lead_score)).collect())
}

/// How many leads the planner believes there are (from the last ANALYZE or autovacuum): free
/// to ask, unlike an exact count over a large store; -1 before the table was ever analysed.
pub async fn estimated_count<'c>(db: impl Db<'c>) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"SELECT reltuples::int8 AS "n!" FROM pg_class WHERE oid = 'leads'::regclass"#
    )
    .fetch_one(db)
    .await
}

/// The analytics summary over all leads or one job's, as one JSON document.
pub async fn analytics<'c>(
    db: impl Db<'c>,
    job: Option<Uuid>,
    hot: i32,
    warm: i32,
) -> sqlx::Result<Value> {
    sqlx::query_file_scalar!("src/repo/analytics.sql", job, hot, warm)
        .fetch_one(db)
        .await
}
