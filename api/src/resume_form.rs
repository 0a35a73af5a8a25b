//! The body of `POST /leads`: a multipart form with `first_name`, `last_name`, `email` and
//! `resume`, documented in OpenAPI and read by streaming: the résumé is cut off (413) as soon as
//! it passes the limit, without reading the rest.

use crate::error::ApiError;
use crate::state::AppState;
use leadgen_core::validate::{FieldError, email_address, person_name};
use poem::web::Multipart;
use poem::{FromRequest, Request, RequestBody};
use poem_openapi::payload::Payload;
use poem_openapi::registry::{MetaMediaType, MetaRequest, Registry};
use poem_openapi::types::multipart::Upload;
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions};
use tokio::io::AsyncReadExt;

/// The public lead form (documentation only: the form is read by [`LeadForm`]).
#[derive(poem_openapi::Multipart)]
pub struct LeadFormDoc {
    /// First name (1–100 characters).
    pub first_name: String,
    /// Last name (1–100 characters).
    pub last_name: String,
    /// Email address.
    pub email: String,
    /// Résumé: PDF, DOC or DOCX (judged by content), at most 5 MB by default.
    pub resume: Upload,
}

/// The validated form.
pub struct LeadForm {
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email, lower-cased.
    pub email: String,
    /// The résumé's bytes.
    pub resume: Vec<u8>,
    /// The name the client gave the file.
    pub resume_name: String,
}

const TEXT_LIMIT: u64 = 1024;

impl<'a> ApiExtractor<'a> for LeadForm {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        <LeadFormDoc as Payload>::register(registry);
    }

    fn request_meta() -> Option<MetaRequest> {
        Some(MetaRequest {
            description: Some("The form, as `multipart/form-data`."),
            content: vec![MetaMediaType {
                content_type: "multipart/form-data",
                schema: <LeadFormDoc as Payload>::schema_ref(),
            }],
            required: true,
        })
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        _opts: ExtractParamOptions<()>,
    ) -> poem::Result<Self> {
        let raw = RawForm::read(request, body).await?;
        raw.validate()
            .map_err(|errors| ApiError::Validation(errors).into())
    }
}

/// The form as sent, before validation (what a page shows again next to its errors).
#[derive(Debug, Default)]
pub struct RawForm {
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// The résumé and the name the client gave it.
    pub resume: Option<(Vec<u8>, String)>,
}

impl RawForm {
    /// Reads the multipart body, cutting the résumé off (413) as soon as it passes the limit.
    pub async fn read(request: &Request, body: &mut RequestBody) -> poem::Result<RawForm> {
        let state = request
            .data::<AppState>()
            .ok_or_else(|| ApiError::Internal("application state missing".into()))?;
        let max = state.cfg.intake.max_resume_bytes;
        let mut form = <Multipart as FromRequest>::from_request(request, body)
            .await
            .map_err(|e| poem_openapi::error::ParseRequestPayloadError {
                reason: format!("not a multipart/form-data body: {e}"),
            })?;
        let unreadable = |e: poem::error::ParseMultipartError| {
            poem::Error::from(poem_openapi::error::ParseRequestPayloadError {
                reason: format!("the form could not be read: {e}"),
            })
        };
        let mut raw = RawForm::default();
        while let Some(field) = form.next_field().await.map_err(unreadable)? {
            let name = field.name().unwrap_or("").to_string();
            match name.as_str() {
                "first_name" | "last_name" | "email" => {
                    let mut buf = Vec::new();
                    field
                        .into_async_read()
                        .take(TEXT_LIMIT + 1)
                        .read_to_end(&mut buf)
                        .await
                        .map_err(|e| ApiError::field(&name, format!("could not be read: {e}")))?;
                    if buf.len() as u64 > TEXT_LIMIT {
                        return Err(ApiError::field(&name, "is too long").into());
                    }
                    let text = String::from_utf8(buf)
                        .map_err(|_| ApiError::field(&name, "is not UTF-8 text"))?;
                    match name.as_str() {
                        "first_name" => raw.first_name = Some(text),
                        "last_name" => raw.last_name = Some(text),
                        _ => raw.email = Some(text),
                    }
                }
                "resume" => {
                    let file_name = field.file_name().unwrap_or("").to_string();
                    let mut buf = Vec::new();
                    field
                        .into_async_read()
                        .take(max as u64 + 1)
                        .read_to_end(&mut buf)
                        .await
                        .map_err(|e| {
                            ApiError::field("resume", format!("could not be read: {e}"))
                        })?;
                    if buf.len() > max {
                        return Err(ApiError::FieldTooLarge {
                            field: "resume".into(),
                            message: format!(
                                "is larger than {} MB",
                                max as f64 / (1024.0 * 1024.0)
                            ),
                        }
                        .into());
                    }
                    raw.resume = Some((buf, file_name));
                }
                // Other fields (a submit button, say) are ignored.
                _ => {}
            }
        }
        Ok(raw)
    }

    /// Checks every field; all problems at once.
    pub fn validate(self) -> Result<LeadForm, Vec<FieldError>> {
        let mut errors: Vec<FieldError> = Vec::new();
        let first_name = person_name("first_name", self.first_name.as_deref())
            .map_err(|e| errors.push(e))
            .ok();
        let last_name = person_name("last_name", self.last_name.as_deref())
            .map_err(|e| errors.push(e))
            .ok();
        let email = email_address("email", self.email.as_deref().unwrap_or(""))
            .map_err(|e| errors.push(e))
            .ok();
        if self.resume.as_ref().is_none_or(|(b, _)| b.is_empty()) {
            errors.push(FieldError {
                field: "resume".into(),
                message: "is required (a PDF, DOC or DOCX file)".into(),
            });
        }
        match (first_name, last_name, email, self.resume) {
            (Some(first_name), Some(last_name), Some(email), Some((resume, resume_name)))
                if errors.is_empty() =>
            {
                Ok(LeadForm {
                    first_name,
                    last_name,
                    email,
                    resume,
                    resume_name,
                })
            }
            _ => Err(errors),
        }
    }
}
