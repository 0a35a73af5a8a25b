//! The one error shape of the API: `{"error": {code, message, details, request_id}}` with the
//! HTTP status that fits. Every failure is turned into it in one place, [`error_response`],
//! including the framework's own parse errors; 5xx bodies never carry internal detail.

use leadgen_core::validate::FieldError;
use poem::http::StatusCode;
use poem::{IntoResponse, Response};
use serde_json::json;

/// An error the API answers with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The caller sent something invalid; each field and why.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// The resource does not exist.
    #[error("{0}")]
    NotFound(String),
    /// No credentials, or credentials that are not (or no longer) valid.
    #[error("{0}")]
    Unauthorized(String),
    /// Valid credentials that do not allow this.
    #[error("{message}")]
    Forbidden {
        /// What the caller is told.
        message: String,
        /// Who was refused, for the audit log.
        actor: Option<crate::auth::ActorRef>,
        /// The permission missing.
        permission: Option<&'static str>,
    },
    /// The request conflicts with the current state (e.g. an email already taken).
    #[error("{0}")]
    Conflict(String),
    /// Too many requests; the client may try again after this long.
    #[error("too many requests")]
    RateLimited {
        /// Whole seconds to wait (at least 1).
        retry_after: u64,
        /// What was limited.
        message: String,
    },
    /// The request body is larger than allowed.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// One field of the body is larger than allowed.
    #[error("{field}: {message}")]
    FieldTooLarge {
        /// The field.
        field: String,
        /// Why.
        message: String,
    },
    /// A service the request needs (other than the database) is unreachable.
    #[error("{0}")]
    DependencyDown(String),
    /// The database is unreachable right now.
    #[error("database unavailable")]
    Unavailable,
    /// Anything else; logged with its chain, answered opaquely.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// Refused for want of `permission`.
    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::Forbidden {
            message: message.into(),
            actor: None,
            permission: None,
        }
    }

    /// Limited for `wait`, rounded up to whole seconds.
    pub fn rate_limited(wait: std::time::Duration, message: impl Into<String>) -> Self {
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        ApiError::RateLimited {
            retry_after: secs.max(1),
            message: message.into(),
        }
    }

    /// One invalid field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        ApiError::Validation(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
                ApiError::Unavailable
            }
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl poem::error::ResponseError for ApiError {
    fn status(&self) -> StatusCode {
        match self {
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden { .. } => StatusCode::FORBIDDEN,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) | ApiError::FieldTooLarge { .. } => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            ApiError::DependencyDown(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

fn body(
    status: StatusCode,
    code: &str,
    message: &str,
    details: serde_json::Value,
    request_id: &str,
) -> Response {
    poem::web::Json(json!({
        "error": {
            "code": code,
            "message": message,
            "details": details,
            "request_id": request_id,
        }
    }))
    .with_status(status)
    .into_response()
}

/// Turns any error raised while serving a request into the API's error response.
pub fn error_response(err: poem::Error, request_id: &str) -> Response {
    if let Some(e) = err.downcast_ref::<ApiError>() {
        return match e {
            ApiError::Validation(fields) => body(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_error",
                &format!(
                    "invalid request: {}",
                    fields
                        .iter()
                        .map(|f| format!("{}: {}", f.field, f.message))
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
                serde_json::to_value(fields).unwrap_or_default(),
                request_id,
            ),
            ApiError::NotFound(m) => {
                body(StatusCode::NOT_FOUND, "not_found", m, json!([]), request_id)
            }
            ApiError::Unauthorized(m) => {
                let mut r = body(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    m,
                    json!([]),
                    request_id,
                );
                r.headers_mut().insert(
                    poem::http::header::WWW_AUTHENTICATE,
                    poem::http::HeaderValue::from_static("Bearer realm=\"leadgen\""),
                );
                r
            }
            ApiError::Forbidden { message, .. } => body(
                StatusCode::FORBIDDEN,
                "forbidden",
                message,
                json!([]),
                request_id,
            ),
            ApiError::Conflict(m) => {
                body(StatusCode::CONFLICT, "conflict", m, json!([]), request_id)
            }
            ApiError::FieldTooLarge { field, message } => body(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                &format!("{field}: {message}"),
                json!([{ "field": field, "message": message }]),
                request_id,
            ),
            ApiError::DependencyDown(m) => body(
                StatusCode::SERVICE_UNAVAILABLE,
                "service_unavailable",
                m,
                json!([]),
                request_id,
            ),
            ApiError::PayloadTooLarge(m) => body(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                m,
                json!([]),
                request_id,
            ),
            ApiError::RateLimited {
                retry_after,
                message,
            } => {
                let mut r = poem::web::Json(json!({
                    "error": {
                        "code": "rate_limited",
                        "message": message,
                        "details": [],
                        "request_id": request_id,
                        "retry_after": retry_after,
                    }
                }))
                .with_status(StatusCode::TOO_MANY_REQUESTS)
                .into_response();
                r.headers_mut()
                    .insert(poem::http::header::RETRY_AFTER, (*retry_after).into());
                r
            }
            ApiError::Unavailable => body(
                StatusCode::SERVICE_UNAVAILABLE,
                "service_unavailable",
                "the database is unavailable; try again shortly",
                json!([]),
                request_id,
            ),
            ApiError::Internal(m) => {
                tracing::error!(request_id, error = %m, "internal error");
                body(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal_error",
                    "an internal error occurred; quote the request id when reporting it",
                    json!([]),
                    request_id,
                )
            }
        };
    }
    if let Some(e) = err.downcast_ref::<poem_openapi::error::ParseParamError>() {
        let field = FieldError {
            field: e.name.to_string(),
            message: e.reason.clone(),
        };
        return error_response(ApiError::Validation(vec![field]).into(), request_id);
    }
    if let Some(e) = err.downcast_ref::<poem_openapi::error::ParseRequestPayloadError>() {
        return body(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            &format!("the request body is not valid: {}", e.reason),
            json!([{ "field": "body", "message": e.reason }]),
            request_id,
        );
    }
    let status = err.status();
    if status.is_server_error() {
        tracing::error!(request_id, error = %err, "request failed");
        return body(
            status,
            "internal_error",
            "an internal error occurred; quote the request id when reporting it",
            json!([]),
            request_id,
        );
    }
    let code = match status {
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::TOO_MANY_REQUESTS => "rate_limited",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        _ => "bad_request",
    };
    body(status, code, &err.to_string(), json!([]), request_id)
}
