//! `POST /leads/{lead_id}/merge`: staff merge a duplicate lead into another, with a dry run
//! that shows the result without keeping it. Each real merge is recorded (`lead_merges` with a
//! snapshot of the merged lead, and the audit log).

use super::lead_types::LeadSummary;
use crate::auth::Auth;
use crate::auth::audit::{self, Event};
use crate::auth::client::ClientInfo;
use crate::error::ApiError;
use crate::state::AppState;
use leadgen_core::access::Permission;
use leadgen_core::repo::leads;
use leadgen_core::repo::merges::{self, MergeRefusal};
use poem_openapi::Object;
use serde_json::json;
use uuid::Uuid;

/// Which lead to merge into this one.
#[derive(Debug, Object)]
pub struct LeadMergeRequest {
    /// The duplicate: its values, contacts, search results and notes move to this lead, and it
    /// is removed.
    pub duplicate_lead_id: Uuid,
    /// Show the merged lead without merging (default false).
    #[oai(default)]
    pub dry_run: bool,
}

/// The merged lead, or what it would be.
#[derive(Debug, Object)]
pub struct LeadMergeResult {
    /// Whether nothing was changed.
    pub dry_run: bool,
    /// The lead as it is (or would be) after the merge.
    pub lead: LeadSummary,
    /// The lead merged away.
    pub merged_lead_id: Uuid,
    /// Field values moved to this lead's company.
    pub values_moved: u64,
    /// Contacts the duplicate had.
    pub contacts_moved: u64,
    /// Of those, how many were the same person as a contact of this lead.
    pub contacts_folded: u64,
    /// Search results moved to this lead.
    pub results_moved: u64,
    /// The merge record (absent for a dry run).
    #[oai(skip_serializing_if_is_none)]
    pub merge_id: Option<Uuid>,
}

/// Merges (or previews merging) `duplicate_lead_id` into `lead_id`.
pub async fn merge(
    state: &AppState,
    client: &ClientInfo,
    auth: Auth,
    lead_id: &str,
    body: LeadMergeRequest,
) -> Result<LeadMergeResult, ApiError> {
    auth.require(Permission::LeadsWork)?;
    let survivor = super::search::parse_id("lead_id", lead_id)?;
    let mut tx = state.pool.begin().await?;
    let report = merges::merge(
        &mut tx,
        survivor,
        body.duplicate_lead_id,
        Some(auth.user_id),
        chrono::Utc::now(),
    )
    .await
    .map_err(|e| match e {
        MergeRefusal::Missing("lead_id") => ApiError::NotFound("Lead not found".into()),
        MergeRefusal::Db(e) => e.into(),
        MergeRefusal::Missing(field) => ApiError::field(field, "no such lead"),
        MergeRefusal::NoCompany(field) => ApiError::field(
            field,
            "only discovered leads (with a company) can be merged",
        ),
        MergeRefusal::Same => ApiError::field("duplicate_lead_id", "is this lead itself"),
    })?;
    let row = leads::get(&mut *tx, survivor)
        .await?
        .ok_or_else(|| ApiError::NotFound("Lead not found".into()))?;
    let lead = super::leads::lead_summary(&row, state)?;
    if body.dry_run {
        tx.rollback().await?;
    } else {
        tx.commit().await?;
        audit::by(
            state,
            Some(client),
            &auth,
            Event::ok("lead.merge", "lead", survivor).detail(json!({
                "merged_lead_id": body.duplicate_lead_id,
                "merge_id": report.merge_id,
                "values_moved": report.values_moved,
                "contacts_moved": report.contacts_moved,
                "contacts_folded": report.contacts_folded,
                "results_moved": report.results_moved,
            })),
        )
        .await?;
    }
    Ok(LeadMergeResult {
        dry_run: body.dry_run,
        lead,
        merged_lead_id: body.duplicate_lead_id,
        values_moved: report.values_moved,
        contacts_moved: report.contacts_moved as u64,
        contacts_folded: report.contacts_folded as u64,
        results_moved: report.results_moved,
        merge_id: (!body.dry_run).then_some(report.merge_id),
    })
}
