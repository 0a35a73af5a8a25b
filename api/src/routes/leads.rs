//! `GET /leads` and `GET /leads/{lead_id}`.

use super::ApiTags;
use super::inbound::{FormFailures, Submitted};
use super::lead_types::{
    Assignee, BusinessIntelligence, Company, CompanyDetail, Competitor, Contact, Coordinates,
    FiltersApplied, InboundContact, LeadDetail, LeadFile, LeadList, LeadOrigin, LeadQuality,
    LeadSortKey, LeadStatus, LeadSummary, Location, MarketPosition, Pagination, PhoneNumber,
    SortOrder,
};
use super::lead_work::LeadUpdate;
use super::shared_types::{ApiFailure, ApiResult, ChangeFailures, stored};
use crate::auth::Auth;
use crate::auth::client::ClientInfo;
use crate::error::ApiError;
use crate::resume_form::LeadForm;
use crate::state::AppState;
use leadgen_core::access::Permission;
use leadgen_core::model::{Address, Found};
use leadgen_core::repo::leads::{self, LeadFilter, LeadRow, LeadSort};
use leadgen_core::stages::extract;
use leadgen_core::stages::score::quality;
use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use serde_json::json;
use uuid::Uuid;

/// Lead endpoints.
pub struct LeadsApi;

/// Largest page size.
pub const MAX_LIMIT: u32 = 500;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Leads")]
impl LeadsApi {
    /// Submit the public lead form (no credentials; rate-limited per address).
    ///
    /// `multipart/form-data` with `first_name`, `last_name`, `email` and `resume` (PDF, DOC or
    /// DOCX, judged by content; 5 MB by default). Creates a lead with origin `inbound` and status
    /// `PENDING`, or adds the résumé to the lead of the same email. The person gets a
    /// confirmation email and staff a notification with a link to the lead.
    #[oai(path = "/leads", method = "post")]
    async fn submit(
        &self,
        state: Data<&AppState>,
        client: Data<&ClientInfo>,
        form: LeadForm,
    ) -> Result<Submitted, ApiFailure<FormFailures>> {
        super::inbound::submit(&state, &client, form).await
    }

    /// Change a lead's status, assignee or notes (`leads:work`).
    ///
    /// Send the `version` you read; if someone changed the lead since, the answer is 409 and
    /// nothing is changed: read it again and retry. Every change is in the audit log.
    #[oai(path = "/leads/:lead_id", method = "patch")]
    async fn update(
        &self,
        state: Data<&AppState>,
        client: Data<&ClientInfo>,
        auth: Auth,
        lead_id: Path<String>,
        body: Json<LeadUpdate>,
    ) -> ApiResult<LeadSummary, ChangeFailures> {
        super::lead_work::update(&state, &client, auth, &lead_id.0, body.0).await
    }

    /// List leads of every origin, with filters, search, sorting and pagination.
    ///
    /// `job_id` restricts to the leads a search found; `score_min` / `score_max` (0–100) to a
    /// score range; `origin`, `status`, `assignee_id`, `industry` and `created_from` /
    /// `created_to` (RFC 3339, `[from, to)`) filter further. `q` searches, without regard to
    /// case, people's names and emails, company names and the status. `sort` is `score`
    /// (default), `created`, `updated` or `name`; `order` `desc` (default) or `asc`. `limit`
    /// (1–500, default 50) and `offset` page through them.
    #[oai(path = "/leads", method = "get")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&AppState>,
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
        limit: Query<Option<u32>>,
        offset: Query<Option<u32>>,
    ) -> ApiResult<LeadList> {
        auth.require(Permission::LeadsRead)?;
        let sort = sort.0.unwrap_or(LeadSortKey::Score);
        let order = order.0.unwrap_or(SortOrder::Desc);
        let filter = lead_filter(LeadQuery {
            job_id: job_id.0,
            score_min: score_min.0,
            score_max: score_max.0,
            origin: origin.0,
            status: status.0,
            assignee_id: assignee_id.0,
            industry: industry.0.clone(),
            created_from: created_from.0,
            created_to: created_to.0,
            q: q.0.clone(),
            sort,
            order,
        })?;
        let limit = limit.0.unwrap_or(50);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(
                ApiError::field("limit", format!("must be between 1 and {MAX_LIMIT}")).into(),
            );
        }
        let offset = offset.0.unwrap_or(0);
        require_job(&state, filter.job_id).await?;
        let (rows, total) = leads::page(&state.read_pool, &filter, limit as i64, offset as i64)
            .await
            .map_err(ApiError::from)?;
        let leads = rows
            .iter()
            .map(|r| lead_summary(r, &state))
            .collect::<Result<Vec<_>, _>>()?;
        let (limit, offset) = (limit as i64, offset as i64);
        let total_pages = (total + limit - 1) / limit;
        let has_next = offset + limit < total;
        Ok(Json(LeadList {
            leads,
            pagination: Pagination {
                total_count: total,
                current_page: offset / limit + 1,
                per_page: limit,
                total_pages,
                has_next,
                has_prev: offset > 0,
                next_offset: if has_next { Some(offset + limit) } else { None },
                offset,
            },
            filters_applied: FiltersApplied {
                job_id: filter.job_id,
                score_min: filter.score_min,
                score_max: filter.score_max,
                origin: origin.0,
                status: status.0,
                assignee_id: filter.assignee_id,
                industry: filter.industry.clone(),
                created_from: filter.created_from.map(Into::into),
                created_to: filter.created_to.map(Into::into),
                q: filter.search.clone(),
                sort,
                order,
            },
        }))
    }

    /// Merge a duplicate lead into this one (`leads:work`).
    ///
    /// The duplicate's field values join this lead's company (survivorship chooses again;
    /// staff values still win), its contacts are folded in person by person, its search results
    /// and notes move here, this lead keeps its status unless it is PENDING, and the duplicate
    /// is removed. With `"dry_run": true` the answer shows the merged lead and nothing changes.
    /// A real merge is recorded with a snapshot of the duplicate and in the audit log.
    #[oai(path = "/leads/:lead_id/merge", method = "post")]
    async fn merge(
        &self,
        state: Data<&AppState>,
        client: Data<&ClientInfo>,
        auth: Auth,
        lead_id: Path<String>,
        body: Json<super::lead_merge::LeadMergeRequest>,
    ) -> ApiResult<super::lead_merge::LeadMergeResult, ChangeFailures> {
        let r = super::lead_merge::merge(&state, &client, auth, &lead_id.0, body.0).await?;
        Ok(Json(r))
    }

    /// Where each field of a discovered lead's company came from.
    ///
    /// For every field, every value any source gave (staff, the company's website, the
    /// enrichment, Google Places, OpenStreetMap, directories, domain lists), with its page,
    /// confidence, time and weight, heaviest first, and which the company record uses.
    #[oai(path = "/leads/:lead_id/provenance", method = "get")]
    async fn provenance(
        &self,
        state: Data<&AppState>,
        auth: Auth,
        lead_id: Path<String>,
    ) -> ApiResult<super::lead_company::LeadProvenance> {
        auth.require(Permission::LeadsRead)?;
        let lead_id = super::search::parse_id("lead_id", &lead_id.0)?;
        let company = leads::company_of(&state.pool, lead_id)
            .await
            .map_err(ApiError::from)?
            .ok_or_else(|| ApiError::NotFound("Lead not found, or it has no company".into()))?;
        let values = leadgen_core::repo::companies::values(&state.pool, company)
            .await
            .map_err(ApiError::from)?;
        let merges = leadgen_core::repo::merges::into_lead(&state.pool, lead_id)
            .await
            .map_err(ApiError::from)?;
        Ok(Json(super::lead_company::provenance(
            lead_id, company, &values, merges,
        )))
    }

    /// Everything known about one lead.
    #[oai(path = "/leads/:lead_id", method = "get")]
    async fn detail(
        &self,
        state: Data<&AppState>,
        auth: Auth,
        lead_id: Path<String>,
    ) -> ApiResult<LeadDetail> {
        auth.require(Permission::LeadsRead)?;
        let lead_id = super::search::parse_id("lead_id", &lead_id.0)?;
        let row = leads::get(&state.pool, lead_id)
            .await
            .map_err(ApiError::from)?
            .ok_or_else(|| ApiError::NotFound("Lead not found".into()))?;
        let summary = lead_summary(&row, &state)?;
        let files = leadgen_core::repo::inbound::files(&state.pool, lead_id).await?;
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
        let bi_part = |key: &str, empty: serde_json::Value| bi.get(key).cloned().unwrap_or(empty);
        let list = |v: &Option<serde_json::Value>, what: &str| {
            stored::<Vec<String>>(v.clone().unwrap_or(json!([])), what)
        };
        Ok(Json(LeadDetail {
            lead_id: summary.lead_id,
            origin: summary.origin,
            status: summary.status,
            company: CompanyDetail {
                profile: summary.company,
                phones: list(&row.phones, "company phones")?,
                locations: serde_json::from_value::<Vec<Found<Address>>>(bi_part(
                    "locations",
                    json!([]),
                ))
                .map_err(|e| ApiError::Internal(format!("stored locations unreadable: {e}")))?
                .into_iter()
                .map(|l| Location {
                    address: l.value.street,
                    city: l.value.city,
                    state: l.value.region,
                    postal_code: l.value.postal_code,
                    country: l.value.country,
                    coordinates: None,
                })
                .collect(),
                phone_numbers: list(&row.phones, "company phones")?
                    .into_iter()
                    .map(|number: String| PhoneNumber {
                        phone_type: extract::phone_type(&number).map(str::to_string),
                        number,
                    })
                    .collect(),
                emails: list(&row.emails, "company emails")?,
                social_profiles: list(&row.socials, "company social profiles")?,
                technologies: list(&row.technologies, "company technologies")?,
                business_info: stored(
                    row.business_info.clone().unwrap_or(json!({})),
                    "business info",
                )?,
            },
            lead_score: summary.lead_score,
            quality: summary.quality,
            score_breakdown: summary.score_breakdown,
            contact_count: summary.contact_count,
            verified_contact_count: summary.verified_contact_count,
            created_at: summary.created_at,
            last_updated: summary.last_updated,
            contacts: contacts
                .iter()
                .map(|c| {
                    Ok(Contact {
                        contact_id: c.id,
                        name: c.name.clone(),
                        title: c.title.clone(),
                        seniority: c
                            .title
                            .as_deref()
                            .map(|t| stored(extract::seniority(t), "contact seniority"))
                            .transpose()?,
                        email: c.email.clone(),
                        phone: c.phone.clone(),
                        phone_type: c
                            .phone
                            .as_deref()
                            .and_then(extract::phone_type)
                            .map(str::to_string),
                        linkedin_url: c.linkedin_url.clone(),
                        is_decision_maker: c.is_decision_maker,
                        confidence_score: ((c.confidence * 100.0).round() / 100.0) as f64,
                        source: c.source.clone(),
                        verification_status: stored(
                            c.verification_status.as_str(),
                            "contact verification status",
                        )?,
                        verification_reason: c.verification_reason.clone(),
                        email_type: c
                            .email_kind
                            .as_deref()
                            .map(|k| stored(k, "contact email type"))
                            .transpose()?,
                        disposable_email: c.email_disposable,
                    })
                })
                .collect::<Result<Vec<_>, ApiError>>()?,
            business_intelligence: BusinessIntelligence {
                growth_signals: stored(bi_part("growth_signals", json!([])), "growth signals")?,
                technology_stack: stored(
                    bi_part("technology_stack", json!({})),
                    "technology stack",
                )?,
                pain_points: stored(bi_part("pain_points", json!([])), "pain points")?,
                flagged_values: stored(bi_part("flagged_values", json!([])), "flagged values")?,
                competitive_landscape: competitors
                    .iter()
                    .map(|(name, score)| Competitor {
                        competitor_name: name.clone(),
                        relationship: "same industry and area".into(),
                        market_position: if *score >= 70 {
                            MarketPosition::Strong
                        } else if *score >= 40 {
                            MarketPosition::Established
                        } else {
                            MarketPosition::Emerging
                        },
                    })
                    .collect(),
            },
            engagement_opportunities: stored(
                row.engagement_opportunities.clone(),
                "engagement opportunities",
            )?,
            data_sources: stored(row.data_sources.clone(), "data sources")?,
            inbound: summary.inbound,
            assignee: summary.assignee,
            notes: row.notes.clone(),
            version: row.version,
            files: files
                .into_iter()
                .map(|f| LeadFile {
                    download_url: format!("/api/v1/leads/{}/files/{}", f.lead_id, f.id),
                    file_id: f.id,
                    filename: f.filename,
                    kind: f.kind,
                    size_bytes: f.size_bytes,
                    scan_result: f.scan_result,
                    uploaded_at: f.uploaded_at.into(),
                })
                .collect(),
        }))
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

/// The lead list's query, as the list and the CSV export both take it.
pub struct LeadQuery {
    /// Found by this search.
    pub job_id: Option<Uuid>,
    /// Scoring at least.
    pub score_min: Option<i32>,
    /// Scoring at most.
    pub score_max: Option<i32>,
    /// Origin.
    pub origin: Option<LeadOrigin>,
    /// Status.
    pub status: Option<LeadStatus>,
    /// Assignee.
    pub assignee_id: Option<Uuid>,
    /// Industry.
    pub industry: Option<String>,
    /// Created at or after.
    pub created_from: Option<chrono::DateTime<chrono::Utc>>,
    /// Created before.
    pub created_to: Option<chrono::DateTime<chrono::Utc>>,
    /// Search text.
    pub q: Option<String>,
    /// Order key.
    pub sort: LeadSortKey,
    /// Direction.
    pub order: SortOrder,
}

/// Validates a lead list query into the repository's filter.
pub fn lead_filter(q: LeadQuery) -> Result<LeadFilter, ApiError> {
    let mut filter = parse_filter(q.job_id, q.score_min)?;
    if let Some(max) = q.score_max {
        if !(0..=100).contains(&max) {
            return Err(ApiError::field("score_max", "must be between 0 and 100"));
        }
        if q.score_min.is_some_and(|min| min > max) {
            return Err(ApiError::field("score_max", "must not be below score_min"));
        }
    }
    filter.score_max = q.score_max;
    if let Some(text) = &q.q
        && text.chars().count() > 200
    {
        return Err(ApiError::field("q", "must be at most 200 characters"));
    }
    filter.origin = q.origin.map(|o| enum_text(&o));
    filter.status = q.status.map(|s| enum_text(&s));
    filter.assignee_id = q.assignee_id;
    filter.industry = q.industry.filter(|i| !i.trim().is_empty());
    filter.created_from = q.created_from;
    filter.created_to = q.created_to;
    filter.search = q.q.filter(|t| !t.trim().is_empty());
    filter.sort = match q.sort {
        LeadSortKey::Score => LeadSort::Score,
        LeadSortKey::Created => LeadSort::Created,
        LeadSortKey::Updated => LeadSort::Updated,
        LeadSortKey::Name => LeadSort::Name,
    };
    filter.ascending = q.order == SortOrder::Asc;
    Ok(filter)
}

/// Validates the shared lead filters.
pub fn parse_filter(job_id: Option<Uuid>, score_min: Option<i32>) -> Result<LeadFilter, ApiError> {
    if let Some(s) = score_min
        && !(0..=100).contains(&s)
    {
        return Err(ApiError::field("score_min", "must be between 0 and 100"));
    }
    Ok(LeadFilter {
        job_id,
        score_min,
        ..Default::default()
    })
}

/// The text of an enum as the API (and the database) spell it.
pub fn enum_text<T: poem_openapi::types::ToJSON>(v: &T) -> String {
    v.to_json()
        .and_then(|j| j.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The list view of a lead (seed FR3.4 and FR3.5).
pub fn lead_summary(r: &LeadRow, state: &AppState) -> Result<LeadSummary, ApiError> {
    let coordinates = match (r.latitude, r.longitude) {
        (Some(latitude), Some(longitude)) => Some(Coordinates {
            latitude,
            longitude,
        }),
        _ => None,
    };
    let quality = match quality(r.lead_score.clamp(0, 100) as u8, &state.weights) {
        "hot" => LeadQuality::Hot,
        "warm" => LeadQuality::Warm,
        _ => LeadQuality::Cold,
    };
    Ok(LeadSummary {
        lead_id: r.id,
        origin: stored(r.origin.as_str(), "lead origin")?,
        status: stored(r.status.as_str(), "lead status")?,
        company: Company {
            name: r.company_name.clone(),
            domain: r.domain.clone(),
            industry: r.industry.clone(),
            size_category: r
                .size_category
                .as_deref()
                .map(|s| stored(s, "company size category"))
                .transpose()?,
            website: r.website.clone(),
            description: r.description.clone(),
            location: Location {
                address: r.address.clone(),
                city: r.city.clone(),
                state: r.region.clone(),
                postal_code: r.postal_code.clone(),
                country: r.country.clone(),
                coordinates,
            },
            founded_year: r.founded_year,
            employee_count: r.employee_count,
        },
        lead_score: r.lead_score,
        quality,
        score_breakdown: stored(r.score_breakdown.clone(), "score breakdown")?,
        contact_count: r.contact_count,
        verified_contact_count: r.verified_contact_count,
        created_at: r.created_at.into(),
        last_updated: r.updated_at.into(),
        inbound: InboundContact {
            first_name: r.first_name.clone(),
            last_name: r.last_name.clone(),
            email: r.email.clone(),
        },
        assignee: match (r.assignee_id, &r.assignee_email) {
            (Some(user_id), Some(email)) => Some(Assignee {
                user_id,
                email: email.clone(),
            }),
            _ => None,
        },
        version: r.version,
    })
}
