//! `GET /export/csv`: streamed CSV in constant memory, columns chosen and ordered by `fields`,
//! cells neutralised against spreadsheet formula injection.

use super::ApiTags;
use super::lead_types::{LeadOrigin, LeadSortKey, LeadStatus, SortOrder};
use super::shared_types::{ApiFailure, LookupFailures};
use crate::auth::Auth;
use crate::auth::audit::{self, Event};
use crate::auth::client::ClientInfo;
use crate::error::ApiError;
use crate::state::AppState;
use futures::StreamExt;
use leadgen_core::access::Permission;
use leadgen_core::repo::leads::{self, LeadRow};
use poem::web::Data;
use poem_openapi::ApiResponse;
use poem_openapi::OpenApi;
use poem_openapi::param::Query;
use poem_openapi::payload::Binary;
use uuid::Uuid;

/// Columns a CSV export can contain, in the default order.
pub const FIELDS: [&str; 24] = [
    "lead_id",
    "company_name",
    "website",
    "domain",
    "industry",
    "size_category",
    "employee_count",
    "founded_year",
    "address",
    "city",
    "state",
    "postal_code",
    "country",
    "contact_email",
    "contact_phone",
    "linkedin_url",
    "technologies",
    "lead_score",
    "quality",
    "status",
    "origin",
    "contact_count",
    "created_at",
    "last_updated",
];

/// Export endpoints.
pub struct ExportApi;

/// A streamed CSV file.
#[derive(ApiResponse)]
pub enum CsvResponse {
    /// The CSV file.
    #[oai(status = 200, content_type = "text/csv; charset=utf-8")]
    Ok(
        Binary<poem::Body>,
        #[oai(header = "Content-Disposition")] String,
    ),
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Export")]
impl ExportApi {
    /// Export leads as CSV.
    ///
    /// `fields` is a comma-separated list of columns in the wanted order (default: all of
    /// lead_id, company_name, website, domain, industry, size_category, employee_count,
    /// founded_year, address, city, state, postal_code, country, contact_email, contact_phone,
    /// linkedin_url, technologies, lead_score, quality, status, origin, contact_count,
    /// created_at, last_updated). The other parameters filter, search and order exactly as in
    /// the lead list, so the export is the list the user is looking at.
    #[oai(path = "/export/csv", method = "get")]
    #[allow(clippy::too_many_arguments)]
    async fn csv(
        &self,
        state: Data<&AppState>,
        client: Data<&ClientInfo>,
        auth: Auth,
        job_id: Query<Option<Uuid>>,
        score_min: Query<Option<i32>>,
        score_max: Query<Option<i32>>,
        origin: Query<Option<LeadOrigin>>,
        status: Query<Option<LeadStatus>>,
        assignee_id: Query<Option<Uuid>>,
        industry: Query<Option<String>>,
        created_from: Query<Option<chrono::DateTime<chrono::Utc>>>,
        created_to: Query<Option<chrono::DateTime<chrono::Utc>>>,
        q: Query<Option<String>>,
        sort: Query<Option<LeadSortKey>>,
        order: Query<Option<SortOrder>>,
        fields: Query<Option<String>>,
    ) -> Result<CsvResponse, ApiFailure<LookupFailures>> {
        auth.require(Permission::Export)?;
        let filter = super::leads::lead_filter(super::leads::LeadQuery {
            job_id: job_id.0,
            score_min: score_min.0,
            score_max: score_max.0,
            origin: origin.0,
            status: status.0,
            assignee_id: assignee_id.0,
            industry: industry.0,
            created_from: created_from.0,
            created_to: created_to.0,
            q: q.0,
            sort: sort.0.unwrap_or(LeadSortKey::Score),
            order: order.0.unwrap_or(SortOrder::Desc),
        })?;
        let columns = parse_fields(fields.0.as_deref())?;
        super::leads::require_job(&state, filter.job_id).await?;
        audit::by(
            &state,
            Some(&client),
            &auth,
            Event {
                action: "export.csv",
                outcome: "ok",
                target_type: Some("leads"),
                target_id: filter.job_id.map(|j| j.to_string()),
                detail: serde_json::json!({
                    "job_id": filter.job_id,
                    "score_min": filter.score_min,
                    "origin": filter.origin,
                    "status": filter.status,
                    "q": filter.search,
                    "fields": columns,
                }),
            },
        )
        .await?;
        let (body, disposition) = csv_body(&state, filter, columns);
        Ok(CsvResponse::Ok(Binary(body), disposition))
    }
}

/// The CSV of `filter`'s leads with `columns`, streamed, and its `Content-Disposition`; the
/// API and the search page's download both use it.
pub fn csv_body(
    state: &AppState,
    filter: leads::LeadFilter,
    columns: Vec<&'static str>,
) -> (poem::Body, String) {
    let (hot, warm) = (state.weights.hot as i32, state.weights.warm as i32);
    let header = csv_line(columns.iter().map(|c| c.to_string()));
    let stream = async_stream(state.read_pool.clone(), filter, columns, hot, warm);
    let body = futures::stream::once(async move { Ok::<_, std::io::Error>(header) }).chain(stream);
    let filename = format!("leads_{}.csv", chrono::Utc::now().format("%Y-%m-%d"));
    (
        poem::Body::from_bytes_stream(body),
        format!("attachment; filename=\"{filename}\""),
    )
}

/// Streams the rows from a task that owns the database cursor; a bounded channel makes a slow
/// client slow the query down instead of buffering rows in memory.
fn async_stream(
    pool: sqlx::PgPool,
    filter: leads::LeadFilter,
    columns: Vec<&'static str>,
    hot: i32,
    warm: i32,
) -> impl futures::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send + 'static {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    tokio::spawn(async move {
        let mut rows = leads::stream(&pool, &filter);
        // Batch rows into chunks of ~64 KiB so the socket sees few, full writes.
        let mut buf = Vec::with_capacity(64 * 1024);
        while let Some(row) = rows.next().await {
            match row {
                Ok(r) => buf.extend(csv_line(columns.iter().map(|c| cell(&r, c, hot, warm)))),
                Err(e) => {
                    tracing::error!(error = %e, "CSV export failed mid-stream");
                    let _ = tx.send(Err(std::io::Error::other("export failed"))).await;
                    return;
                }
            }
            if buf.len() >= 60 * 1024 && tx.send(Ok(std::mem::take(&mut buf))).await.is_err() {
                return; // client went away
            }
        }
        if !buf.is_empty() {
            let _ = tx.send(Ok(buf)).await;
        }
    });
    futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    })
}

/// Validates the `fields` parameter into known columns, in the order given.
pub fn parse_fields(raw: Option<&str>) -> Result<Vec<&'static str>, ApiError> {
    let Some(raw) = raw.filter(|r| !r.trim().is_empty()) else {
        return Ok(FIELDS.to_vec());
    };
    let mut out = Vec::new();
    for name in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match FIELDS.iter().find(|f| **f == name) {
            Some(f) if !out.contains(f) => out.push(*f),
            Some(_) => {}
            None => {
                return Err(ApiError::field(
                    "fields",
                    format!(
                        "unknown field `{name}`; known fields: {}",
                        FIELDS.join(", ")
                    ),
                ));
            }
        }
    }
    Ok(out)
}

fn json_first(v: &Option<serde_json::Value>) -> String {
    v.as_ref()
        .and_then(|a| a.get(0))
        .and_then(|x| x.as_str())
        .unwrap_or("")
        .to_string()
}

fn cell(r: &LeadRow, field: &str, hot: i32, warm: i32) -> String {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    match field {
        "lead_id" => r.id.to_string(),
        "company_name" => r
            .company_name
            .clone()
            .or_else(|| {
                Some(
                    format!("{} {}", opt(&r.first_name), opt(&r.last_name))
                        .trim()
                        .to_string(),
                )
            })
            .unwrap_or_default(),
        "website" => opt(&r.website),
        "domain" => opt(&r.domain),
        "industry" => opt(&r.industry),
        "size_category" => opt(&r.size_category),
        "employee_count" => r.employee_count.map(|n| n.to_string()).unwrap_or_default(),
        "founded_year" => r.founded_year.map(|n| n.to_string()).unwrap_or_default(),
        "address" => opt(&r.address),
        "city" => opt(&r.city),
        "state" => opt(&r.region),
        "postal_code" => opt(&r.postal_code),
        "country" => opt(&r.country),
        "contact_email" => r.email.clone().unwrap_or_else(|| json_first(&r.emails)),
        "contact_phone" => json_first(&r.phones),
        "linkedin_url" => r
            .socials
            .as_ref()
            .and_then(|s| s.as_array())
            .and_then(|a| {
                a.iter()
                    .filter_map(|x| x.as_str())
                    .find(|u| u.contains("linkedin.com"))
            })
            .unwrap_or("")
            .to_string(),
        "technologies" => r
            .technologies
            .as_ref()
            .and_then(|s| s.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .unwrap_or_default(),
        "lead_score" => r.lead_score.to_string(),
        "quality" => (if r.lead_score >= hot {
            "hot"
        } else if r.lead_score >= warm {
            "warm"
        } else {
            "cold"
        })
        .to_string(),
        "status" => r.status.clone(),
        "origin" => r.origin.clone(),
        "contact_count" => r.contact_count.to_string(),
        "created_at" => r.created_at.to_rfc3339(),
        "last_updated" => r.updated_at.to_rfc3339(),
        _ => String::new(),
    }
}

/// A spreadsheet evaluates cells starting with these as formulas; such cells get a leading `'`.
fn defuse(value: String) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value
    }
}

fn csv_line(cells: impl Iterator<Item = String>) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::with_capacity(256));
    let cells: Vec<String> = cells.map(defuse).collect();
    w.write_record(&cells)
        .expect("writing to memory cannot fail");
    w.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_checked_and_ordered() {
        assert_eq!(
            parse_fields(Some("lead_score, company_name")).unwrap(),
            ["lead_score", "company_name"]
        );
        let e = parse_fields(Some("company_name,bogus")).unwrap_err();
        assert!(e.to_string().contains("validation") || matches!(e, ApiError::Validation(_)));
        assert_eq!(parse_fields(None).unwrap().len(), FIELDS.len());
    }

    #[test]
    fn formulas_are_defused() {
        let line = String::from_utf8(csv_line(
            ["=1+1".to_string(), "ok".into(), "-2".into()].into_iter(),
        ))
        .unwrap();
        assert_eq!(line, "'=1+1,ok,'-2\n");
    }
}
