//! `POST /scrape/search` and `GET /scrape/status/{job_id}`.

use super::ApiTags;
use super::search_types::{
    JobErrorEntry, JobSourceStatus, JobStatus, JobStatusReport, PerformanceMetrics,
    ProcessingSummary, QualityMetrics, SearchCriteria, SearchStarted,
};
use super::shared_types::{ApiResult, SearchFailures, UploadFailures, stored};
use crate::auth::Auth;
use crate::error::ApiError;
use crate::search_body::SearchBody;
use crate::state::AppState;
use chrono::{Duration as ChronoDuration, Utc};
use leadgen_core::access::Permission;
use leadgen_core::jobs::{DiscoverJob, Stage};
use leadgen_core::repo::{jobs, queue, sources, work_items};
use leadgen_core::stages::discover::domains;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::types::ToJSON;
use poem_openapi::types::multipart::Upload;
use poem_openapi::{Multipart, OpenApi};
use serde_json::{Value, json};
use uuid::Uuid;

/// Search endpoints.
pub struct SearchApi;

/// A domain list to search, uploaded as a CSV file.
#[derive(Multipart)]
pub struct DomainsUpload {
    /// CSV with a `domain`/`website`/`url` column, or domains in the first column.
    file: Upload,
    /// JSON object with the other criteria of the search (optional).
    criteria: Option<String>,
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Search")]
impl SearchApi {
    /// Start a lead search.
    ///
    /// Body: `industry` (string), `location` (string), `company_size` (one of 1-10, 11-50,
    /// 51-200, 201-500, 501-1000, 1000+), `max_results` (1–1000, default 50), `filters`
    /// {`has_website`: bool, `min_employees`: int, `technologies`: [string]}, `domains`
    /// ([string]: company domains to enrich instead of discovering; industry and location are
    /// then optional). The search uses every enabled source (directories, OpenStreetMap,
    /// Google Places) or only the domains. Answers with the job id, status `initiated`, the
    /// echoed criteria and an estimated completion computed from queued work and measured
    /// stage rates.
    #[oai(path = "/scrape/search", method = "post")]
    async fn search(
        &self,
        state: Data<&AppState>,
        auth: Auth,
        body: SearchBody,
    ) -> ApiResult<SearchStarted, SearchFailures> {
        auth.require(Permission::SearchesRun)?;
        started(&state, &body.0).await
    }

    /// Start a search for the companies of an uploaded domain list.
    ///
    /// Multipart form: `file`, a CSV whose column headed `domain`, `website`, `url`, `site` or
    /// `homepage` (else its first column) lists company domains or site URLs, at most 1000;
    /// `criteria` (optional), a JSON object with the other fields of a search request
    /// (`industry`, `location`, `company_size`, `max_results`, `filters`). A bad entry is
    /// reported as `file` with its line number. Answers as `POST /scrape/search`.
    #[oai(path = "/scrape/search/upload", method = "post")]
    async fn search_upload(
        &self,
        state: Data<&AppState>,
        auth: Auth,
        form: DomainsUpload,
    ) -> ApiResult<SearchStarted, UploadFailures> {
        auth.require(Permission::SearchesRun)?;
        let field = |message: String| {
            ApiError::Validation(vec![leadgen_core::validate::FieldError {
                field: "file".into(),
                message,
            }])
        };
        let data = form
            .file
            .into_vec()
            .await
            .map_err(|e| field(format!("could not be read: {e}")))?;
        let entries = domains::csv_domains(&data).map_err(field)?;
        let bad: Vec<leadgen_core::validate::FieldError> = entries
            .iter()
            .filter_map(|(line, entry)| {
                domains::parse_domain(entry)
                    .err()
                    .map(|why| leadgen_core::validate::FieldError {
                        field: "file".into(),
                        message: format!("line {line}: `{entry}` {why}"),
                    })
            })
            .take(20)
            .collect();
        if !bad.is_empty() {
            return Err(ApiError::Validation(bad).into());
        }
        let mut body = match form.criteria.as_deref().map(serde_json::from_str::<Value>) {
            None => json!({}),
            Some(Ok(v @ Value::Object(_))) => v,
            Some(Ok(_)) => {
                return Err(
                    ApiError::Validation(vec![leadgen_core::validate::FieldError {
                        field: "criteria".into(),
                        message: "must be a JSON object".into(),
                    }])
                    .into(),
                );
            }
            Some(Err(e)) => {
                return Err(
                    ApiError::Validation(vec![leadgen_core::validate::FieldError {
                        field: "criteria".into(),
                        message: format!("not valid JSON: {e}"),
                    }])
                    .into(),
                );
            }
        };
        body["domains"] = json!(entries.into_iter().map(|(_, e)| e).collect::<Vec<_>>());
        let criteria =
            leadgen_core::validate::search_criteria(&body).map_err(ApiError::Validation)?;
        started(&state, &criteria).await
    }

    /// Status and progress of a search.
    #[oai(path = "/scrape/status/:job_id", method = "get")]
    async fn status(
        &self,
        state: Data<&AppState>,
        auth: Auth,
        job_id: Path<String>,
    ) -> ApiResult<JobStatusReport> {
        auth.require(Permission::SearchesRead)?;
        let job_id = parse_id("job_id", &job_id.0)?;
        let row = jobs::get(&state.pool, job_id)
            .await
            .map_err(ApiError::from)?
            .ok_or_else(|| ApiError::NotFound("Job not found".into()))?;
        let parts = StatusParts::load(&state.pool, row)
            .await
            .map_err(ApiError::from)?;
        Ok(Json(job_status(&parts)?))
    }
}

/// Starts a search and answers with its job.
async fn started<S: super::shared_types::Failures>(
    state: &AppState,
    criteria: &leadgen_core::model::SearchCriteria,
) -> ApiResult<SearchStarted, S> {
    let criteria_json = serde_json::to_value(criteria).expect("criteria serialise");
    let search_criteria: SearchCriteria = stored(criteria_json, "search criteria")?;
    let row = start_search(state, criteria).await?;
    let id = row.id;
    let status: JobStatus = stored(row.status.as_str(), "job status")?;
    let secs = (row.estimated_completion - row.created_at)
        .num_seconds()
        .max(1);
    Ok(Json(SearchStarted {
        job_id: id,
        status,
        search_criteria,
        estimated_completion: row.estimated_completion.into(),
        estimated_duration_seconds: secs,
        created_at: row.created_at.into(),
        status_url: format!("/api/v1/scrape/status/{id}"),
        websocket_url: format!("/api/v1/ws/jobs/{id}"),
    }))
}

/// Creates a search job, records its sources and queues the first page of each, in one
/// transaction: a job exists only when its discovery tasks do. Refused (503) when no source
/// can run (for example only Google Places is enabled, without a key).
pub async fn start_search(
    state: &AppState,
    criteria: &leadgen_core::model::SearchCriteria,
) -> Result<jobs::JobRow, ApiError> {
    let planned = leadgen_core::stages::discover::plan(&state.cfg.sources, criteria);
    if planned.iter().all(|p| p.skip.is_some()) {
        let why: Vec<String> = planned
            .iter()
            .filter_map(|p| p.skip.as_ref().map(|(_, m)| format!("{}: {m}", p.name)))
            .collect();
        return Err(ApiError::DependencyDown(if why.is_empty() {
            "no discovery source is enabled (see LEADGEN_SOURCES and LEADGEN_DIRECTORIES)".into()
        } else {
            format!("no discovery source can run ({})", why.join("; "))
        }));
    }
    let id = Uuid::now_v7();
    let eta = estimate(state, criteria.max_results).await?;
    let criteria_json = serde_json::to_value(criteria).expect("criteria serialise");
    let mut tx = state.pool.begin().await.map_err(ApiError::from)?;
    let row = jobs::insert(
        &mut *tx,
        id,
        &criteria_json,
        criteria.max_results as i32,
        eta,
    )
    .await
    .map_err(ApiError::from)?;
    let names: Vec<String> = planned.iter().map(|p| p.name.clone()).collect();
    let states: Vec<String> = planned
        .iter()
        .map(|p| {
            p.skip
                .as_ref()
                .map_or("ok", |(s, _)| s.as_str())
                .to_string()
        })
        .collect();
    let done: Vec<bool> = planned.iter().map(|p| p.skip.is_some()).collect();
    let messages: Vec<Option<String>> = planned
        .iter()
        .map(|p| p.skip.as_ref().map(|(_, m)| m.clone()))
        .collect();
    sources::plan(&mut *tx, id, &names, &states, &done, &messages)
        .await
        .map_err(ApiError::from)?;
    let first_pages: Vec<DiscoverJob> = planned
        .iter()
        .filter(|p| p.skip.is_none())
        .map(|p| DiscoverJob {
            job_id: id,
            source: p.name.clone(),
            page: 1,
            cursor: None,
        })
        .collect();
    leadgen_core::queue::push_many(
        &mut tx,
        Stage::Discover,
        &first_pages,
        state.cfg.max_attempts as usize,
    )
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    tx.commit().await.map_err(ApiError::from)?;
    state.metrics.search_started();
    Ok(row)
}

/// Everything a job's status document is made of.
pub struct StatusParts {
    /// The job.
    pub row: jobs::JobRow,
    /// Its newest errors.
    pub errors: Vec<jobs::JobErrorRow>,
    /// Its companies per stage.
    pub stages: Vec<(String, i64)>,
    /// Its discovery sources.
    pub sources: Vec<sources::JobSourceRow>,
    /// Companies filtered out, per filter.
    pub filtered: Vec<(String, i64)>,
}

impl StatusParts {
    /// Loads the parts of `row`'s status.
    pub async fn load(pool: &sqlx::PgPool, row: jobs::JobRow) -> sqlx::Result<StatusParts> {
        Ok(StatusParts {
            errors: jobs::errors(pool, row.id, 100).await?,
            stages: work_items::stage_counts(pool, row.id).await?,
            sources: sources::for_job(pool, row.id).await?,
            filtered: sources::filtered_reasons(pool, row.id).await?,
            row,
        })
    }
}

/// The status document of a job as JSON, for the WebSocket's first message.
pub fn status_body(parts: &StatusParts) -> Result<Value, ApiError> {
    Ok(job_status(parts)?.to_json().unwrap_or_default())
}

/// The status document of a job.
pub fn job_status(parts: &StatusParts) -> Result<JobStatusReport, ApiError> {
    let (row, errors, stages) = (&parts.row, &parts.errors, &parts.stages);
    let status: JobStatus = stored(row.status.as_str(), "job status")?;
    let now = Utc::now();
    let started = row.started_at.unwrap_or(row.created_at);
    let end = row.completed_at.unwrap_or(now);
    let minutes = ((end - started).num_milliseconds() as f64 / 60_000.0).max(1.0 / 60.0);
    let processed = row.processed_count as f64;
    let success_rate = if row.processed_count == 0 {
        0.0
    } else {
        ((processed - row.failed_count as f64) * 1000.0 / processed).round() / 10.0
    };
    let summary: Option<ProcessingSummary> = match status {
        JobStatus::Completed => Some(stored(
            row.summary.clone().unwrap_or(json!({})),
            "job summary",
        )?),
        _ => None,
    };
    let quality_metrics = summary.as_ref().map(|s| QualityMetrics {
        high_quality_leads: s.high_quality_leads,
        medium_quality_leads: s.medium_quality_leads,
        low_quality_leads: s.low_quality_leads,
        average_lead_score: s.average_lead_score,
    });
    let ended = matches!(status, JobStatus::Completed | JobStatus::Failed);
    Ok(JobStatusReport {
        job_id: row.id,
        status,
        progress: row.progress(),
        current_step: current_step(row, stages),
        results_count: row.results_count,
        processed_count: row.processed_count,
        remaining_count: row.remaining(),
        discovered_count: row.discovered_count,
        filtered_count: row.filtered_count,
        failed_count: row.failed_count,
        errors: errors
            .iter()
            .map(|e| JobErrorEntry {
                stage: e.stage.clone(),
                company: e.company.clone(),
                url: e.url.clone(),
                message: e.message.clone(),
                occurred_at: e.created_at.into(),
            })
            .collect(),
        performance_metrics: PerformanceMetrics {
            companies_per_minute: (processed / minutes * 10.0).round() / 10.0,
            success_rate,
            elapsed_seconds: (end - started).num_seconds().max(0),
        },
        search_criteria: stored(row.criteria.clone(), "search criteria")?,
        created_at: row.created_at.into(),
        started_at: row.started_at.map(Into::into),
        estimated_completion: row.estimated_completion.into(),
        processing_summary: summary,
        quality_metrics,
        sources: parts
            .sources
            .iter()
            .map(|s| {
                Ok(JobSourceStatus {
                    name: s.source.clone(),
                    state: stored(s.state.as_str(), "source state")?,
                    done: s.done,
                    listed: s.listed,
                    accepted: s.accepted,
                    requests: s.requests,
                    message: s.message.clone(),
                })
            })
            .collect::<Result<_, ApiError>>()?,
        filtered_by: parts.filtered.iter().cloned().collect(),
        completed_at: if ended {
            row.completed_at.map(Into::into)
        } else {
            None
        },
        error: if status == JobStatus::Failed {
            row.failure_reason.clone()
        } else {
            None
        },
    })
}

fn current_step(row: &jobs::JobRow, stages: &[(String, i64)]) -> String {
    if matches!(row.status.as_str(), "completed" | "failed" | "cancelled") {
        return row.status.clone();
    }
    if row.status == "initiated" {
        return "queued".into();
    }
    if !row.discovery_done {
        return "discovering companies".into();
    }
    let has = |s: &str| stages.iter().any(|(st, n)| st == s && *n > 0);
    for (stage, label) in [
        ("fetch", "crawling company websites"),
        ("render", "rendering JavaScript pages"),
        ("extract", "extracting contact data"),
        ("enrich", "enriching company data"),
        ("score", "scoring leads"),
        ("merge", "deduplicating and storing leads"),
    ] {
        if has(stage) {
            return label.into();
        }
    }
    "finalizing".into()
}

/// Estimated completion: discovery pages plus the queued companies ahead of this search and its
/// own, spread over the fetch capacity of the live workers, at the measured per-stage times.
async fn estimate(state: &AppState, max_results: u32) -> Result<chrono::DateTime<Utc>, ApiError> {
    let times = jobs::stage_times(&state.pool).await?;
    let measured = |s: &str| times.iter().find(|(n, _)| n == s).map(|(_, ms)| *ms);
    let crawl = &state.cfg.crawl;
    let default_fetch = (crawl.page_budget as f64 + 1.0) * crawl.host_delay.as_millis() as f64;
    let per_item_ms = measured("fetch").unwrap_or(default_fetch)
        + ["extract", "enrich", "score", "merge"]
            .iter()
            .map(|s| measured(s).unwrap_or(50.0))
            .sum::<f64>();
    let backlog = jobs::active_backlog(&state.pool).await? as f64;
    let live = queue::live_workers(&state.pool, std::time::Duration::from_secs(30)).await?;
    let fetchers = live
        .iter()
        .find(|(q, _)| *q == Stage::Fetch.queue())
        .map(|(_, n)| *n as f64)
        .unwrap_or(1.0)
        .max(1.0);
    let capacity = fetchers * 64.0;
    let pages = (max_results as f64 / 10.0).ceil();
    let discover_ms =
        pages * (crawl.host_delay.as_millis() as f64 + measured("discover").unwrap_or(200.0));
    let waves = ((backlog + max_results as f64) / capacity).ceil().max(1.0);
    let total_ms = discover_ms + waves * per_item_ms + measured("finalize").unwrap_or(100.0);
    Ok(Utc::now() + ChronoDuration::milliseconds(total_ms.round() as i64))
}

/// Parses an id from the path, naming the parameter when it is not a UUID.
pub fn parse_id(name: &str, raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw.trim())
        .map_err(|_| ApiError::field(name, format!("`{raw}` is not a valid UUID")))
}
