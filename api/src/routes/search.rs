//! `POST /scrape/search` and `GET /scrape/status/{job_id}`.

use super::ApiTags;
use super::search_types::{
    JobErrorEntry, JobStatus, JobStatusReport, PerformanceMetrics, ProcessingSummary,
    QualityMetrics, SearchCriteria, SearchStarted,
};
use super::shared_types::{ApiResult, SearchFailures, stored};
use crate::auth::Auth;
use crate::error::ApiError;
use crate::search_body::SearchBody;
use crate::state::AppState;
use chrono::{Duration as ChronoDuration, Utc};
use leadgen_core::access::Permission;
use leadgen_core::jobs::{DiscoverJob, Stage};
use leadgen_core::repo::{jobs, queue, work_items};
use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::types::ToJSON;
use serde_json::{Value, json};
use uuid::Uuid;

/// Search endpoints.
pub struct SearchApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Search")]
impl SearchApi {
    /// Start a lead search.
    ///
    /// Body: `industry` (string, required), `location` (string, required), `company_size`
    /// (one of 1-10, 11-50, 51-200, 201-500, 501-1000, 1000+), `max_results` (1–1000, default
    /// 50), `filters` {`has_website`: bool, `min_employees`: int, `technologies`: [string]}.
    /// Answers with the job id, status `initiated`, the echoed criteria and an estimated
    /// completion computed from queued work and measured stage rates.
    #[oai(path = "/scrape/search", method = "post")]
    async fn search(
        &self,
        state: Data<&AppState>,
        auth: Auth,
        body: SearchBody,
    ) -> ApiResult<SearchStarted, SearchFailures> {
        auth.require(Permission::SearchesRun)?;
        let criteria = body.0;
        let criteria_json = serde_json::to_value(&criteria).expect("criteria serialise");
        let search_criteria: SearchCriteria = stored(criteria_json, "search criteria")?;
        let row = start_search(&state, &criteria).await?;
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
        let errors = jobs::errors(&state.pool, row.id, 100)
            .await
            .map_err(ApiError::from)?;
        let stages = work_items::stage_counts(&state.pool, row.id)
            .await
            .map_err(ApiError::from)?;
        Ok(Json(job_status(&row, &errors, &stages)?))
    }
}

/// Creates a search job and queues its discovery, in one transaction: a job exists only when
/// its first task does.
pub async fn start_search(
    state: &AppState,
    criteria: &leadgen_core::model::SearchCriteria,
) -> Result<jobs::JobRow, ApiError> {
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
    leadgen_core::queue::push(
        &mut tx,
        Stage::Discover,
        &DiscoverJob {
            job_id: id,
            page: 1,
        },
        None,
        state.cfg.max_attempts as usize,
    )
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    tx.commit().await.map_err(ApiError::from)?;
    Ok(row)
}

/// The status document of a job as JSON, for the WebSocket's first message.
pub fn status_body(
    row: &jobs::JobRow,
    errors: &[jobs::JobErrorRow],
    stages: &[(String, i64)],
) -> Result<Value, ApiError> {
    Ok(job_status(row, errors, stages)?
        .to_json()
        .unwrap_or_default())
}

/// The status document of a job.
pub fn job_status(
    row: &jobs::JobRow,
    errors: &[jobs::JobErrorRow],
    stages: &[(String, i64)],
) -> Result<JobStatusReport, ApiError> {
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
