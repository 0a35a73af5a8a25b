//! `GET /leads` and `GET /leads/{lead_id}`.

use super::ApiTags;
use crate::error::ApiError;
use crate::state::AppState;
use leadgen_core::repo::leads::{self, LeadFilter, LeadRow};
use leadgen_core::stages::score::quality;
use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use serde_json::{Value, json};
use uuid::Uuid;

/// Lead endpoints.
pub struct LeadsApi;

/// Largest page size.
pub const MAX_LIMIT: u32 = 500;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Leads")]
impl LeadsApi {
    /// List leads, best score first, with pagination.
    ///
    /// `job_id` restricts to the leads a search found; `score_min` (0–100) to leads scoring at
    /// least that; `limit` (1–500, default 50) and `offset` page through them.
    #[oai(path = "/leads", method = "get")]
    async fn list(
        &self,
        state: Data<&AppState>,
        job_id: Query<Option<Uuid>>,
        score_min: Query<Option<i32>>,
        limit: Query<Option<u32>>,
        offset: Query<Option<u32>>,
    ) -> poem::Result<Json<Value>> {
        let filter = parse_filter(job_id.0, score_min.0)?;
        let limit = limit.0.unwrap_or(50);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(
                ApiError::field("limit", format!("must be between 1 and {MAX_LIMIT}")).into(),
            );
        }
        let offset = offset.0.unwrap_or(0);
        require_job(&state, filter.job_id).await?;
        let total = leads::count(&state.pool, &filter)
            .await
            .map_err(ApiError::from)?;
        let rows = leads::list(&state.pool, &filter, limit as i64, offset as i64)
            .await
            .map_err(ApiError::from)?;
        let items: Vec<Value> = rows.iter().map(|r| lead_summary(r, &state)).collect();
        let (limit, offset) = (limit as i64, offset as i64);
        let total_pages = (total + limit - 1) / limit;
        let has_next = offset + limit < total;
        Ok(Json(json!({
            "leads": items,
            "pagination": {
                "total_count": total,
                "current_page": offset / limit + 1,
                "per_page": limit,
                "total_pages": total_pages,
                "has_next": has_next,
                "has_prev": offset > 0,
                "next_offset": if has_next { Some(offset + limit) } else { None },
                "offset": offset,
            },
            "filters_applied": {
                "job_id": filter.job_id,
                "score_min": filter.score_min,
            },
        })))
    }

    /// Everything known about one lead.
    #[oai(path = "/leads/:lead_id", method = "get")]
    async fn detail(
        &self,
        state: Data<&AppState>,
        lead_id: Path<String>,
    ) -> poem::Result<Json<Value>> {
        let lead_id = super::search::parse_id("lead_id", &lead_id.0)?;
        let row = leads::get(&state.pool, lead_id)
            .await
            .map_err(ApiError::from)?
            .ok_or_else(|| ApiError::NotFound("Lead not found".into()))?;
        let mut body = lead_summary(&row, &state);
        let contacts = match row.company_id {
            Some(c) => leads::contacts(&state.pool, c)
                .await
                .map_err(ApiError::from)?,
            None => vec![],
        };
        let competitors = match (row.company_id, row.industry.as_deref()) {
            (Some(c), Some(ind)) => leads::competitors(&state.pool, c, ind, row.city.as_deref())
                .await
                .map_err(ApiError::from)?,
            _ => vec![],
        };
        let bi = &row.business_intelligence;
        let company = &mut body["company"];
        company["phones"] = row.phones.clone().unwrap_or(json!([]));
        company["emails"] = row.emails.clone().unwrap_or(json!([]));
        company["social_profiles"] = row.socials.clone().unwrap_or(json!([]));
        company["technologies"] = row.technologies.clone().unwrap_or(json!([]));
        let info = row.business_info.clone().unwrap_or(json!({}));
        company["business_info"] = json!({
            "revenue_estimate": info.get("revenue_estimate"),
            "business_model": info.get("business_model"),
            "target_market": info.get("target_market"),
            "timezone": info.get("timezone"),
        });
        body["contacts"] = contacts
            .iter()
            .map(|c| {
                json!({
                    "contact_id": c.id, "name": c.name, "title": c.title, "email": c.email,
                    "phone": c.phone, "linkedin_url": c.linkedin_url,
                    "is_decision_maker": c.is_decision_maker,
                    "confidence_score": (c.confidence * 100.0).round() / 100.0,
                    "source": c.source, "verification_status": c.verification_status,
                })
            })
            .collect();
        body["business_intelligence"] = json!({
            "growth_signals": bi.get("growth_signals").cloned().unwrap_or(json!([])),
            "technology_stack": bi.get("technology_stack").cloned().unwrap_or(json!({})),
            "pain_points": bi.get("pain_points").cloned().unwrap_or(json!([])),
            "competitive_landscape": competitors.iter().map(|(name, score)| json!({
                "competitor_name": name,
                "relationship": "same industry and area",
                "market_position": if *score >= 70 { "strong" } else if *score >= 40 { "established" } else { "emerging" },
            })).collect::<Vec<_>>(),
        });
        body["engagement_opportunities"] = row.engagement_opportunities.clone();
        body["data_sources"] = row.data_sources.clone();
        body["inbound"] = json!({
            "first_name": row.first_name, "last_name": row.last_name, "email": row.email,
        });
        Ok(Json(body))
    }
}

/// 404 "Job not found" when a `job_id` filter names no job.
pub async fn require_job(state: &AppState, job: Option<Uuid>) -> Result<(), ApiError> {
    if let Some(id) = job
        && leadgen_core::repo::jobs::get(&state.pool, id)
            .await?
            .is_none()
    {
        return Err(ApiError::NotFound("Job not found".into()));
    }
    Ok(())
}

/// Validates the shared lead filters.
pub fn parse_filter(job_id: Option<Uuid>, score_min: Option<i32>) -> Result<LeadFilter, ApiError> {
    if let Some(s) = score_min
        && !(0..=100).contains(&s)
    {
        return Err(ApiError::field("score_min", "must be between 0 and 100"));
    }
    Ok(LeadFilter { job_id, score_min })
}

/// The list view of a lead (seed FR3.4 and FR3.5).
pub fn lead_summary(r: &LeadRow, state: &AppState) -> Value {
    let coords = match (r.latitude, r.longitude) {
        (Some(lat), Some(lng)) => json!({ "latitude": lat, "longitude": lng }),
        _ => Value::Null,
    };
    json!({
        "lead_id": r.id,
        "origin": r.origin,
        "status": r.status,
        "company": {
            "name": r.company_name,
            "domain": r.domain,
            "industry": r.industry,
            "size_category": r.size_category,
            "website": r.website,
            "description": r.description,
            "location": {
                "address": r.address, "city": r.city, "state": r.region,
                "postal_code": r.postal_code, "country": r.country, "coordinates": coords,
            },
            "founded_year": r.founded_year,
            "employee_count": r.employee_count,
        },
        "lead_score": r.lead_score,
        "quality": quality(r.lead_score.clamp(0, 100) as u8, &state.weights),
        "score_breakdown": r.score_breakdown,
        "contact_count": r.contact_count,
        "verified_contact_count": r.verified_contact_count,
        "created_at": r.created_at,
        "last_updated": r.updated_at,
    })
}
