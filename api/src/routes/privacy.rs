//! `/privacy`: everything held about a person, exported or erased (by email), and the
//! suppression list checked before any lead is stored. Admins only.

use super::ApiTags;
use super::auth::NoContent;
use super::shared_types::{ApiFailure, ApiResult, ChangeFailures, LookupFailures, Timestamp};
use crate::auth::Auth;
use crate::auth::audit::{self, Event};
use crate::auth::client::ClientInfo;
use crate::error::ApiError;
use crate::state::AppState;
use base64::Engine;
use leadgen_core::access::Permission;
use leadgen_core::privacy::{domain_digest, email_digest, registrable};
use leadgen_core::repo::privacy;
use leadgen_core::validate::email_address;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use serde_json::json;
use uuid::Uuid;

/// Privacy endpoints.
pub struct PrivacyApi;

/// What an erasure removed.
#[derive(Debug, Object)]
pub struct ErasureReport {
    /// Inbound leads deleted (with their files).
    pub leads: i64,
    /// Contacts at companies deleted.
    pub contacts: i64,
    /// Emails to the person deleted from the outbox.
    pub emails: i64,
    /// Stored files deleted.
    pub files: i64,
    /// Whether the address was added to the suppression list.
    pub suppressed: bool,
}

/// A person to erase.
#[derive(Debug, Object)]
pub struct ErasureRequest {
    /// Their email address.
    #[oai(validator(max_length = 254))]
    pub email: String,
    /// Also add the address to the suppression list, so nothing about them is stored again.
    #[oai(default)]
    pub suppress: bool,
}

/// What a suppression covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum SuppressionKind {
    /// One email address.
    Email,
    /// Every address and website of a domain (its registrable part).
    Domain,
}

/// A new suppression.
#[derive(Debug, Object)]
pub struct NewSuppression {
    /// email or domain.
    pub kind: SuppressionKind,
    /// The address or domain; only its SHA-256 digest is kept.
    #[oai(validator(max_length = 254))]
    pub value: String,
    /// Why (e.g. "objection received 2026-11-30").
    #[oai(validator(max_length = 500))]
    pub note: Option<String>,
}

/// A suppression as listed.
#[derive(Debug, Object)]
pub struct SuppressionView {
    /// Id.
    pub id: Uuid,
    /// email or domain.
    pub kind: SuppressionKind,
    /// SHA-256 digest of the normalised value, in base64 (the list holds no address).
    pub digest: String,
    /// Why.
    pub note: String,
    /// When.
    pub created_at: Timestamp,
}

/// The suppression list.
#[derive(Debug, Object)]
pub struct SuppressionList {
    /// Newest first.
    pub suppressions: Vec<SuppressionView>,
}

/// A created suppression.
#[derive(ApiResponse)]
pub enum SuppressionCreated {
    /// Added.
    #[oai(status = 201)]
    Created(Json<SuppressionView>),
}

fn view(r: &privacy::SuppressionRow) -> SuppressionView {
    SuppressionView {
        id: r.id,
        kind: if r.kind == "domain" {
            SuppressionKind::Domain
        } else {
            SuppressionKind::Email
        },
        digest: base64::engine::general_purpose::STANDARD.encode(&r.value_hash),
        note: r.note.clone(),
        created_at: r.created_at.into(),
    }
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Privacy")]
impl PrivacyApi {
    /// Export everything held about a person (admins): their inbound leads with files,
    /// contacts at companies, and the emails sent to them, as one JSON document.
    #[oai(path = "/privacy/export", method = "get")]
    async fn export(
        &self,
        state: Data<&AppState>,
        client: Data<&ClientInfo>,
        auth: Auth,
        email: Query<String>,
    ) -> ApiResult<serde_json::Value> {
        auth.require(Permission::PrivacyManage)?;
        let email = email_address("email", &email.0).map_err(|e| ApiError::Validation(vec![e]))?;
        let doc = privacy::subject_export(&state.pool, &email).await?;
        audit::by(
            &state,
            Some(&client),
            &auth,
            Event {
                action: "privacy.export",
                outcome: "ok",
                target_type: Some("person"),
                target_id: None,
                detail: json!({ "email_digest": hex(&email_digest(&email)) }),
            },
        )
        .await?;
        Ok(Json(doc))
    }

    /// Erase everything held about a person (admins): their inbound leads and files, their
    /// contact records at companies, the emails to them. Optionally suppress the address so
    /// nothing about them is stored again. The audit log keeps a tombstone with counts and a
    /// digest of the address, not the address.
    #[oai(path = "/privacy/erase", method = "post")]
    async fn erase(
        &self,
        state: Data<&AppState>,
        client: Data<&ClientInfo>,
        auth: Auth,
        body: Json<ErasureRequest>,
    ) -> ApiResult<ErasureReport, ChangeFailures> {
        auth.require(Permission::PrivacyManage)?;
        let email =
            email_address("email", &body.email).map_err(|e| ApiError::Validation(vec![e]))?;
        // Objects first: if the transaction then fails, the rows still name missing files,
        // and a second erasure finishes the job.
        let keys = privacy::subject_files(&state.pool, &email).await?;
        for key in &keys {
            state
                .files
                .delete(key)
                .await
                .map_err(|e| ApiError::DependencyDown(e.to_string()))?;
        }
        let mut tx = state.pool.begin().await?;
        let erased = privacy::erase_subject(&mut tx, &email).await?;
        let suppressed = if body.suppress {
            privacy::add_suppression(
                &mut *tx,
                "email",
                &email_digest(&email),
                "erased on request",
                Some(auth.user_id),
            )
            .await?;
            true
        } else {
            false
        };
        tx.commit().await?;
        let report = ErasureReport {
            leads: erased.leads,
            contacts: erased.contacts,
            emails: erased.emails,
            files: keys.len() as i64,
            suppressed,
        };
        audit::by(
            &state,
            Some(&client),
            &auth,
            Event {
                action: "privacy.erase",
                outcome: "ok",
                target_type: Some("person"),
                target_id: None,
                detail: json!({
                    "email_digest": hex(&email_digest(&email)),
                    "leads": report.leads,
                    "contacts": report.contacts,
                    "emails": report.emails,
                    "files": report.files,
                    "suppressed": suppressed,
                }),
            },
        )
        .await?;
        Ok(Json(report))
    }

    /// The suppression list (admins).
    #[oai(path = "/privacy/suppressions", method = "get")]
    async fn suppressions(&self, state: Data<&AppState>, auth: Auth) -> ApiResult<SuppressionList> {
        auth.require(Permission::PrivacyManage)?;
        let rows = privacy::suppressions(&state.pool).await?;
        Ok(Json(SuppressionList {
            suppressions: rows.iter().map(view).collect(),
        }))
    }

    /// Add an email address or a domain to the suppression list (admins): from then on no
    /// inbound or discovered lead with it is stored.
    #[oai(path = "/privacy/suppressions", method = "post")]
    async fn suppress(
        &self,
        state: Data<&AppState>,
        client: Data<&ClientInfo>,
        auth: Auth,
        body: Json<NewSuppression>,
    ) -> Result<SuppressionCreated, ApiFailure<ChangeFailures>> {
        auth.require(Permission::PrivacyManage)?;
        let (kind, digest) = match body.kind {
            SuppressionKind::Email => {
                let email = email_address("value", &body.value)
                    .map_err(|e| ApiError::Validation(vec![e]))?;
                ("email", email_digest(&email))
            }
            SuppressionKind::Domain => {
                let d = body.value.trim().trim_start_matches("www.").to_lowercase();
                if d.is_empty() || !d.contains('.') || d.contains(['/', '@', ' ']) {
                    return Err(ApiError::field("value", "is not a domain like example.com").into());
                }
                ("domain", domain_digest(&registrable(&d)))
            }
        };
        let note = body.note.as_deref().unwrap_or("").trim();
        let row = privacy::add_suppression(&state.pool, kind, &digest, note, Some(auth.user_id))
            .await?
            .ok_or_else(|| ApiError::Conflict("this value is suppressed already".into()))?;
        audit::by(
            &state,
            Some(&client),
            &auth,
            Event::ok("privacy.suppress", "suppression", row.id).detail(json!({ "kind": kind })),
        )
        .await?;
        Ok(SuppressionCreated::Created(Json(view(&row))))
    }

    /// Remove a suppression (admins).
    #[oai(path = "/privacy/suppressions/:suppression_id", method = "delete")]
    async fn unsuppress(
        &self,
        state: Data<&AppState>,
        client: Data<&ClientInfo>,
        auth: Auth,
        suppression_id: Path<String>,
    ) -> Result<NoContent, ApiFailure<LookupFailures>> {
        auth.require(Permission::PrivacyManage)?;
        let id = Uuid::parse_str(&suppression_id)
            .map_err(|_| ApiError::field("suppression_id", "must be a UUID"))?;
        if !privacy::remove_suppression(&state.pool, id).await? {
            return Err(ApiError::NotFound("Suppression not found".into()).into());
        }
        audit::by(
            &state,
            Some(&client),
            &auth,
            Event::ok("privacy.unsuppress", "suppression", id),
        )
        .await?;
        Ok(NoContent::Done)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
