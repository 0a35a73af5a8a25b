//! `POST /leads` (the public form) and `GET /leads/{lead_id}/files/{file_id}` (staff download).

use super::ApiTags;
use super::shared_types::{ApiFailure, Failures};
use crate::auth::Auth;
use crate::auth::audit::{self, Event};
use crate::auth::client::ClientInfo;
use crate::error::ApiError;
use crate::resume_form::LeadForm;
use crate::scanner::{self, Verdict};
use crate::state::AppState;
use leadgen_core::access::Permission;
use leadgen_core::intake::{filename, resume};
use leadgen_core::jobs::{NotifyJob, Stage};
use leadgen_core::mail::{self, InboundLead};
use leadgen_core::repo::inbound::{self, NewLeadFile, Submission};
use leadgen_core::repo::outbox;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::{Binary, Json};
use poem_openapi::{ApiResponse, Object, OpenApi};
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The public form and résumé downloads.
pub struct InboundApi;

/// What the person who submitted the form is told.
#[derive(Debug, Object)]
pub struct SubmissionReceived {
    /// Always `received`.
    pub status: String,
    /// A sentence to show.
    pub message: String,
}

/// The form was accepted.
#[derive(ApiResponse)]
pub enum Submitted {
    /// Received; a confirmation email is on its way. The same answer whether or not this email
    /// had submitted before, so the form tells nobody who has applied.
    #[oai(status = 201)]
    Received(Json<SubmissionReceived>),
}

/// A downloaded file.
#[derive(ApiResponse)]
pub enum Download {
    /// The file, as an attachment.
    #[oai(status = 200)]
    File(
        Binary<Vec<u8>>,
        #[oai(header = "Content-Type")] String,
        #[oai(header = "Content-Disposition")] String,
    ),
}

/// Failures of the public form.
pub struct FormFailures;

impl Failures for FormFailures {
    const STATUSES: &'static [(u16, &'static str)] = &[
        (
            400,
            "The body is not a readable multipart form (`invalid_body`).",
        ),
        (
            413,
            "The body, or the résumé in it, is larger than allowed (`payload_too_large`); \
             `details` names `resume`.",
        ),
        (
            422,
            "A field is missing or invalid, or the résumé is not a PDF, DOC or DOCX file or \
             carries malware (`validation_error`); `details` names each field and why.",
        ),
        (
            503,
            "The database or the virus scanner is unavailable; nothing was stored \
             (`service_unavailable`).",
        ),
        (
            500,
            "Internal error (`internal_error`); quote `request_id` when reporting it.",
        ),
    ];
    const AUTHENTICATED: bool = false;
}

/// Failures of a download.
pub struct DownloadFailures;

impl Failures for DownloadFailures {
    const STATUSES: &'static [(u16, &'static str)] = &[
        (422, "An id is not a UUID (`validation_error`)."),
        (404, "No such lead or file (`not_found`)."),
        (
            503,
            "The database or the file store is unavailable (`service_unavailable`).",
        ),
        (
            500,
            "Internal error (`internal_error`); quote `request_id` when reporting it.",
        ),
    ];
}

fn uuid(field: &str, raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError::field(field, "must be a UUID"))
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Leads")]
impl InboundApi {
    /// Download a file of a lead (staff with `leads:read`), as an attachment.
    #[oai(path = "/leads/:lead_id/files/:file_id", method = "get")]
    async fn download(
        &self,
        state: Data<&AppState>,
        client: Data<&ClientInfo>,
        auth: Auth,
        lead_id: Path<String>,
        file_id: Path<String>,
    ) -> Result<Download, ApiFailure<DownloadFailures>> {
        let (lead_id, file_id) = (uuid("lead_id", &lead_id)?, uuid("file_id", &file_id)?);
        let (bytes, content_type, filename) =
            fetch_file(&state, &client, &auth, lead_id, file_id).await?;
        Ok(Download::File(
            Binary(bytes),
            content_type.to_string(),
            attachment(&filename),
        ))
    }
}

/// A lead's file for a caller with `leads:read`: its bytes, content type and name; the
/// download is audited.
pub async fn fetch_file(
    state: &AppState,
    client: &ClientInfo,
    who: &crate::auth::Principal,
    lead_id: Uuid,
    file_id: Uuid,
) -> Result<(Vec<u8>, &'static str, String), ApiError> {
    who.require(Permission::LeadsRead)?;
    let file = inbound::file(&state.pool, lead_id, file_id)
        .await?
        .ok_or_else(|| ApiError::NotFound("File not found".into()))?;
    let bytes = state
        .files
        .get(&file.storage_key)
        .await
        .map_err(|e| ApiError::DependencyDown(format!("the file store: {e}")))?;
    audit::by(
        state,
        Some(client),
        who,
        Event::ok("lead.file_download", "lead_file", file.id)
            .detail(json!({ "lead_id": lead_id, "filename": file.filename })),
    )
    .await?;
    let content_type = match file.kind.as_str() {
        "pdf" => resume::ResumeKind::Pdf,
        "doc" => resume::ResumeKind::Doc,
        _ => resume::ResumeKind::Docx,
    }
    .content_type();
    Ok((bytes, content_type, file.filename))
}

/// `Content-Disposition` of a download (the name is sanitised already; quotes never pass).
pub fn attachment(filename: &str) -> String {
    format!("attachment; filename=\"{}\"", filename.replace('"', ""))
}

/// Creates or finds the lead, attaches the file and queues both emails, in one transaction.
async fn record(
    state: &AppState,
    first_name: &str,
    last_name: &str,
    email: &str,
    file: &NewLeadFile<'_>,
) -> Result<(Uuid, bool), ApiError> {
    let mut tx = state.pool.begin().await?;
    let (lead_id, created) = inbound::upsert_lead(
        &mut *tx,
        &Submission {
            first_name,
            last_name,
            email,
        },
    )
    .await?;
    inbound::add_file(
        &mut *tx,
        &NewLeadFile {
            lead_id,
            ..file.clone()
        },
    )
    .await?;
    let lead = InboundLead {
        lead_id,
        first_name,
        last_name,
        email,
        filename: file.filename,
        resubmitted: !created,
        public_url: state.cfg.public_url.as_deref(),
    };
    let sender = sender_name(&state.cfg.mail.from);
    let confirmation =
        mail::inbound_confirmation(&lead, &state.cfg.intake.confirmation_text, &sender);
    let to_person = [email.to_string()];
    let mut emails = vec![(
        "inbound_confirmation",
        format!("inbound_confirmation:{}", file.id),
        confirmation,
        &to_person[..],
    )];
    if !state.cfg.mail.notify_to.is_empty() {
        emails.push((
            "inbound_staff",
            format!("inbound_staff:{}", file.id),
            mail::inbound_staff(&lead),
            &state.cfg.mail.notify_to[..],
        ));
    }
    for (kind, key, composed, recipients) in &emails {
        let new = outbox::NewEmail {
            kind,
            dedupe_key: key,
            job_id: None,
            recipients,
            email: composed,
            message_id_domain: state.cfg.mail.from_domain(),
        };
        if let Some(email_id) = outbox::insert(&mut *tx, &new).await? {
            leadgen_core::queue::push(
                &mut tx,
                Stage::Notify,
                &NotifyJob { email_id },
                None,
                state.cfg.max_attempts as usize,
            )
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        }
    }
    tx.commit().await?;
    Ok((lead_id, created))
}

/// The display name of the From: mailbox, or the product's name.
fn sender_name(from: &str) -> String {
    match from.split_once('<') {
        Some((name, _)) if !name.trim().is_empty() => name.trim().trim_matches('"').to_string(),
        _ => "leadgen".into(),
    }
}

/// Handles the public form (the endpoint is declared with the other `/leads` operations).
pub async fn submit(
    state: &AppState,
    client: &ClientInfo,
    form: LeadForm,
) -> Result<Submitted, ApiFailure<FormFailures>> {
    // A suppressed person (or domain) is not stored; the answer is the same as for anyone, so
    // the form does not reveal the list.
    let digests = leadgen_core::privacy::digests_for([form.email.as_str()], None);
    if !leadgen_core::repo::privacy::suppressed(&state.pool, &digests)
        .await?
        .is_empty()
    {
        audit::record(
            state,
            Some(client),
            None,
            "suppressed",
            Event {
                action: "lead.inbound",
                outcome: "denied",
                target_type: None,
                target_id: None,
                detail: json!({ "reason": "suppressed" }),
            },
        )
        .await?;
        return Ok(received());
    }
    let limits = resume::UnpackLimits::default();
    let bytes = form.resume;
    // The file moves to the blocking thread and back rather than being copied.
    let (kind, bytes) =
        tokio::task::spawn_blocking(move || (resume::inspect(&bytes, limits), bytes))
            .await
            .map_err(|e| ApiError::Internal(format!("inspecting the résumé: {e}")))?;
    let kind = kind.map_err(|e| ApiError::field("resume", e.0))?;
    let scan_result = match &state.cfg.intake.clamav {
        None => "not_scanned",
        Some(at) => match scanner::scan(at, &bytes).await {
            Ok(Verdict::Clean) => "clean",
            Ok(Verdict::Infected(name)) => {
                audit::record(
                    state,
                    Some(client),
                    None,
                    &form.email,
                    Event {
                        action: "lead.inbound",
                        outcome: "denied",
                        target_type: None,
                        target_id: None,
                        detail: json!({ "reason": "malware", "signature": name }),
                    },
                )
                .await?;
                return Err(ApiError::field(
                    "resume",
                    format!("was refused by the virus scanner ({name})"),
                )
                .into());
            }
            Err(e) => {
                tracing::error!(error = %e, "virus scanner unavailable; upload refused");
                return Err(ApiError::DependencyDown(
                    "the virus scanner is unavailable, so the file cannot be accepted now; \
                         try again shortly"
                        .into(),
                )
                .into());
            }
        },
    };
    let file_id = Uuid::now_v7();
    let name = filename::sanitise(&form.resume_name, kind.as_str());
    let now = state.clock.now();
    let storage_key = format!("resumes/{}/{file_id}", now.format("%Y/%m"));
    state
        .files
        .put(&storage_key, &bytes)
        .await
        .map_err(|e| ApiError::DependencyDown(format!("the file store is unavailable: {e}")))?;
    // The file is stored; everything else commits together, or the file is removed again.
    let recorded = record(
        state,
        &form.first_name,
        &form.last_name,
        &form.email,
        &NewLeadFile {
            id: file_id,
            lead_id: Uuid::nil(),
            storage_key: &storage_key,
            filename: &name,
            kind: kind.as_str(),
            size_bytes: bytes.len() as i64,
            sha256: &Sha256::digest(&bytes),
            scan_result,
        },
    )
    .await;
    let (lead_id, created) = match recorded {
        Ok(r) => r,
        Err(e) => {
            if let Err(del) = state.files.delete(&storage_key).await {
                tracing::error!(error = %del, key = storage_key, "removing an orphaned upload");
            }
            return Err(e.into());
        }
    };
    audit::record(
        state,
        Some(client),
        None,
        &form.email,
        Event {
            action: "lead.inbound",
            outcome: "ok",
            target_type: Some("lead"),
            target_id: Some(lead_id.to_string()),
            detail: json!({ "file_id": file_id, "resubmission": !created, "scan": scan_result }),
        },
    )
    .await?;
    state.metrics.lead_submitted();
    Ok(received())
}

fn received() -> Submitted {
    Submitted::Received(Json(SubmissionReceived {
        status: "received".into(),
        message: "Thank you: we received your application and sent you a confirmation email."
            .into(),
    }))
}
