//! `/searches`: start a search with the seed's criteria and filters, and follow it on its own
//! page — complete on every load, and live (progress, counts, leads as they are found) where
//! the browser runs the small script.

use super::layout::{error_summary, page};
use super::session;
use crate::auth::client::ClientInfo;
use crate::error::ApiError;
use crate::state::AppState;
use leadgen_core::access::Permission;
use leadgen_core::model::SIZE_CATEGORIES;
use leadgen_core::repo::jobs;
use leadgen_core::repo::leads::{self, LeadFilter};
use maud::{Markup, html};
use poem::http::StatusCode;
use poem::web::cookie::CookieJar;
use poem::web::{Data, Form, Path, Redirect};
use poem::{IntoResponse, Request, Response, handler};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

/// The search form's fields.
#[derive(Debug, Default, Deserialize)]
pub struct SearchForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    industry: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    company_size: String,
    #[serde(default)]
    max_results: String,
    #[serde(default)]
    has_website: Option<String>,
    #[serde(default)]
    min_employees: String,
    #[serde(default)]
    technologies: String,
    #[serde(default)]
    domains: String,
}

fn form(csrf: &str, f: &SearchForm, errors: &[(String, String)]) -> Markup {
    let err = |field: &str| {
        errors
            .iter()
            .find(|(k, _)| k == field)
            .map(|(_, m)| m.clone())
    };
    let field = |name: &str, label: &str, value: &str, kind: &str, hint: Option<&str>| {
        let e = err(name);
        html! {
            label for=(name) { (label) }
            @if let Some(h) = hint { p class="hint" id={ (name) "-hint" } { (h) } }
            @if let Some(m) = &e { p class="field-error" id={ (name) "-error" } { span class="visually-hidden" { "Error: " } (label) " " (m) } }
            input type=(kind) id=(name) name=(name) value=(value)
                aria-invalid=[e.as_ref().map(|_| "true")]
                aria-describedby=[e.as_ref().map(|_| format!("{name}-error")).or(hint.map(|_| format!("{name}-hint")))];
        }
    };
    html! {
        (error_summary(errors))
        form method="post" action="/searches" {
            input type="hidden" name="csrf" value=(csrf);
            (field("industry", "Industry", &f.industry, "text", Some("For example: dentist")))
            (field("location", "Location", &f.location, "text", Some("A city, for example: Austin")))
            label for="company_size" { "Company size" }
            select id="company_size" name="company_size" {
                option value="" { "Any" }
                @for s in SIZE_CATEGORIES { option value=(s) selected[f.company_size == *s] { (s) " employees" } }
            }
            (field("max_results", "Most companies", if f.max_results.is_empty() { "50" } else { &f.max_results }, "number", Some("1 to 1000")))
            fieldset {
                legend { "Filters" }
                label for="has_website" { input type="checkbox" id="has_website" name="has_website" value="true" checked[f.has_website.is_some()]; " Only companies with a website" }
                (field("min_employees", "At least this many employees", &f.min_employees, "number", None))
                (field("technologies", "Using one of these technologies", &f.technologies, "text", Some("Comma-separated, for example: WordPress, Stripe")))
            }
            fieldset {
                legend { "Or: known companies" }
                @let e = err("domains");
                label for="domains" { "Company domains" }
                p class="hint" id="domains-hint" { "One per line, for example: acme.com. The search then enriches these companies only; industry and location may stay empty." }
                @if let Some(m) = &e { p class="field-error" id="domains-error" { span class="visually-hidden" { "Error: " } "Company domains " (m) } }
                textarea id="domains" name="domains" rows="4"
                    aria-invalid=[e.as_ref().map(|_| "true")]
                    aria-describedby=(if e.is_some() { "domains-error" } else { "domains-hint" }) { (f.domains) }
            }
            p { button type="submit" { "Start search" } }
        }
    }
}

/// The search form.
#[handler]
pub async fn show(state: Data<&AppState>, client: Data<&ClientInfo>, jar: &CookieJar) -> Response {
    let who =
        match session::allowed(&state, &client, jar, "/searches", Permission::SearchesRun).await {
            Ok(p) => p,
            Err(r) => return r,
        };
    let csrf = session::csrf(jar).unwrap_or_default();
    let body = html! { h1 { "New search" } (form(&csrf, &SearchForm::default(), &[])) };
    page("New search", Some(&who), Some(&csrf), body).into_response()
}

/// Starting a search.
#[handler]
pub async fn start(
    state: Data<&AppState>,
    client: Data<&ClientInfo>,
    jar: &CookieJar,
    Form(f): Form<SearchForm>,
) -> Response {
    let who =
        match session::allowed(&state, &client, jar, "/searches", Permission::SearchesRun).await {
            Ok(p) => p,
            Err(r) => return r,
        };
    let csrf = session::csrf(jar).unwrap_or_default();
    if let Some(r) = session::form_token(&who, jar, &f.csrf) {
        return r;
    }
    let number = |v: &str| -> Value {
        v.trim()
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| {
                if v.trim().is_empty() {
                    Value::Null
                } else {
                    json!(v)
                }
            })
    };
    let technologies: Vec<String> = f
        .technologies
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    let domains: Vec<&str> = f
        .domains
        .split(['\n', ','])
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .collect();
    let optional = |v: &str| {
        if v.trim().is_empty() && !domains.is_empty() {
            Value::Null
        } else {
            json!(v)
        }
    };
    let mut body = json!({
        "industry": optional(&f.industry),
        "location": optional(&f.location),
        "company_size": if f.company_size.is_empty() { Value::Null } else { json!(f.company_size) },
        "max_results": number(&f.max_results),
        "filters": {
            "has_website": if f.has_website.is_some() { json!(true) } else { Value::Null },
            "min_employees": number(&f.min_employees),
            "technologies": technologies,
        }
    });
    if !domains.is_empty() {
        body["domains"] = json!(domains);
    }
    let criteria = match leadgen_core::validate::search_criteria(&body) {
        Ok(c) => c,
        Err(fields) => {
            let mut errors: Vec<(String, String)> = Vec::new();
            for e in fields {
                // `domains[2]` is reported on the one text area, naming the entry.
                let (field, message) = match e.field.strip_prefix("domains[") {
                    Some(rest) => {
                        let i: usize = rest.trim_end_matches(']').parse().unwrap_or(0);
                        let entry = domains.get(i).copied().unwrap_or_default();
                        ("domains".to_string(), format!("`{entry}` {}", e.message))
                    }
                    None => (
                        e.field.trim_start_matches("filters.").to_string(),
                        e.message,
                    ),
                };
                if !errors.iter().any(|(f, _)| *f == field) {
                    errors.push((field, message));
                }
            }
            let body = html! { h1 { "New search" } (form(&csrf, &f, &errors)) };
            return page("New search", Some(&who), Some(&csrf), body)
                .with_status(StatusCode::UNPROCESSABLE_ENTITY)
                .into_response();
        }
    };
    match crate::routes::search::start_search(&state, &criteria).await {
        Ok(row) => Redirect::see_other(format!("/searches/{}", row.id)).into_response(),
        Err(e) => super::layout::error_page(&who, jar, e),
    }
}

/// Columns ticked in the export form at first.
const DEFAULT_FIELDS: [&str; 8] = [
    "company_name",
    "website",
    "industry",
    "contact_email",
    "contact_phone",
    "lead_score",
    "quality",
    "status",
];

/// The CSV of a search's leads with the columns picked (`field=` repeated, in the form's order).
#[handler]
pub async fn export(
    req: &Request,
    state: Data<&AppState>,
    client: Data<&ClientInfo>,
    jar: &CookieJar,
    Path(id): Path<Uuid>,
) -> Response {
    let who =
        match session::allowed(&state, &client, jar, req.uri().path(), Permission::Export).await {
            Ok(p) => p,
            Err(r) => return r,
        };
    let picked: Vec<String> =
        url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
            .filter(|(k, _)| k == "field")
            .map(|(_, v)| v.into_owned())
            .collect();
    let columns = match crate::routes::export::parse_fields(Some(&picked.join(","))) {
        Ok(c) => c,
        Err(e) => return super::layout::error_page(&who, jar, e),
    };
    let event = crate::auth::audit::Event {
        action: "export.csv",
        outcome: "ok",
        target_type: Some("leads"),
        target_id: Some(id.to_string()),
        detail: json!({ "job_id": id, "fields": columns }),
    };
    if let Err(e) = crate::auth::audit::by(&state, Some(&client), &who, event).await {
        return super::layout::error_page(&who, jar, e);
    }
    let filter = LeadFilter {
        job_id: Some(id),
        ..Default::default()
    };
    let (body, disposition) = crate::routes::export::csv_body(&state, filter, columns);
    Response::builder()
        .content_type("text/csv; charset=utf-8")
        .header("content-disposition", disposition)
        .body(body)
}

/// A search and its results so far.
#[handler]
pub async fn job(
    req: &Request,
    state: Data<&AppState>,
    client: Data<&ClientInfo>,
    jar: &CookieJar,
    Path(id): Path<Uuid>,
) -> Response {
    let who = match session::allowed(
        &state,
        &client,
        jar,
        req.uri().path(),
        Permission::SearchesRead,
    )
    .await
    {
        Ok(p) => p,
        Err(r) => return r,
    };
    let row = match jobs::get(&state.pool, id).await {
        Ok(Some(r)) => r,
        Ok(None) => {
            return super::layout::error_page(
                &who,
                jar,
                ApiError::NotFound("Search not found".into()),
            );
        }
        Err(e) => return super::layout::error_page(&who, jar, e.into()),
    };
    let parts = match crate::routes::search::StatusParts::load(&state.pool, row.clone()).await {
        Ok(p) => p,
        Err(e) => return super::layout::error_page(&who, jar, e.into()),
    };
    let status = match crate::routes::search::status_body(&parts) {
        Ok(s) => s,
        Err(e) => return super::layout::error_page(&who, jar, e),
    };
    let filter = LeadFilter {
        job_id: Some(id),
        ..Default::default()
    };
    let found = leads::list(&state.pool, &filter, 200, 0)
        .await
        .unwrap_or_default();
    let text = |k: &str| {
        status
            .get(k)
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .unwrap_or_default()
    };
    let what = format!(
        "{} in {}",
        row.criteria["industry"].as_str().unwrap_or("companies"),
        row.criteria["location"].as_str().unwrap_or("anywhere")
    );
    let progress = status["progress"].as_f64().unwrap_or(0.0);
    let done = matches!(row.status.as_str(), "completed" | "failed");
    let body = html! {
        h1 { "Search: " (what) }
        section data-job=(id) data-done=(done) aria-labelledby="progress-title" {
            h2 id="progress-title" { "Progress" }
            p {
                label for="job-progress" { "Progress" }
                progress id="job-progress" max="100" value=(progress) { (progress) " %" }
            }
            dl class="facts" aria-live="polite" {
                dt { "Status" } dd { (row.status) }
                dt { "Step" } dd data-field="current_step" { (text("current_step")) }
                dt { "Progress" } dd { span data-field="progress" { (progress) } " %" }
                dt { "Leads found" } dd data-field="results_count" { (row.results_count) }
                dt { "Companies processed" } dd data-field="processed_count" { (row.processed_count) }
                dt { "Remaining" } dd data-field="remaining_count" { (text("remaining_count")) }
            }
            @if let Some(reason) = &row.failure_reason { p class="field-error" { "The search failed: " (reason) } }
            @if !done { p { a href={ "/searches/" (id) } { "Refresh" } " (updates arrive by themselves where scripts run)" } }
            h2 { "Leads found" }
            table {
                thead { tr { th scope="col" { "Company" } th scope="col" { "Score" } } }
                tbody data-field="leads" {
                    @for l in &found {
                        tr { td { a href={ "/leads/" (l.id) } { (l.company_name.as_deref().unwrap_or("lead")) } } td { (l.lead_score) } }
                    }
                }
            }
            @if who.can(Permission::Export) && !found.is_empty() {
                h2 { "Export" }
                form method="get" action={ "/searches/" (id) "/export.csv" } {
                    fieldset {
                        legend { "Columns of the CSV file" }
                        div class="filters" {
                            @for f in crate::routes::export::FIELDS {
                                label for={ "field-" (f) } {
                                    input type="checkbox" id={ "field-" (f) } name="field" value=(f)
                                        checked[DEFAULT_FIELDS.contains(&f)];
                                    " " (f)
                                }
                            }
                        }
                    }
                    p { button type="submit" { "Download CSV" } }
                }
            }
            @if !parts.sources.is_empty() {
                h2 { "Sources" }
                table {
                    thead { tr { th scope="col" { "Source" } th scope="col" { "State" } th scope="col" { "Listed" } th scope="col" { "Accepted" } th scope="col" { "Note" } } }
                    tbody {
                        @for s in &parts.sources {
                            tr {
                                td { (s.source) }
                                td { (s.state.replace('_', " ")) @if !s.done { " (running)" } }
                                td { (s.listed) }
                                td { (s.accepted) }
                                td { (s.message.as_deref().unwrap_or("")) }
                            }
                        }
                    }
                }
            }
            @if !parts.filtered.is_empty() {
                p { "Filtered out: " (parts.filtered.iter().map(|(f, n)| format!("{n} by {f}")).collect::<Vec<_>>().join(", ")) }
            }
            @if !parts.errors.is_empty() {
                h2 { "Problems" }
                ul { @for e in &parts.errors { li { (e.stage) ": " (e.company.as_deref().unwrap_or("")) " " (e.message) } } }
            }
        }
        script src="/assets/live.js" defer {}
    };
    page(
        &format!("Search: {what}"),
        Some(&who),
        session::csrf(jar).as_deref(),
        body,
    )
    .into_response()
}
