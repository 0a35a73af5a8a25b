//! `/apply`: the public lead form as a page. It works without JavaScript: the browser posts
//! the form, the server answers with a confirmation or with the form again, each problem in an
//! error summary linked to its field and next to the field itself.

use super::layout::{error_summary, label_of, shell};
use crate::auth::client::ClientInfo;
use crate::error::ApiError;
use crate::resume_form::RawForm;
use crate::state::AppState;
use leadgen_core::config::FormText;
use maud::{Markup, html};
use poem::http::StatusCode;
use poem::web::Data;
use poem::{IntoResponse, Request, RequestBody, Response, handler};

/// What the visitor typed, shown again after a problem.
#[derive(Default)]
struct Values {
    first_name: String,
    last_name: String,
    email: String,
}

fn form(text: &FormText, v: &Values, errors: &[(String, String)]) -> Markup {
    let error_of = |f: &str| {
        errors
            .iter()
            .find(|(field, _)| field == f)
            .map(|(_, m)| m.clone())
    };
    let text_field = |name: &str, kind: &str, value: &str, autocomplete: &str| {
        let err = error_of(name);
        html! {
            label for=(name) { (label_of(name)) }
            @if let Some(m) = &err {
                p class="field-error" id={ (name) "-error" } { span class="visually-hidden" { "Error: " } (label_of(name)) " " (m) }
            }
            input type=(kind) id=(name) name=(name) value=(value) autocomplete=(autocomplete)
                required aria-invalid=[err.as_ref().map(|_| "true")]
                aria-describedby=[err.as_ref().map(|_| format!("{name}-error"))];
        }
    };
    let resume_err = error_of("resume");
    html! {
        h1 { (text.title) }
        p { (text.intro) }
        (error_summary(errors))
        form method="post" action="/apply" enctype="multipart/form-data" novalidate {
            (text_field("first_name", "text", &v.first_name, "given-name"))
            (text_field("last_name", "text", &v.last_name, "family-name"))
            (text_field("email", "email", &v.email, "email"))
            label for="resume" { "Résumé" }
            p class="hint" id="resume-hint" { "PDF, DOC or DOCX, at most 5 MB." }
            @if let Some(m) = &resume_err {
                p class="field-error" id="resume-error" { span class="visually-hidden" { "Error: " } "Résumé " (m) }
            }
            input type="file" id="resume" name="resume" required
                accept=".pdf,.doc,.docx,application/pdf,application/msword,application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                aria-invalid=[resume_err.as_ref().map(|_| "true")]
                aria-describedby=(if resume_err.is_some() { "resume-hint resume-error" } else { "resume-hint" });
            p { button type="submit" { "Send application" } }
        }
    }
}

/// The form.
#[handler]
pub async fn show(state: Data<&AppState>) -> Response {
    let text = &state.cfg.intake.form;
    shell(
        &text.title,
        &text.brand,
        None,
        None,
        form(text, &Values::default(), &[]),
    )
    .into_response()
}

/// A submitted form.
#[handler]
pub async fn submit(
    req: &Request,
    body: poem::Body,
    state: Data<&AppState>,
    client: Data<&ClientInfo>,
) -> Response {
    let text = &state.cfg.intake.form;
    let again = |v: &Values, errors: Vec<(String, String)>, status: StatusCode| {
        shell(&text.title, &text.brand, None, None, form(text, v, &errors))
            .with_status(status)
            .into_response()
    };
    let mut body = RequestBody::new(body);
    let raw = match RawForm::read(req, &mut body).await {
        Ok(raw) => raw,
        Err(e) => {
            let (errors, status) = match e.downcast_ref::<ApiError>() {
                Some(ApiError::FieldTooLarge { field, message }) => (
                    vec![(field.clone(), message.clone())],
                    StatusCode::PAYLOAD_TOO_LARGE,
                ),
                Some(ApiError::Validation(f)) => (
                    f.iter()
                        .map(|f| (f.field.clone(), f.message.clone()))
                        .collect(),
                    StatusCode::UNPROCESSABLE_ENTITY,
                ),
                _ => (
                    vec![(
                        "resume".into(),
                        "could not be received; please try again".into(),
                    )],
                    StatusCode::BAD_REQUEST,
                ),
            };
            return again(&Values::default(), errors, status);
        }
    };
    let values = Values {
        first_name: raw.first_name.clone().unwrap_or_default(),
        last_name: raw.last_name.clone().unwrap_or_default(),
        email: raw.email.clone().unwrap_or_default(),
    };
    let form_data = match raw.validate() {
        Ok(f) => f,
        Err(fields) => {
            let errors = fields.into_iter().map(|f| (f.field, f.message)).collect();
            return again(&values, errors, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    match crate::routes::inbound::submit(&state, &client, form_data).await {
        Ok(_) => shell(
            "Application received",
            &text.brand,
            None,
            None,
            html! {
                h1 { "Thank you, " (values.first_name) }
                div class="notice" role="status" {
                    p { "We received your application and sent a confirmation to " strong { (values.email) } "." }
                }
            },
        )
        .with_status(StatusCode::CREATED)
        .into_response(),
        Err(failure) => {
            let e: poem::Error = failure.into();
            let (errors, status) = match e.downcast_ref::<ApiError>() {
                Some(ApiError::Validation(f)) => (
                    f.iter().map(|f| (f.field.clone(), f.message.clone())).collect(),
                    StatusCode::UNPROCESSABLE_ENTITY,
                ),
                _ => (
                    vec![(
                        "resume".into(),
                        "could not be accepted right now; please try again in a few minutes".into(),
                    )],
                    StatusCode::SERVICE_UNAVAILABLE,
                ),
            };
            again(&values, errors, status)
        }
    }
}
