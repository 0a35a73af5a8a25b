//! `PATCH /leads/{lead_id}`: staff work a lead — status, assignee, notes, company fields — with
//! optimistic concurrency: a change naming an older version is refused with 409, never lost
//! silently.

use super::lead_company::{CompanyEdit, apply_edit, validate_edit};
use super::lead_types::{LeadStatus, LeadSummary};
use super::shared_types::{ApiResult, ChangeFailures};
use crate::auth::Auth;
use crate::auth::audit::{self, Event};
use crate::auth::client::ClientInfo;
use crate::error::ApiError;
use crate::state::AppState;
use leadgen_core::access::{Permission, Role};
use leadgen_core::repo::inbound::{self, ChangeOutcome, LeadChange};
use leadgen_core::repo::{leads, users};
use poem_openapi::Object;
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use serde_json::json;
use uuid::Uuid;

/// A change to a lead; omitted fields stay as they are.
#[derive(Debug, Object)]
pub struct LeadUpdate {
    /// The `version` the change is based on, as last read.
    pub version: i32,
    /// New status: PENDING, REACHED_OUT, QUALIFIED, CONVERTED or DISQUALIFIED.
    pub status: Option<LeadStatus>,
    /// Assign to this user (one who may work leads); `null` unassigns.
    pub assignee_id: MaybeUndefined<Uuid>,
    /// Replace the notes (at most 20,000 characters).
    #[oai(validator(max_length = 20000))]
    pub notes: Option<String>,
    /// Staff values for the company's fields (discovered leads); they win over every source.
    pub company: Option<CompanyEdit>,
}

/// Applies a staff change to a lead (the endpoint is declared with the other `/leads`
/// operations).
pub async fn update(
    state: &AppState,
    client: &ClientInfo,
    auth: Auth,
    lead_id: &str,
    body: LeadUpdate,
) -> ApiResult<LeadSummary, ChangeFailures> {
    auth.require(Permission::LeadsWork)?;
    let lead_id = super::search::parse_id("lead_id", lead_id)?;
    let before = leads::get(&state.pool, lead_id)
        .await?
        .ok_or_else(|| ApiError::NotFound("Lead not found".into()))?;
    let company_edit = body.company.as_ref().filter(|c| !c.is_empty());
    if body.status.is_none()
        && body.assignee_id.is_undefined()
        && body.notes.is_none()
        && company_edit.is_none()
    {
        return Err(ApiError::field(
            "body",
            "name at least one of status, assignee_id, notes, company",
        )
        .into());
    }
    let edits = match company_edit {
        None => None,
        Some(edit) => {
            let company = before.company_id.ok_or_else(|| {
                ApiError::field("company", "the lead has no company (an inbound lead)")
            })?;
            Some((company, validate_edit(edit, before.country.as_deref())?))
        }
    };
    if let MaybeUndefined::Value(user_id) = body.assignee_id {
        let user = users::by_id(&state.pool, user_id)
            .await?
            .ok_or_else(|| ApiError::field("assignee_id", "no such user"))?;
        let works = Role::parse(&user.role).is_some_and(|r| r.allows(Permission::LeadsWork));
        if user.disabled_at.is_some() || !works {
            return Err(ApiError::field(
                "assignee_id",
                "must be an active user whose role works leads (agent, manager or admin)",
            )
            .into());
        }
    }
    let status = body.status.map(|s| super::leads::enum_text(&s));
    let change = LeadChange {
        status: status.as_deref(),
        assignee_id: match body.assignee_id {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(u) => Some(Some(u)),
        },
        notes: body.notes.as_deref(),
    };
    let mut tx = state.pool.begin().await?;
    match inbound::change_lead(&mut tx, lead_id, body.version, &change).await? {
        ChangeOutcome::Applied(_) => {
            if let Some((company, edits)) = edits {
                apply_edit(&mut tx, company, edits).await?;
            }
            tx.commit().await?;
            if let Some(to) = status.as_deref().filter(|to| *to != before.status) {
                state.metrics.status_changed(&before.status, to);
            }
        }
        ChangeOutcome::Stale(current) => {
            return Err(ApiError::Conflict(format!(
                "the lead was changed by someone else (version {current}, yours {}); read \
                     it again and retry",
                body.version
            ))
            .into());
        }
        ChangeOutcome::Missing => {
            return Err(ApiError::NotFound("Lead not found".into()).into());
        }
    }
    let after = leads::get(&state.pool, lead_id)
        .await?
        .ok_or_else(|| ApiError::NotFound("Lead not found".into()))?;
    audit::by(
        state,
        Some(client),
        &auth,
        Event::ok("lead.update", "lead", lead_id).detail(json!({
            "status": status.as_ref().map(|s| json!({ "from": before.status, "to": s })),
            "assignee_id": match body.assignee_id {
                MaybeUndefined::Undefined => serde_json::Value::Null,
                _ => json!({ "from": before.assignee_id, "to": after.assignee_id }),
            },
            "notes_changed": body.notes.is_some(),
            "company_fields": company_edit.map(|c| c.field_names()),
            "version": after.version,
        })),
    )
    .await?;
    Ok(Json(super::leads::lead_summary(&after, state)?))
}
