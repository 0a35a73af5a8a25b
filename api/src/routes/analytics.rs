//! `GET /analytics/summary`.

use super::ApiTags;
use super::analytics_types::{AnalyticsSummary, JobSummary, LeadAnalytics};
use super::shared_types::{ApiResult, stored};
use crate::auth::Auth;
use crate::error::ApiError;
use crate::state::AppState;
use leadgen_core::access::Permission;
use leadgen_core::repo::{jobs, leads};
use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use uuid::Uuid;

/// Analytics endpoints.
pub struct AnalyticsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Analytics")]
impl AnalyticsApi {
    /// Analytics summary of all leads, or of one search's results with `job_id`.
    #[oai(path = "/analytics/summary", method = "get")]
    async fn summary(
        &self,
        state: Data<&AppState>,
        auth: Auth,
        job_id: Query<Option<Uuid>>,
    ) -> ApiResult<AnalyticsSummary> {
        auth.require(Permission::Analytics)?;
        let job = match job_id.0 {
            Some(id) => Some(
                jobs::get(&state.pool, id)
                    .await
                    .map_err(ApiError::from)?
                    .ok_or_else(|| ApiError::NotFound("Job not found".into()))?,
            ),
            None => None,
        };
        let (hot, warm) = (state.weights.hot as i32, state.weights.warm as i32);
        let body = match job_id.0 {
            Some(job) => leads::analytics(&state.read_pool, Some(job), hot, warm).await,
            None => state.analytics.summary(&state.read_pool, hot, warm).await,
        }
        .map_err(ApiError::from)?;
        let leads: LeadAnalytics = stored(body, "analytics")?;
        let total_leads = leads.total_leads;
        let job_summary = match job {
            Some(j) => {
                let end = j.completed_at.unwrap_or_else(chrono::Utc::now);
                let start = j.started_at.unwrap_or(j.created_at);
                let processed = j.processed_count as f64;
                JobSummary {
                    job_id: Some(j.id),
                    status: Some(stored(j.status.as_str(), "job status")?),
                    total_leads,
                    companies_processed: Some(j.processed_count),
                    processing_time_seconds: Some((end - start).num_milliseconds() as f64 / 1000.0),
                    success_rate: Some(if j.processed_count == 0 {
                        0.0
                    } else {
                        ((processed - j.failed_count as f64) * 1000.0 / processed).round() / 10.0
                    }),
                }
            }
            None => JobSummary {
                job_id: None,
                status: None,
                total_leads,
                companies_processed: None,
                processing_time_seconds: None,
                success_rate: None,
            },
        };
        Ok(Json(AnalyticsSummary { job_summary, leads }))
    }
}
