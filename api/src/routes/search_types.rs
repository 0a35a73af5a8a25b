//! Response schemas of `POST /scrape/search` and `GET /scrape/status/{job_id}` (the latter is
//! also the WebSocket's `job_status` snapshot).

use super::lead_types::SizeCategory;
use super::shared_types::Timestamp;
use poem_openapi::{Enum, Object};
use uuid::Uuid;

/// Lifecycle state of a search job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum JobStatus {
    /// Accepted, not yet picked up by a worker.
    Initiated,
    /// Workers are discovering and processing companies.
    Running,
    /// Every company has been processed; the results are final.
    Completed,
    /// The search could not run (see `error`).
    Failed,
    /// Stopped before completion.
    Cancelled,
}

/// The advanced filters of a search, as applied.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct AppliedSearchFilters {
    /// Only companies with (true) or without (false) a website; null when not filtered.
    #[oai(nullable)]
    pub has_website: Option<bool>,
    /// Only companies with at least this many employees; null when not filtered.
    #[oai(nullable)]
    pub min_employees: Option<u32>,
    /// Only companies using at least one of these technologies (empty when not filtered).
    pub technologies: Vec<String>,
}

/// The criteria of a search, normalised, as the search runs them.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct SearchCriteria {
    /// Industry in free text, e.g. "dentist".
    pub industry: String,
    /// Location in free text, e.g. "Austin".
    pub location: String,
    /// Company size bucket; null when not restricted.
    #[oai(nullable)]
    pub company_size: Option<SizeCategory>,
    /// Most companies the search returns.
    pub max_results: u32,
    /// Advanced filters.
    pub filters: AppliedSearchFilters,
    /// The company sites the search enriches instead of discovering; absent otherwise.
    #[oai(default, skip_serializing_if_is_empty)]
    pub domains: Vec<String>,
}

/// The answer to starting a search.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct SearchStarted {
    /// Id of the new search job.
    pub job_id: Uuid,
    /// Always `initiated`.
    pub status: JobStatus,
    /// The criteria as accepted (normalised).
    pub search_criteria: SearchCriteria,
    /// Estimated completion, from queued work and measured stage rates.
    pub estimated_completion: Timestamp,
    /// Seconds from creation to the estimated completion (at least 1).
    pub estimated_duration_seconds: i64,
    /// When the job was created.
    pub created_at: Timestamp,
    /// Path of the job's status endpoint.
    pub status_url: String,
    /// Path of the job's WebSocket of live events.
    pub websocket_url: String,
}

/// An error recorded while processing a search.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct JobErrorEntry {
    /// Stage that failed, e.g. `discover` or `fetch`.
    pub stage: String,
    /// Company concerned, when the error concerns one.
    #[oai(nullable)]
    pub company: Option<String>,
    /// URL involved, when there is one.
    #[oai(nullable)]
    pub url: Option<String>,
    /// What went wrong.
    pub message: String,
    /// When it happened.
    pub occurred_at: Timestamp,
}

/// Throughput of a search so far.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct PerformanceMetrics {
    /// Companies processed per minute, one decimal.
    pub companies_per_minute: f64,
    /// Percentage of processed companies that did not fail, one decimal.
    pub success_rate: f64,
    /// Seconds since the job started (until it ended, once it has).
    pub elapsed_seconds: i64,
}

/// The completion summary a finished search records.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct ProcessingSummary {
    /// Companies processed (done, failed or filtered out).
    pub total_processed: i64,
    /// Companies processed without failing.
    pub successful: i64,
    /// Companies given up on.
    pub failed: i64,
    /// Companies that did not meet the filters.
    pub filtered_out: i64,
    /// Leads in the results.
    pub results: i64,
    /// Results scoring hot.
    pub high_quality_leads: i64,
    /// Results scoring warm.
    pub medium_quality_leads: i64,
    /// Results scoring cold.
    pub low_quality_leads: i64,
    /// Average score of the results, one decimal; null when there are none.
    #[oai(nullable)]
    pub average_lead_score: Option<f64>,
    /// Seconds from start to completion, one decimal.
    pub processing_time_seconds: f64,
    /// Percentage of processed companies that did not fail, one decimal.
    pub success_rate: f64,
}

/// Quality of a finished search's results.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct QualityMetrics {
    /// Results scoring hot.
    pub high_quality_leads: i64,
    /// Results scoring warm.
    pub medium_quality_leads: i64,
    /// Results scoring cold.
    pub low_quality_leads: i64,
    /// Average score of the results, one decimal; null when there are none.
    #[oai(nullable)]
    pub average_lead_score: Option<f64>,
}

/// Status and progress of a search.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct JobStatusReport {
    /// Job id.
    pub job_id: Uuid,
    /// Lifecycle state.
    pub status: JobStatus,
    /// Progress 0–100 (100 only once completed).
    pub progress: u8,
    /// What the job is doing now, e.g. `queued`, `discovering companies`, `crawling company
    /// websites`, `scoring leads`, `finalizing`, or the final status.
    pub current_step: String,
    /// Leads in the results so far.
    pub results_count: i32,
    /// Companies processed so far (done, failed or filtered out).
    pub processed_count: i32,
    /// Companies still to process (an upper bound while discovery runs).
    pub remaining_count: i32,
    /// Companies discovered so far.
    pub discovered_count: i32,
    /// Companies that did not meet the filters.
    pub filtered_count: i32,
    /// Companies given up on.
    pub failed_count: i32,
    /// Errors recorded so far (stage, company, url, message), at most 100.
    pub errors: Vec<JobErrorEntry>,
    /// Throughput so far.
    pub performance_metrics: PerformanceMetrics,
    /// The criteria the search runs.
    pub search_criteria: SearchCriteria,
    /// When the job was created.
    pub created_at: Timestamp,
    /// When a worker first picked the job up; null until then.
    #[oai(nullable)]
    pub started_at: Option<Timestamp>,
    /// Estimated completion.
    pub estimated_completion: Timestamp,
    /// Completion summary; present only once the job has completed.
    #[oai(skip_serializing_if_is_none)]
    pub processing_summary: Option<ProcessingSummary>,
    /// Quality of the results; present only once the job has completed.
    #[oai(skip_serializing_if_is_none)]
    pub quality_metrics: Option<QualityMetrics>,
    /// The discovery sources of the search: state, records listed, candidates accepted.
    pub sources: Vec<JobSourceStatus>,
    /// Companies that did not meet the criteria, by the filter that turned them away
    /// (`has_website`, `min_employees`, `technologies`, `company_size`; `max_results` for
    /// those left out because the search already had enough results).
    pub filtered_by: std::collections::BTreeMap<String, i64>,
    /// When the job completed or failed; present only then.
    #[oai(skip_serializing_if_is_none)]
    pub completed_at: Option<Timestamp>,
    /// Why the job failed; present only when it has failed.
    #[oai(skip_serializing_if_is_none)]
    pub error: Option<String>,
}

/// How a discovery source is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum SourceState {
    /// Answering normally.
    Ok,
    /// Enabled without the API key it needs; searches go on without it.
    NeedsKey,
    /// Told to slow down; retried after the pause.
    RateLimited,
    /// Failing (errors, unreadable answers, a refused key).
    Failing,
}

/// One discovery source of a search.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct JobSourceStatus {
    /// `directory:<name>`, `osm`, `google_places` or `domains`.
    pub name: String,
    /// Its state.
    pub state: SourceState,
    /// Whether it has nothing more to add to this search.
    pub done: bool,
    /// Records it listed.
    pub listed: i32,
    /// Of those, companies the search accepted (others were already known to the search or
    /// beyond `max_results`).
    pub accepted: i32,
    /// Requests made to it for this search.
    pub requests: i32,
    /// What it last reported (the area searched, why it failed, …).
    #[oai(nullable)]
    pub message: Option<String>,
}
