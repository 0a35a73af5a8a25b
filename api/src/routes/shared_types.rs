//! Types every endpoint's OpenAPI schema shares: timestamps and percentages rendered exactly as
//! the API has always rendered them, the error shape, and the declaration of each endpoint's
//! error responses.
//!
//! Errors are still rendered in one place only, [`crate::error::error_response`]: an
//! [`ApiFailure`] merely carries the [`ApiError`] there and tells the document which statuses
//! an endpoint can answer with; [`ErrorResponse`] describes what `error_response` writes.

use crate::error::ApiError;
use chrono::{DateTime, Utc};
use poem_openapi::registry::{
    MetaHeader, MetaMediaType, MetaResponse, MetaResponses, MetaSchema, MetaSchemaRef, Registry,
};
use poem_openapi::types::{ParseError, ParseFromJSON, ParseResult, ToJSON, Type};
use poem_openapi::{ApiResponse, Enum, Object};
use serde_json::Value;
use std::borrow::Cow;
use std::marker::PhantomData;

/// A point in time, written as RFC 3339 in UTC with a `Z` suffix and the precision recorded
/// (`2026-12-01T02:58:45.105254Z`), as serde writes it (poem-openapi's own `DateTime` writes
/// `+00:00` instead).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp(pub DateTime<Utc>);

impl From<DateTime<Utc>> for Timestamp {
    fn from(t: DateTime<Utc>) -> Self {
        Timestamp(t)
    }
}

impl Type for Timestamp {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        "string_date-time".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema::new_with_format("string", "date-time")))
    }

    fn as_raw_value(&self) -> Option<&Self> {
        Some(self)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl ParseFromJSON for Timestamp {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value {
            Some(Value::String(s)) => Ok(Timestamp(s.parse::<DateTime<Utc>>()?)),
            other => Err(ParseError::expected_type(other.unwrap_or_default())),
        }
    }
}

impl ToJSON for Timestamp {
    fn to_json(&self) -> Option<Value> {
        serde_json::to_value(self.0).ok()
    }
}

/// A percentage 0–100 computed by the database, one decimal place, kept exactly as computed
/// (an integer `0` when there was nothing to count).
#[derive(Debug, Clone, PartialEq)]
pub struct Percentage(pub serde_json::Number);

impl Type for Percentage {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        "number_percentage".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        let mut schema = MetaSchema::new("number");
        schema.minimum = Some(0.0);
        schema.maximum = Some(100.0);
        MetaSchemaRef::Inline(Box::new(schema))
    }

    fn as_raw_value(&self) -> Option<&Self> {
        Some(self)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl ParseFromJSON for Percentage {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value {
            Some(Value::Number(n)) => Ok(Percentage(n)),
            other => Err(ParseError::expected_type(other.unwrap_or_default())),
        }
    }
}

impl ToJSON for Percentage {
    fn to_json(&self) -> Option<Value> {
        Some(Value::Number(self.0.clone()))
    }
}

/// Reads a value the database or a worker stored as JSON (or as a constrained text column) into
/// its response type; a value of an unexpected shape is an internal error, never a panic.
pub fn stored<T: ParseFromJSON>(value: impl Into<Value>, what: &str) -> Result<T, ApiError> {
    T::parse_from_json(Some(value.into())).map_err(|e| {
        ApiError::Internal(format!(
            "stored {what} has an unexpected shape: {}",
            e.message()
        ))
    })
}

/// What went wrong, as a stable machine-readable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A parameter or body field is invalid; `details` names each one.
    ValidationError,
    /// The request body is not valid JSON.
    InvalidBody,
    /// The job, lead or path does not exist.
    NotFound,
    /// The database is unavailable; try again shortly.
    ServiceUnavailable,
    /// An internal error; quote the request id when reporting it.
    InternalError,
    /// The method is not allowed on this path.
    MethodNotAllowed,
    /// The request body is too large.
    PayloadTooLarge,
    /// The request body's content type is not supported.
    UnsupportedMediaType,
    /// Too many requests; retry after `retry_after` seconds (also the `Retry-After` header).
    RateLimited,
    /// Missing, invalid or expired credentials (also the `WWW-Authenticate` header).
    Unauthorized,
    /// The credentials are valid but do not allow this.
    Forbidden,
    /// The request conflicts with the current state, e.g. an email already taken.
    Conflict,
    /// Any other malformed request.
    BadRequest,
}

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct ErrorFieldDetail {
    /// The parameter or body field, e.g. `industry` or `job_id` (`body` when the body as a whole
    /// could not be read).
    pub field: String,
    /// Why it is invalid.
    pub message: String,
}

/// The error itself.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct ErrorInfo {
    /// Machine-readable code.
    pub code: ErrorCode,
    /// Human-readable message; for 5xx errors it carries no internal detail.
    pub message: String,
    /// Each invalid field and why (empty unless the request was invalid).
    pub details: Vec<ErrorFieldDetail>,
    /// Id of the request, also sent as the `X-Request-Id` header.
    pub request_id: String,
    /// With `rate_limited`: seconds to wait before trying again.
    #[oai(skip_serializing_if_is_none)]
    pub retry_after: Option<u64>,
}

/// The one shape of every error answer.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct ErrorResponse {
    /// The error.
    pub error: ErrorInfo,
}

/// A set of error statuses an endpoint declares in the OpenAPI document.
pub trait Failures: Send + Sync + 'static {
    /// Each status with its description.
    const STATUSES: &'static [(u16, &'static str)];
    /// Whether the endpoint needs credentials (and so can answer 401 and 403).
    const AUTHENTICATED: bool = true;
}

const UNSUPPORTED: (u16, &str) = (415, "The body is not JSON (`unsupported_media_type`).");
const UNAUTHORIZED: (u16, &str) = (
    401,
    "No credentials, or credentials that are invalid, expired or revoked (`unauthorized`).",
);
const FORBIDDEN: (u16, &str) = (
    403,
    "The credentials are valid but their role or scope does not allow this (`forbidden`).",
);
const RATE_LIMITED: (u16, &str) = (
    429,
    "Too many requests (`rate_limited`); wait `retry_after` seconds (also `Retry-After`).",
);

const INVALID: (u16, &str) = (
    422,
    "A parameter or body field is invalid (`validation_error`); `details` names each field and why.",
);
const UNAVAILABLE: (u16, &str) = (
    503,
    "The database (or, for a search, every discovery source) is unavailable; try again \
     shortly (`service_unavailable`).",
);
const INTERNAL: (u16, &str) = (
    500,
    "Internal error (`internal_error`); quote `request_id` when reporting it.",
);

/// Failures of starting a search: an unreadable or invalid body, or the database.
pub struct SearchFailures;

impl Failures for SearchFailures {
    const STATUSES: &'static [(u16, &'static str)] = &[
        (
            400,
            "The body is not valid JSON (`invalid_body`); `details` names the `body`.",
        ),
        (415, "The body is not JSON (`unsupported_media_type`)."),
        INVALID,
        UNAVAILABLE,
        INTERNAL,
    ];
}

/// Failures of starting a search from an uploaded domain list.
pub struct UploadFailures;

impl Failures for UploadFailures {
    const STATUSES: &'static [(u16, &'static str)] = &[
        (
            400,
            "The body is not readable multipart form data (`invalid_body`).",
        ),
        (
            413,
            "The upload is larger than allowed (`payload_too_large`).",
        ),
        (
            415,
            "The body is not multipart form data (`unsupported_media_type`).",
        ),
        INVALID,
        UNAVAILABLE,
        INTERNAL,
    ];
}

/// Failures of reading a job or leads: an invalid parameter, an unknown id, or the database.
pub struct LookupFailures;

impl Failures for LookupFailures {
    const STATUSES: &'static [(u16, &'static str)] = &[
        INVALID,
        (
            404,
            "The job or lead named does not exist (`not_found`, e.g. \"Job not found\").",
        ),
        UNAVAILABLE,
        INTERNAL,
    ];
}

/// Failures of sign-in and token refresh (no credentials needed, so no 403).
pub struct SignInFailures;

impl Failures for SignInFailures {
    const STATUSES: &'static [(u16, &'static str)] = &[
        (
            400,
            "The body is not valid JSON of the documented shape (`invalid_body`).",
        ),
        (
            401,
            "The email and password, or the refresh token, are not valid (`unauthorized`).",
        ),
        UNSUPPORTED,
        INVALID,
        UNAVAILABLE,
        INTERNAL,
    ];
    const AUTHENTICATED: bool = false;
}

/// Failures of creating or changing something: an unreadable or invalid body, an unknown id,
/// a conflict with what exists, or the database.
pub struct ChangeFailures;

impl Failures for ChangeFailures {
    const STATUSES: &'static [(u16, &'static str)] = &[
        (
            400,
            "The body is not valid JSON of the documented shape (`invalid_body`).",
        ),
        (404, "The object named does not exist (`not_found`)."),
        UNSUPPORTED,
        (
            409,
            "It conflicts with what exists, e.g. an email already taken or the last admin \
             (`conflict`).",
        ),
        INVALID,
        UNAVAILABLE,
        INTERNAL,
    ];
}

/// A failed request. It carries the [`ApiError`] unchanged to
/// [`crate::error::error_response`], which renders it; in the OpenAPI document it declares the
/// statuses of `S`, each with the [`ErrorResponse`] body and the `X-Request-Id` header.
pub struct ApiFailure<S>(pub ApiError, PhantomData<S>);

impl<S> From<ApiError> for ApiFailure<S> {
    fn from(e: ApiError) -> Self {
        ApiFailure(e, PhantomData)
    }
}

impl<S> From<sqlx::Error> for ApiFailure<S> {
    fn from(e: sqlx::Error) -> Self {
        ApiFailure(e.into(), PhantomData)
    }
}

impl<S> From<ApiFailure<S>> for poem::Error {
    fn from(f: ApiFailure<S>) -> Self {
        f.0.into()
    }
}

impl<S> std::fmt::Debug for ApiFailure<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl<S: Failures> ApiResponse for ApiFailure<S> {
    fn meta() -> MetaResponses {
        let auth: &[(u16, &str)] = if S::AUTHENTICATED {
            &[UNAUTHORIZED, FORBIDDEN]
        } else {
            &[]
        };
        let mut statuses: Vec<(u16, &'static str)> = S::STATUSES
            .iter()
            .chain(auth)
            .chain([&RATE_LIMITED])
            .copied()
            .collect();
        statuses.sort_by_key(|(s, _)| *s);
        statuses.dedup_by_key(|(s, _)| *s);
        MetaResponses {
            responses: statuses
                .into_iter()
                .map(|(status, description)| MetaResponse {
                    description,
                    status: Some(status),
                    status_range: None,
                    content: vec![MetaMediaType {
                        content_type: "application/json; charset=utf-8",
                        schema: ErrorResponse::schema_ref(),
                    }],
                    headers: vec![MetaHeader {
                        name: "X-Request-Id".into(),
                        description: Some(
                            "Id of the request; quote it when reporting a problem.".into(),
                        ),
                        required: true,
                        deprecated: false,
                        schema: String::schema_ref(),
                    }],
                })
                .collect(),
        }
    }

    fn register(registry: &mut Registry) {
        ErrorResponse::register(registry);
    }
}

/// The JSON answer of an endpoint, or its declared failures.
pub type ApiResult<T, S = LookupFailures> = Result<poem_openapi::payload::Json<T>, ApiFailure<S>>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::error_response;
    use leadgen_core::validate::FieldError;

    async fn rendered(e: poem::Error) -> Value {
        let body = error_response(e, "req-1").into_body();
        serde_json::from_slice(&body.into_vec().await.unwrap()).unwrap()
    }

    #[tokio::test]
    async fn the_error_schema_describes_what_error_response_writes() {
        let field = FieldError {
            field: "industry".into(),
            message: "field required".into(),
        };
        for e in [
            ApiError::Validation(vec![field]),
            ApiError::NotFound("Job not found".into()),
            ApiError::Unavailable,
            ApiError::Internal("boom".into()),
        ] {
            let json = rendered(ApiFailure::<LookupFailures>::from(e).into()).await;
            let parsed = ErrorResponse::parse_from_json(Some(json.clone()))
                .unwrap_or_else(|e| panic!("{json} does not fit the schema: {}", e.message()));
            assert_eq!(parsed.to_json(), Some(json));
        }
        let json = rendered(
            poem_openapi::error::ParseRequestPayloadError {
                reason: "not valid JSON".into(),
            }
            .into(),
        )
        .await;
        let parsed = ErrorResponse::parse_from_json(Some(json)).unwrap();
        assert_eq!(parsed.error.code, ErrorCode::InvalidBody);
        assert_eq!(parsed.error.details[0].field, "body");
    }

    #[test]
    fn timestamps_and_percentages_render_as_before() {
        let t: DateTime<Utc> = "2026-12-01T02:58:45.105108589Z".parse().unwrap();
        assert_eq!(
            Timestamp(t).to_json(),
            Some(serde_json::json!("2026-12-01T02:58:45.105108589Z"))
        );
        assert_eq!(Timestamp(t).to_json(), Some(serde_json::json!(t)));
        let zero: Percentage = stored(serde_json::json!(0), "test").unwrap();
        assert_eq!(zero.to_json(), Some(serde_json::json!(0)));
        let third: Percentage = stored(serde_json::json!(33.3), "test").unwrap();
        assert_eq!(third.to_json(), Some(serde_json::json!(33.3)));
    }
}
