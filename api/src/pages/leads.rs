//! `/leads` and `/leads/{id}`: staff list, filter, search and open leads of every origin,
//! change status, assignee and notes, and download résumés.

use super::layout::{error_page, error_summary, forbidden, page};
use super::session;
use crate::auth::client::ClientInfo;
use crate::auth::{Auth, Principal};
use crate::error::ApiError;
use crate::routes::lead_types::{LeadOrigin, LeadSortKey, LeadStatus, SortOrder};
use crate::routes::lead_work::LeadUpdate;
use crate::routes::leads::{LeadQuery, lead_filter};
use crate::state::AppState;
use leadgen_core::access::{Permission, Role};
use leadgen_core::repo::{inbound, jobs, leads, users};
use maud::{Markup, html};
use poem::http::StatusCode;
use poem::web::cookie::CookieJar;
use poem::web::{Data, Form, Path, Query, Redirect};
use poem::{IntoResponse, Request, Response, handler};
use poem_openapi::types::{MaybeUndefined, ParseFromJSON};
use serde::Deserialize;
use uuid::Uuid;

const PAGE_SIZE: i64 = 25;
const STATUSES: [&str; 5] = [
    "PENDING",
    "REACHED_OUT",
    "QUALIFIED",
    "CONVERTED",
    "DISQUALIFIED",
];

/// The list's query string.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    origin: Option<String>,
    status: Option<String>,
    industry: Option<String>,
    score_min: Option<String>,
    score_max: Option<String>,
    mine: Option<String>,
    assignee: Option<String>,
    job_id: Option<String>,
    sort: Option<String>,
    page: Option<i64>,
    changed: Option<usize>,
}

fn parse<T: ParseFromJSON>(v: &Option<String>) -> Option<T> {
    v.as_deref()
        .filter(|s| !s.is_empty())
        .and_then(|s| T::parse_from_json(Some(serde_json::json!(s))).ok())
}

fn who_name(r: &leads::LeadRow) -> String {
    match (&r.company_name, &r.first_name, &r.last_name) {
        (Some(c), _, _) => c.clone(),
        (None, f, l) => format!(
            "{} {}",
            f.as_deref().unwrap_or(""),
            l.as_deref().unwrap_or("")
        )
        .trim()
        .to_string(),
    }
}

fn human(status: &str) -> String {
    status.replace('_', " ").to_lowercase()
}

/// Active users whose role works leads, as (id, email).
async fn assignable(state: &AppState) -> Vec<(Uuid, String)> {
    users::list(&state.pool, 500, 0)
        .await
        .map(|(rows, _)| {
            rows.into_iter()
                .filter(|u| {
                    u.disabled_at.is_none()
                        && Role::parse(&u.role).is_some_and(|r| r.allows(Permission::LeadsWork))
                })
                .map(|u| (u.id, u.email))
                .collect()
        })
        .unwrap_or_default()
}

/// The lead list.
#[handler]
pub async fn list(
    req: &Request,
    state: Data<&AppState>,
    client: Data<&ClientInfo>,
    jar: &CookieJar,
    Query(q): Query<ListQuery>,
) -> Response {
    let back = req.uri().to_string();
    let who = match session::allowed(&state, &client, jar, &back, Permission::LeadsRead).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let sort = match q.sort.as_deref() {
        Some("created") => LeadSortKey::Created,
        Some("updated") => LeadSortKey::Updated,
        Some("name") => LeadSortKey::Name,
        _ => LeadSortKey::Score,
    };
    let order = if sort == LeadSortKey::Name {
        SortOrder::Asc
    } else {
        SortOrder::Desc
    };
    let score = |v: &Option<String>| v.as_deref().and_then(|s| s.trim().parse::<i32>().ok());
    let (score_min, score_max) = (score(&q.score_min), score(&q.score_max));
    let job_id = q
        .job_id
        .as_deref()
        .and_then(|j| Uuid::parse_str(j.trim()).ok());
    let filter = lead_filter(LeadQuery {
        job_id,
        score_min,
        score_max,
        origin: parse::<LeadOrigin>(&q.origin),
        status: parse::<LeadStatus>(&q.status),
        assignee_id: q
            .mine
            .as_ref()
            .map(|_| who.user_id)
            .or_else(|| q.assignee.as_deref().and_then(|a| Uuid::parse_str(a).ok())),
        industry: q.industry.clone(),
        created_from: None,
        created_to: None,
        q: q.q.clone(),
        sort,
        order,
    });
    let filter = match filter {
        Ok(f) => f,
        Err(e) => return error_page(&who, jar, e),
    };
    let page_no = q.page.unwrap_or(1).max(1);
    let (rows, total) = match leads::page(
        &state.read_pool,
        &filter,
        PAGE_SIZE,
        (page_no - 1) * PAGE_SIZE,
    )
    .await
    {
        Ok(r) => r,
        Err(e) => return error_page(&who, jar, e.into()),
    };
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let link = |p: i64| {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("q", &q.q),
            ("origin", &q.origin),
            ("status", &q.status),
            ("sort", &q.sort),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                s.append_pair(k, v);
            }
        }
        s.append_pair("page", &p.to_string());
        format!("/leads?{}", s.finish())
    };
    let selected = |v: &Option<String>, want: &str| v.as_deref() == Some(want);
    let staff = assignable(&state).await;
    let searches: Vec<(Uuid, String)> = jobs::recent(&state.pool, 50)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|j| {
            let what = format!(
                "{} in {} ({})",
                j.criteria["industry"].as_str().unwrap_or("companies"),
                j.criteria["location"].as_str().unwrap_or("anywhere"),
                j.created_at.format("%Y-%m-%d %H:%M")
            );
            (j.id, what)
        })
        .collect();
    let can_work = who.can(Permission::LeadsWork);
    let csrf = session::csrf(jar).unwrap_or_default();
    let body = html! {
        h1 { "Leads" }
        form class="filters" method="get" action="/leads" role="search" aria-label="Filter leads" {
            div {
                label for="q" { "Search" }
                input type="text" id="q" name="q" value=[q.q.as_deref()] placeholder="name, email or status";
            }
            div {
                label for="origin" { "Origin" }
                select id="origin" name="origin" {
                    option value="" { "All" }
                    @for o in ["discovered", "inbound", "imported"] {
                        option value=(o) selected[selected(&q.origin, o)] { (o) }
                    }
                }
            }
            div {
                label for="status" { "Status" }
                select id="status" name="status" {
                    option value="" { "All" }
                    @for s in STATUSES {
                        option value=(s) selected[selected(&q.status, s)] { (human(s)) }
                    }
                }
            }
            div {
                label for="industry" { "Industry" }
                input type="text" id="industry" name="industry" value=[q.industry.as_deref()];
            }
            div {
                label for="score_min" { "Score at least" }
                input type="number" id="score_min" name="score_min" min="0" max="100" value=[q.score_min.as_deref()];
            }
            div {
                label for="score_max" { "Score at most" }
                input type="number" id="score_max" name="score_max" min="0" max="100" value=[q.score_max.as_deref()];
            }
            div {
                label for="assignee" { "Assignee" }
                select id="assignee" name="assignee" {
                    option value="" { "Anyone" }
                    @for (id, email) in &staff {
                        option value=(id) selected[q.assignee.as_deref() == Some(id.to_string().as_str())] { (email) }
                    }
                }
            }
            div {
                label for="job_id" { "Found by search" }
                select id="job_id" name="job_id" {
                    option value="" { "Any" }
                    @for (id, what) in &searches {
                        option value=(id) selected[q.job_id.as_deref() == Some(id.to_string().as_str())] { (what) }
                    }
                }
            }
            div {
                label for="mine" { input type="checkbox" id="mine" name="mine" value="1" checked[q.mine.is_some()]; " Assigned to me" }
            }
            div {
                label for="sort" { "Sort by" }
                select id="sort" name="sort" {
                    @for (v, t) in [("score", "score"), ("created", "newest"), ("updated", "recently changed"), ("name", "name")] {
                        option value=(v) selected[selected(&q.sort, v)] { (t) }
                    }
                }
            }
            div { button type="submit" { "Apply filters" } }
        }
        @if let Some(n) = q.changed { div class="notice" role="status" { p { "Status changed for " (n) " leads." } } }
        p role="status" { (total) " leads" }
        form method="post" action="/leads/bulk" {
            input type="hidden" name="csrf" value=(csrf);
            table {
                caption class="visually-hidden" { "Leads, page " (page_no) " of " (pages) }
                thead { tr {
                    @if can_work { th scope="col" { span class="visually-hidden" { "Select" } } }
                    th scope="col" { "Lead" } th scope="col" { "Origin" } th scope="col" { "Status" } th scope="col" { "Score" } th scope="col" { "Assignee" } th scope="col" { "Created" }
                } }
                tbody {
                    @for r in &rows {
                        tr {
                            @if can_work {
                                td { input type="checkbox" name="lead" value=(r.id) id={ "sel-" (r.id) } aria-label={ "Select " (who_name(r)) }; }
                            }
                            td { a href={ "/leads/" (r.id) } { (who_name(r)) } @if let Some(e) = &r.email { br; span class="hint" { (e) } } }
                            td { (r.origin) }
                            td { (human(&r.status)) }
                            td { (r.lead_score) }
                            td { (r.assignee_email.as_deref().unwrap_or("—")) }
                            td { (r.created_at.format("%Y-%m-%d")) }
                        }
                    }
                }
            }
            @if can_work && !rows.is_empty() {
                div class="filters" {
                    div {
                        label for="bulk-status" { "Change the status of the selected leads to" }
                        select id="bulk-status" name="status" {
                            @for s in STATUSES { option value=(s) { (human(s)) } }
                        }
                    }
                    div { button type="submit" { "Change status" } }
                }
            }
        }
        nav class="pager" aria-label="Pages" {
            @if page_no > 1 { a href=(link(page_no - 1)) rel="prev" { "Previous page" } }
            span { "Page " (page_no) " of " (pages) }
            @if page_no < pages { a href=(link(page_no + 1)) rel="next" { "Next page" } }
        }
    };
    page("Leads", Some(&who), session::csrf(jar).as_deref(), body).into_response()
}

/// What the lead page shows besides the lead itself.
struct DetailExtras {
    files: Vec<inbound::LeadFileRow>,
    contacts: Vec<leads::ContactRow>,
    history: Vec<leadgen_core::repo::audit::AuditRow>,
    assignees: Vec<(Uuid, String)>,
}

fn component_label(key: &str) -> &str {
    match key {
        "contact_completeness" => "Contact completeness",
        "business_indicators" => "Business indicators",
        "data_quality" => "Data quality",
        "engagement_potential" => "Engagement potential",
        other => other,
    }
}

fn detail_markup(
    r: &leads::LeadRow,
    x: &DetailExtras,
    csrf: &str,
    can_work: bool,
    errors: &[(String, String)],
    saved: bool,
) -> Markup {
    let name = who_name(r);
    let components = [
        "contact_completeness",
        "business_indicators",
        "data_quality",
        "engagement_potential",
    ];
    let strings = |v: &Option<serde_json::Value>| -> Vec<String> {
        v.as_ref()
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    html! {
        h1 { (name) }
        @if saved { div class="notice" role="status" { p { "Saved." } } }
        (error_summary(errors))
        dl class="facts" {
            dt { "Origin" } dd { (r.origin) }
            dt { "Status" } dd { (human(&r.status)) }
            dt { "Score" } dd { (r.lead_score) " / 100" }
            @if let Some(e) = &r.email { dt { "Email" } dd { a href={ "mailto:" (e) } { (e) } } }
            dt { "Assignee" } dd { (r.assignee_email.as_deref().unwrap_or("nobody")) }
            dt { "Created" } dd { (r.created_at.format("%Y-%m-%d %H:%M UTC")) }
        }
        @if r.company_id.is_some() {
            h2 { "Company" }
            dl class="facts" {
                @if let Some(w) = &r.website { dt { "Website" } dd { (w) } }
                @if let Some(i) = &r.industry { dt { "Industry" } dd { (i) } }
                @if let Some(s) = &r.size_category { dt { "Size" } dd { (s) " employees" } }
                @if let Some(n) = r.employee_count { dt { "Employees" } dd { (n) } }
                @if let Some(y) = r.founded_year { dt { "Founded" } dd { (y) } }
                @if let Some(a) = &r.address { dt { "Address" } dd { (a) @if let Some(c) = &r.city { ", " (c) } } }
                @let phones = strings(&r.phones);
                @if !phones.is_empty() { dt { "Phones" } dd { (phones.join(", ")) } }
                @let tech = strings(&r.technologies);
                @if !tech.is_empty() { dt { "Technologies" } dd { (tech.join(", ")) } }
            }
            @if let Some(d) = &r.description { p { (d) } }
        }
        @if !x.contacts.is_empty() {
            h2 { "Contacts" }
            table {
                thead { tr { th scope="col" { "Name" } th scope="col" { "Title" } th scope="col" { "Email" } th scope="col" { "Email status" } th scope="col" { "Phone" } th scope="col" { "Decision maker" } } }
                tbody {
                    @for c in &x.contacts {
                        tr {
                            td { (c.name.as_deref().unwrap_or("—")) }
                            td { (c.title.as_deref().unwrap_or("—")) }
                            td { (c.email.as_deref().unwrap_or("—")) }
                            td title=(c.verification_reason.as_deref().unwrap_or("")) {
                                @if c.email.is_some() {
                                    (c.verification_status)
                                    @if let Some(kind) = &c.email_kind { " · " (kind) }
                                } @else { "—" }
                            }
                            td { (c.phone.as_deref().unwrap_or("—")) }
                            td { (if c.is_decision_maker { "yes" } else { "no" }) }
                        }
                    }
                }
            }
        }
        @let signals = |key: &str| -> Vec<String> {
            r.business_intelligence[key]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s["description"].as_str().map(str::to_string))
                .collect()
        };
        @let growth = signals("growth_signals");
        @let pains = signals("pain_points");
        @let flagged: Vec<String> = r.business_intelligence["flagged_values"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| format!(
                "{} {}: {}",
                f["field"].as_str().unwrap_or(""),
                f["value"].as_str().unwrap_or(""),
                f["reason"].as_str().unwrap_or("")
            ))
            .collect();
        @if !growth.is_empty() || !pains.is_empty() || !flagged.is_empty() {
            h2 { "Business intelligence" }
            @if !growth.is_empty() {
                h3 { "Growth signals" }
                ul { @for g in &growth { li { (g) } } }
            }
            @if !pains.is_empty() {
                h3 { "Pain points" }
                ul { @for p in &pains { li { (p) } } }
            }
            @if !flagged.is_empty() {
                h3 { "Values on the website that could not be used" }
                ul { @for f in &flagged { li { (f) } } }
            }
        }
        @if components.iter().any(|k| r.score_breakdown.get(*k).is_some()) {
            h2 { "Why this score" }
            table {
                thead { tr { th scope="col" { "Part" } th scope="col" { "Score" } th scope="col" { "Weight" } th scope="col" { "Reasons" } } }
                tbody {
                    @for k in components {
                        @if let Some(c) = r.score_breakdown.get(k) {
                            tr {
                                th scope="row" { (component_label(k)) }
                                td { (c.get("score").and_then(|v| v.as_i64()).unwrap_or(0)) }
                                td { (format!("{:.0} %", c.get("weight").and_then(|v| v.as_f64()).unwrap_or(0.0) * 100.0)) }
                                td { ul { @for reason in c.get("reasons").and_then(|v| v.as_array()).into_iter().flatten().filter_map(|v| v.as_str()) { li { (reason) } } } }
                            }
                        }
                    }
                }
            }
        }
        @let sources: Vec<&serde_json::Value> = r.data_sources.as_array().map(|a| a.iter().collect()).unwrap_or_default();
        @if !sources.is_empty() {
            h2 { "Where the data comes from" }
            ul {
                @for s in sources {
                    li {
                        (s.get("source").and_then(|v| v.as_str()).unwrap_or("source"))
                        @if let Some(u) = s.get("url").and_then(|v| v.as_str()) { ": " (u) }
                    }
                }
            }
        }
        @if !x.files.is_empty() {
            h2 { "Résumés" }
            ul {
                @for f in &x.files {
                    li { a href={ "/leads/" (r.id) "/files/" (f.id) } download { (f.filename) } " (" (f.kind) ", " (f.size_bytes / 1024 + 1) " KB, received " (f.uploaded_at.format("%Y-%m-%d")) ")" }
                }
            }
        }
        @if can_work {
            h2 { "Work this lead" }
            form method="post" action={ "/leads/" (r.id) } {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="version" value=(r.version);
                label for="status" { "Status" }
                select id="status" name="status" {
                    @for s in STATUSES { option value=(s) selected[r.status == s] { (human(s)) } }
                }
                label for="assignee" { "Assignee" }
                select id="assignee" name="assignee" {
                    option value="" selected[r.assignee_id.is_none()] { "nobody" }
                    @for (id, email) in &x.assignees {
                        option value=(id) selected[r.assignee_id == Some(*id)] { (email) }
                    }
                }
                label for="notes" { "Notes" }
                textarea id="notes" name="notes" rows="5" { (r.notes) }
                p { button type="submit" { "Save" } }
            }
        } @else if !r.notes.is_empty() {
            h2 { "Notes" } p { (r.notes) }
        }
        @if !x.history.is_empty() {
            h2 { "History" }
            table {
                thead { tr { th scope="col" { "When" } th scope="col" { "Who" } th scope="col" { "What" } } }
                tbody {
                    @for h in &x.history {
                        tr {
                            td { (h.at.format("%Y-%m-%d %H:%M")) }
                            td { (h.actor_label) }
                            td { (history_text(h)) }
                        }
                    }
                }
            }
        }
    }
}

fn history_text(h: &leadgen_core::repo::audit::AuditRow) -> String {
    let d = &h.detail;
    match h.action.as_str() {
        "lead.inbound" => {
            if d["resubmission"] == true {
                "sent the form again".into()
            } else {
                "sent the form".into()
            }
        }
        "lead.file_download" => {
            format!("downloaded {}", d["filename"].as_str().unwrap_or("a file"))
        }
        "lead.update" => {
            let mut parts = Vec::new();
            if let (Some(from), Some(to)) =
                (d["status"]["from"].as_str(), d["status"]["to"].as_str())
            {
                parts.push(format!("status {} → {}", human(from), human(to)));
            }
            if d["assignee_id"].is_object() {
                parts.push("assignee changed".into());
            }
            if d["notes_changed"] == true {
                parts.push("notes changed".into());
            }
            if parts.is_empty() {
                "changed".into()
            } else {
                parts.join(", ")
            }
        }
        other => other.to_string(),
    }
}

/// `?saved=1` after a change.
#[derive(Debug, Default, Deserialize)]
pub struct Saved {
    saved: Option<u8>,
}

/// One lead.
#[handler]
pub async fn detail(
    req: &Request,
    state: Data<&AppState>,
    client: Data<&ClientInfo>,
    jar: &CookieJar,
    Path(id): Path<Uuid>,
    Query(s): Query<Saved>,
) -> Response {
    let who = match session::signed_in(&state, &client, jar, req.uri().path()).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    render_detail(
        &state,
        &who,
        jar,
        id,
        &[],
        s.saved.is_some(),
        StatusCode::OK,
    )
    .await
}

async fn render_detail(
    state: &AppState,
    who: &Principal,
    jar: &CookieJar,
    id: Uuid,
    errors: &[(String, String)],
    saved: bool,
    status: StatusCode,
) -> Response {
    if let Err(e) = who.require(Permission::LeadsRead) {
        return forbidden(who, jar, e);
    }
    let row = match leads::get(&state.pool, id).await {
        Ok(Some(r)) => r,
        Ok(None) => {
            return error_page(who, jar, ApiError::NotFound("Lead not found".into()));
        }
        Err(e) => return error_page(who, jar, e.into()),
    };
    let files = inbound::files(&state.pool, id).await.unwrap_or_default();
    let contacts = match row.company_id {
        Some(c) => leads::contacts(&state.pool, c).await.unwrap_or_default(),
        None => vec![],
    };
    let history = leadgen_core::repo::audit::list(
        &state.pool,
        &leadgen_core::repo::audit::AuditFilter {
            target_id: Some(id.to_string()),
            ..Default::default()
        },
        50,
    )
    .await
    .unwrap_or_default();
    let assignees = assignable(state).await;
    let extras = DetailExtras {
        files,
        contacts,
        history,
        assignees,
    };
    let csrf = session::csrf(jar).unwrap_or_default();
    let markup = detail_markup(
        &row,
        &extras,
        &csrf,
        who.can(Permission::LeadsWork),
        errors,
        saved,
    );
    page(&who_name(&row), Some(who), Some(&csrf), markup)
        .with_status(status)
        .into_response()
}

/// The lead form's fields.
#[derive(Debug, Deserialize)]
pub struct WorkForm {
    csrf: String,
    version: i32,
    status: String,
    #[serde(default)]
    assignee: Option<String>,
    notes: String,
}

/// Saving a change to a lead.
#[handler]
pub async fn update(
    req: &Request,
    state: Data<&AppState>,
    client: Data<&ClientInfo>,
    jar: &CookieJar,
    Path(id): Path<Uuid>,
    Form(f): Form<WorkForm>,
) -> Response {
    let who = match session::signed_in(&state, &client, jar, req.uri().path()).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if !session::csrf_ok(jar, &f.csrf) {
        return render_detail(
            &state,
            &who,
            jar,
            id,
            &[(
                "status".into(),
                "could not be saved: the form expired; please try again".into(),
            )],
            false,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let status = parse::<LeadStatus>(&Some(f.status.clone()));
    let body = LeadUpdate {
        version: f.version,
        status,
        assignee_id: match f.assignee.as_deref() {
            None => MaybeUndefined::Undefined,
            Some("") => MaybeUndefined::Null,
            Some(raw) => match Uuid::parse_str(raw) {
                Ok(u) => MaybeUndefined::Value(u),
                Err(_) => MaybeUndefined::Undefined,
            },
        },
        notes: Some(f.notes.clone()),
        company: None,
    };
    match crate::routes::lead_work::update(
        &state,
        &client,
        Auth(who.clone()),
        &id.to_string(),
        body,
    )
    .await
    {
        Ok(_) => Redirect::see_other(format!("/leads/{id}?saved=1")).into_response(),
        Err(failure) => {
            let e: poem::Error = failure.into();
            let (message, code) = match e.downcast_ref::<ApiError>() {
                Some(ApiError::Conflict(_)) => ("was changed by someone else meanwhile; here is the lead as it is now, please make your change again".to_string(), StatusCode::CONFLICT),
                Some(ApiError::Forbidden { message, .. }) => (message.clone(), StatusCode::FORBIDDEN),
                Some(ApiError::Validation(fs)) => (fs.iter().map(|f| f.message.clone()).collect::<Vec<_>>().join("; "), StatusCode::UNPROCESSABLE_ENTITY),
                _ => ("could not be saved right now; try again shortly".to_string(), StatusCode::SERVICE_UNAVAILABLE),
            };
            render_detail(
                &state,
                &who,
                jar,
                id,
                &[("status".into(), message)],
                false,
                code,
            )
            .await
        }
    }
}

/// Changing the status of several leads at once (each change audited on its own).
#[handler]
pub async fn bulk(
    state: Data<&AppState>,
    client: Data<&ClientInfo>,
    jar: &CookieJar,
    body: String,
) -> Response {
    let who = match session::signed_in(&state, &client, jar, "/leads").await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let value = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    if let Some(r) = session::form_token(&who, jar, &value("csrf").unwrap_or_default()) {
        return r;
    }
    if let Err(e) = who.require(Permission::LeadsWork) {
        return forbidden(&who, jar, e);
    }
    let Some(status) = parse::<LeadStatus>(&value("status")) else {
        return error_page(&who, jar, ApiError::field("status", "is not a status"));
    };
    let mut changed = 0;
    for id in pairs
        .iter()
        .filter(|(k, _)| k == "lead")
        .filter_map(|(_, v)| Uuid::parse_str(v).ok())
    {
        // A bulk change applies to the lead as it is now.
        let Ok(Some(current)) = leads::get(&state.pool, id).await else {
            continue;
        };
        let body = LeadUpdate {
            version: current.version,
            status: Some(status),
            assignee_id: MaybeUndefined::Undefined,
            notes: None,
            company: None,
        };
        if crate::routes::lead_work::update(
            &state,
            &client,
            Auth(who.clone()),
            &id.to_string(),
            body,
        )
        .await
        .is_ok()
        {
            changed += 1;
        }
    }
    Redirect::see_other(format!("/leads?changed={changed}")).into_response()
}

/// Downloading a résumé from the lead page.
#[handler]
pub async fn file(
    req: &Request,
    state: Data<&AppState>,
    client: Data<&ClientInfo>,
    jar: &CookieJar,
    Path((lead_id, file_id)): Path<(Uuid, Uuid)>,
) -> Response {
    let who = match session::signed_in(&state, &client, jar, req.uri().path()).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    match crate::routes::inbound::fetch_file(&state, &client, &who, lead_id, file_id).await {
        Ok((bytes, content_type, filename)) => Response::builder()
            .content_type(content_type)
            .header(
                "content-disposition",
                crate::routes::inbound::attachment(&filename),
            )
            .body(bytes),
        Err(e) => error_page(&who, jar, e),
    }
}
